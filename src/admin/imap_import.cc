#include "admin/imap_import.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <set>

#include "core/time.h"
#include "imap/protocol/mailbox_name.h"
#include "imap/protocol/response.h"

namespace sealmail::admin {

namespace {

using imap::client::Client;
using imap::client::Response;
using imap::client::Value;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A source folder as LIST showed it, and where its messages go.
struct SourceFolder {
  std::string wire_name;  // as the server sent it (modified UTF-7), for EXAMINE
  std::string target;     // our name, '/' separated
  std::string special_use;
};

struct SourceMessage {
  uint32_t uid = 0;
  store::Flags flags;
  std::optional<int64_t> internal_date;
  uint64_t size = 0;
  std::string message_id;
};

struct FolderPlan {
  SourceFolder folder;
  uint32_t uidvalidity = 0;
  std::vector<SourceMessage> wanted;
};

// "<a@b>" and " <a@b> " are the same id.
std::string normalize_message_id(std::string_view id) {
  size_t open = id.find('<');
  size_t close = id.rfind('>');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open)
    return std::string(id.substr(open + 1, close - open - 1));
  while (!id.empty() && std::isspace(static_cast<unsigned char>(id.front()))) id.remove_prefix(1);
  while (!id.empty() && std::isspace(static_cast<unsigned char>(id.back()))) id.remove_suffix(1);
  return std::string(id);
}

std::string dedup_key(std::string_view message_id, uint64_t size, std::optional<int64_t> date) {
  return normalize_message_id(message_id) + "\n" + std::to_string(size) + "\n" + std::to_string(date.value_or(0));
}

// Special use by the folder's name, for servers without SPECIAL-USE (RFC 6154).
std::string special_use_by_name(const std::string& name) {
  static const std::map<std::string, std::string> kNames = {
      {"sent", "\\Sent"},       {"sent items", "\\Sent"}, {"sent messages", "\\Sent"},  {"sent mail", "\\Sent"},
      {"drafts", "\\Drafts"},   {"trash", "\\Trash"},     {"deleted items", "\\Trash"}, {"deleted messages", "\\Trash"},
      {"junk", "\\Junk"},       {"spam", "\\Junk"},       {"junk e-mail", "\\Junk"},    {"archive", "\\Archive"},
      {"archives", "\\Archive"}};
  auto it = kNames.find(lower(name));
  return it == kNames.end() ? std::string() : it->second;
}

// Our name for a source folder: modified UTF-7 decoded, the server's delimiter turned into '/'.
std::string target_name(const std::string& wire_name, const std::string& delimiter) {
  std::string utf8 = imap::decode_mailbox_utf7(wire_name).value_or(wire_name);
  if (delimiter.size() != 1 || delimiter == "/") return imap::normalize_inbox(utf8);
  std::string out;
  for (char c : utf8) out.push_back(c == delimiter[0] ? '/' : (c == '/' ? '_' : c));
  // INBOX's own children ("INBOX.Sent" on Courier-style servers) keep the INBOX prefix.
  return imap::normalize_inbox(out);
}

Result<std::vector<SourceFolder>> list_source_folders(Client& client) {
  bool special_use = client.has_capability("SPECIAL-USE");
  std::vector<SourceFolder> out;
  auto r = client.command("LIST \"\" \"*\"", [&](Response& resp) -> Status {
    if (resp.values.size() != 4 || !resp.values[0].is_atom("LIST")) return {};
    const Value& attrs = resp.values[1];
    const Value& delim = resp.values[2];
    const Value& name = resp.values[3];
    if (attrs.kind != Value::Kind::list || name.kind == Value::Kind::nil || name.kind == Value::Kind::list)
      return make_error(Errc::invalid_argument, "bad IMAP response: a LIST line");
    SourceFolder f;
    for (const auto& a : attrs.items) {
      if (a.is_atom("\\Noselect") || a.is_atom("\\NonExistent")) return {};
      // Virtual folders that hold other folders' messages again (Gmail's "All Mail", "Starred").
      if (special_use && (a.is_atom("\\All") || a.is_atom("\\Flagged"))) return {};
      for (const char* su : {"\\Sent", "\\Drafts", "\\Trash", "\\Junk", "\\Archive"})
        if (special_use && a.is_atom(su)) f.special_use = su;
    }
    f.wire_name = name.text;
    f.target = target_name(name.text, delim.kind == Value::Kind::nil ? std::string() : delim.text);
    if (!special_use) f.special_use = special_use_by_name(f.target);
    out.push_back(std::move(f));
    return {};
  });
  if (!r) return r.error();
  return out;
}

// Where a source folder's messages go: our folder of the same special use, else the same name.
Result<std::string> resolve_target(store::Mailbox& mailbox, const SourceFolder& f) {
  auto folders = mailbox.list_folders();
  if (!folders) return folders.error();
  if (!f.special_use.empty())
    for (const auto& ours : *folders)
      if (lower(ours.special_use) == lower(f.special_use)) return ours.name;
  for (const auto& ours : *folders)
    if (ours.name == f.target) return ours.name;
  SEALMAIL_TRY(mailbox.create_folder(f.target, f.special_use));
  return f.target;
}

Result<std::set<std::string>> existing_keys(store::Mailbox& mailbox, const std::string& folder) {
  auto summaries = mailbox.list_messages(folder, store::all_uids(), false);
  if (!summaries) return summaries.error();
  auto fields = mailbox.thread_fields(folder, store::all_uids());
  if (!fields) return fields.error();
  std::map<uint32_t, std::string> ids;
  for (auto& t : *fields) ids[t.uid] = std::move(t.message_id);
  std::set<std::string> keys;
  for (const auto& m : *summaries) keys.insert(dedup_key(ids[m.uid], m.size, parse_iso8601_utc(m.internal_date)));
  return keys;
}

store::Flags parse_flags(const Value& list) {
  store::Flags flags;
  for (const auto& f : list.items) {
    if (f.kind != Value::Kind::atom || f.text.empty()) continue;
    if (f.is_atom("\\Seen"))
      flags.system |= store::kSeen;
    else if (f.is_atom("\\Answered"))
      flags.system |= store::kAnswered;
    else if (f.is_atom("\\Flagged"))
      flags.system |= store::kFlagged;
    else if (f.is_atom("\\Deleted"))
      flags.system |= store::kDeleted;
    else if (f.is_atom("\\Draft"))
      flags.system |= store::kDraft;
    else if (f.text[0] != '\\' && f.text.find_first_of("[]%*") == std::string::npos && f.text.size() <= 255)
      flags.keywords.push_back(f.text);  // \Recent and unknown system flags are not kept
  }
  return flags;
}

// The name/value pairs of "* N FETCH (...)"; nullptr when the response is not a FETCH.
const Value* fetch_items(const Response& resp) {
  if (resp.values.size() != 3 || !resp.values[1].is_atom("FETCH") || resp.values[2].kind != Value::Kind::list)
    return nullptr;
  return &resp.values[2];
}

const Value* item(const Value& items, std::string_view name) {
  for (size_t i = 0; i + 1 < items.items.size(); i += 2)
    if (items.items[i].is_atom(name)) return &items.items[i + 1];
  return nullptr;
}

Result<uint32_t> examine(Client& client, const SourceFolder& f, uint32_t& exists) {
  auto quoted = imap::client::quote(f.wire_name);
  if (!quoted) return make_error(Errc::invalid_argument, "a source folder's name cannot be quoted");
  uint32_t uidvalidity = 0;
  exists = 0;
  auto r = client.command("EXAMINE " + *quoted, [&](Response& resp) -> Status {
    if (resp.status == "OK") {
      auto code = imap::client::response_code(resp.text);
      if (code && code->starts_with("UIDVALIDITY "))
        uidvalidity = static_cast<uint32_t>(std::strtoul(std::string(code->substr(12)).c_str(), nullptr, 10));
    } else if (resp.values.size() == 2 && resp.values[1].is_atom("EXISTS")) {
      exists = static_cast<uint32_t>(std::min<uint64_t>(resp.values[0].number().value_or(0), UINT32_MAX));
    }
    return {};
  });
  if (!r) return r.error();
  return uidvalidity;
}

std::string uid_set(std::span<const SourceMessage> messages) {
  std::string out;
  for (size_t i = 0; i < messages.size();) {
    size_t j = i;
    while (j + 1 < messages.size() && messages[j + 1].uid == messages[j].uid + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(messages[i].uid);
    if (j > i) out += ":" + std::to_string(messages[j].uid);
    i = j + 1;
  }
  return out;
}

Result<FolderPlan> plan_folder(Client& client, store::Mailbox& mailbox, const SourceFolder& f,
                               const ImapImportOptions& options, ImapImportStats& stats) {
  FolderPlan plan;
  plan.folder = f;
  auto target = resolve_target(mailbox, f);
  if (!target) return target.error();
  plan.folder.target = *target;
  uint32_t exists = 0;
  auto uv = examine(client, f, exists);
  if (!uv) return uv.error();
  plan.uidvalidity = *uv;
  if (exists == 0) return plan;
  auto keys = existing_keys(mailbox, plan.folder.target);
  if (!keys) return keys.error();
  std::vector<SourceMessage> all;
  auto r = client.command("UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)", [&](Response& resp) -> Status {
    const Value* items = fetch_items(resp);
    if (items == nullptr) return {};
    SourceMessage m;
    const Value* uid = item(*items, "UID");
    const Value* size = item(*items, "RFC822.SIZE");
    const Value* flags = item(*items, "FLAGS");
    const Value* date = item(*items, "INTERNALDATE");
    const Value* envelope = item(*items, "ENVELOPE");
    if (uid == nullptr || !uid->number() || *uid->number() == 0 || *uid->number() > UINT32_MAX || size == nullptr ||
        !size->number())
      return make_error(Errc::invalid_argument, "bad IMAP response: FETCH without UID or RFC822.SIZE");
    m.uid = static_cast<uint32_t>(*uid->number());
    m.size = *size->number();
    if (flags != nullptr && flags->kind == Value::Kind::list) m.flags = parse_flags(*flags);
    if (date != nullptr && date->kind == Value::Kind::string) m.internal_date = imap::parse_date_time(date->text);
    if (envelope != nullptr && envelope->kind == Value::Kind::list && envelope->items.size() == 10 &&
        envelope->items[9].kind == Value::Kind::string)
      m.message_id = envelope->items[9].text;
    all.push_back(std::move(m));
    return {};
  });
  if (!r) return r.error();
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.uid < b.uid; });
  for (auto& m : all) {
    if (m.size > options.max_message_bytes) {
      ++stats.skipped;
    } else if (keys->count(dedup_key(m.message_id, m.size, m.internal_date)) > 0) {
      ++stats.duplicates;
    } else {
      plan.wanted.push_back(std::move(m));
    }
  }
  return plan;
}

