// Response writing helpers (response.h).
#include "imap/protocol/response.h"

#include <algorithm>

#include "imap/protocol/mailbox_name.h"
#include "imap/protocol/reader.h"

namespace sealmail::imap {

namespace {

// Longer strings go as literals: clients handle both, and a literal is cheaper to scan.
constexpr size_t kMaxQuoted = 1024;

bool quotable(std::string_view value, bool utf8) {
  if (value.size() > kMaxQuoted) return false;
  bool eight_bit = false;
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80) {
      eight_bit = true;
    } else if (c < 0x20 || c == 0x7f) {
      return false;  // CR, LF and NUL cannot be quoted; other controls are safer in a literal
    }
  }
  return !eight_bit || (utf8 && is_valid_utf8(value));
}

}  // namespace

void append_string(std::string& out, std::string_view value, bool utf8) {
  if (quotable(value, utf8)) {
    out += '"';
    for (char c : value) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
    return;
  }
  out += '{';
  out += std::to_string(value.size());
  out += "}\r\n";
  out.append(value);
}

std::string quote_or_literal(std::string_view value, bool utf8) {
  std::string out;
  append_string(out, value, utf8);
  return out;
}

std::string nstring(std::optional<std::string_view> value, bool utf8) {
  if (!value) return "NIL";
  return quote_or_literal(*value, utf8);
}

std::string astring(std::string_view value, bool utf8) {
  bool atom = !value.empty() && !detail::iequals(value, "NIL") && std::all_of(value.begin(), value.end(), [](char c) {
    return detail::is_astring_char(static_cast<unsigned char>(c));
  });
  if (atom) return std::string(value);
  return quote_or_literal(value, utf8);
}

std::string format_sequence_set(const std::vector<Interval>& intervals) {
  std::string out;
  for (const Interval& i : intervals) {
    if (!out.empty()) out += ',';
    out += std::to_string(i.first);
    if (i.last != i.first) {
      out += ':';
      out += std::to_string(i.last);
    }
  }
  return out;
}

std::string format_sequence_set(std::span<const uint32_t> numbers) {
  std::vector<uint32_t> sorted(numbers.begin(), numbers.end());
  std::sort(sorted.begin(), sorted.end());
  std::vector<Interval> intervals;
  for (uint32_t n : sorted) {
    if (!intervals.empty() && (n == intervals.back().last || n == intervals.back().last + 1)) {
      intervals.back().last = n;
    } else {
      intervals.push_back({n, n});
    }
  }
  return format_sequence_set(intervals);
}

std::string format_sequence_set(const SequenceSet& set) {
  if (set.saved_result) return "$";
  std::string out;
  auto number = [](uint32_t n) { return n == 0 ? std::string("*") : std::to_string(n); };
  for (const SeqRange& r : set.ranges) {
    if (!out.empty()) out += ',';
    out += number(r.first);
    if (r.last != r.first) {
      out += ':';
      out += number(r.last);
    }
  }
  return out;
}

std::string format_flags(std::span<const std::string> flags) {
  std::string out = "(";
  for (size_t i = 0; i < flags.size(); ++i) {
    if (i) out += ' ';
    out += flags[i];
  }
  out += ')';
  return out;
}

std::string format_section(const Section& section) {
  std::string out;
  for (size_t i = 0; i < section.part.size(); ++i) {
    if (i) out += '.';
    out += std::to_string(section.part[i]);
  }
  const char* spec = nullptr;
  switch (section.specifier) {
    case Section::Specifier::none:
      return out;
    case Section::Specifier::header:
      spec = "HEADER";
      break;
    case Section::Specifier::header_fields:
      spec = "HEADER.FIELDS";
      break;
    case Section::Specifier::header_fields_not:
      spec = "HEADER.FIELDS.NOT";
      break;
    case Section::Specifier::text:
      spec = "TEXT";
      break;
    case Section::Specifier::mime:
      spec = "MIME";
      break;
  }
  if (!out.empty()) out += '.';
  out += spec;
  if (section.specifier == Section::Specifier::header_fields ||
      section.specifier == Section::Specifier::header_fields_not) {
    out += " (";
    for (size_t i = 0; i < section.fields.size(); ++i) {
      if (i) out += ' ';
      out += astring(section.fields[i]);
    }
    out += ')';
  }
  return out;
}

std::string fetch_item_name(const FetchItem& item) {
  using K = FetchItem::Kind;
  std::string out;
  switch (item.kind) {
    case K::envelope:
      return "ENVELOPE";
    case K::bodystructure:
      return "BODYSTRUCTURE";
    case K::body:
      return "BODY";
    case K::rfc822:
      return "RFC822";
    case K::rfc822_header:
      return "RFC822.HEADER";
    case K::rfc822_text:
      return "RFC822.TEXT";
    case K::rfc822_size:
      return "RFC822.SIZE";
    case K::internaldate:
      return "INTERNALDATE";
    case K::flags:
      return "FLAGS";
    case K::uid:
      return "UID";
    case K::modseq:
      return "MODSEQ";
    case K::body_section:
      out = "BODY[";
      break;
    case K::binary_section:
      out = "BINARY[";
      break;
    case K::binary_size:
      return "BINARY.SIZE[" + format_section(item.section) + "]";
  }
  out += format_section(item.section);
  out += ']';
  // RFC 9051 §7.5.2: "BODY[<section>]<<origin octet>>": only the origin is echoed.
  if (item.partial) out += "<" + std::to_string(item.partial->offset) + ">";
  return out;
}

std::string_view status_item_name(StatusItem item) {
  switch (item) {
    case StatusItem::messages:
      return "MESSAGES";
    case StatusItem::recent:
      return "RECENT";
    case StatusItem::uidnext:
      return "UIDNEXT";
    case StatusItem::uidvalidity:
      return "UIDVALIDITY";
    case StatusItem::unseen:
      return "UNSEEN";
    case StatusItem::deleted:
      return "DELETED";
    case StatusItem::size:
      return "SIZE";
    case StatusItem::highestmodseq:
      return "HIGHESTMODSEQ";
    case StatusItem::appendlimit:
      return "APPENDLIMIT";
    case StatusItem::deleted_storage:
      return "DELETED-STORAGE";
  }
  return "";
}

std::string response_text(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\r' || c == '\n' || c == '\0') c = ' ';
  }
  return out;
}

std::string status_response(std::string_view tag, std::string_view status, std::string_view code,
                            std::string_view text) {
  std::string out = tag.empty() ? std::string("*") : std::string(tag);
  out += ' ';
  out += status;
  if (!code.empty()) {
    out += " [";
    out += response_text(code);
    out += ']';
  }
  // RFC 9051 §9: resp-text = ["[" resp-text-code "]" SP] [text]; text = 1*TEXT-CHAR.
  std::string t = response_text(text);
  if (!t.empty()) {
    out += ' ';
    out += t;
  }
  out += "\r\n";
  return out;
}

}  // namespace sealmail::imap
