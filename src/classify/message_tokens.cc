#include "classify/message_tokens.h"

#include <string>

#include "mime/message_info.h"

namespace sealmail::classify {

namespace {

// Text beyond this is not read: the first part of a message says what it is, and the cost stays
// bounded for large messages.
constexpr size_t kMaxText = 256 * 1024;

size_t count(std::string_view text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

bool mostly_capitals(std::string_view s) {
  size_t upper = 0, letters = 0;
  for (unsigned char c : s) {
    if (c >= 'A' && c <= 'Z') ++upper, ++letters;
    if (c >= 'a' && c <= 'z') ++letters;
  }
  return letters >= 8 && upper * 10 >= letters * 7;
}

// "Name <user@example.com>" -> "example.com" (lower-case).
std::string domain_of_from(std::string_view from) {
  auto at = from.rfind('@');
  if (at == std::string_view::npos) return {};
  std::string d;
  for (size_t i = at + 1; i < from.size(); ++i) {
    char c = from[i];
    if (c == '>' || c == ' ' || c == ',' || c == ';') break;
    d.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return d;
}

}  // namespace

std::vector<Token> message_tokens(std::string_view raw, const TokenLimits& limits) {
  mime::AnalyzeOptions options;
  options.max_search_text = kMaxText;
  auto info = mime::analyze(raw, options);
  std::vector<Token> out;
  const auto& subject = info.fields.subject;
  add_text_tokens("s:", subject, out, limits);
  add_text_tokens("b:", info.search_body, out, limits);
  if (subject.empty()) out.push_back(token_of("x:", "no-subject"));
  if (mostly_capitals(subject)) out.push_back(token_of("x:", "subject-capitals"));
  if (info.has_attachment) out.push_back(token_of("x:", "attachment"));
  if (info.search_body.empty()) out.push_back(token_of("x:", "no-text"));
  size_t links = count(info.search_body, "http://") + count(info.search_body, "https://");
  out.push_back(token_of("x:", links == 0   ? "links-0"
                               : links == 1 ? "links-1"
                               : links <= 5 ? "links-2-5"
                                            : "links-6+"));
  auto domain = domain_of_from(info.fields.from);
  if (!domain.empty()) out.push_back(token_of("x:from:", domain));
  unique_tokens(out);
  return out;
}

}  // namespace sealmail::classify
