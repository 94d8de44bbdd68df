#include "smtp/protocol/command.h"

#include <algorithm>
#include <array>
#include <limits>

#include "core/utf8.h"
#include "core/wipe.h"
#include "smtp/protocol/address.h"
#include "smtp/protocol/params.h"

namespace sealmail::smtp {
namespace {

struct VerbName {
  std::string_view name;
  Verb verb;
};

// Order matches the enum, so that to_string() can index it.
constexpr std::array<VerbName, 14> kVerbs{{{"HELO", Verb::helo},
                                           {"EHLO", Verb::ehlo},
                                           {"MAIL", Verb::mail},
                                           {"RCPT", Verb::rcpt},
                                           {"DATA", Verb::data},
                                           {"BDAT", Verb::bdat},
                                           {"RSET", Verb::rset},
                                           {"NOOP", Verb::noop},
                                           {"QUIT", Verb::quit},
                                           {"VRFY", Verb::vrfy},
                                           {"EXPN", Verb::expn},
                                           {"HELP", Verb::help},
                                           {"STARTTLS", Verb::starttls},
                                           {"AUTH", Verb::auth}}};

// Capacity that puts a string's bytes on the heap (libstdc++ keeps up to 15 inside the object), so
// that moving a Command moves the pointer instead of copying a secret (as in pop3/protocol).
constexpr size_t kSecretCapacity = 64;

char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool iequals(std::string_view text, std::string_view upper_name) {
  if (text.size() != upper_name.size()) return false;
  for (size_t i = 0; i < text.size(); ++i)
    if (upper(text[i]) != upper_name[i]) return false;
  return true;
}

bool is_control(char c) {
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7F;
}

bool ascii_or_utf8(std::string_view s) { return sasl::is_ascii(s) || sasl::valid_utf8(s); }

ParseError unrecognized() { return {500, "5.5.2", "Command unrecognized"}; }
ParseError bad_character() { return {501, "5.5.2", "Invalid character in command"}; }
ParseError syntax(std::string text) { return {501, "5.5.4", "Syntax: " + std::move(text)}; }

// RFC 3463: X.1.7 is the sender's address, X.1.3 a recipient's.
ParseError address_error(AddressStatus status, Verb verb) {
  bool mail = verb == Verb::mail;
  switch (status) {
    case AddressStatus::non_ascii:  // RFC 6531 §3.5
      return {553, "5.6.7", "Non-ASCII address needs SMTPUTF8"};
    case AddressStatus::path_too_long:  // RFC 5321 §4.5.3.1.10
      return {501, mail ? "5.1.7" : "5.1.3", "Path too long"};
    default:
      return {553, mail ? "5.1.7" : "5.1.3", mail ? "Bad sender address syntax" : "Bad recipient address syntax"};
  }
}

// "FROM:<path> params" / "TO:<path> params" after MAIL/RCPT. Splits off the path (with its
// brackets) and the parameter text; false if the shape is wrong.
bool split_path_command(std::string_view args, std::string_view keyword, std::string_view& path,
                        std::string_view& params) {
  if (args.size() < keyword.size() || !iequals(args.substr(0, keyword.size()), keyword)) return false;
  args.remove_prefix(keyword.size());
  // RFC 5321 §4.1.1.2 has no space after the colon; one is tolerated (as Postfix does), since
  // many clients send it.
  if (!args.empty() && args.front() == ' ') args.remove_prefix(1);
  size_t end = path_end(args);
  if (end == std::string_view::npos) return false;
  path = args.substr(0, end);
  params = args.substr(end);
  if (params.empty()) return true;
  if (params.front() != ' ') return false;
  params.remove_prefix(1);
  return true;
}

std::variant<Command, ParseError> parse_mail(Command cmd, std::string_view args, bool utf8_allowed) {
  std::string_view path, params;
  if (!split_path_command(args, "FROM:", path, params)) return syntax("MAIL FROM:<address>");
  if (auto e = parse_mail_params(params, cmd.mail)) return *e;
  // RFC 6531 §3.4: SMTPUTF8 on this MAIL allows UTF-8 in its own reverse-path.
  auto status = parse_path(path, PathKind::reverse, utf8_allowed || cmd.mail.smtputf8, cmd.address);
  if (status != AddressStatus::ok) return address_error(status, cmd.verb);
  return cmd;
}

std::variant<Command, ParseError> parse_rcpt(Command cmd, std::string_view args, bool utf8_allowed) {
  std::string_view path, params;
  if (!split_path_command(args, "TO:", path, params)) return syntax("RCPT TO:<address>");
  if (auto e = parse_rcpt_params(params, utf8_allowed, cmd.rcpt)) return *e;
  auto status = parse_path(path, PathKind::forward, utf8_allowed, cmd.address);
  if (status != AddressStatus::ok) return address_error(status, cmd.verb);
  return cmd;
}

// RFC 3030 §2: bdat-cmd = "BDAT" SP chunk-size [ SP end-marker ]; chunk-size = 1*DIGIT.
std::variant<Command, ParseError> parse_bdat(Command cmd, std::string_view args) {
  size_t sp = args.find(' ');
  std::string_view size = args.substr(0, sp);
  if (size.empty() || size.size() > 20) return syntax("BDAT size [LAST]");
  uint64_t n = 0;
  for (char c : size) {
    if (!is_digit(c)) return syntax("BDAT size [LAST]");
    auto d = static_cast<uint64_t>(c - '0');
    if (n > (std::numeric_limits<uint64_t>::max() - d) / 10) return syntax("BDAT size [LAST]");
    n = n * 10 + d;
  }
  cmd.chunk_size = n;
  if (sp != std::string_view::npos) {
    if (!iequals(args.substr(sp + 1), "LAST")) return syntax("BDAT size [LAST]");
    cmd.last_chunk = true;
  }
  return cmd;
}

// RFC 4954 §4: "AUTH" SP sasl-mech [SP initial-response]; RFC 4422 §3.1 mechanism names are
// 1*20 of A-Z 0-9 - _ (lower case tolerated). The response is not decoded here.
std::variant<Command, ParseError> parse_auth(Command cmd, std::string_view args) {
  std::string_view mech = args.substr(0, args.find(' '));
  bool ok = !mech.empty() && mech.size() <= 20 && sasl::is_ascii(args);
  for (char c : mech) {
    char u = upper(c);
    ok = ok && ((u >= 'A' && u <= 'Z') || is_digit(u) || u == '-' || u == '_');
  }
  if (!ok) return syntax("AUTH mechanism [initial-response]");
  cmd.argument.reserve(std::max(kSecretCapacity, args.size()));
  cmd.argument.assign(args);
  return cmd;
}

}  // namespace

void Command::wipe_secrets() { sasl::wipe(argument); }

std::string_view to_string(Verb verb) { return kVerbs[static_cast<size_t>(verb)].name; }

std::variant<Command, ParseError> parse_command(std::string_view line, bool utf8_allowed) {
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  size_t sp = line.find(' ');
  std::string_view name = line.substr(0, sp);
  auto it = std::find_if(kVerbs.begin(), kVerbs.end(), [&](const VerbName& v) { return iequals(name, v.name); });
  if (it == kVerbs.end()) return unrecognized();
  if (std::any_of(line.begin(), line.end(), is_control)) return bad_character();

  Command cmd;
  cmd.verb = it->verb;
  std::string_view args;
  if (sp != std::string_view::npos) {
    args = line.substr(sp + 1);
    while (!args.empty() && args.front() == ' ') args.remove_prefix(1);  // tolerate "VERB  arg"
  }
  bool has_args = !args.empty();

  switch (cmd.verb) {
    case Verb::helo:
    case Verb::ehlo: {
      // RFC 5321 §4.1.1.1: one Domain or address literal.
      auto usage = cmd.verb == Verb::helo ? "HELO hostname" : "EHLO hostname";
      if (!has_args || args.find(' ') != std::string_view::npos) return syntax(usage);
      if (!valid_helo_domain(args)) return ParseError{501, "5.5.2", "Invalid domain name"};
      cmd.domain = args;
      return cmd;
    }
    case Verb::mail:
      return parse_mail(std::move(cmd), args, utf8_allowed);
    case Verb::rcpt:
      return parse_rcpt(std::move(cmd), args, utf8_allowed);
    case Verb::bdat:
      return parse_bdat(std::move(cmd), args);
    case Verb::auth:
      return parse_auth(std::move(cmd), args);
    case Verb::data:
    case Verb::rset:
    case Verb::quit:
    case Verb::starttls:  // RFC 3207 §4: no parameters
      if (has_args) return syntax(std::string(to_string(cmd.verb)));
      return cmd;
    case Verb::noop:  // RFC 5321 §4.1.1.9: a parameter is allowed and ignored
      if (!ascii_or_utf8(args)) return bad_character();
      return cmd;
    case Verb::vrfy:
    case Verb::expn:  // RFC 5321 §4.1.1.6-7: a String is required
      if (!has_args) return syntax(std::string(to_string(cmd.verb)) + " address");
      [[fallthrough]];
    case Verb::help:  // RFC 5321 §4.1.1.8: optional
      if (!ascii_or_utf8(args)) return bad_character();
      cmd.argument = args;
      return cmd;
  }
  return unrecognized();
}

}  // namespace sealmail::smtp
