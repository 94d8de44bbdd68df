// libFuzzer target for SMTP command input (src/smtp/protocol: LineReader and parse_command). The
// input is a client's byte stream. Invariants:
//   1. chunking does not matter: the whole input, chunks whose sizes come from the input, and (up to
//      4 KiB) one byte at a time give the same lines and overlong-line verdicts, under a line limit
//      picked by the first byte; a line never exceeds the limit;
//   2. every parsed command is well-formed (addresses valid per RFC 5321 §4.1.2 and within the
//      §4.5.3.1 limits, HELO domains valid, parameters in their documented forms) and survives a
//      round trip: written back to the wire and parsed again, it is the same command;
//   3. errors carry a code of 500/501/553/555 with a matching enhanced code, and their text is one
//      of the fixed texts (so it never quotes the client's bytes);
//   4. allowing UTF-8 never refuses what ASCII rules accept, nor changes it.
// A broken invariant prints what broke and aborts, so libFuzzer saves the input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/utf8.h"
#include "smtp/protocol/address.h"
#include "smtp/protocol/command.h"
#include "smtp/protocol/line_reader.h"
#include "smtp/protocol/params.h"

namespace {

using namespace sealmail;
using namespace sealmail::smtp;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_smtp_command: invariant broken: %s\n", what);
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

// Chunk sizes read backwards from the end of the input (as in fuzz_pop3_command.cc): text bytes
// give 1..8 so that cuts fall inside verbs and between CR and LF; others up to 509.
class ChunkSizes {
 public:
  explicit ChunkSizes(std::string_view source) : source_(source) {}
  size_t next() {
    if (source_.empty()) return 1;
    auto b = static_cast<unsigned char>(source_[source_.size() - 1 - pos_++ % source_.size()]);
    return b < 0x80 ? 1 + (b & 7) : 1 + (b & 0x7f) * 4;
  }

