// Helpers shared by the POP3 protocol tests: readable printing of parsed values (so a failing
// table row shows what came out), and draining a parser into a list of events.
#pragma once

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "pop3/protocol/command.h"
#include "pop3/protocol/parser.h"

namespace sealmail::pop3 {

inline void PrintTo(const Command& c, std::ostream* os) {
  *os << "Command{" << to_string(c.verb);
  if (c.message) *os << " message=" << *c.message;
  if (c.verb == Command::Verb::top) *os << " lines=" << c.lines;
  if (!c.user.empty()) *os << " user=\"" << c.user << '"';
  if (!c.password.empty()) *os << " password=\"" << c.password << '"';
  if (!c.digest.empty()) *os << " digest=" << c.digest;
  if (!c.mechanism.empty()) *os << " mechanism=" << c.mechanism;
  if (c.initial_response) *os << " initial_response=\"" << *c.initial_response << '"';
  *os << '}';
}

inline void PrintTo(const ParseError& e, std::ostream* os) {
  *os << "ParseError{\"" << e.text << '"' << (e.fatal ? " fatal" : "") << '}';
}

inline void PrintTo(const NeedMore&, std::ostream* os) { *os << "NeedMore"; }

inline void PrintTo(const ContinuationLine& l, std::ostream* os) { *os << "ContinuationLine{\"" << l.text << "\"}"; }

inline void PrintTo(const Parser::Event& e, std::ostream* os) {
  std::visit([os](const auto& v) { PrintTo(v, os); }, e);
}

// Events other than NeedMore, in order, until the parser needs more (or failed).
inline void drain(Parser& parser, std::vector<Parser::Event>& out) {
  while (true) {
    Parser::Event e = parser.next();
    if (std::holds_alternative<NeedMore>(e)) return;
    bool fatal = std::holds_alternative<ParseError>(e) && std::get<ParseError>(e).fatal;
    out.push_back(std::move(e));
    if (fatal) return;
  }
}

// Feeds `wire` in pieces of `chunk` bytes (0: all at once), draining after each piece.
inline std::vector<Parser::Event> parse_all(std::string_view wire, size_t chunk = 0, Limits limits = {}) {
  Parser parser(limits);
  std::vector<Parser::Event> out;
  if (chunk == 0) chunk = wire.size() + 1;
  for (size_t pos = 0; pos < wire.size() && !parser.failed(); pos += chunk) {
    parser.feed(wire.substr(pos, chunk));
    drain(parser, out);
  }
  return out;
}

}  // namespace sealmail::pop3
