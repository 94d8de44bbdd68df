// LIST with LIST-EXTENDED, LIST-STATUS and SPECIAL-USE options (RFC 9051 §6.3.9, RFC 5258 §3,
// RFC 5819 §2, RFC 6154 §5), LSUB (RFC 3501 §6.3.9), and STATUS (RFC 9051 §6.3.11, RFC 8438,
// RFC 7162 §3.1.6, RFC 7889, RFC 9208 §4.2.1... DELETED-STORAGE).
#include <string_view>

#include "imap/protocol/parsers.h"

namespace sealmail::imap::detail {

namespace {

struct StatusName {
  std::string_view name;
  StatusItem item;
};

constexpr StatusName kStatusItems[] = {
    {"MESSAGES", StatusItem::messages},
    {"RECENT", StatusItem::recent},
    {"UIDNEXT", StatusItem::uidnext},
    {"UIDVALIDITY", StatusItem::uidvalidity},
    {"UNSEEN", StatusItem::unseen},
    {"DELETED", StatusItem::deleted},
    {"SIZE", StatusItem::size},
    {"HIGHESTMODSEQ", StatusItem::highestmodseq},
    {"APPENDLIMIT", StatusItem::appendlimit},
    {"DELETED-STORAGE", StatusItem::deleted_storage},
};

void parse_selection(Reader& r, ListArgs& a) {
  r.open_paren();
  if (r.peek() != ')') {
    do {
      if (r.try_keyword("SUBSCRIBED")) {
        a.selection.subscribed = true;
      } else if (r.try_keyword("REMOTE")) {
        a.selection.remote = true;
      } else if (r.try_keyword("RECURSIVEMATCH")) {
        a.selection.recursive_match = true;
      } else if (r.try_keyword("SPECIAL-USE")) {
        a.selection.special_use = true;
      } else {
        // RFC 5258 §3: "the server MUST return a tagged BAD response" for an unknown option.
        fail("Unknown LIST selection option");
      }
    } while (r.try_sp());
  }
  r.close_paren();
  // RFC 5258 §3.1: RECURSIVEMATCH needs another selection option it modifies.
  if (a.selection.recursive_match && !a.selection.subscribed && !a.selection.special_use) {
    fail("RECURSIVEMATCH needs SUBSCRIBED or SPECIAL-USE");
  }
}

void parse_return(Reader& r, ListArgs& a) {
  r.sp();
  r.open_paren();
  if (r.peek() != ')') {
    do {
      if (r.try_keyword("SUBSCRIBED")) {
        a.ret.subscribed = true;
      } else if (r.try_keyword("CHILDREN")) {
        a.ret.children = true;
      } else if (r.try_keyword("SPECIAL-USE")) {
        a.ret.special_use = true;
      } else if (r.try_keyword("STATUS")) {
        if (a.ret.status) fail("STATUS given twice");
        r.sp();
        a.ret.status = parse_status_items(r);
      } else {
        fail("Unknown LIST return option");
      }
    } while (r.try_sp());
  }
  r.close_paren();
}

}  // namespace

std::vector<StatusItem> parse_status_items(Reader& r) {
  std::vector<StatusItem> items;
  r.open_paren();
  do {
    std::string name = to_upper(r.atom());
    bool found = false;
    for (const StatusName& s : kStatusItems) {
      if (s.name == name) {
        items.push_back(s.item);
        found = true;
        break;
      }
    }
    if (!found) fail("Unknown STATUS item");
  } while (r.try_sp());
  r.close_paren();
  return items;
}

ListArgs parse_list(Reader& r, bool lsub) {
  ListArgs a;
  r.sp();
  if (!lsub && r.peek() == '(') {
    a.extended = true;
    parse_selection(r, a);
    r.sp();
  }
  a.reference = r.astring();
  r.sp();
  if (!lsub && r.peek() == '(') {
    // RFC 5258 §3: several patterns in parentheses.
    a.extended = true;
    r.open_paren();
    do {
      a.patterns.push_back(r.list_mailbox());
    } while (r.try_sp());
    r.close_paren();
  } else {
    a.patterns.push_back(r.list_mailbox());
  }
  if (!lsub && r.try_sp()) {
    if (!r.try_keyword("RETURN")) fail("Expected RETURN");
    a.extended = true;
    parse_return(r, a);
  }
  return a;
}

StatusArgs parse_status(Reader& r) {
  StatusArgs a;
  r.sp();
  a.mailbox = mailbox(r);
  r.sp();
  a.items = parse_status_items(r);
  return a;
}

}  // namespace sealmail::imap::detail
