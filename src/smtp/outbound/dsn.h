// Delivery status notifications (RFC 3464) for recipients that failed or are delayed: a
// multipart/report (RFC 6522, formerly RFC 3462) with report-type=delivery-status, of three parts:
// a text for people, the machine-readable message/delivery-status, and the original message (or
// its header section, RFC 3461's RET=HDRS).
//
// Rules this module keeps:
// - UTF-8 (RFC 6533): when an address or the original header section is not ASCII, the report is
//   message/global-delivery-status with "utf-8;" address types, and the original is
//   message/global (or message/global-headers); otherwise the classic ASCII types.
// - Text from the remote server (Diagnostic-Code) is untrusted: control characters become spaces
//   (no header injection), non-ASCII becomes '?' in an ASCII report, and it is cut to a bounded
//   length and folded.
// - The boundary never occurs in the content; lines end in CRLF.
// - Auto-Submitted: auto-replied (RFC 3834) and an empty envelope sender (the caller's job:
//   RFC 5321 §4.5.5) keep reports from looping.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sealmail::smtp::outbound {

enum class DsnAction { failed, delayed };

struct DsnRecipient {
  std::string final_recipient;     // the address we tried
  std::string original_recipient;  // RFC 3461 ORCPT as given ("rfc822;a@b"), or empty
  DsnAction action = DsnAction::failed;
  std::string status;            // enhanced status code "5.1.1" (RFC 3463)
  std::string remote_mta;        // host name of the server that answered, or empty
  std::string diagnostic;        // the server's reply ("550 5.1.1 no such user"), or empty
  int64_t last_attempt = 0;      // unix time; 0: none
  int64_t will_retry_until = 0;  // unix time, for delayed recipients; 0: none
};

struct DsnRequest {
  std::string reporting_mta;  // our host name
  std::string from;           // "MAILER-DAEMON@our.host"
  std::string to;             // the original envelope sender
  std::string envelope_id;    // RFC 3461 ENVID, or empty
  int64_t arrival_date = 0;   // when we accepted the message
  int64_t now = 0;            // Date of the report
  std::string message_id;     // "<id@host>" of the report
  std::vector<DsnRecipient> recipients;
  std::string original;              // the original message as received
  bool return_headers_only = false;  // RET=HDRS, or the original is too big to return whole
};

// The whole report, CRLF line endings, ready to queue.
std::string build_dsn(const DsnRequest& request);

}  // namespace sealmail::smtp::outbound