Status copy_folder(Client& client, store::Mailbox& mailbox, const FolderPlan& plan, const ImapImportOptions& options,
                   ImapImportStats& stats, uint64_t& done, uint64_t total, const store::Progress& progress) {
  if (plan.wanted.empty()) return {};
  uint32_t exists = 0;
  auto uv = examine(client, plan.folder, exists);
  if (!uv) return uv.error();
  if (*uv != plan.uidvalidity)
    return make_error(Errc::busy, "a source folder changed its UIDVALIDITY during the import; run it again");
  std::span<const SourceMessage> wanted = plan.wanted;
  while (!wanted.empty()) {
    size_t n = 0;
    uint64_t bytes = 0;
    while (n < wanted.size() && n < options.batch_messages && (n == 0 || bytes + wanted[n].size <= options.batch_bytes))
      bytes += wanted[n++].size;
    auto chunk = wanted.first(n);
    wanted = wanted.subspan(n);
    std::map<uint32_t, std::string> bodies;
    auto r = client.command("UID FETCH " + uid_set(chunk) + " (UID BODY.PEEK[])", [&](Response& resp) -> Status {
      const Value* items = fetch_items(resp);
      if (items == nullptr) return {};
      const Value* uid = item(*items, "UID");
      const Value* body = item(*items, "BODY[]");
      if (uid == nullptr || !uid->number() || body == nullptr) return {};  // a flag change pushed to us
      if (body->kind != Value::Kind::string) return make_error(Errc::invalid_argument, "bad IMAP response: BODY[]");
      bodies[static_cast<uint32_t>(*uid->number())] = std::move(const_cast<Value*>(body)->text);
      return {};
    });
    if (!r) return r.error();
    std::vector<store::AppendRequest> batch;
    for (const auto& m : chunk) {
      auto it = bodies.find(m.uid);
      if (it == bodies.end()) continue;  // expunged on the source meanwhile
      store::AppendRequest a;
      a.folder = plan.folder.target;
      a.message = std::move(it->second);
      a.flags = m.flags;
      a.internal_date = m.internal_date;
      batch.push_back(std::move(a));
    }
    if (!batch.empty()) {
      auto appended = mailbox.append_batch(batch);
      if (!appended) return appended.error();
      stats.messages += batch.size();
    }
    done += chunk.size();
    if (progress) progress(done, total);
  }
  return {};
}

}  // namespace

Result<ImapImportStats> import_imap(store::Mailbox& mailbox, const ImapImportOptions& options,
                                    const crypto::SecretBuffer& source_password, const store::Progress& progress) {
  auto client = Client::connect(options.source, options.client);
  if (!client) return client.error();
  SEALMAIL_TRY((*client)->login(options.source.user, source_password));
  auto folders = list_source_folders(**client);
  if (!folders) return folders.error();
  ImapImportStats stats;
  std::vector<FolderPlan> plans;
  uint64_t total = 0;
  for (const auto& f : *folders) {
    auto plan = plan_folder(**client, mailbox, f, options, stats);
    if (!plan) return plan.error();
    total += plan->wanted.size();
    plans.push_back(std::move(*plan));
    ++stats.folders;
  }
  uint64_t done = 0;
  if (progress) progress(0, total);
  for (const auto& plan : plans)
    SEALMAIL_TRY(copy_folder(**client, mailbox, plan, options, stats, done, total, progress));
  (*client)->logout();
  return stats;
}

}  // namespace sealmail::admin
