#include "pop3/protocol/command.h"

#include <algorithm>
#include <array>
#include <vector>

#include "core/utf8.h"
#include "core/wipe.h"

namespace sealmail::pop3 {
namespace {

using Verb = Command::Verb;

struct VerbName {
  std::string_view name;
  Verb verb;
};

// Order matches the enum, so to_string() can index it.
constexpr std::array<VerbName, 16> kVerbs{{{"USER", Verb::user},
                                           {"PASS", Verb::pass},
                                           {"APOP", Verb::apop},
                                           {"QUIT", Verb::quit},
                                           {"STAT", Verb::stat},
                                           {"LIST", Verb::list},
                                           {"RETR", Verb::retr},
                                           {"DELE", Verb::dele},
                                           {"NOOP", Verb::noop},
                                           {"RSET", Verb::rset},
                                           {"TOP", Verb::top},
                                           {"UIDL", Verb::uidl},
                                           {"CAPA", Verb::capa},
                                           {"STLS", Verb::stls},
                                           {"AUTH", Verb::auth},
                                           {"UTF8", Verb::utf8}}};

// Capacity that puts a string's bytes on the heap (libstdc++ keeps up to 15 inside the object), so
// that moving a Command moves the pointer instead of copying a secret. See command.h.
constexpr size_t kSecretCapacity = 64;

char ascii_upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }
char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view text, std::string_view upper) {
  if (text.size() != upper.size()) return false;
  for (size_t i = 0; i < text.size(); ++i)
    if (ascii_upper(text[i]) != upper[i]) return false;
  return true;
}

bool is_control(char c) {
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7F;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::variant<Command, ParseError> fail(std::string text) { return ParseError{std::move(text), false}; }

std::string_view rtrim(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits on single spaces. An empty piece means two spaces in a row (or a leading space).
std::vector<std::string_view> split_args(std::string_view args) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t sp = args.find(' ', start);
    out.push_back(args.substr(start, sp - start));
    if (sp == std::string_view::npos) break;
    start = sp + 1;
  }
  return out;
}

// Decimal digits only; saturates at kMaxMessageNumber + 1 so that huge inputs cannot overflow.
std::optional<uint64_t> parse_decimal(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
    if (v > kMaxMessageNumber) v = uint64_t{kMaxMessageNumber} + 1;
  }
  return v;
}

// RFC 1939 §3 "msg": a message number, here 1 .. kMaxMessageNumber.
std::optional<ParseError> parse_message_number(std::string_view s, std::optional<uint32_t>& out) {
  auto v = parse_decimal(s);
  if (!v) return ParseError{"invalid message number", false};
  if (*v == 0 || *v > kMaxMessageNumber) return ParseError{"no such message", false};
  out = static_cast<uint32_t>(*v);
  return std::nullopt;
}

// RFC 4422 §3.1: sasl-mech = 1*20mech-char, mech-char = UPPER-ALPHA / DIGIT / "-" / "_". Clients
// sending lowercase are common enough to accept; the name is uppercased.
bool parse_mechanism(std::string_view s, std::string& out) {
  if (s.empty() || s.size() > 20) return false;
  out.clear();
  for (char c : s) {
    char u = ascii_upper(c);
    if (!((u >= 'A' && u <= 'Z') || is_digit(u) || u == '-' || u == '_')) return false;
    out += u;
  }
  return true;
}

