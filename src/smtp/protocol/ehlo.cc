#include "smtp/protocol/ehlo.h"

#include <vector>

#include "smtp/protocol/reply.h"

namespace sealmail::smtp {
namespace {

bool printable(std::string_view s) {
  for (char c : s)
    if (c < 0x21 || c > 0x7E) return false;
  return true;
}

}  // namespace

std::string ehlo_reply(const EhloOptions& options, std::string_view client_domain) {
  std::vector<std::string> lines;
  std::string greeting = options.hostname;
  if (!client_domain.empty() && client_domain.size() <= 255 && printable(client_domain)) {
    greeting += " greets ";
    greeting += client_domain;
  }
  lines.push_back(std::move(greeting));
  lines.emplace_back("PIPELINING");
  lines.push_back(options.max_message_bytes ? "SIZE " + std::to_string(options.max_message_bytes) : "SIZE");
  lines.emplace_back("8BITMIME");
  lines.emplace_back("ENHANCEDSTATUSCODES");
  if (options.smtputf8) lines.emplace_back("SMTPUTF8");
  if (options.chunking) {
    lines.emplace_back("CHUNKING");
    lines.emplace_back("BINARYMIME");
  }
  lines.emplace_back("DSN");
  if (options.starttls) lines.emplace_back("STARTTLS");
  if (!options.auth.empty()) lines.push_back("AUTH " + options.auth);
  return reply_lines(250, lines);
}

}  // namespace sealmail::smtp
