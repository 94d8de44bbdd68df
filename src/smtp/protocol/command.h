// SMTP commands as values: RFC 5321 §4.1.1 (HELO, EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT, VRFY,
// EXPN, HELP), RFC 3030 (BDAT), RFC 3207 (STARTTLS), RFC 4954 (AUTH), and the MAIL/RCPT parameters
// of RFC 1870 (SIZE), RFC 6152 (BODY=8BITMIME), RFC 3030 (BODY=BINARYMIME), RFC 6531 (SMTPUTF8),
// RFC 3461 (RET, ENVID, NOTIFY, ORCPT) and RFC 4954 §5 (AUTH=).
//
// parse_command() turns one command line (without its line ending; line_reader.h cuts them) into a
// Command or a ParseError carrying the reply the server sends. Rules it keeps:
//   - verbs and parameter keywords are case-insensitive (RFC 5321 §2.4); "MAIL FROM:<a@b>" and the
//     common "MAIL FROM: <a@b>" (one space after the colon, as Postfix tolerates) are accepted;
//   - paths must be in angle brackets; addresses follow RFC 5321 §4.1.2 (address.h): UTF-8 only
//     when the transaction uses SMTPUTF8 (RFC 6531 §3.3). SMTPUTF8 on the MAIL line itself allows
//     it in that line's reverse-path whatever `utf8_allowed` says;
//   - unknown MAIL/RCPT parameters are 555 (RFC 5321 §4.1.1.11), malformed or repeated ones 501;
//   - C0 controls and DEL are refused anywhere in a line (a CR inside a line is a broken client or
//     an injection attempt); trailing spaces and tabs are ignored;
//   - an error's text never quotes the client's line: it may hold an address or a password.
//
// Secrets: AUTH's `argument` may hold an initial response (a password, base64). It is given heap
// storage, so that moving the Command moves the pointer; the server copies it into locked memory
// and calls wipe_secrets(). Never log it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace sealmail::smtp {

enum class Verb : uint8_t { helo, ehlo, mail, rcpt, data, bdat, rset, noop, quit, vrfy, expn, help, starttls, auth };

// RFC 6152 / RFC 3030 §3: the BODY= parameter of MAIL.
enum class BodyType : uint8_t { seven_bit, eight_bit_mime, binary_mime };

struct MailParams {
  std::optional<uint64_t> size;  // RFC 1870 SIZE=, saturated at UINT64_MAX for 20-digit values
  BodyType body = BodyType::seven_bit;
  bool smtputf8 = false;  // RFC 6531 §3.4
  std::string ret;        // RFC 3461 §4.3 RET=: "FULL", "HDRS" or ""
  std::string envid;      // RFC 3461 §4.4 ENVID=, still xtext-encoded as sent
  std::string auth;       // RFC 4954 §5 AUTH=, xtext as sent, or "<>"
  bool operator==(const MailParams&) const = default;
};

struct RcptParams {
  std::string notify;  // RFC 3461 §4.1 NOTIFY=, uppercased: "NEVER" or e.g. "SUCCESS,FAILURE"
  std::string orcpt;   // RFC 3461 §4.2 ORCPT=, "addr-type;xtext" as sent
  bool operator==(const RcptParams&) const = default;
};

struct Command {
  Verb verb = Verb::noop;
  std::string domain;   // HELO/EHLO: the domain or address literal as sent
  std::string address;  // MAIL: reverse-path without <> ("" for <>); RCPT: forward-path without <>,
                        // source route (@a,@b:) dropped; "postmaster" (any case, as sent) for RCPT
  MailParams mail;
  RcptParams rcpt;
  uint64_t chunk_size = 0;  // BDAT
  bool last_chunk = false;  // BDAT ... LAST
  std::string argument;     // VRFY/EXPN/HELP/AUTH: the rest of the line (AUTH: secret, never log)

  // Overwrites and clears `argument` (AUTH).
  void wipe_secrets();

  bool operator==(const Command&) const = default;
};

// The reply for a line that is not a valid command. `text` never contains the client's bytes.
struct ParseError {
  int code;              // 500, 501, 553, 555
  std::string enhanced;  // RFC 3463, e.g. "5.5.2"
  std::string text;
  bool operator==(const ParseError&) const = default;
};

// The verb as on the wire ("MAIL"), for logs.
std::string_view to_string(Verb verb);

// Parses one command line. `line` excludes the CRLF. `utf8_allowed`: the current transaction was
// opened with MAIL ... SMTPUTF8, so UTF-8 may appear in RCPT addresses (RFC 6531 §3.3).
std::variant<Command, ParseError> parse_command(std::string_view line, bool utf8_allowed = false);

}  // namespace sealmail::smtp
