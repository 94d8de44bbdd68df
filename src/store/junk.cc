// The owner's junk training inside the mailbox (issue 9): tables junk_tokens and junk_trained
// (schema.cc). Hashed tokens and counts only; the messages' text is read, tokenized in memory and
// dropped.
#include <map>

#include "classify/message_tokens.h"
#include "store/mailbox_impl.h"

namespace sealmail::store {

namespace {

constexpr int64_t kTotalsRow = 0;  // token 0 never comes out of the tokenizer

int64_t row_of(classify::Token t) { return static_cast<int64_t>(t); }

struct Training {
  int64_t body_id = 0;
  int previous = -1;  // -1 untrained, 0 ham, 1 spam
  std::vector<classify::Token> tokens;
};

// Adds `ham` and `spam` (each -1, 0 or +1) to the counts of `row`; counts stay >= 0 and rows that
// fall to zero are removed.
void add_counts(sql::Db& db, int64_t row, int ham, int spam) {
  auto& up = db.cached(
      "INSERT INTO junk_tokens(token, ham, spam) VALUES (?1, max(0, ?2), max(0, ?3)) ON CONFLICT(token) DO UPDATE "
      "SET ham = max(0, ham + ?2), spam = max(0, spam + ?3)");
  up.bind(1, row).bind(2, int64_t{ham}).bind(3, int64_t{spam}).run();
  up.reset();
  if (ham < 0 || spam < 0) {
    auto& drop = db.cached("DELETE FROM junk_tokens WHERE token = ? AND ham = 0 AND spam = 0 AND token != 0");
    drop.bind(1, row).run();
    drop.reset();
  }
}

}  // namespace

Result<classify::Model> Mailbox::junk_model(std::span<const classify::Token> tokens) {
  return guarded<Result<classify::Model>>([&]() -> Result<classify::Model> {
    auto r = impl_->reader();
    auto& db = r.db();
    return sql::transaction_read(db, [&] {
      classify::Model m;
      auto& s = db.cached("SELECT ham, spam FROM junk_tokens WHERE token = ?");
      s.bind(1, kTotalsRow);
      if (s.step()) m.totals = {static_cast<uint32_t>(s.int64(0)), static_cast<uint32_t>(s.int64(1)), 0};
      s.reset();
      if (m.totals.ham + m.totals.spam == 0) return m;  // never trained: nothing to look up
      for (auto t : tokens) {
        s.bind(1, row_of(t));
        if (s.step()) m.set(t, {static_cast<uint32_t>(s.int64(0)), static_cast<uint32_t>(s.int64(1)), 0});
        s.reset();
      }
      return m;
    });
  });
}

Result<size_t> Mailbox::train_junk(std::string_view folder, const UidSet& uids, bool spam) {
  return guarded<Result<size_t>>([&]() -> Result<size_t> {
    // Read and tokenize outside the write lock: parsing is the slow part.
    std::vector<Training> work;
    {
      auto r = impl_->reader();
      auto& db = r.db();
      sql::transaction_read(db, [&] {
        FolderRow f = require_folder(db, folder);
        std::vector<int64_t> params{f.id};
        auto s = db.prepare(
            "SELECT DISTINCT m.body_id, t.spam FROM messages m LEFT JOIN junk_trained t ON "
            "t.body_id = m.body_id WHERE m.folder_id = ? AND " +
            uid_set_sql(uids, params, "m.uid"));
        for (size_t i = 0; i < params.size(); ++i) s.bind(static_cast<int>(i + 1), params[i]);
        while (s.step()) {
          int previous = s.is_null(1) ? -1 : static_cast<int>(s.int64(1));
          if (previous == (spam ? 1 : 0)) continue;  // trained so already
          work.push_back({s.int64(0), previous, {}});
        }
        for (auto& w : work) w.tokens = classify::message_tokens(load_message(db, w.body_id));
      });
    }
    if (work.empty()) return size_t{0};
    size_t changed = 0;
    std::lock_guard lock(impl_->write_mutex);
    auto& db = impl_->writer;
    sql::transaction(db, [&] {
      for (auto& w : work) {
        // Again under the lock: another session may have trained it meanwhile.
        auto& state = db.cached("SELECT spam FROM junk_trained WHERE body_id = ?");
        state.bind(1, w.body_id);
        int previous = state.step() ? static_cast<int>(state.int64(0)) : -1;
        state.reset();
        if (previous == (spam ? 1 : 0)) continue;
        auto& body = db.cached("SELECT 1 FROM bodies WHERE id = ?");
        body.bind(1, w.body_id);
        bool exists = body.step();
        body.reset();
        if (!exists) continue;  // expunged since it was read
        int ham_delta = (spam ? 0 : 1) - (previous == 0 ? 1 : 0);
        int spam_delta = (spam ? 1 : 0) - (previous == 1 ? 1 : 0);
        add_counts(db, kTotalsRow, ham_delta, spam_delta);
        for (auto t : w.tokens) add_counts(db, row_of(t), ham_delta, spam_delta);
        auto& mark = db.cached(
            "INSERT INTO junk_trained(body_id, spam) VALUES (?, ?) ON CONFLICT(body_id) DO UPDATE "
            "SET spam = excluded.spam");
        mark.bind(1, w.body_id).bind(2, int64_t{spam ? 1 : 0}).run();
        mark.reset();
        ++changed;
      }
    });
    return changed;
  });
}

}  // namespace sealmail::store
