// Writing POP3 responses: status lines (RFC 1939 §3), extended response codes (RFC 2449 §8,
// RFC 3206 SYS and AUTH, RFC 6856 UTF8), SASL challenges (RFC 5034 §4), and multi-line
// responses with byte-stuffing (RFC 1939 §3) for RETR and TOP (§7).
//
// Rules kept here:
//   - a status line is one line: CR and LF in `text` become spaces, so that no caller can split a
//     response (or inject one) by passing text that came from elsewhere;
//   - POP3 requires CRLF line endings on the wire (RFC 1939 §3, and §11 on counting message
//     sizes in CRLF form) while the store returns a message byte-exact, as it arrived: possibly
//     with bare LF (mbox imports, some MTAs). append_dot_stuffed() converts each bare LF to CRLF,
//     keeps a CR that is not followed by LF as it is (it cannot end a line, so it cannot end the
//     response either), and ends an unterminated last line with CRLF before the ".\r\n";
//   - byte-stuffing: a line that starts with "." gets one more "." in front (RFC 1939 §3), so
//     the only "\r\n.\r\n" in the output is the terminator.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sealmail::pop3 {

// RFC 2449 §8 response codes, written in square brackets after "-ERR" (clients use them to tell
// a wrong password from a locked maildrop from an outage). Announced by RESP-CODES and, for AUTH
// and SYS, AUTH-RESP-CODE (RFC 3206) in CAPA.
enum class RespCode : uint8_t {
  none,
  in_use,       // "IN-USE": the maildrop is locked by another session (RFC 2449 §8.1)
  login_delay,  // "LOGIN-DELAY": logged in too recently (RFC 2449 §8.1)
  sys_temp,     // "SYS/TEMP": a temporary server problem, try later (RFC 3206)
  sys_perm,     // "SYS/PERM": a lasting server problem (RFC 3206)
  auth,         // "AUTH": the credentials are wrong, ask the user (RFC 3206)
  utf8,         // "UTF8": the request needs UTF-8 support (RFC 6856)
};

// "IN-USE", "SYS/TEMP", ...; empty for none.
std::string_view to_string(RespCode code);

// "+OK text\r\n" ("+OK\r\n" for empty text).
std::string ok(std::string_view text = {});
// "-ERR [CODE] text\r\n" ("-ERR text\r\n" without a code).
std::string err(std::string_view text, RespCode code = RespCode::none);
// The same, appended to `out`, for pipelined answers gathered into one write.
void append_ok(std::string& out, std::string_view text = {});
void append_err(std::string& out, std::string_view text, RespCode code = RespCode::none);

// RFC 5034 §4: a server challenge, "+ " and the base64 text (for PLAIN: empty) and CRLF.
void append_challenge(std::string& out, std::string_view base64);

// The line that ends every multi-line response.
inline constexpr std::string_view kEndOfMultiline = ".\r\n";

// Appends `message` as the body of a multi-line response (after the "+OK ...\r\n" line the caller
// wrote), byte-stuffed and with CRLF line endings, followed by ".\r\n". An empty message gives
// ".\r\n" alone. Linear in the message, with one copy per run of lines that need no change.
void append_dot_stuffed(std::string& out, std::string_view message);

// RFC 1939 §7 TOP: the headers, the blank line that ends them, and the first `lines` lines of the
// body, as a prefix of `message` (no copy). A message without a blank line is all headers and is
// returned whole; a body shorter than `lines` is returned whole. A last line without a line ending
// counts as a line. Pass the result to append_dot_stuffed().
std::string_view top_lines(std::string_view message, uint64_t lines);

// The size of `message` as RETR sends it, without the byte-stuffing and the terminator: CRLF line
// endings, a CRLF added to an unterminated last line. RFC 1939 §5 (LIST, STAT) asks for "the exact
// size of the message in octets"; §11 notes it counts line endings as CRLF, whatever the storage.
uint64_t transmitted_size(std::string_view message);

// RFC 1939 §5 scan listing "n size\r\n" (a line of the multi-line LIST answer; the caller writes
// "+OK " before it for the single-message form).
void append_scan_listing(std::string& out, uint32_t message, uint64_t size);
// RFC 1939 §7 unique-id listing "n uid\r\n". `uid` must be 1..70 characters 0x21..0x7E.
void append_unique_id_listing(std::string& out, uint32_t message, std::string_view uid);
// True if `uid` may be sent as a POP3 unique id (RFC 1939 §7).
bool valid_unique_id(std::string_view uid);

}  // namespace sealmail::pop3