std::variant<Command, ParseError> parse_args(Command cmd, std::string_view args, bool has_args) {
  std::string_view name = to_string(cmd.verb);
  std::vector<std::string_view> parts;
  if (has_args) {
    parts = split_args(args);
    for (auto p : parts)
      if (p.empty()) return fail("arguments must be separated by a single space");
  }
  auto count_error = [&](std::string_view what) { return fail(std::string(name) + " " + std::string(what)); };

  switch (cmd.verb) {
    case Verb::quit:
    case Verb::stat:
    case Verb::noop:
    case Verb::rset:
    case Verb::capa:
    case Verb::stls:
    case Verb::utf8:  // RFC 6856 §2: UTF8 has no arguments
      if (!parts.empty()) return count_error("takes no arguments");
      return cmd;

    case Verb::user:
      if (parts.empty()) return count_error("needs a user name");
      if (parts.size() > 1) return count_error("takes one argument");
      if (!sasl::valid_utf8(parts[0])) return fail("user name is not valid UTF-8");
      cmd.user = parts[0];
      return cmd;

    case Verb::apop:
      // RFC 1939 §7: APOP name digest, digest = 32 lowercase hex digits of an MD5 value.
      if (parts.size() != 2) return count_error("needs a user name and a digest");
      if (!sasl::valid_utf8(parts[0])) return fail("user name is not valid UTF-8");
      if (parts[1].size() != 32) return fail("APOP digest must be 32 hex digits");
      for (char c : parts[1]) {
        if (!is_hex(c)) return fail("APOP digest must be 32 hex digits");
        cmd.digest += ascii_lower(c);
      }
      cmd.user = parts[0];
      return cmd;

    case Verb::list:
    case Verb::uidl:
      // RFC 1939 §5: LIST [msg], UIDL [msg] (§7).
      if (parts.size() > 1) return count_error("takes at most one argument");
      if (parts.size() == 1)
        if (auto e = parse_message_number(parts[0], cmd.message)) return *e;
      return cmd;

    case Verb::retr:
    case Verb::dele:
      if (parts.size() != 1) return count_error("needs one message number");
      if (auto e = parse_message_number(parts[0], cmd.message)) return *e;
      return cmd;

    case Verb::top: {
      // RFC 1939 §7: TOP msg n, n a non-negative number of body lines.
      if (parts.size() != 2) return count_error("needs a message number and a line count");
      if (auto e = parse_message_number(parts[0], cmd.message)) return *e;
      auto n = parse_decimal(parts[1]);
      if (!n) return fail("invalid line count");
      cmd.lines = static_cast<uint32_t>(std::min<uint64_t>(*n, kMaxMessageNumber));
      return cmd;
    }

    case Verb::auth:
      // RFC 5034 §4: AUTH mechanism [initial-response].
      if (parts.size() > 2) return count_error("takes a mechanism and at most an initial response");
      if (parts.empty()) return cmd;
      if (!parse_mechanism(parts[0], cmd.mechanism)) return fail("invalid SASL mechanism name");
      if (parts.size() == 2) {
        std::string response;
        response.reserve(std::max(kSecretCapacity, parts[1].size()));
        // RFC 5034 §4: a zero-length initial response is sent as a single "=".
        if (parts[1] != "=") response.assign(parts[1]);
        cmd.initial_response = std::move(response);
      }
      return cmd;

    case Verb::pass:
      break;  // handled by the caller: its argument is not split
  }
  return fail("unknown command");
}

}  // namespace

void Command::wipe_secrets() {
  sasl::wipe(password);
  if (initial_response) {
    sasl::wipe(*initial_response);
    initial_response.reset();
  }
}

std::string_view to_string(Command::Verb verb) { return kVerbs[static_cast<size_t>(verb)].name; }

std::variant<Command, ParseError> parse_command(std::string_view line) {
  Command cmd;
  std::string_view keyword = line.substr(0, line.find(' '));

  if (iequals(keyword, "PASS")) {
    // RFC 1939 §7: the password is the rest of the line after one space, spaces included; it is
    // not trimmed, because a trailing space may be part of it.
    for (char c : line)
      if (is_control(c)) return fail("invalid character in command");
    cmd.verb = Verb::pass;
    std::string_view password = keyword.size() < line.size() ? line.substr(keyword.size() + 1) : std::string_view{};
    if (password.empty()) return fail("PASS needs a password");
    if (!sasl::valid_utf8(password)) return fail("password is not valid UTF-8");
    cmd.password.reserve(std::max(kSecretCapacity, password.size()));
    cmd.password.assign(password);
    return cmd;
  }

  line = rtrim(line);
  if (line.empty()) return fail("empty command");
  for (char c : line)
    if (is_control(c)) return fail("invalid character in command");
  size_t space = line.find(' ');
  keyword = line.substr(0, space);

  for (const auto& v : kVerbs) {
    if (v.verb == Verb::pass || !iequals(keyword, v.name)) continue;
    cmd.verb = v.verb;
    bool has_args = space != std::string_view::npos;
    return parse_args(std::move(cmd), has_args ? line.substr(space + 1) : std::string_view{}, has_args);
  }
  return fail("unknown command");
}

}  // namespace sealmail::pop3
