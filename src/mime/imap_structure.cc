#include "mime/imap_structure.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include "mime/gmime_ptr.h"
#include "mime/imap_string.h"

namespace sealmail::mime {

using detail::GCharPtr;

namespace {

constexpr int kMaxNesting = 64;  // deeper MIME trees are described as far as this

// Raw header value, unfolded (RFC 5322 §2.2.3), encoded words left as they are: the ENVELOPE
// carries header text as it was written.
std::string raw_header(GMimeObject* obj, const char* name) {
  GMimeHeaderList* list = g_mime_object_get_header_list(obj);
  GMimeHeader* h = g_mime_header_list_get_header(list, name);
  if (h == nullptr) return {};
  const char* raw = g_mime_header_get_raw_value(h);
  if (raw == nullptr) return {};
  std::string out;
  for (const char* p = raw; *p != 0; ++p)
    if (*p != '\r' && *p != '\n') out += *p;
  size_t start = out.find_first_not_of(" \t");
  size_t end = out.find_last_not_of(" \t");
  return start == std::string::npos ? std::string() : out.substr(start, end - start + 1);
}

bool has_header(GMimeObject* obj, const char* name) {
  return g_mime_header_list_contains(g_mime_object_get_header_list(obj), name);
}

void append_nstring_or_nil(std::string& out, const std::string& s, bool present) {
  if (!present)
    out += "NIL";
  else
    append_string(out, s);
}

// Obsolete source routes (RFC 5322 §4.4 obs-route, "<@a,@b:user@domain>"), which GMime parses
// and drops but ENVELOPE keeps as the address's adl (RFC 3501 §7.4.2): (addr-spec, route) pairs in
// the order the header gives them.
using Routes = std::vector<std::pair<std::string, std::string>>;

Routes source_routes(std::string_view header) {
  Routes out;
  auto trim = [](std::string_view s) {
    size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
    return b == std::string_view::npos ? std::string_view() : s.substr(b, e - b + 1);
  };
  for (size_t open = header.find('<'); open != std::string_view::npos; open = header.find('<', open + 1)) {
    size_t close = header.find('>', open);
    if (close == std::string_view::npos) break;
    std::string_view inside = trim(header.substr(open + 1, close - open - 1));
    size_t colon = inside.find(':');
    if (inside.empty() || inside[0] != '@' || colon == std::string_view::npos) continue;
    std::string route;
    for (char c : inside.substr(0, colon))
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') route += c;
    out.emplace_back(std::string(trim(inside.substr(colon + 1))), std::move(route));
  }
  return out;
}

void append_address(std::string& out, InternetAddress* addr, Routes& routes);

void append_address_list(std::string& out, InternetAddressList* list, Routes& routes) {
  if (list == nullptr || internet_address_list_length(list) == 0) {
    out += "NIL";
    return;
  }
  out += '(';
  for (int i = 0; i < internet_address_list_length(list); ++i)
    append_address(out, internet_address_list_get_address(list, i), routes);
  out += ')';
}

void append_name(std::string& out, const char* name) {
  if (name == nullptr || *name == 0) {
    out += "NIL";
    return;
  }
  bool ascii = true;
  for (const char* p = name; *p != 0; ++p)
    if (static_cast<unsigned char>(*p) >= 0x80) ascii = false;
  if (ascii) {
    append_string(out, name);
    return;
  }
  GCharPtr encoded(g_mime_utils_header_encode_phrase(nullptr, name, "utf-8"));
  append_string(out, encoded ? encoded.get() : name);
}

void append_address(std::string& out, InternetAddress* addr, Routes& routes) {
  if (INTERNET_ADDRESS_IS_GROUP(addr)) {
    // RFC 9051 §7.5.2: a group is (NIL NIL name NIL) ... (NIL NIL NIL NIL).
    out += "(NIL NIL ";
    append_nstring(out, internet_address_get_name(addr));
    out += " NIL)";
    InternetAddressList* members = internet_address_group_get_members(INTERNET_ADDRESS_GROUP(addr));
    for (int i = 0; members != nullptr && i < internet_address_list_length(members); ++i)
      append_address(out, internet_address_list_get_address(members, i), routes);
    out += "(NIL NIL NIL NIL)";
    return;
  }
  const char* email = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(addr));
  std::string_view e = email != nullptr ? email : "";
  size_t at = e.rfind('@');
  out += '(';
  append_name(out, internet_address_get_name(addr));
  out += ' ';
  auto route = std::find_if(routes.begin(), routes.end(), [&](auto& r) { return r.first == e; });
  if (route != routes.end()) {
    append_string(out, route->second);
    routes.erase(route);
  } else {
    out += "NIL";
  }
  out += ' ';
  if (at == std::string_view::npos) {
    append_string(out, e);
    out += " NIL";
  } else {
    append_string(out, e.substr(0, at));
    out += ' ';
    append_string(out, e.substr(at + 1));
  }
  out += ')';
}

// RFC 3501 §7.4.2: a header absent "or present but empty" takes its fallback (From).
bool blank_header(GMimeObject* obj, const char* name) {
  if (!has_header(obj, name)) return true;
  return raw_header(obj, name).find_first_not_of(" \t\r\n") == std::string::npos;
}

// The ENVELOPE's address list for header `name` (NIL when absent).
std::string address_field(GMimeObject* obj, const char* name) {
  if (!has_header(obj, name)) return "NIL";
  std::string raw = raw_header(obj, name);
  InternetAddressList* list = internet_address_list_parse(nullptr, raw.c_str());
  Routes routes = source_routes(raw);
  std::string out;
  append_address_list(out, list, routes);
  if (list != nullptr) g_object_unref(list);
  return out;
}

void append_params(std::string& out, GMimeParamList* params) {
  int n = params != nullptr ? g_mime_param_list_length(params) : 0;
  if (n == 0) {
    out += "NIL";
    return;
  }
  out += '(';
  for (int i = 0; i < n; ++i) {
    GMimeParam* p = g_mime_param_list_get_parameter_at(params, i);
    if (i > 0) out += ' ';
    append_string(out, g_mime_param_get_name(p));
    out += ' ';
    append_string(out, g_mime_param_get_value(p));
  }
  out += ')';
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// body-ext-1part / body-ext-mpart tail: disposition, language, location.
void append_extension_tail(std::string& out, GMimeObject* obj) {
  out += ' ';
  GMimeContentDisposition* disp = g_mime_object_get_content_disposition(obj);
  if (disp == nullptr || g_mime_content_disposition_get_disposition(disp) == nullptr) {
    out += "NIL";
  } else {
    out += '(';
    append_string(out, lower(g_mime_content_disposition_get_disposition(disp)));
    out += ' ';
    append_params(out, g_mime_content_disposition_get_parameters(disp));
    out += ')';
  }
  out += ' ';
  append_nstring_or_nil(out, raw_header(obj, "Content-Language"), has_header(obj, "Content-Language"));
  out += ' ';
  append_nstring_or_nil(out, raw_header(obj, "Content-Location"), has_header(obj, "Content-Location"));
}

struct Span {
  int64_t begin = -1, end = -1;
};

void widen(Span& s, int64_t b, int64_t e) {
  if (b < 0 || e < b) return;
  if (s.begin < 0 || b < s.begin) s.begin = b;
  if (e > s.end) s.end = e;
}

// The byte span that an object's leaf bodies cover, from its first header: what a message/rfc822
// part's size is measured over.
Span object_span(GMimeObject* obj) {
  Span s;
  GMimeHeaderList* list = g_mime_object_get_header_list(obj);
  if (g_mime_header_list_get_count(list) > 0) {
    int64_t off = g_mime_header_get_offset(g_mime_header_list_get_header_at(list, 0));
    widen(s, off, off);
  }
  if (GMIME_IS_PART(obj)) {
    GMimeDataWrapper* w = g_mime_part_get_content(GMIME_PART(obj));
    GMimeStream* st = w != nullptr ? g_mime_data_wrapper_get_stream(w) : nullptr;
    if (st != nullptr) widen(s, st->bound_start, st->bound_end);
  } else if (GMIME_IS_MULTIPART(obj)) {
    for (int i = 0; i < g_mime_multipart_get_count(GMIME_MULTIPART(obj)); ++i) {
      Span c = object_span(g_mime_multipart_get_part(GMIME_MULTIPART(obj), i));
      widen(s, c.begin, c.end);
    }
  } else if (GMIME_IS_MESSAGE_PART(obj)) {
    GMimeMessage* m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
    if (m != nullptr) {
      Span c = object_span(GMIME_OBJECT(m));
      widen(s, c.begin, c.end);
    }
  } else if (GMIME_IS_MESSAGE(obj)) {
    GMimeObject* body = g_mime_message_get_mime_part(GMIME_MESSAGE(obj));
    if (body != nullptr) {
      Span b = object_span(body);
      widen(s, b.begin, b.end);
    }
  }
  return s;
}

// Where a part inside a multipart ends: at the CRLF (or bare LF) that starts the next delimiter
// line "--boundary" (RFC 2046 §5.1.1: that line break belongs to the delimiter), searching from
// the last byte the part is known to hold. Without a delimiter (a missing final boundary), the
// part runs to the end of the message.
int64_t part_end(std::string_view raw, int64_t from, std::string_view boundary) {
  if (from < 0 || static_cast<size_t>(from) > raw.size()) return static_cast<int64_t>(raw.size());
  if (boundary.empty()) return static_cast<int64_t>(raw.size());
  std::string needle = "\n--";
  needle += boundary;
  size_t pos = raw.find(needle, static_cast<size_t>(from > 0 ? from - 1 : 0));
  if (pos == std::string_view::npos) return static_cast<int64_t>(raw.size());
  if (pos > 0 && raw[pos - 1] == '\r') --pos;
  return static_cast<int64_t>(std::max<size_t>(pos, static_cast<size_t>(from)));
}

size_t count_lines(std::string_view raw, int64_t begin, int64_t end) {
  if (begin < 0 || end < begin || static_cast<size_t>(end) > raw.size()) return 0;
  auto part = raw.substr(static_cast<size_t>(begin), static_cast<size_t>(end - begin));
  size_t n = static_cast<size_t>(std::count(part.begin(), part.end(), '\n'));
  if (!part.empty() && part.back() != '\n') ++n;
  return n;
}

void append_body(std::string& out, GMimeObject* obj, std::string_view raw, std::string_view parent_boundary, int depth);

void append_single_part(std::string& out, GMimeObject* obj, std::string_view raw, std::string_view parent_boundary,
                        int depth) {
  GMimeContentType* type = g_mime_object_get_content_type(obj);
  std::string media = type != nullptr ? lower(g_mime_content_type_get_media_type(type)) : "text";
  std::string subtype = type != nullptr ? lower(g_mime_content_type_get_media_subtype(type)) : "plain";
  out += '(';
  append_string(out, media);
  out += ' ';
  append_string(out, subtype);
  out += ' ';
  GMimeParamList* params = type != nullptr ? g_mime_content_type_get_parameters(type) : nullptr;
  if ((params == nullptr || g_mime_param_list_length(params) == 0) && media == "text")
    out += "(\"charset\" \"us-ascii\")";  // RFC 2045 §5.2 default
  else
    append_params(out, params);
  out += ' ';
  append_nstring_or_nil(out, raw_header(obj, "Content-ID"), has_header(obj, "Content-ID"));
  out += ' ';
  append_nstring_or_nil(out, raw_header(obj, "Content-Description"), has_header(obj, "Content-Description"));
  out += ' ';
  std::string encoding = lower(raw_header(obj, "Content-Transfer-Encoding"));
  append_string(out, encoding.empty() ? "7bit" : encoding);
  out += ' ';

  Span body;
  if (GMIME_IS_PART(obj)) {
    GMimeDataWrapper* w = g_mime_part_get_content(GMIME_PART(obj));
    GMimeStream* st = w != nullptr ? g_mime_data_wrapper_get_stream(w) : nullptr;
    if (st != nullptr) body = {st->bound_start, st->bound_end};
  } else if (GMIME_IS_MESSAGE_PART(obj)) {
    GMimeMessage* m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
    if (m != nullptr) {
      body = object_span(GMIME_OBJECT(m));
      body.end = part_end(raw, body.end, parent_boundary);
    }
  }
  int64_t size = (body.begin >= 0 && body.end >= body.begin) ? body.end - body.begin : 0;
  out += std::to_string(size);

  if (GMIME_IS_MESSAGE_PART(obj) && media == "message" && subtype == "rfc822") {
    GMimeMessage* m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
    out += ' ';
    out += m != nullptr ? imap_envelope(m) : "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)";
    out += ' ';
    if (m != nullptr && m->mime_part != nullptr && depth < kMaxNesting)
      append_body(out, m->mime_part, raw, {}, depth + 1);
    else
      out += "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)";
    out += ' ';
    out += std::to_string(count_lines(raw, body.begin, body.end));
  } else if (media == "text") {
    out += ' ';
    out += std::to_string(count_lines(raw, body.begin, body.end));
  }
  out += ' ';
  append_nstring_or_nil(out, raw_header(obj, "Content-MD5"), has_header(obj, "Content-MD5"));
  append_extension_tail(out, obj);
  out += ')';
}

void append_body(std::string& out, GMimeObject* obj, std::string_view raw, std::string_view parent_boundary,
                 int depth) {
  if (GMIME_IS_MULTIPART(obj)) {
    GMimeMultipart* mp = GMIME_MULTIPART(obj);
    // The boundary as the message gives it. Not g_mime_multipart_get_boundary(): with none given it
    // makes one up and re-encodes the Content-Type header, and GMime 3.2's parameter encoder can
    // then grow without bound on a hostile parameter name (found by fuzz_mime_split: 416 bytes
    // asked for 2 GB).
    const char* b = g_mime_object_get_content_type_parameter(obj, "boundary");
    std::string boundary = b != nullptr ? b : "";
    out += '(';
    int n = depth < kMaxNesting ? g_mime_multipart_get_count(mp) : 0;
    for (int i = 0; i < n; ++i) append_body(out, g_mime_multipart_get_part(mp, i), raw, boundary, depth + 1);
    if (n == 0) out += "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)";
    out += ' ';
    GMimeContentType* type = g_mime_object_get_content_type(obj);
    append_string(out, type != nullptr ? lower(g_mime_content_type_get_media_subtype(type)) : "mixed");
    out += ' ';
    append_params(out, type != nullptr ? g_mime_content_type_get_parameters(type) : nullptr);
    append_extension_tail(out, obj);
    out += ')';
    return;
  }
  append_single_part(out, obj, raw, parent_boundary, depth);
}

}  // namespace

std::string imap_envelope(GMimeMessage* message) {
  GMimeObject* obj = GMIME_OBJECT(message);
  std::string out = "(";
  append_nstring_or_nil(out, raw_header(obj, "Date"), has_header(obj, "Date"));
  out += ' ';
  append_nstring_or_nil(out, raw_header(obj, "Subject"), has_header(obj, "Subject"));
  out += ' ';
  // Sender and Reply-To default to From (RFC 9051): From is parsed once for all three.
  const std::string from = address_field(obj, "From");
  out += from;
  out += ' ';
  out += blank_header(obj, "Sender") ? from : address_field(obj, "Sender");
  out += ' ';
  out += blank_header(obj, "Reply-To") ? from : address_field(obj, "Reply-To");
  out += ' ';
  out += address_field(obj, "To");
  out += ' ';
  out += address_field(obj, "Cc");
  out += ' ';
  out += address_field(obj, "Bcc");
  out += ' ';
  append_nstring_or_nil(out, raw_header(obj, "In-Reply-To"), has_header(obj, "In-Reply-To"));
  out += ' ';
  append_nstring_or_nil(out, raw_header(obj, "Message-ID"), has_header(obj, "Message-ID"));
  out += ')';
  return out;
}

std::string imap_bodystructure(GMimeMessage* message, std::string_view raw) {
  std::string out;
  if (message->mime_part == nullptr) {
    out = "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL)";
    return out;
  }
  append_body(out, message->mime_part, raw, {}, 0);
  return out;
}

}  // namespace sealmail::mime
