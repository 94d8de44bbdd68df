// libFuzzer target for MIME analysis and the attachment split (src/mime/message_info.h,
// src/mime/attachment_split.h). Any bytes are a message that analyze() must answer for (its rule:
// malformed input still gets an answer). The invariants checked are the ones the store relies on:
//   1. attachment ranges are non-empty, sorted, disjoint and inside the message;
//   2. split() then join() gives back exactly the original bytes, with the bodies copied out of
//      the message first (as the store keeps them apart), and split() never throws on ranges that
//      analyze() returned;
//   3. ENVELOPE and BODYSTRUCTURE are one parenthesised IMAP list that a client can frame
//      (RFC 9051 §4.3): parentheses balance outside quoted strings and {n}\r\n literals, quoted
//      strings hold no CR, LF, NUL or 8-bit byte, literals carry their n bytes, and nothing outside
//      a string is a control or 8-bit byte;
//   4. the documented caps and flags: search_body within max_search_text, has_attachment whenever
//      there is an attachment range.
// A broken invariant prints what broke and aborts, so libFuzzer saves the input.
//
// The last byte of the input also picks the AnalyzeOptions (small thresholds make attachment
// ranges appear in small inputs); it stays part of the message.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "mime/attachment_split.h"
#include "mime/message_info.h"

namespace {

using namespace sealmail;

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz_mime_split: invariant broken: %s\n", what);
  if (!detail.empty()) std::fprintf(stderr, "  %.*s\n", static_cast<int>(detail.size()), detail.data());
  std::abort();
}

void check(bool ok, const char* what, std::string_view detail = {}) {
  if (!ok) fail(what, detail);
}

// Returns nullptr if `s` is one parenthesised IMAP list a client can frame, else what is wrong.
const char* imap_list_error(std::string_view s) {
  if (s.empty()) return "empty";
  if (s.front() != '(') return "does not start with '('";
  size_t depth = 0;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"') {  // quoted = DQUOTE *QUOTED-CHAR DQUOTE
      ++i;
      for (;;) {
        if (i >= s.size()) return "unterminated quoted string";
        unsigned char q = static_cast<unsigned char>(s[i]);
        if (q == '"') break;
        if (q == '\\') {
          if (++i >= s.size()) return "unterminated quoted string";
          q = static_cast<unsigned char>(s[i]);
          if (q != '"' && q != '\\') return "quoted string escapes something other than \" or \\";
        }
        if (q == '\r' || q == '\n' || q == 0 || q >= 0x80) return "quoted string holds CR, LF, NUL or 8-bit";
        ++i;
      }
      ++i;
      continue;
    }
    if (c == '{') {  // literal = "{" number "}" CRLF *CHAR8
      size_t j = i + 1;
      size_t n = 0;
      while (j < s.size() && s[j] >= '0' && s[j] <= '9') {
        if (n > s.size()) return "literal length larger than the text";
        n = n * 10 + static_cast<size_t>(s[j] - '0');
        ++j;
      }
      if (j == i + 1) return "'{' without a literal length";
      if (s.substr(j, 3) != "}\r\n") return "literal length not followed by }CRLF";
      j += 3;
      if (n > s.size() - j) return "literal runs past the end";
      i = j + n;
      continue;
    }
    if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (depth == 0) return "')' without '('";
      if (--depth == 0 && i + 1 != s.size()) return "text after the outer list";
    } else if (c < 0x20 || c >= 0x7f) {
      return "control or 8-bit byte outside a string";
    }
    ++i;
  }
  if (depth != 0) return "'(' never closed";
  return nullptr;
}

void check_imap_list(const std::string& s, const char* which) {
  if (const char* err = imap_list_error(s)) {
    std::fprintf(stderr, "fuzz_mime_split: %s: %s\n", which, err);
    fail("IMAP list not well formed", s.substr(0, 4096));
  }
}

mime::AnalyzeOptions options_from(const uint8_t* data, size_t size) {
  static constexpr size_t kMinAttachment[] = {4096, 64, 1, 0};
  static constexpr size_t kMaxSearchText[] = {1024 * 1024, 0, 64, 4096};
  unsigned sel = size == 0 ? 0 : data[size - 1];
  mime::AnalyzeOptions options;
  options.min_attachment_size = kMinAttachment[sel & 3];
  options.max_search_text = kMaxSearchText[(sel >> 2) & 3];
  return options;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The view points straight at libFuzzer's buffer (exactly `size` bytes), so any read past the
  // message is an ASan report.
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  mime::AnalyzeOptions options = options_from(data, size);
  mime::MessageInfo info = mime::analyze(raw, options);

  // 1. Ranges.
  size_t end = 0;
  for (const auto& r : info.attachments) {
    check(r.length > 0, "attachment range is empty");
    check(r.offset <= raw.size() && r.length <= raw.size() - r.offset, "attachment range outside the message");
    check(r.offset >= end, "attachment ranges not sorted and disjoint");
    end = r.offset + r.length;
  }

  // 2. Split and join, byte-exact. Bodies are copied out so that join() cannot lean on views into
  // the original message.
  mime::SplitMessage parts = mime::split(raw, info.attachments);
  check(parts.bodies.size() == info.attachments.size(), "split() lost or invented a body");
  size_t total = parts.skeleton.size();
  std::vector<std::string> stored;
  stored.reserve(parts.bodies.size());
  for (size_t i = 0; i < parts.bodies.size(); ++i) {
    const auto& r = info.attachments[i];
    check(parts.bodies[i].body == raw.substr(r.offset, r.length), "split() body differs from its range");
    total += parts.bodies[i].body.size();
    stored.emplace_back(parts.bodies[i].body);
  }
  check(total == raw.size(), "skeleton and bodies do not add up to the message");
  std::vector<mime::SplicePoint> points;
  points.reserve(stored.size());
  for (size_t i = 0; i < stored.size(); ++i) points.push_back({parts.bodies[i].skeleton_offset, stored[i]});
  std::string joined = mime::join(parts.skeleton, points);
  check(joined == raw, "join(split(message)) differs from the message");

  // 3. IMAP wire text.
  check_imap_list(info.imap_envelope, "ENVELOPE");
  check_imap_list(info.imap_bodystructure, "BODYSTRUCTURE");

  // 4. Caps and flags.
  check(info.search_body.size() <= options.max_search_text, "search_body over max_search_text");
  check(info.attachments.empty() || info.has_attachment, "attachment ranges without has_attachment");
  return 0;
}
