// The command table and the arguments of the simple commands (command_parser.h). Families with
// more syntax have their own files (list_parser.cc, fetch_parser.cc, search_parser.cc,
// append_parser.cc, select_parser.cc).
#include "imap/protocol/command_parser.h"

#include <array>

#include "imap/protocol/mailbox_name.h"
#include "imap/protocol/parsers.h"

namespace sealmail::imap {

namespace detail {

std::string mailbox(Reader& r) { return normalize_inbox(r.astring()); }

namespace {

using ParseFn = Arguments (*)(Reader&, bool uid);

Arguments no_args(Reader&, bool) { return NoArgs{}; }

Arguments login(Reader& r, bool) {
  LoginArgs a;
  r.sp();
  a.user = r.astring();
  r.sp();
  a.password = SecretString(r.astring());
  return a;
}

bool is_base64(std::string_view s) {
  if (s == "=") return true;  // RFC 4959 §3: an empty initial response
  size_t pad = 0;
  for (char c : s) {
    bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (c == '=') {
      ++pad;
    } else if ((alnum || c == '+' || c == '/') && pad == 0) {
      continue;
    } else {
      return false;
    }
  }
  return pad <= 2 && s.size() % 4 == 0;
}

Arguments authenticate(Reader& r, bool) {
  // RFC 9051 §6.2.2: AUTHENTICATE SP auth-type [SP initial-resp] (SASL-IR, RFC 4959).
  AuthenticateArgs a;
  r.sp();
  a.mechanism = to_upper(r.atom());
  if (r.try_sp()) {
    std::string ir = r.atom();
    if (!is_base64(ir)) fail("Invalid base64 in the initial response");
    a.initial_response = SecretString(std::move(ir));
  }
  return a;
}

Arguments one_mailbox(Reader& r, bool) {
  r.sp();
  return MailboxArgs{mailbox(r)};
}

Arguments select(Reader& r, bool) { return parse_select(r); }
Arguments create(Reader& r, bool) { return parse_create(r); }

Arguments rename(Reader& r, bool) {
  RenameArgs a;
  r.sp();
  a.from = mailbox(r);
  r.sp();
  a.to = mailbox(r);
  return a;
}

Arguments list(Reader& r, bool) { return parse_list(r, false); }
Arguments lsub(Reader& r, bool) { return parse_list(r, true); }
Arguments status(Reader& r, bool) { return parse_status(r); }
Arguments append(Reader& r, bool) { return parse_append(r); }
Arguments fetch(Reader& r, bool uid) { return parse_fetch(r, uid); }
Arguments store(Reader& r, bool) { return parse_store(r); }
Arguments search(Reader& r, bool) { return parse_search(r); }
Arguments sort(Reader& r, bool) { return parse_sort(r); }
Arguments thread(Reader& r, bool) { return parse_thread(r); }

Arguments copy(Reader& r, bool) {
  CopyArgs a;
  r.sp();
  a.set = r.sequence_set();
  r.sp();
  a.mailbox = mailbox(r);
  return a;
}

Arguments expunge(Reader& r, bool uid) {
  // RFC 4315 §2.1: UID EXPUNGE sequence-set; plain EXPUNGE has no argument.
  ExpungeArgs a;
  if (uid) {
    r.sp();
    a.uids = r.sequence_set();
  }
  return a;
}

Arguments enable(Reader& r, bool) {
  // RFC 5161 §3.1: ENABLE 1*(SP capability).
  EnableArgs a;
  do {
    r.sp();
    a.capabilities.push_back(to_upper(r.atom()));
  } while (!r.at_end());
  return a;
}

Arguments id(Reader& r, bool) {
  // RFC 2971 §4: "ID" SP id_params_list; id_params_list = "(" #(string SP nstring) ")" / nil.
  IdArgs a;
  r.sp();
  if (r.try_keyword("NIL")) return a;
  a.fields.emplace();
  r.open_paren();
  if (r.peek() != ')') {
    do {
      std::string field = r.string();
      r.sp();
      a.fields->emplace_back(std::move(field), r.nstring());
    } while (r.try_sp());
  }
  r.close_paren();
  return a;
}

Arguments getquota(Reader& r, bool) {
  r.sp();
  return GetQuotaArgs{r.astring()};
}

Arguments setquota(Reader& r, bool) {
  // RFC 9208 §4.3: SETQUOTA quota-root SP setquota-list;
  // setquota-list = "(" [setquota-resource *(SP setquota-resource)] ")".
  SetQuotaArgs a;
  r.sp();
  a.root = r.astring();
  r.sp();
  r.open_paren();
  if (r.peek() != ')') {
    do {
      std::string resource = to_upper(r.atom());
      r.sp();
      a.limits.emplace_back(std::move(resource), r.number64());
    } while (r.try_sp());
  }
  r.close_paren();
  return a;
}

Arguments compress(Reader& r, bool) {
  r.sp();
  return CompressArgs{to_upper(r.atom())};
}

struct Entry {
  std::string_view name;
  ParseFn parse;
  bool uid;  // may follow "UID"
};

constexpr std::array kCommands = {
    Entry{"CAPABILITY", no_args, false},
    Entry{"NOOP", no_args, false},
    Entry{"LOGOUT", no_args, false},
    Entry{"STARTTLS", no_args, false},
    Entry{"AUTHENTICATE", authenticate, false},
    Entry{"LOGIN", login, false},
    Entry{"SELECT", select, false},
    Entry{"EXAMINE", select, false},
    Entry{"CREATE", create, false},
    Entry{"DELETE", one_mailbox, false},
    Entry{"RENAME", rename, false},
    Entry{"SUBSCRIBE", one_mailbox, false},
    Entry{"UNSUBSCRIBE", one_mailbox, false},
    Entry{"LIST", list, false},
    Entry{"LSUB", lsub, false},
    Entry{"STATUS", status, false},
    Entry{"APPEND", append, false},
    Entry{"CHECK", no_args, false},
    Entry{"CLOSE", no_args, false},
    Entry{"UNSELECT", no_args, false},
    Entry{"EXPUNGE", expunge, true},
    Entry{"SEARCH", search, true},
    Entry{"FETCH", fetch, true},
    Entry{"STORE", store, true},
    Entry{"COPY", copy, true},
    Entry{"MOVE", copy, true},
    Entry{"SORT", sort, true},
    Entry{"THREAD", thread, true},
    Entry{"IDLE", no_args, false},
    Entry{"NAMESPACE", no_args, false},
    Entry{"ENABLE", enable, false},
    Entry{"ID", id, false},
    Entry{"GETQUOTA", getquota, false},
    Entry{"GETQUOTAROOT", one_mailbox, false},
    Entry{"SETQUOTA", setquota, false},
    Entry{"COMPRESS", compress, false},
};

const Entry* find_command(std::string_view name) {
  for (const Entry& e : kCommands) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

// Parses the whole command; throws ParseError or Incomplete.
Command parse(Reader& r) {
  Command cmd;
  cmd.tag = r.tag();
  r.sp();
  cmd.name = to_upper(r.atom());
  if (cmd.name == "UID") {
    cmd.uid = true;
    r.sp();
    cmd.name = to_upper(r.atom());
  }
  const Entry* entry = find_command(cmd.name);
  if (!entry) fail(cmd.uid ? "Unknown UID command" : "Unknown command");
  if (cmd.uid && !entry->uid) fail("This command does not take the UID prefix");
  cmd.args = entry->parse(r, cmd.uid);
  r.expect_end();
  return cmd;
}

}  // namespace
}  // namespace detail

CommandHead command_head(std::string_view text) {
  CommandHead head;
  size_t i = 0;
  while (i < text.size() && detail::is_astring_char(static_cast<unsigned char>(text[i])) && text[i] != '+') ++i;
  // No tag we could echo safely: none, too long, or not followed by a space.
  if (i == 0 || i > 64 || (i < text.size() && text[i] != ' ')) return head;
  head.tag = std::string(text.substr(0, i));
  if (i >= text.size()) return head;
  auto word = [&](size_t from, size_t* end) {
    size_t j = from;
    while (j < text.size() && detail::is_atom_char(static_cast<unsigned char>(text[j]))) ++j;
    *end = j;
    return detail::to_upper(text.substr(from, std::min<size_t>(j - from, 32)));
  };
  size_t end = 0;
  head.name = word(i + 1, &end);
  if (head.name == "UID" && end < text.size() && text[end] == ' ') head.name = word(end + 1, &end);
  return head;
}

std::variant<Command, Error> parse_command(std::string_view text, const Limits& limits) {
  detail::Reader r(text, limits, false);
  try {
    return detail::parse(r);
  } catch (const detail::ParseError& e) {
    return Error{command_head(text).tag, e.text, e.kind, e.empties_saved_result};
  } catch (const detail::Incomplete&) {
    return Error{command_head(text).tag, "Incomplete command", Error::Kind::bad};  // not reached
  }
}

std::optional<Error> check_command_prefix(std::string_view text, const Limits& limits) {
  detail::Reader r(text, limits, true);
  try {
    detail::parse(r);
  } catch (const detail::ParseError& e) {
    return Error{command_head(text).tag, e.text, e.kind, e.empties_saved_result};
  } catch (const detail::Incomplete&) {
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace sealmail::imap
