#include "mime/base_subject.h"

#include <cctype>

namespace sealmail::mime {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

void trim_left(std::string& s) {
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  s.erase(0, i);
}

// subj-blob = "[" *BLOBCHAR "]" *WSP; returns the length consumed, or 0.
size_t blob_at(const std::string& s, size_t at) {
  if (at >= s.size() || s[at] != '[') return 0;
  size_t close = s.find_first_of("[]", at + 1);
  if (close == std::string::npos || s[close] != ']') return 0;
  size_t end = close + 1;
  while (end < s.size() && s[end] == ' ') ++end;
  return end - at;
}

// subj-refwd = ("RE" / ("FW" ["D"])) *WSP [subj-blob] ":"; returns the length consumed, or 0.
size_t refwd_at(const std::string& s) {
  size_t i = 0;
  if (s.compare(0, 2, "RE") == 0) {
    i = 2;
  } else if (s.compare(0, 3, "FWD") == 0) {
    i = 3;
  } else if (s.compare(0, 2, "FW") == 0) {
    i = 2;
  } else {
    return 0;
  }
  while (i < s.size() && s[i] == ' ') ++i;
  i += blob_at(s, i);
  if (i < s.size() && s[i] == ':') return i + 1;
  return 0;
}

}  // namespace

std::string base_subject(std::string_view subject, bool* is_reply) {
  // (1) Collapse whitespace runs to one space, upper-case (the comparison is case-insensitive).
  std::string s;
  for (char c : subject) {
    if (is_space(c)) {
      if (!s.empty() && s.back() != ' ') s += ' ';
    } else {
      s += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  bool reply = false;
  for (;;) {
    // (2) Trailing "(FWD)" and spaces.
    for (;;) {
      while (!s.empty() && s.back() == ' ') s.pop_back();
      if (s.size() >= 5 && s.compare(s.size() - 5, 5, "(FWD)") == 0) {
        s.erase(s.size() - 5);
        reply = true;
        continue;
      }
      break;
    }
    // (3)-(5) Leading subj-leader (blobs and Re:/Fwd:), repeated.
    for (;;) {
      trim_left(s);
      if (size_t n = refwd_at(s)) {
        s.erase(0, n);
        reply = true;
        continue;
      }
      size_t b = blob_at(s, 0);
      if (b > 0 && b < s.size()) {  // a blob is only removed when something remains
        s.erase(0, b);
        continue;
      }
      break;
    }
    // (6) "[FWD:" subject "]".
    if (s.size() >= 6 && s.compare(0, 5, "[FWD:") == 0 && s.back() == ']') {
      s = s.substr(5, s.size() - 6);
      reply = true;
      continue;
    }
    break;
  }
  if (is_reply != nullptr) *is_reply = reply;
  return s;
}

}  // namespace sealmail::mime
