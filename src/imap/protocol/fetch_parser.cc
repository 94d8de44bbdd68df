// FETCH items, sections and modifiers (RFC 9051 §6.4.5, RFC 3516 §4.1 BINARY, RFC 7162 §3.1.4
// CHANGEDSINCE, §3.2.6 VANISHED), and STORE (RFC 9051 §6.4.6, RFC 7162 §3.1.3 UNCHANGEDSINCE).
#include "imap/protocol/parsers.h"

namespace sealmail::imap::detail {

namespace {

// A fetch-att name: letters, digits, "." and "-" (ATOM-CHAR would run into "[").
std::string item_name(Reader& r) {
  std::string name;
  while (true) {
    char c = r.peek();
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    if (!ok || r.at_end()) break;
    name += c;
    r.try_char(c);
    if (name.size() > 32) fail("Unknown FETCH item");
  }
  if (name.empty()) fail("Expected a FETCH item");
  r.count_argument();
  return to_upper(name);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Keyword made of letters and "." inside a section ("HEADER.FIELDS.NOT").
std::string section_word(Reader& r) {
  std::string word;
  while (true) {
    char c = r.peek();
    if (r.at_end() || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '.')) break;
    word += c;
    r.try_char(c);
    if (word.size() > 20) fail("Invalid section");
  }
  return to_upper(word);
}

Section parse_section(Reader& r, bool binary) {
  Section s;
  r.expect('[', "[");
  if (r.try_char(']')) return s;
  if (is_digit(r.peek())) {
    s.part.push_back(r.nz_number());
    bool text_follows = false;
    while (r.peek() == '.') {
      r.try_char('.');
      if (is_digit(r.peek())) {
        if (s.part.size() >= 100) fail("Section part too deep");
        s.part.push_back(r.nz_number());
        continue;
      }
      if (binary) fail("BINARY takes part numbers only");
      text_follows = true;  // "1.HEADER", "1.MIME", ...
      break;
    }
    if (!text_follows) {
      r.expect(']', "]");
      return s;
    }
  }
  if (binary) fail("BINARY takes part numbers only");
  std::string word = section_word(r);
  if (word == "HEADER") {
    s.specifier = Section::Specifier::header;
  } else if (word == "TEXT") {
    s.specifier = Section::Specifier::text;
  } else if (word == "MIME" && !s.part.empty()) {
    // RFC 9051 §6.4.5: MIME only after a part number.
    s.specifier = Section::Specifier::mime;
  } else if (word == "HEADER.FIELDS" || word == "HEADER.FIELDS.NOT") {
    s.specifier = word == "HEADER.FIELDS" ? Section::Specifier::header_fields : Section::Specifier::header_fields_not;
    // header-list = "(" header-fld-name *(SP header-fld-name) ")"
    r.sp();
    r.open_paren();
    do {
      std::string field = r.astring();
      if (field.empty()) fail("Empty header field name");
      s.fields.push_back(std::move(field));
    } while (r.try_sp());
    r.close_paren();
  } else {
    fail("Invalid section");
  }
  r.expect(']', "]");
  return s;
}

std::optional<Partial> parse_partial(Reader& r) {
  // partial = "<" number "." nz-number ">"
  if (!r.try_char('<')) return std::nullopt;
  Partial p;
  p.offset = r.number();
  r.expect('.', ". in a partial");
  p.length = r.nz_number();
  r.expect('>', "> after a partial");
  return p;
}

FetchItem simple(FetchItem::Kind kind) {
  FetchItem item;
  item.kind = kind;
  return item;
}

FetchItem parse_item(Reader& r) {
  using K = FetchItem::Kind;
  std::string name = item_name(r);
  if (name == "ENVELOPE") return simple(K::envelope);
  if (name == "FLAGS") return simple(K::flags);
  if (name == "INTERNALDATE") return simple(K::internaldate);
  if (name == "RFC822") return simple(K::rfc822);
  if (name == "RFC822.HEADER") return simple(K::rfc822_header);
  if (name == "RFC822.SIZE") return simple(K::rfc822_size);
  if (name == "RFC822.TEXT") return simple(K::rfc822_text);
  if (name == "BODYSTRUCTURE") return simple(K::bodystructure);
  if (name == "UID") return simple(K::uid);
  if (name == "MODSEQ") return simple(K::modseq);
  if (name == "BODY" || name == "BODY.PEEK") {
    if (r.peek() != '[') {
      if (name == "BODY.PEEK") fail("BODY.PEEK needs a section");
      return simple(K::body);
    }
    FetchItem item = simple(K::body_section);
    item.peek = name == "BODY.PEEK";
    item.section = parse_section(r, false);
    item.partial = parse_partial(r);
    return item;
  }
  if (name == "BINARY" || name == "BINARY.PEEK") {
    FetchItem item = simple(K::binary_section);
    item.peek = name == "BINARY.PEEK";
    item.section = parse_section(r, true);
    item.partial = parse_partial(r);
    return item;
  }
  if (name == "BINARY.SIZE") {
    FetchItem item = simple(K::binary_size);
    item.section = parse_section(r, true);
    return item;
  }
  fail("Unknown FETCH item");
}

}  // namespace

FetchArgs parse_fetch(Reader& r, bool uid) {
  using K = FetchItem::Kind;
  FetchArgs a;
  r.sp();
  a.set = r.sequence_set();
  r.sp();
  if (r.peek() == '(') {
    r.open_paren();
    do {
      a.items.push_back(parse_item(r));
    } while (r.try_sp());
    r.close_paren();
  } else if (r.try_keyword("ALL")) {
    // RFC 9051 §6.4.5 macros.
    a.items = {simple(K::flags), simple(K::internaldate), simple(K::rfc822_size), simple(K::envelope)};
  } else if (r.try_keyword("FAST")) {
    a.items = {simple(K::flags), simple(K::internaldate), simple(K::rfc822_size)};
  } else if (r.try_keyword("FULL")) {
    a.items = {simple(K::flags), simple(K::internaldate), simple(K::rfc822_size), simple(K::envelope), simple(K::body)};
  } else {
    a.items.push_back(parse_item(r));
  }
  if (r.try_sp()) {
    // fetch-modifiers = SP "(" fetch-modifier *(SP fetch-modifier) ")" (RFC 4466 §2.4)
    r.open_paren();
    do {
      if (r.try_keyword("CHANGEDSINCE")) {
        if (a.changedsince) fail("CHANGEDSINCE given twice");
        r.sp();
        a.changedsince = r.number64();
      } else if (r.try_keyword("VANISHED")) {
        a.vanished = true;
      } else {
        fail("Unknown FETCH modifier");
      }
    } while (r.try_sp());
    r.close_paren();
    // RFC 7162 §3.2.6: VANISHED only in UID FETCH, and only with CHANGEDSINCE.
    if (a.vanished && (!uid || !a.changedsince)) fail("VANISHED needs UID FETCH and CHANGEDSINCE");
  }
  return a;
}

StoreArgs parse_store(Reader& r) {
  StoreArgs a;
  r.sp();
  a.set = r.sequence_set();
  r.sp();
  if (r.peek() == '(') {
    // store-modifiers (RFC 4466 §2.5); RFC 7162 §3.1.3: UNCHANGEDSINCE mod-sequence-valzer.
    r.open_paren();
    do {
      if (!r.try_keyword("UNCHANGEDSINCE")) fail("Unknown STORE modifier");
      if (a.unchangedsince) fail("UNCHANGEDSINCE given twice");
      r.sp();
      a.unchangedsince = r.number64();
    } while (r.try_sp());
    r.close_paren();
    r.sp();
  }
  // store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))
  if (r.try_char('+')) {
    a.mode = StoreMode::add;
  } else if (r.try_char('-')) {
    a.mode = StoreMode::remove;
  }
  std::string name = item_name(r);
  if (name == "FLAGS.SILENT") {
    a.silent = true;
  } else if (name != "FLAGS") {
    fail("Expected FLAGS, +FLAGS or -FLAGS");
  }
  r.sp();
  if (r.peek() == '(') {
    a.flags = parse_flag_list(r);
  } else {
    do {
      a.flags.push_back(r.flag());
    } while (r.try_sp());
  }
  return a;
}

}  // namespace sealmail::imap::detail
