// Flags and keywords (RFC 9051 §2.3.2), STORE with MODSEQ bumps and UNCHANGEDSINCE (RFC 7162 §3.1.3).
#include <strings.h>

#include <algorithm>
#include <set>

#include "store/mailbox_impl.h"

namespace sealmail::store {

namespace {
constexpr size_t kMaxKeyword = 128;
constexpr uint32_t kAllSystemFlags = kSeen | kAnswered | kFlagged | kDeleted | kDraft;

// atom-char minus the list wildcards and resp-specials (RFC 9051 §9 flag-keyword).
bool valid_keyword(std::string_view k) {
  if (k.empty() || k.size() > kMaxKeyword || k.front() == '\\') return false;
  for (unsigned char c : k)
    if (c <= 0x20 || c >= 0x7f || c == '(' || c == ')' || c == '{' || c == '%' || c == '*' || c == '"' || c == '\\' ||
        c == ']')
      return false;
  return true;
}

struct CaseLess {
  bool operator()(const std::string& a, const std::string& b) const { return strcasecmp(a.c_str(), b.c_str()) < 0; }
};
}  // namespace

void validate_flags(const Flags& flags) {
  if ((flags.system & ~kAllSystemFlags) != 0) fail(Errc::invalid_argument, "unknown system flag");
  for (const auto& k : flags.keywords)
    if (!valid_keyword(k)) fail(Errc::invalid_argument, "invalid keyword");
}

void write_keywords(sql::Db& db, int64_t message_id, const std::vector<std::string>& keywords) {
  db.cached("DELETE FROM message_keywords WHERE message_id = ?").bind(1, message_id).run();
  for (const auto& k : keywords) {
    auto& ins = db.cached("INSERT INTO keywords(name) VALUES (?) ON CONFLICT(name) DO NOTHING");
    ins.bind(1, std::string_view(k)).run();
    db.cached(
          "INSERT OR IGNORE INTO message_keywords(message_id, keyword_id) SELECT ?, id FROM keywords WHERE name = ?")
        .bind(1, message_id)
        .bind(2, std::string_view(k))
        .run();
  }
}

std::vector<std::string> read_keywords(sql::Db& db, int64_t message_id) {
  auto& s = db.cached(
      "SELECT k.name FROM message_keywords mk JOIN keywords k ON k.id = mk.keyword_id WHERE mk.message_id = ? "
      "ORDER BY k.name");
  s.bind(1, message_id);
  std::vector<std::string> out;
  while (s.step()) out.emplace_back(s.text(0));
  s.reset();
  return out;
}

Result<StoreFlagsResult> Mailbox::store_flags(std::string_view folder, const UidSet& uids, FlagMode mode,
                                              const Flags& flags, std::optional<uint64_t> unchanged_since) {
  return guarded<Result<StoreFlagsResult>>([&]() -> Result<StoreFlagsResult> {
    validate_flags(flags);
    StoreFlagsResult result;
    std::string name;
    {
      std::lock_guard lock(impl_->write_mutex);
      auto& db = impl_->writer;
      sql::transaction(db, [&] {
        FolderRow f = require_folder(db, folder);
        name = f.name;
        std::vector<int64_t> params{f.id};
        auto s = db.prepare("SELECT id, uid, modseq, flags FROM messages WHERE folder_id = ? AND " +
                            uid_set_sql(uids, params) + " ORDER BY uid");
        for (size_t i = 0; i < params.size(); ++i) s.bind(static_cast<int>(i + 1), params[i]);
        struct Row {
          int64_t id;
          uint32_t uid;
          uint64_t modseq;
          uint32_t flags;
        };
        std::vector<Row> rows;
        while (s.step())
          rows.push_back({s.int64(0), static_cast<uint32_t>(s.int64(1)), static_cast<uint64_t>(s.int64(2)),
                          static_cast<uint32_t>(s.int64(3))});
        uint64_t modseq = 0;
        for (const auto& row : rows) {
          if (unchanged_since && row.modseq > *unchanged_since) {
            result.modified.push_back(row.uid);
            continue;
          }
          auto old_keywords = read_keywords(db, row.id);
          std::set<std::string, CaseLess> kw(old_keywords.begin(), old_keywords.end());
          uint32_t sys = row.flags;
          switch (mode) {
            case FlagMode::add:
              sys |= flags.system;
              kw.insert(flags.keywords.begin(), flags.keywords.end());
              break;
            case FlagMode::remove:
              sys &= ~flags.system;
              for (const auto& k : flags.keywords) kw.erase(k);
              break;
            case FlagMode::replace:
              sys = flags.system;
              kw = std::set<std::string, CaseLess>(flags.keywords.begin(), flags.keywords.end());
              break;
          }
          std::vector<std::string> new_keywords(kw.begin(), kw.end());
          std::set<std::string, CaseLess> old_set(old_keywords.begin(), old_keywords.end());
          bool keywords_changed = old_set.size() != kw.size() ||
                                  !std::equal(old_set.begin(), old_set.end(), kw.begin(),
                                              [](auto& a, auto& b) { return strcasecmp(a.c_str(), b.c_str()) == 0; });
          if (sys == row.flags && !keywords_changed) continue;
          if (modseq == 0) modseq = next_modseq(db, f.id);
          db.cached("UPDATE messages SET flags = ?, modseq = ? WHERE id = ?")
              .bind(1, static_cast<int64_t>(sys))
              .bind(2, static_cast<int64_t>(modseq))
              .bind(3, row.id)
              .run();
          if (keywords_changed) write_keywords(db, row.id, new_keywords);
          result.updated.push_back({row.uid, modseq, Flags{sys, new_keywords}});
        }
      });
    }
    if (!result.updated.empty()) {
      ChangeEvent e{ChangeEvent::Kind::flags, name, result.updated.back().modseq, {}};
      for (const auto& u : result.updated) e.uids.push_back(u.uid);
      impl_->notify(e);
    }
    return result;
  });
}

}  // namespace sealmail::store