 private:
  std::string_view source_;
  size_t pos_ = 0;
};

enum class Feed { kWhole, kChunks, kBytes };

// One answer of the reader: a line's text, or an overlong line.
struct Event {
  bool too_long;
  std::string text;
  bool operator==(const Event&) const = default;
};

// Drives the reader as smtp/server's session does: its own buffer, erasing what was consumed, and
// after TooLong dropping input through the next LF.
std::vector<Event> run(std::string_view input, Feed feed, const LineReader& reader) {
  std::vector<Event> out;
  std::string buf;
  bool discarding = false;
  ChunkSizes sizes(input);
  size_t pos = 0;
  while (pos < input.size()) {
    size_t n = feed == Feed::kWhole ? input.size() : feed == Feed::kBytes ? 1 : sizes.next();
    n = std::min(n, input.size() - pos);
    buf.append(input.substr(pos, n));
    pos += n;
    while (true) {
      if (discarding) {
        size_t lf = buf.find('\n');
        if (lf == std::string::npos) {
          buf.clear();
          break;
        }
        buf.erase(0, lf + 1);
        discarding = false;
      }
      auto next = reader.next(buf);
      if (std::holds_alternative<LineReader::NeedMore>(next)) break;
      if (auto* t = std::get_if<LineReader::TooLong>(&next)) {
        check(t->consumed > 0 && t->consumed <= buf.size(), "TooLong consumed out of range");
        check(buf.size() >= reader.max_line(), "TooLong before max_line bytes");
        bool ended = buf[t->consumed - 1] == '\n';
        check(ended || t->consumed == buf.size(), "TooLong stops short without an LF");
        check(buf.find('\n') == t->consumed - 1 || !ended, "TooLong does not stop at the first LF");
        buf.erase(0, t->consumed);
        discarding = !ended;
        out.push_back({true, {}});
        continue;
      }
      auto& line = std::get<LineReader::Line>(next);
      check(line.consumed <= buf.size() && line.consumed <= reader.max_line(), "line consumed out of range");
      check(buf[line.consumed - 1] == '\n', "line does not end with LF");
      check(line.text.find('\n') == std::string_view::npos, "LF inside a line");
      check(line.text.data() == buf.data(), "line is not the buffer's start");
      out.push_back({false, std::string(line.text)});
      buf.erase(0, line.consumed);
    }
    check(buf.size() < reader.max_line(), "buffer holds a whole line's limit without an answer");
  }
  return out;
}

std::string params_wire(const Command& c) {
  std::string w;
  auto add = [&w](std::string_view p) {
    w += ' ';
    w += p;
  };
  if (c.verb == Verb::mail) {
    const auto& m = c.mail;
    if (m.size) add("SIZE=" + std::to_string(*m.size));
    if (m.body == BodyType::eight_bit_mime) add("BODY=8BITMIME");
    if (m.body == BodyType::binary_mime) add("BODY=BINARYMIME");
    if (m.smtputf8) add("SMTPUTF8");
    if (!m.ret.empty()) add("RET=" + m.ret);
    if (!m.envid.empty()) add("ENVID=" + m.envid);
    if (!m.auth.empty()) add("AUTH=" + m.auth);
  } else {
    if (!c.rcpt.notify.empty()) add("NOTIFY=" + c.rcpt.notify);
    if (!c.rcpt.orcpt.empty()) add("ORCPT=" + c.rcpt.orcpt);
  }
  return w;
}

// The command written back as a client would send it.
std::string to_wire(const Command& c) {
  std::string w(to_string(c.verb));
  switch (c.verb) {
    case Verb::helo:
    case Verb::ehlo:
      w += " " + c.domain;
      break;
    case Verb::mail:
      w += " FROM:<" + c.address + ">" + params_wire(c);
      break;
    case Verb::rcpt:
      w += " TO:<" + c.address + ">" + params_wire(c);
      break;
    case Verb::bdat:
      w += " " + std::to_string(c.chunk_size) + (c.last_chunk ? " LAST" : "");
      break;
    case Verb::vrfy:
    case Verb::expn:
    case Verb::help:
    case Verb::auth:
      if (!c.argument.empty()) w += " " + c.argument;
      break;
    default:
      break;
  }
  return w;
}

bool is_postmaster(std::string_view a) {
  if (a.size() != 10) return false;
  for (size_t i = 0; i < 10; ++i)
    if ((a[i] | 0x20) != "postmaster"[i]) return false;
  return true;
}

void check_command(const Command& c, bool utf8) {
  bool mail_utf8 = utf8 || c.mail.smtputf8;
  switch (c.verb) {
    case Verb::helo:
    case Verb::ehlo:
      check(valid_helo_domain(c.domain), "HELO domain invalid");
      break;
    case Verb::mail:
      check(c.address.empty() || valid_mailbox(c.address, mail_utf8), "MAIL address invalid");
      check(c.address.size() + 2 <= kMaxPath, "MAIL path too long");
      break;
    case Verb::rcpt:
      check(valid_mailbox(c.address, utf8) || is_postmaster(c.address), "RCPT address invalid");
      check(c.address.size() + 2 <= kMaxPath, "RCPT path too long");
      break;
    default:
      check(c.address.empty() && c.domain.empty(), "address or domain on another verb");
  }
  check(c.mail.ret.empty() || c.mail.ret == "FULL" || c.mail.ret == "HDRS", "RET value");
  check(valid_xtext(c.mail.envid) && c.mail.envid.size() <= 300, "ENVID not xtext");
  check(c.mail.auth == "<>" || valid_xtext(c.mail.auth), "AUTH= not xtext");
  if (!c.rcpt.notify.empty() && c.rcpt.notify != "NEVER") {
    std::string_view n = c.rcpt.notify;
    std::set<std::string_view> seen;
    while (true) {
      std::string_view item = n.substr(0, n.find(','));
      check(item == "SUCCESS" || item == "FAILURE" || item == "DELAY", "NOTIFY item");
      check(seen.insert(item).second, "NOTIFY item repeated");
      if (item.size() == n.size()) break;
      n.remove_prefix(item.size() + 1);
    }
  }
  check(c.verb != Verb::auth || (!c.argument.empty() && sasl::is_ascii(c.argument)), "AUTH argument");
  check(sasl::valid_utf8(c.argument), "argument not UTF-8");
  for (char ch : c.argument) check(static_cast<unsigned char>(ch) >= 0x20 && ch != 0x7F, "control in argument");

  // Round trip (the source route and the space after the colon are not kept, so they are not
  // written back; every kept field must come back the same).
  std::string wire = to_wire(c);
  auto again = parse_command(wire, utf8);
  if (!std::holds_alternative<Command>(again)) {
    std::fprintf(stderr, "wire: %s\n", wire.c_str());
    fail("command written back does not parse");
  }
  Command expected = c;
  if (c.verb == Verb::noop) expected.argument.clear();
  if (!(std::get<Command>(again) == expected)) {
    std::fprintf(stderr, "wire: %s\n", wire.c_str());
    fail("command written back parses differently");
  }
}

void check_error(const ParseError& e) {
  static const std::set<std::string> kTexts = {
      "Command unrecognized",
      "Invalid character in command",
      "Invalid domain name",
      "Syntax: HELO hostname",
      "Syntax: EHLO hostname",
      "Syntax: MAIL FROM:<address>",
      "Syntax: RCPT TO:<address>",
      "Syntax: BDAT size [LAST]",
      "Syntax: AUTH mechanism [initial-response]",
      "Syntax: DATA",
      "Syntax: RSET",
      "Syntax: QUIT",
      "Syntax: STARTTLS",
      "Syntax: VRFY address",
      "Syntax: EXPN address",
      "Non-ASCII address needs SMTPUTF8",
      "Path too long",
      "Bad sender address syntax",
      "Bad recipient address syntax",
      "Invalid parameter value",
      "Duplicate parameter",
      "Malformed parameter",
      "Unsupported parameter",
  };
  if (!kTexts.count(e.text)) {
    std::fprintf(stderr, "error text: %s\n", e.text.c_str());
    fail("error text is not one of the fixed texts");
  }
  switch (e.code) {
    case 500:
      check(e.enhanced == "5.5.2", "500 without 5.5.2");
      break;
    case 501:
      check(e.enhanced == "5.5.2" || e.enhanced == "5.5.4" || e.enhanced == "5.1.3" || e.enhanced == "5.1.7",
            "501 enhanced code");
      break;
    case 553:
      check(e.enhanced == "5.1.3" || e.enhanced == "5.1.7" || e.enhanced == "5.6.7", "553 enhanced code");
      break;
    case 555:
      check(e.enhanced == "5.5.4", "555 enhanced code");
      break;
    default:
      fail("unexpected reply code");
  }
}

void check_line(std::string_view line) {
  auto ascii = parse_command(line, false);
  auto utf8 = parse_command(line, true);
  if (auto* c = std::get_if<Command>(&ascii)) {
    check_command(*c, false);
    check(std::holds_alternative<Command>(utf8) && std::get<Command>(utf8) == *c, "UTF-8 allowed changes a command");
  } else {
    check_error(std::get<ParseError>(ascii));
  }
  if (auto* c = std::get_if<Command>(&utf8))
    check_command(*c, true);
  else
    check_error(std::get<ParseError>(utf8));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  // 1. Framing, with the default limit or a tight one picked by the first byte.
  LineReader reader(size > 0 && (data[0] & 1) ? size_t{8} + (data[0] >> 1) : 2048);
  std::vector<Event> whole = run(input, Feed::kWhole, reader);
  if (!(run(input, Feed::kChunks, reader) == whole)) fail("chunked framing differs from whole");
  if (size <= 4096 && !(run(input, Feed::kBytes, reader) == whole)) fail("byte-at-a-time framing differs");

  // 2-4. Every line, and the whole input as one line (LFs and all).
  for (const auto& e : whole)
    if (!e.too_long) check_line(e.text);
  check_line(input);
  return 0;
}
