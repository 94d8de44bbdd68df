#include "delivery/junk_refile.h"

#include <cstdlib>
#include <string>

#include "classify/bayes.h"
#include "classify/message_tokens.h"

namespace sealmail::delivery {

namespace {

constexpr std::string_view kField = "X-Sealmail-Spam: ";
constexpr std::string_view kLine = "\r\nX-Sealmail-Spam: ";

}  // namespace

void refile_junk(filters::SpamFilter& spam, store::Mailbox& mailbox, store::AppendRequest& request) {
  std::string& m = request.message;
  // Our header, within the header block (a line of its own, as the router wrote it).
  size_t end_of_headers = m.find("\r\n\r\n");
  if (end_of_headers == std::string::npos) return;
  size_t at = m.rfind(kLine, end_of_headers);
  if (at == std::string::npos) return;
  at += 2;
  size_t eol = m.find("\r\n", at);
  if (eol == std::string::npos || eol > end_of_headers) return;
  std::string value = m.substr(at + kField.size(), eol - at - kField.size());
  if (value.find(" verdict=inbox ") == std::string::npos) return;
  auto t = value.find(" threshold=");
  if (t == std::string::npos) return;
  double threshold = std::strtod(value.c_str() + t + 11, nullptr);
  if (!(threshold >= 0.0 && threshold <= 1.0)) return;

  auto tokens = classify::message_tokens(std::string_view(m).substr(eol + 2));
  auto personal = mailbox.junk_model(tokens);
  if (!personal || personal->totals.ham + personal->totals.spam == 0) return;  // nothing new to add
  auto model = spam.model();
  auto scores = classify::score(tokens, *model, &*personal);
  filters::Protections p;
  p.junk_threshold = threshold;
  auto verdict = filters::SpamFilter::verdict(scores, p);
  if (!verdict.junk) return;
  m.replace(at, eol + 2 - at, verdict.header);
  request.folder = "Junk";
}

}  // namespace sealmail::delivery
