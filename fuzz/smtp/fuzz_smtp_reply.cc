// libFuzzer target for the SMTP client's reply parser (src/smtp/client/reply.*), which reads what
// any server on the Internet sends back. Invariants:
//   1. every complete reply takes at least one byte and no more than it was given, has a code in
//      200..599, between 1 and kMaxLines lines of at most kMaxLine bytes, and an enhanced code that
//      is empty or of the reply's class;
//   2. feeding does not matter: the input read whole and the input arriving one byte at a time
//      (the session appends what it reads and parses again) give the same replies and end in the
//      same state (need_more or error) — a peer cannot make the outcome depend on TCP segmentation.
// A broken invariant prints what broke and aborts, so libFuzzer saves the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/client/reply.h"

namespace {

using sealmail::smtp::client::Reply;
using sealmail::smtp::client::ReplyParser;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_smtp_reply: invariant broken: %s\n", what);
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

struct Run {
  std::vector<Reply> replies;
  ReplyParser::Status end = ReplyParser::Status::need_more;
};

void check_reply(const Reply& r, size_t used, size_t given) {
  check(used > 0 && used <= given, "consumed is out of range");
  check(r.code >= 200 && r.code <= 599, "code out of range");
  check(!r.lines.empty() && r.lines.size() <= ReplyParser::kMaxLines, "line count out of range");
  for (const auto& l : r.lines) check(l.size() <= ReplyParser::kMaxLine, "line longer than the limit");
  std::string e = r.enhanced();
  check(e.empty() || (e.size() >= 5 && e[0] == static_cast<char>('0' + r.code / 100)), "enhanced code of another class");
  check(r.summary().rfind(std::to_string(r.code), 0) == 0, "summary does not start with the code");
}

Run whole(std::string_view in) {
  Run run;
  while (true) {
    Reply r;
    size_t used = 0;
    run.end = ReplyParser::parse(in, r, used);
    if (run.end != ReplyParser::Status::complete) return run;
    check_reply(r, used, in.size());
    in.remove_prefix(used);
    run.replies.push_back(std::move(r));
  }
}

Run bytewise(std::string_view in) {
  Run run;
  std::string buffer;
  for (char c : in) {
    buffer += c;
    while (true) {
      Reply r;
      size_t used = 0;
      run.end = ReplyParser::parse(buffer, r, used);
      if (run.end == ReplyParser::Status::error) return run;
      if (run.end == ReplyParser::Status::need_more) break;
      check_reply(r, used, buffer.size());
      buffer.erase(0, used);
      run.replies.push_back(std::move(r));
    }
  }
  // The last reply may have been completed by the last byte: a final parse of what is left.
  if (run.end == ReplyParser::Status::complete) run.end = ReplyParser::Status::need_more;
  return run;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  Run a = whole(in);
  Run b = bytewise(in);
  check(a.end == b.end, "whole and byte-at-a-time end in different states");
  check(a.replies.size() == b.replies.size(), "whole and byte-at-a-time give a different number of replies");
  for (size_t i = 0; i < a.replies.size(); ++i)
    check(a.replies[i].code == b.replies[i].code && a.replies[i].lines == b.replies[i].lines,
          "whole and byte-at-a-time give different replies");
  return 0;
}
