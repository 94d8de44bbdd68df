// Helpers shared by the SMTP protocol tests: readable printing of parsed values (so that a failing
// table row shows what came out), and seeded random chunking (the seed is printed, and can be set
// with SEALMAIL_TEST_SEED to replay a failure).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "smtp/protocol/command.h"

namespace sealmail::smtp {

inline void PrintTo(const Command& c, std::ostream* os) {
  *os << "Command{" << to_string(c.verb);
  if (!c.domain.empty()) *os << " domain=\"" << c.domain << '"';
  if (c.verb == Verb::mail || c.verb == Verb::rcpt) *os << " address=\"" << c.address << '"';
  if (c.mail.size) *os << " size=" << *c.mail.size;
  if (c.mail.body != BodyType::seven_bit) *os << " body=" << static_cast<int>(c.mail.body);
  if (c.mail.smtputf8) *os << " smtputf8";
  if (!c.mail.ret.empty()) *os << " ret=" << c.mail.ret;
  if (!c.mail.envid.empty()) *os << " envid=" << c.mail.envid;
  if (!c.mail.auth.empty()) *os << " auth=" << c.mail.auth;
  if (!c.rcpt.notify.empty()) *os << " notify=" << c.rcpt.notify;
  if (!c.rcpt.orcpt.empty()) *os << " orcpt=" << c.rcpt.orcpt;
  if (c.verb == Verb::bdat) *os << " chunk=" << c.chunk_size << (c.last_chunk ? " LAST" : "");
  if (!c.argument.empty()) *os << " argument=\"" << c.argument << '"';
  *os << '}';
}

inline void PrintTo(const ParseError& e, std::ostream* os) {
  *os << "ParseError{" << e.code << ' ' << e.enhanced << " \"" << e.text << "\"}";
}

inline void PrintTo(const std::variant<Command, ParseError>& v, std::ostream* os) {
  std::visit([os](const auto& x) { PrintTo(x, os); }, v);
}

// One seed per test binary run: SEALMAIL_TEST_SEED if set, else random; printed once.
inline uint64_t test_seed() {
  static const uint64_t seed = [] {
    uint64_t s = 0;
    if (const char* env = std::getenv("SEALMAIL_TEST_SEED"))
      s = std::strtoull(env, nullptr, 10);
    else
      s = std::random_device{}() | (uint64_t{std::random_device{}()} << 32);
    std::cout << "[ seed     ] SEALMAIL_TEST_SEED=" << s << std::endl;
    return s;
  }();
  return seed;
}

// Cuts `input` into pieces of 1..max_chunk bytes.
inline std::vector<std::string_view> random_chunks(std::string_view input, std::mt19937_64& rng, size_t max_chunk) {
  std::vector<std::string_view> out;
  std::uniform_int_distribution<size_t> len(1, max_chunk);
  size_t pos = 0;
  while (pos < input.size()) {
    size_t n = std::min(len(rng), input.size() - pos);
    out.push_back(input.substr(pos, n));
    pos += n;
  }
  return out;
}

}  // namespace sealmail::smtp
