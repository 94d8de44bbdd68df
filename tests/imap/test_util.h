// Helpers for the IMAP protocol tests: run wire text through a Receiver (whole, or cut into
// chunks) and collect its events, answering continuations the way a server does.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "imap/protocol/command.h"
#include "imap/protocol/receiver.h"

namespace sealmail::imap::test_support {

// Every event but NeedMore, feeding `wire` in chunks of `chunk` bytes (0: all at once).
inline std::vector<Event> run(std::string_view wire, const Limits& limits, size_t chunk = 0) {
  Receiver r(limits);
  std::vector<Event> events;
  auto drain = [&] {
    while (true) {
      Event e = r.next();
      if (std::holds_alternative<NeedMore>(e)) return;
      events.push_back(std::move(e));
    }
  };
  if (chunk == 0) {
    r.feed(wire);
    drain();
  } else {
    for (size_t pos = 0; pos < wire.size(); pos += chunk) {
      r.feed(wire.substr(pos, chunk));
      drain();
    }
  }
  return events;
}

inline std::string describe(const Event& e) {
  if (std::holds_alternative<NeedMore>(e)) return "NeedMore";
  if (auto* c = std::get_if<NeedContinuation>(&e)) return "NeedContinuation " + c->tag + " " + std::to_string(c->size);
  if (auto* c = std::get_if<Command>(&e)) return "Command " + c->tag + " " + (c->uid ? "UID " : "") + c->name;
  const auto& err = std::get<Error>(e);
  static const char* kinds[] = {"bad", "bad_charset", "too_big", "fatal"};
  return std::string("Error[") + kinds[static_cast<int>(err.kind)] + "] " + err.tag + " " + err.text;
}

// The one command in `wire` (CRLF added), after any continuations; fails the test otherwise.
inline Command command(std::string wire, Limits limits = Limits::after_login()) {
  wire += "\r\n";
  std::vector<Event> events = run(wire, limits);
  // Whole and byte-at-a-time feeding agree.
  EXPECT_TRUE(events == run(wire, limits, 1)) << wire;
  Command out;
  int commands = 0;
  for (auto& e : events) {
    if (auto* c = std::get_if<Command>(&e)) {
      out = std::move(*c);
      ++commands;
    } else if (!std::holds_alternative<NeedContinuation>(e)) {
      ADD_FAILURE() << "unexpected " << describe(e) << " for: " << wire;
    }
  }
  EXPECT_EQ(commands, 1) << wire;
  return out;
}

template <typename T>
T args(std::string wire) {
  Command c = command(std::move(wire));
  const T* a = std::get_if<T>(&c.args);
  if (!a) {
    ADD_FAILURE() << "wrong arguments type for " << c.name;
    return T{};
  }
  return *a;
}

// The error `wire` gives (CRLF added): the first non-continuation event must be an Error.
inline Error error(std::string wire, Limits limits = Limits::after_login()) {
  wire += "\r\n";
  for (auto& e : run(wire, limits)) {
    if (auto* err = std::get_if<Error>(&e)) return *err;
    if (std::holds_alternative<Command>(e)) {
      ADD_FAILURE() << "parsed, expected an error: " << wire;
      return {};
    }
  }
  ADD_FAILURE() << "no event for: " << wire;
  return {};
}

}  // namespace sealmail::imap::test_support
