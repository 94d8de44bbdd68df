// libFuzzer target for the POP3 protocol library (src/pop3/protocol). The input is read as a
// client's byte stream, then as a stored message, then as a SASL PLAIN response. Invariants:
//   1. chunking does not matter: the whole input, chunks whose sizes come from the input, and (for
//      inputs up to 4 KiB) one byte at a time give the same commands, errors and SASL
//      continuation lines (the driver takes a continuation line after "AUTH <mech>" without an
//      initial response, as the server does), under limits picked by the first byte;
//   2. every command is well-formed (message numbers in range, mechanism names per RFC 4422) and
//      survives a round trip: written back to the wire and parsed again, it is the same command;
//      errors have text, and only "line too long" is fatal;
//   3. dot-stuffing (RFC 1939 §3): the output has CRLF line endings only, ends with the single
//      terminator, and a client removing the stuffing gets the message back with its line
//      endings made CRLF; its size matches transmitted_size();
//   4. top_lines() gives prefixes of the message that grow with the line count, the whole message
//      for a count past the end of a message that has a body;
//   5. base64 and SASL PLAIN are canonical: whatever decodes encodes back to the same text, and
//      decoded credentials rebuild the exact response.
// A broken invariant prints what broke and aborts, so libFuzzer saves the input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/base64.h"
#include "core/sasl_plain.h"
#include "core/utf8.h"
#include "pop3/protocol/command.h"
#include "pop3/protocol/parser.h"
#include "pop3/protocol/response.h"

