// APPEND with MULTIAPPEND, BINARY literal8 and UTF8=ACCEPT data (RFC 9051 §6.3.12, RFC 3502 §6,
// RFC 3516 §4.4, RFC 6855 §4), and flag lists (RFC 9051 §9 flag-list).
#include "imap/protocol/parsers.h"
#include "imap/protocol/response.h"

namespace sealmail::imap::detail {

std::vector<std::string> parse_flag_list(Reader& r) {
  std::vector<std::string> flags;
  r.open_paren();
  if (r.peek() != ')') {
    do {
      flags.push_back(r.flag());
    } while (r.try_sp());
  }
  r.close_paren();
  return flags;
}

namespace {

AppendMessage parse_message(Reader& r) {
  // append-message = append-opts SP append-data; append-opts = [SP flag-list] [SP date-time]
  AppendMessage m;
  if (r.peek() == '(') {
    m.flags = parse_flag_list(r);
    r.sp();
  }
  if (r.peek() == '"') {
    std::string date = r.string();
    auto unix = parse_date_time(date);
    if (!unix) fail("Invalid date-time");
    m.date = *unix;
    m.date_text = std::move(date);
    r.sp();
  }
  if (r.try_keyword("UTF8")) {
    // RFC 6855 §4: "UTF8" SP "(" literal8 ")"; a plain literal is taken as well.
    m.utf8 = true;
    r.sp();
    r.open_paren();
    if (r.peek() != '~' && r.peek() != '{') fail("Expected a literal in UTF8 (...)");
    m.data = r.string_or_literal8(&m.binary);
    r.close_paren();
    return m;
  }
  if (r.peek() != '~' && r.peek() != '{') fail("Expected the message as a literal");
  m.data = r.string_or_literal8(&m.binary);
  return m;
}

}  // namespace

AppendArgs parse_append(Reader& r) {
  AppendArgs a;
  r.sp();
  a.mailbox = mailbox(r);
  do {
    r.sp();
    a.messages.push_back(parse_message(r));
  } while (!r.at_end());
  return a;
}

}  // namespace sealmail::imap::detail
