// LIST and LSUB (RFC 9051 §6.3.9, RFC 3501 §6.3.9), with LIST-EXTENDED (RFC 5258), CHILDREN
// (RFC 3348), SPECIAL-USE (RFC 6154) and LIST-STATUS (RFC 5819). "/" is the hierarchy separator;
// "*" matches anything, "%" anything but "/". LSUB and LIST (SUBSCRIBED) also list subscribed
// names whose folder does not exist (RFC 9051 §6.3.7): LSUB as \Noselect (RFC 3501 §6.3.9), LIST
// as \NonExistent (RFC 5258 §3.1, RFC 9051 §7.3.1).
#include <algorithm>
#include <cctype>
#include <set>

#include "imap/protocol/mailbox_name.h"
#include "imap/server/commands/handlers.h"
#include "imap/server/status_items.h"

namespace sealmail::imap::commands {

namespace {

bool matches(std::string_view pattern, std::string_view name) {
  if (pattern.empty()) return name.empty();
  char p = pattern[0];
  if (p == '*' || p == '%') {
    for (size_t i = 0; i <= name.size(); ++i) {
      if (matches(pattern.substr(1), name.substr(i))) return true;
      if (i < name.size() && p == '%' && name[i] == '/') return false;
    }
    return false;
  }
  if (name.empty() || p != name[0]) return false;
  return matches(pattern.substr(1), name.substr(1));
}

// INBOX matches case-insensitively: "inbox", "In*", "i%" (RFC 9051 §6.3.9): the literal start
// of the pattern, up to five characters, is compared in upper case against "INBOX...".
bool folder_matches(const std::string& pattern, const std::string& name) {
  if (name.compare(0, 5, "INBOX") == 0) {
    std::string p = pattern;
    for (size_t i = 0; i < p.size() && i < 5 && p[i] != '*' && p[i] != '%'; ++i)
      p[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(p[i])));
    if (matches(p, name)) return true;
  }
  return matches(pattern, name);
}

bool has_children(const std::vector<store::FolderInfo>& all, const std::string& name) {
  std::string prefix = name + "/";
  for (auto& f : all)
    if (f.name.compare(0, prefix.size(), prefix) == 0) return true;
  return false;
}

}  // namespace

