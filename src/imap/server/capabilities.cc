#include "imap/server/capabilities.h"

#include "imap/server/session.h"

namespace sealmail::imap {

std::string capabilities(const Session& session) {
  std::string caps = "IMAP4rev1 IMAP4rev2 SASL-IR LITERAL+ ID ENABLE IDLE";
  if (session.state() == SessionState::not_authenticated) {
    if (!session.tls_active()) caps += " STARTTLS";
    caps += session.login_allowed() ? " AUTH=PLAIN" : " LOGINDISABLED";
    return caps;
  }
  caps +=
      " NAMESPACE UNSELECT UIDPLUS MOVE CHILDREN SPECIAL-USE CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS"
      " CONDSTORE QRESYNC ESEARCH SEARCHRES SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT THREAD=REFERENCES STATUS=SIZE"
      " BINARY UTF8=ACCEPT QUOTA QUOTA=RES-STORAGE MULTIAPPEND X-REGEX";
  caps += " APPENDLIMIT=" + std::to_string(session.options().max_message_bytes);
  if (!const_cast<Session&>(session).connection().compressed()) caps += " COMPRESS=DEFLATE";
  return caps;
}

}  // namespace sealmail::imap
