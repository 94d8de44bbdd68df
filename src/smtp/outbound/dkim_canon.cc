#include "smtp/outbound/dkim_canon.h"

namespace sealmail::smtp::outbound {

namespace {

bool wsp(char c) { return c == ' ' || c == '\t'; }

// Appends `line` (no CRLF) with runs of WSP made one SP and WSP at its end removed.
void append_compressed(std::string& out, std::string_view line) {
  bool pending_space = false;
  for (char c : line) {
    if (wsp(c)) {
      pending_space = true;
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
}

}  // namespace

std::string normalize_line_endings(std::string_view message) {
  std::string out;
  out.reserve(message.size() + message.size() / 64);
  for (size_t i = 0; i < message.size(); ++i) {
    char c = message[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < message.size() && message[i + 1] == '\n') ++i;
      out += "\r\n";
    } else {
      out += c;
    }
  }
  return out;
}

Result<SplitMessage> split_message(std::string_view message) {
  SplitMessage out;
  size_t pos = 0;
  while (pos < message.size()) {
    size_t eol = message.find("\r\n", pos);
    size_t line_end = eol == std::string_view::npos ? message.size() : eol;
    size_t next = eol == std::string_view::npos ? message.size() : eol + 2;
    std::string_view line = message.substr(pos, line_end - pos);
    if (line.empty()) {  // the empty line: the body follows
      out.body = message.substr(next);
      return out;
    }
    if (wsp(line.front())) {
      if (out.headers.empty()) return make_error(Errc::invalid_argument, "header continuation before any field");
      auto& field = out.headers.back();
      field.raw = message.substr(field.raw.data() - message.data(), line_end - (field.raw.data() - message.data()));
    } else {
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) return make_error(Errc::invalid_argument, "header line without a colon");
      std::string_view name = line.substr(0, colon);
      while (!name.empty() && wsp(name.back())) name.remove_suffix(1);  // RFC 5322 §4.5 obs-optional
      if (name.empty()) return make_error(Errc::invalid_argument, "header field without a name");
      for (char c : name) {
        auto u = static_cast<unsigned char>(c);
        if (u < 33 || u > 126) return make_error(Errc::invalid_argument, "header field name with a forbidden byte");
      }
      out.headers.push_back({name, line});
    }
    pos = next;
  }
  return out;  // headers only, no body
}

std::string relaxed_header(std::string_view raw_field) {
  size_t colon = raw_field.find(':');
  std::string out;
  out.reserve(raw_field.size());
  std::string_view name = raw_field.substr(0, colon);
  while (!name.empty() && wsp(name.back())) name.remove_suffix(1);
  for (char c : name) out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  out += ':';
  if (colon == std::string_view::npos) return out;
  // Unfolding removes the CRLFs; the WSP that followed each stays and is compressed with the rest.
  std::string unfolded;
  unfolded.reserve(raw_field.size() - colon);
  for (char c : raw_field.substr(colon + 1))
    if (c != '\r' && c != '\n') unfolded += c;
  size_t start = 0;
  while (start < unfolded.size() && wsp(unfolded[start])) ++start;
  append_compressed(out, std::string_view(unfolded).substr(start));
  return out;
}

std::string relaxed_body(std::string_view body) {
  std::string out;
  out.reserve(body.size());
  size_t empty_lines = 0;  // held back until a non-empty line shows they are not at the end
  std::string line;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t eol = body.find("\r\n", pos);
    size_t line_end = eol == std::string_view::npos ? body.size() : eol;
    line.clear();
    append_compressed(line, body.substr(pos, line_end - pos));
    if (line.empty()) {
      ++empty_lines;
    } else {
      for (; empty_lines > 0; --empty_lines) out += "\r\n";
      out += line;
      out += "\r\n";  // also for a last line without one (§3.4.4: a non-empty body ends in CRLF)
    }
    pos = eol == std::string_view::npos ? body.size() : eol + 2;
  }
  return out;
}

}  // namespace sealmail::smtp::outbound
