// libFuzzer target for the IMAP receiver and command parser (src/imap/protocol/receiver.h).
// The input is a client's byte stream; its first byte picks the chunk size the stream is fed in.
// The driver answers like a server: it goes on after NeedContinuation, reads raw lines after IDLE
// and AUTHENTICATE (until "DONE" / one line), and stops at a fatal error. Invariants:
//   1. chunking does not matter: for inputs up to 4 KiB, feeding whole, in chunks, and one byte
//      at a time give the same events (after_login limits and tight limits);
//   2. what a parsed command holds is sane: names upper case, FETCH items name themselves,
//      sequence sets format and resolve, mailbox names that decode as modified UTF-7 encode back
//      to themselves, sections of appended messages are views inside the message;
//   3. nothing crashes, leaks or reads out of bounds (ASan/UBSan).
// A broken invariant prints what broke and aborts, so libFuzzer saves the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "imap/protocol/mailbox_name.h"
#include "imap/protocol/receiver.h"
#include "imap/protocol/response.h"
#include "imap/protocol/section.h"

namespace {

using namespace sealmail::imap;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_imap_command: invariant broken: %s\n", what);
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

// The events of one run, lines read in line mode included (as Line events in the same list).
struct Trace {
  std::vector<Event> events;
  std::vector<LineEvent> lines;
  std::vector<int> order;  // 0: events[i], 1: lines[i], in the order they came
  bool operator==(const Trace&) const = default;
};

class Driver {
 public:
  explicit Driver(const Limits& limits) : receiver_(limits) {}

  void feed(std::string_view bytes) {
    if (done_) return;
    receiver_.feed(bytes);
    drain();
  }
  Trace& trace() { return trace_; }

 private:
  void drain() {
    while (!done_) {
      if (line_mode_ > 0) {
        LineEvent l = receiver_.next_line();
        if (std::holds_alternative<NeedMore>(l)) return;
        bool fatal = std::holds_alternative<Error>(l) && std::get<Error>(l).kind == Error::Kind::fatal;
        bool done = std::holds_alternative<Line>(l) && std::get<Line>(l).text == "DONE";
        trace_.lines.push_back(std::move(l));
        trace_.order.push_back(1);
        if (fatal) done_ = true;
        if (--line_mode_ == 0 || done) line_mode_ = 0;
        continue;
      }
      Event e = receiver_.next();
      if (std::holds_alternative<NeedMore>(e)) return;
      if (auto* c = std::get_if<Command>(&e)) {
        if (c->name == "IDLE") line_mode_ = 3;          // up to 3 lines or "DONE"
        if (c->name == "AUTHENTICATE") line_mode_ = 1;  // one SASL response
      }
      if (auto* err = std::get_if<Error>(&e); err && err->kind == Error::Kind::fatal) done_ = true;
      trace_.events.push_back(std::move(e));
      trace_.order.push_back(0);
    }
  }

  Receiver receiver_;
  Trace trace_;
  int line_mode_ = 0;
  bool done_ = false;
};

Trace run(std::string_view data, const Limits& limits, size_t chunk) {
  Driver d(limits);
  if (chunk == 0) {
    d.feed(data);
  } else {
    for (size_t pos = 0; pos < data.size(); pos += chunk) d.feed(data.substr(pos, chunk));
  }
  return std::move(d.trace());
}

bool upper(std::string_view s) {
  for (char c : s) {
    if (c >= 'a' && c <= 'z') return false;
  }
  return !s.empty();
}

void check_mailbox(const std::string& name) {
  if (auto utf8 = decode_mailbox_utf7(name)) check(encode_mailbox_utf7(*utf8) == name, "modified UTF-7 round trip");
  std::string encoded = encode_mailbox_utf7(name);
  auto back = decode_mailbox_utf7(encoded);
  check(back.has_value(), "an encoded name decodes");
  if (is_valid_utf8(name)) check(*back == name, "UTF-8 -> modified UTF-7 -> UTF-8");
}

void check_set(const SequenceSet& set) {
  std::string text = format_sequence_set(set);
  auto again = parse_sequence_set(text);
  check(again && *again == set, "a sequence set formats and parses back");
  auto intervals = resolve(set, 1000);
  for (size_t i = 0; i < intervals.size(); ++i) {
    check(intervals[i].first <= intervals[i].last, "resolved intervals are ordered");
    if (i > 0) check(intervals[i - 1].last + 1ull < intervals[i].first, "resolved intervals are merged");
  }
}

void check_section(std::string_view message, const Section& section) {
  if (auto r = extract_section(message, section)) {
    if (!r->owned && !r->view.empty()) {
      check(r->view.data() >= message.data() && r->view.data() + r->view.size() <= message.data() + message.size(),
            "a section is a view inside the message");
    }
  }
  (void)extract_binary(message, Section{section.part, Section::Specifier::none, {}});
}

void check_message(std::string_view message) {
  using S = Section::Specifier;
  static const std::vector<std::vector<uint32_t>> parts = {{}, {1}, {2}, {1, 1}, {1, 2}, {2, 1}, {3, 1, 2}};
  for (const auto& part : parts) {
    for (S spec : {S::none, S::header, S::text, S::mime, S::header_fields, S::header_fields_not}) {
      check_section(message, Section{part, spec, {"Content-Type", "subject"}});
    }
  }
}

void check_command(const Command& c) {
  check(upper(c.name), "command names are upper case");
  std::visit(
      [&](const auto& a) {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, FetchArgs>) {
          check(!a.items.empty(), "FETCH has items");
          check_set(a.set);
          for (const FetchItem& item : a.items) check(!fetch_item_name(item).empty(), "FETCH item names");
        } else if constexpr (std::is_same_v<T, StoreArgs> || std::is_same_v<T, CopyArgs>) {
          check_set(a.set);
        } else if constexpr (std::is_same_v<T, AppendArgs>) {
          check(!a.messages.empty(), "APPEND has messages");
          check_mailbox(a.mailbox);
          for (const AppendMessage& m : a.messages) {
            if (m.date) check(parse_date_time(m.date_text.value()) == m.date, "APPEND date");
            check_message(m.data);
          }
        } else if constexpr (std::is_same_v<T, SelectArgs> || std::is_same_v<T, MailboxArgs> ||
                             std::is_same_v<T, CreateArgs> || std::is_same_v<T, StatusArgs>) {
          check_mailbox(a.mailbox);
        }
      },
      c.args);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  if (size == 0) return 0;
  size_t chunk = static_cast<size_t>(bytes[0] % 32) + 1;
  std::string_view data(reinterpret_cast<const char*>(bytes) + 1, size - 1);

  Limits big = Limits::after_login();
  Trace main = run(data, big, chunk);
  for (const Event& e : main.events) {
    if (auto* c = std::get_if<Command>(&e)) check_command(*c);
  }

  if (data.size() <= 4096) {
    if (!(run(data, big, 0) == main)) fail("whole feeding differs from chunked feeding (after_login)");
    if (!(run(data, big, 1) == main)) fail("byte-at-a-time feeding differs (after_login)");
    Limits tight;
    tight.max_line = 64;
    tight.max_literal = 48;
    tight.max_command = 160;
    tight.max_depth = 3;
    tight.max_arguments = 24;
    tight.max_search_depth = 6;
    tight.long_line_is_fatal = (bytes[0] & 0x80) != 0;
    Trace t = run(data, tight, 0);
    if (!(run(data, tight, 1) == t)) fail("byte-at-a-time feeding differs (tight limits)");
    if (!(run(data, tight, chunk) == t)) fail("chunked feeding differs (tight limits)");
  }
  return 0;
}