Result list(Session& s, Command& c) {
  auto& args = std::get<ListArgs>(c.args);
  bool lsub = c.name == "LSUB";
  // RFC 9051 §6.3.9: an empty pattern asks for the separator and the root.
  if (args.patterns.size() == 1 && args.patterns[0].empty() && !args.extended) {
    s.untagged(std::string(lsub ? "LSUB" : "LIST") + " (\\Noselect) \"/\" \"\"");
    co_return Completion{.text = "LIST completed"};
  }
  bool subscribed_only = lsub || args.selection.subscribed;
  auto mailbox = s.mailbox_ptr();
  auto folders_work = s.blocking([mailbox] { return mailbox->list_folders(); });
  auto folders = co_await std::move(folders_work);
  if (!folders) fail(folders.error());
  std::vector<std::string> subscriptions;
  if (subscribed_only) {
    auto subscriptions_work = s.blocking([mailbox] { return mailbox->list_subscriptions(); });
    auto names = co_await std::move(subscriptions_work);
    if (!names) fail(names.error());
    subscriptions = std::move(*names);
  }
  std::vector<std::string> patterns;
  for (auto& p : args.patterns) {
    // The matcher backtracks: bound the wildcards so no pattern costs more than a moment.
    if (std::count_if(p.begin(), p.end(), [](char ch) { return ch == '*' || ch == '%'; }) > 8)
      bad("pattern has too many wildcards");
    std::string full = args.reference + p;
    // A pattern that is not valid modified UTF-7 matches nothing (no error: ImapTest's atoms).
    if (full != "INBOX" && !s.utf8) {
      auto decoded = decode_mailbox_utf7(full);
      if (decoded) patterns.push_back(*decoded);
      continue;
    }
    patterns.push_back(full == "INBOX" ? full : s.folder_from_wire(full));
  }
  bool show_subscribed = args.selection.subscribed || args.ret.subscribed;
  auto matches_any = [&](const std::string& name) {
    for (auto& p : patterns)
      if (folder_matches(p, name)) return true;
    return false;
  };
  std::vector<const store::FolderInfo*> listed;
  for (auto& f : *folders) {
    if (!matches_any(f.name)) continue;
    if (subscribed_only && !f.subscribed) continue;
    if (args.selection.special_use && f.special_use.empty()) continue;
    std::string attrs;
    auto add = [&](std::string_view a) {
      if (!attrs.empty()) attrs += ' ';
      attrs += a;
    };
    if (!lsub) add(has_children(*folders, f.name) ? "\\HasChildren" : "\\HasNoChildren");
    if (show_subscribed && f.subscribed) add("\\Subscribed");
    if (!f.special_use.empty() && !lsub) add(f.special_use);
    s.untagged(std::string(lsub ? "LSUB" : "LIST") + " (" + attrs + ") \"/\" " + s.folder_to_wire(f.name));
    listed.push_back(&f);
  }
  // Subscribed names without a folder: no special use and no STATUS (RFC 5819 §2 gives it only for
  // selectable mailboxes). A LIST still says when folders exist below one (CHILDREN, RFC 3348);
  // \HasNoChildren says nothing more than \NonExistent, so it is left out.
  for (auto& name : subscriptions) {
    bool exists = std::any_of(folders->begin(), folders->end(), [&](auto& f) { return f.name == name; });
    if (exists || args.selection.special_use || !matches_any(name)) continue;
    std::string attrs = lsub ? "\\Noselect" : "\\NonExistent \\Subscribed";
    if (!lsub && has_children(*folders, name)) attrs += " \\HasChildren";
    s.untagged(std::string(lsub ? "LSUB" : "LIST") + " (" + attrs + ") \"/\" " + s.folder_to_wire(name));
  }
  // A subscribed name that the pattern does not reach but whose superior it does ("%" stops at
  // "/"): LSUB gives the superior as \Noselect (RFC 3501 §6.3.9), LIST (SUBSCRIBED RECURSIVEMATCH)
  // with CHILDINFO ("SUBSCRIBED") (RFC 5258 §3.5). A superior that is itself subscribed was
  // listed already.
  if (lsub || (args.selection.subscribed && args.selection.recursive_match && !args.selection.special_use)) {
    std::set<std::string> subscribed(subscriptions.begin(), subscriptions.end());
    std::set<std::string> superiors;
    for (auto& name : subscriptions) {
      if (matches_any(name)) continue;
      for (size_t slash = name.find('/'); slash != std::string::npos; slash = name.find('/', slash + 1)) {
        std::string up = name.substr(0, slash);
        if (!subscribed.count(up) && matches_any(up)) superiors.insert(up);
      }
    }
    for (auto& up : superiors) {
      auto folder = std::find_if(folders->begin(), folders->end(), [&](auto& f) { return f.name == up; });
      if (lsub) {
        s.untagged("LSUB (\\Noselect) \"/\" " + s.folder_to_wire(up));
        continue;
      }
      std::string attrs = folder == folders->end() ? "\\NonExistent \\HasChildren" : "\\HasChildren";
      if (folder != folders->end() && !folder->special_use.empty()) attrs += " " + folder->special_use;
      s.untagged("LIST (" + attrs + ") \"/\" " + s.folder_to_wire(up) + " (\"CHILDINFO\" (\"SUBSCRIBED\"))");
    }
  }
  if (args.ret.status) {
    auto items = *args.ret.status;
    std::vector<std::string> names;
    for (auto* f : listed) names.push_back(f->name);
    auto statuses_work = s.blocking([mailbox, names, items]() -> sealmail::Result<std::vector<FolderStatus>> {
      std::vector<FolderStatus> out;
      for (auto& n : names) {
        auto st = read_status(*mailbox, n, items);
        if (!st) return st.error();
        out.push_back(std::move(*st));
      }
      return out;
    });
    auto statuses = co_await std::move(statuses_work);
    if (!statuses) fail(statuses.error());
    for (auto& st : *statuses) s.untagged(status_line(s, st, items));
  }
  co_return Completion{.text = lsub ? "LSUB completed" : "LIST completed"};
}

}  // namespace sealmail::imap::commands
