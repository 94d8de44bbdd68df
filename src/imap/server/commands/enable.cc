// ENABLE (RFC 5161): CONDSTORE, QRESYNC (implies CONDSTORE, RFC 7162 §3.2.3), UTF8=ACCEPT
// (RFC 6855 §3) and IMAP4rev2 (RFC 9051 §6.3.1). Unknown names are ignored, as the RFC says.
#include "imap/server/commands/handlers.h"

namespace sealmail::imap::commands {

Result enable(Session& s, Command& c) {
  auto& args = std::get<EnableArgs>(c.args);
  std::string enabled;
  for (auto& name : args.capabilities) {
    bool* flag = nullptr;
    if (name == "CONDSTORE") flag = &s.condstore;
    if (name == "QRESYNC") flag = &s.qresync;
    if (name == "UTF8=ACCEPT") flag = &s.utf8;
    if (name == "IMAP4REV2") flag = &s.imap4rev2;
    if (flag == nullptr || *flag) continue;
    *flag = true;
    if (name == "QRESYNC") s.condstore = true;
    enabled += " " + (name == "IMAP4REV2" ? std::string("IMAP4rev2") : name);
  }
  s.untagged("ENABLED" + enabled);
  co_return Completion{};
}

}  // namespace sealmail::imap::commands