namespace {

using namespace sealmail;
using namespace sealmail::pop3;
using namespace sealmail::sasl;
using Verb = Command::Verb;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_pop3_command: invariant broken: %s\n", what);
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

// Chunk sizes read backwards from the end of the input (as in fuzz_mbox.cc): text bytes give
// 1..8 so that boundaries fall inside keywords and between CR and LF; others up to 509.
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

using Outcome = std::variant<Command, ParseError, ContinuationLine>;

enum class Feed { kWhole, kChunks, kBytes };

// Drives a parser the way a server does: next() until NeedMore, except that after an AUTH that
// waits for a response the next line is taken with next_line().
std::vector<Outcome> run(std::string_view input, Feed feed, Limits limits) {
  Parser parser(limits);
  std::vector<Outcome> out;
  bool want_line = false;
  ChunkSizes sizes(input);
  // Takes outcomes until the parser needs more input or has failed (it would repeat its error).
  auto drain = [&] {
    while (true) {
      if (want_line) {
        auto e = parser.next_line();
        if (std::holds_alternative<NeedMore>(e)) return;
        want_line = false;
        if (auto* l = std::get_if<ContinuationLine>(&e)) {
          out.emplace_back(std::move(*l));
          continue;
        }
        out.emplace_back(std::get<ParseError>(std::move(e)));
      } else {
        auto e = parser.next();
        if (std::holds_alternative<NeedMore>(e)) return;
        if (auto* c = std::get_if<Command>(&e)) {
          want_line = c->verb == Verb::auth && !c->mechanism.empty() && !c->initial_response;
          out.emplace_back(std::move(*c));
          continue;
        }
        out.emplace_back(std::get<ParseError>(std::move(e)));
      }
      if (std::get<ParseError>(out.back()).fatal) return;
    }
  };
  size_t pos = 0;
  while (pos < input.size() && !parser.failed()) {
    size_t n = feed == Feed::kWhole ? input.size() : feed == Feed::kBytes ? 1 : sizes.next();
    parser.feed(input.substr(pos, n));
    pos += std::min(n, input.size() - pos);
    drain();
  }
  check(parser.failed() || parser.buffered() < parser.limits().max_auth_line,
        "parser buffers a whole line's limit without answering");
  return out;
}

void print(const std::vector<Outcome>& v) {
  for (const auto& o : v) {
    if (auto* c = std::get_if<Command>(&o))
      std::fprintf(stderr, "  command %.*s\n", static_cast<int>(to_string(c->verb).size()), to_string(c->verb).data());
    else if (auto* e = std::get_if<ParseError>(&o))
      std::fprintf(stderr, "  error \"%s\"%s\n", e->text.c_str(), e->fatal ? " fatal" : "");
    else
      std::fprintf(stderr, "  line (%zu bytes)\n", std::get<ContinuationLine>(o).text.size());
  }
}

void check_same(const std::vector<Outcome>& a, const std::vector<Outcome>& b, const char* what) {
  if (a == b) return;
  std::fprintf(stderr, "first:\n");
  print(a);
  std::fprintf(stderr, "second:\n");
  print(b);
  fail(what);
}

// The command written back as a client would send it.
std::string to_wire(const Command& c) {
  std::string w(to_string(c.verb));
  auto arg = [&w](std::string_view a) {
    w += ' ';
    w += a;
  };
  switch (c.verb) {
    case Verb::user:
      arg(c.user);
      break;
    case Verb::pass:
      arg(c.password);
      break;
    case Verb::apop:
      arg(c.user);
      arg(c.digest);
      break;
    case Verb::list:
    case Verb::uidl:
    case Verb::retr:
    case Verb::dele:
      if (c.message) arg(std::to_string(*c.message));
      break;
    case Verb::top:
      arg(std::to_string(*c.message));
      arg(std::to_string(c.lines));
      break;
    case Verb::auth:
      if (!c.mechanism.empty()) arg(c.mechanism);
      if (c.initial_response) arg(c.initial_response->empty() ? "=" : *c.initial_response);
      break;
    default:
      break;
  }
  return w;
}

void check_command(const Command& c) {
  bool numbered = c.verb == Verb::retr || c.verb == Verb::dele || c.verb == Verb::top;
  if (numbered) check(c.message.has_value(), "RETR/DELE/TOP without a message number");
  if (c.message) check(*c.message >= 1 && *c.message <= kMaxMessageNumber, "message number out of range");
  check(c.lines <= kMaxMessageNumber, "TOP line count out of range");
  check(valid_utf8(c.user) && valid_utf8(c.password), "user or password not UTF-8");
  check(c.user.find(' ') == std::string::npos, "user name with a space");
  check(c.mechanism.size() <= 20, "mechanism name too long");
  for (char ch : c.mechanism)
    check((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_', "bad mechanism character");
  auto again = parse_command(to_wire(c));
  check(std::holds_alternative<Command>(again), "command written back does not parse");
  check(std::get<Command>(again) == c, "command written back parses differently");
}

// What a client reading a multi-line response gets: lines split at CRLF up to the "." line,
// with one leading "." removed from stuffed lines, joined again with CRLF.
std::string unstuff(std::string_view wire) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t crlf = wire.find("\r\n", pos);
    check(crlf != std::string_view::npos, "multi-line response not terminated");
    std::string_view line = wire.substr(pos, crlf - pos);
    pos = crlf + 2;
    if (line == ".") {
      check(pos == wire.size(), "terminator before the end of the response");
      return out;
    }
    if (!line.empty() && line[0] == '.') line.remove_prefix(1);
    out += line;
    out += "\r\n";
  }
}

std::string crlf_normalized(std::string_view m) {
  std::string out;
  for (size_t i = 0; i < m.size(); ++i) {
    if (m[i] == '\n' && (i == 0 || m[i - 1] != '\r')) out += '\r';
    out += m[i];
  }
  if (!m.empty() && m.back() != '\n') out += "\r\n";
  return out;
}

void check_dot_stuffing(std::string_view message) {
  std::string out = "+OK\r\n";
  append_dot_stuffed(out, message);
  std::string_view wire = std::string_view(out).substr(5);
  for (size_t i = 0; i < wire.size(); ++i)
    if (wire[i] == '\n') check(i > 0 && wire[i - 1] == '\r', "bare LF in a multi-line response");
  check(unstuff(wire) == crlf_normalized(message), "unstuffed response differs from the message");
  size_t stuffed = 0;
  for (size_t i = 0; i + 3 < wire.size(); ++i)
    if (wire[i] == '.' && (i == 0 || wire[i - 1] == '\n')) ++stuffed;
  check(wire.size() == transmitted_size(message) + stuffed + 3, "transmitted_size() disagrees with RETR");
}

void check_top(std::string_view message) {
  std::string_view previous;
  for (uint64_t n : {uint64_t{0}, uint64_t{1}, uint64_t{2}, uint64_t{5}, uint64_t{100}}) {
    std::string_view top = top_lines(message, n);
    check(top.data() == message.data() && top.size() <= message.size(), "top_lines() is not a prefix");
    check(top.size() >= previous.size(), "top_lines() shrinks as the count grows");
    check(top.empty() || top.size() == message.size() || top.back() == '\n', "top_lines() cuts inside a line");
    previous = top;
  }
  // A count past the number of lines gives the whole message.
  size_t lines = static_cast<size_t>(std::count(message.begin(), message.end(), '\n')) + 1;
  check(top_lines(message, lines) == message, "top_lines() with every line is not the whole message");
}

void check_sasl(std::string_view input) {
  if (auto decoded = base64_decode(input)) check(base64_encode(*decoded) == input, "base64 decoding is not canonical");
  check(base64_decode(base64_encode(input)) == input, "base64 round trip");
  const std::string encoded = base64_encode(input);
  for (std::string_view response : {input, std::string_view(encoded)}) {
    auto r = decode_sasl_plain(response);
    if (!r.ok()) {
      check(r.error().code == Errc::invalid_argument, "SASL PLAIN error is not invalid_argument");
      continue;
    }
    check(!r->authcid.empty() && !r->password.empty(), "SASL PLAIN accepted an empty field");
    check(r->authzid.empty() || r->authzid == r->authcid, "SASL PLAIN accepted a foreign authzid");
    std::string rebuilt = r->authzid + '\0' + r->authcid + '\0' + r->password;
    check(base64_encode(rebuilt) == response, "SASL PLAIN credentials do not rebuild the response");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  // Limits: the defaults, or tight ones (so that seeds cross them) picked by the first byte.
  Limits limits;
  if (size > 0 && (data[0] & 1))
    limits = {.max_line = size_t{8} + (data[0] >> 2), .max_auth_line = size_t{16} + data[0]};

  // 1. Chunking does not matter.
  std::vector<Outcome> whole = run(input, Feed::kWhole, limits);
  check_same(whole, run(input, Feed::kChunks, limits), "chunked parsing differs from whole");
  if (size <= 4096) check_same(whole, run(input, Feed::kBytes, limits), "byte-at-a-time parsing differs from whole");

  // 2. Every outcome is well-formed.
  for (size_t i = 0; i < whole.size(); ++i) {
    if (auto* c = std::get_if<Command>(&whole[i])) check_command(*c);
    if (auto* e = std::get_if<ParseError>(&whole[i])) {
      check(!e->text.empty(), "error without text");
      check(e->fatal == (e->text == "line too long"), "only an overlong line is fatal");
      check(!e->fatal || i + 1 == whole.size(), "outcomes after a fatal error");
    }
  }

  // 3-5. The response side and SASL, on the same bytes.
  check_dot_stuffing(input);
  check_top(input);
  check_sasl(input);
  return 0;
}
