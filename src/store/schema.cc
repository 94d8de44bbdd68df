#include "store/schema.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "mime/message_info.h"
#include "store/content.h"
#include "store/word_index.h"

namespace sealmail::store {

namespace {

struct Column {
  const char* name;
  const char* type;        // declared type, as pragma table_info reports it
  const char* definition;  // what follows the name in CREATE TABLE / ALTER TABLE ADD COLUMN
};

struct Table {
  const char* name;
  std::vector<Column> columns;
  const char* constraints;  // table constraints after the columns, may be ""
  const char* options;      // e.g. "WITHOUT ROWID", may be ""
};

// Dates are ISO 8601 UTC text. Every attribute SEARCH or SORT can ask for has an index below.
const std::vector<Table>& tables() {
  static const std::vector<Table> t = {
      {"meta", {{"key", "TEXT", "TEXT PRIMARY KEY"}, {"value", "", ""}}, "", ""},
      {"secrets", {{"name", "TEXT", "TEXT PRIMARY KEY"}, {"value", "BLOB", "BLOB NOT NULL"}}, "", ""},
      {"folders",
       {{"id", "INTEGER", "INTEGER PRIMARY KEY"},
        {"name", "TEXT", "TEXT NOT NULL UNIQUE"},
        {"special_use", "TEXT", "TEXT"},
        {"uidvalidity", "INTEGER", "INTEGER NOT NULL"},
        {"uidnext", "INTEGER", "INTEGER NOT NULL DEFAULT 1"},
        {"highest_modseq", "INTEGER", "INTEGER NOT NULL DEFAULT 1"},
        {"created_at", "TEXT", "TEXT NOT NULL"},
        // \Recent (RFC 3501 §2.3.2): messages from this UID up are recent and not yet claimed by a
        // session; the first session to select the folder read-write claims them (Mailbox::
        // claim_recent), which moves this to UIDNEXT.
        {"first_recent_uid", "INTEGER", "INTEGER NOT NULL DEFAULT 1"}},
       "",
       ""},
      // Subscribed names (RFC 9051 §6.3.7): a list of its own, not a column of the folder, because
      // a name stays subscribed when its folder is deleted (the server "MUST NOT unilaterally
      // remove" it) and may be subscribed again before it exists.
      {"subscriptions", {{"name", "TEXT", "TEXT PRIMARY KEY"}}, "", "WITHOUT ROWID"},
      {"attachments",
       {{"id", "INTEGER", "INTEGER PRIMARY KEY"},
        {"sha256", "BLOB", "BLOB NOT NULL UNIQUE"},
        {"refcount", "INTEGER", "INTEGER NOT NULL"},
        {"size", "INTEGER", "INTEGER NOT NULL"},
        {"compressed", "INTEGER", "INTEGER NOT NULL DEFAULT 0"},
        {"data", "BLOB", "BLOB NOT NULL"}},
       "",
       ""},
      {"bodies",
       {{"id", "INTEGER", "INTEGER PRIMARY KEY"},
        {"refcount", "INTEGER", "INTEGER NOT NULL"},
        {"size", "INTEGER", "INTEGER NOT NULL"},
        {"sha256", "BLOB", "BLOB NOT NULL"},
        {"compressed", "INTEGER", "INTEGER NOT NULL DEFAULT 0"},
        {"skeleton", "BLOB", "BLOB NOT NULL"},
        {"envelope", "TEXT", "TEXT NOT NULL DEFAULT ''"},
        {"bodystructure", "TEXT", "TEXT NOT NULL DEFAULT ''"}},
       "",
       ""},
      {"body_parts",
       {{"body_id", "INTEGER", "INTEGER NOT NULL REFERENCES bodies(id) ON DELETE CASCADE"},
        {"seq", "INTEGER", "INTEGER NOT NULL"},
        {"skeleton_offset", "INTEGER", "INTEGER NOT NULL"},
        {"attachment_id", "INTEGER", "INTEGER NOT NULL REFERENCES attachments(id)"}},
       "PRIMARY KEY (body_id, seq)",
       "WITHOUT ROWID"},
      {"messages",
       {{"id", "INTEGER", "INTEGER PRIMARY KEY"},
        {"folder_id", "INTEGER", "INTEGER NOT NULL REFERENCES folders(id)"},
        {"uid", "INTEGER", "INTEGER NOT NULL"},
        {"modseq", "INTEGER", "INTEGER NOT NULL"},
        {"body_id", "INTEGER", "INTEGER NOT NULL REFERENCES bodies(id)"},
        {"internal_date", "TEXT", "TEXT NOT NULL"},
        {"size", "INTEGER", "INTEGER NOT NULL"},
        {"flags", "INTEGER", "INTEGER NOT NULL DEFAULT 0"},
        {"thread_id", "INTEGER", "INTEGER NOT NULL DEFAULT 0"},
        {"sent_date", "TEXT", "TEXT"},
        {"subject", "TEXT", "TEXT NOT NULL DEFAULT ''"},
        {"from_addr", "TEXT", "TEXT NOT NULL DEFAULT ''"},
        {"to_addr", "TEXT", "TEXT NOT NULL DEFAULT ''"},
        {"cc_addr", "TEXT", "TEXT NOT NULL DEFAULT ''"},
        {"bcc_addr", "TEXT", "TEXT NOT NULL DEFAULT ''"},
        {"message_id", "TEXT", "TEXT NOT NULL DEFAULT ''"},
        {"in_reply_to", "TEXT", "TEXT NOT NULL DEFAULT ''"},
        {"refs", "TEXT", "TEXT NOT NULL DEFAULT ''"},
        {"has_attachment", "INTEGER", "INTEGER NOT NULL DEFAULT 0"},
        // The Date header's day as written, in its own zone ("YYYY-MM-DD"): what SENTBEFORE,
        // SENTON and SENTSINCE compare (RFC 9051 §6.4.4); sent_date is that instant in UTC.
        {"sent_day", "TEXT", "TEXT"}},
       "UNIQUE (folder_id, uid)",
       ""},
      {"keywords",
       {{"id", "INTEGER", "INTEGER PRIMARY KEY"}, {"name", "TEXT", "TEXT NOT NULL UNIQUE COLLATE NOCASE"}},
       "",
       ""},
      {"message_keywords",
       {{"message_id", "INTEGER", "INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE"},
        {"keyword_id", "INTEGER", "INTEGER NOT NULL REFERENCES keywords(id)"}},
       "PRIMARY KEY (message_id, keyword_id)",
       "WITHOUT ROWID"},
      // Bodies whose text is not in the full-text index yet (see content.h: index_pending).
      {"pending_text", {{"body_id", "INTEGER", "INTEGER PRIMARY KEY"}}, "", ""},
      // What QRESYNC's VANISHED needs (RFC 7162 §3.2.10): expunged UIDs with the MODSEQ of expunge.
      {"expunged",
       {{"folder_id", "INTEGER", "INTEGER NOT NULL"},
        {"uid", "INTEGER", "INTEGER NOT NULL"},
        {"modseq", "INTEGER", "INTEGER NOT NULL"}},
       "PRIMARY KEY (folder_id, uid)",
       "WITHOUT ROWID"},
      // Sealed-spool entries whose messages this mailbox holds (store/spool.h), recorded in the
      // transaction of their append so a crash before the spool file is unlinked never stores
      // it twice; forgotten once the file is gone.
      {"spool_drained",
       {{"name", "TEXT", "TEXT PRIMARY KEY"}, {"drained_at", "TEXT", "TEXT NOT NULL"}},
       "",
       "WITHOUT ROWID"},
      // The owner's junk training (issue 9, classify/): per token hash (never a word), in how many
      // messages trained as not junk (ham) and as junk (spam) it was seen; token 0 holds the
      // message totals. Kept inside the encrypted mailbox because it is derived from the mail.
      {"junk_tokens",
       {{"token", "INTEGER", "INTEGER PRIMARY KEY"},
        {"ham", "INTEGER", "INTEGER NOT NULL DEFAULT 0"},
        {"spam", "INTEGER", "INTEGER NOT NULL DEFAULT 0"}},
       "",
       ""},
      // How each trained message counts now (1 junk, 0 not junk), by body: training the same
      // message again the same way changes nothing, the other way moves its counts over.
      {"junk_trained",
       {{"body_id", "INTEGER", "INTEGER PRIMARY KEY REFERENCES bodies(id) ON DELETE CASCADE"},
        {"spam", "INTEGER", "INTEGER NOT NULL"}},
       "",
       ""},
  };
  return t;
}

struct Index {
  const char* name;
  const char* definition;  // after "CREATE INDEX name ON "
};

const std::vector<Index>& indexes() {
  static const std::vector<Index> i = {
      {"messages_folder_modseq", "messages(folder_id, modseq)"},
      {"messages_folder_internal_date", "messages(folder_id, internal_date)"},
      {"messages_folder_sent_date", "messages(folder_id, sent_date)"},
      {"messages_folder_sent_day", "messages(folder_id, sent_day)"},
      {"messages_folder_size", "messages(folder_id, size)"},
      {"messages_folder_subject", "messages(folder_id, subject COLLATE NOCASE)"},
      {"messages_folder_from", "messages(folder_id, from_addr COLLATE NOCASE)"},
      {"messages_folder_to", "messages(folder_id, to_addr COLLATE NOCASE)"},
      {"messages_folder_cc", "messages(folder_id, cc_addr COLLATE NOCASE)"},
      {"messages_folder_flags", "messages(folder_id, flags)"},
      {"messages_message_id", "messages(message_id)"},
      {"messages_thread", "messages(thread_id)"},
      {"messages_body", "messages(body_id)"},
      // Covers a folder's (uid, body_id) pairs in UID order: a full-text search that finds many
      // bodies checks each message of the folder against them without reading message rows.
      {"messages_folder_uid_body", "messages(folder_id, uid, body_id)"},
      {"body_parts_attachment", "body_parts(attachment_id)"},
      {"message_keywords_keyword", "message_keywords(keyword_id)"},
      {"expunged_modseq", "expunged(folder_id, modseq)"},
  };
  return i;
}

// Full text: FTS5 with the trigram tokenizer over case-folded text, so that IMAP's
// case-insensitive substring search (RFC 9051 §6.4.4) is answered from the index: a LIKE pattern
// finds the rows holding all its trigrams, which are then checked against the text. detail=none
// keeps no positions: measured, an index 28 times smaller and inserts 1.8 times faster than
// detail=full, for the same answers. Patterns under three characters scan the text.
constexpr const char* kFtsTable =
    "CREATE VIRTUAL TABLE message_text USING fts5(headers, body, tokenize = 'trigram', detail = none)";

std::string create_table_sql(const Table& t) {
  std::string sql = "CREATE TABLE ";
  sql += t.name;
  sql += " (";
  bool first = true;
  for (const auto& c : t.columns) {
    if (!first) sql += ", ";
    first = false;
    sql += c.name;
    if (*c.definition != 0) {
      sql += ' ';
      sql += c.definition;
    }
  }
  if (*t.constraints != 0) {
    sql += ", ";
    sql += t.constraints;
  }
  sql += ')';
  if (*t.options != 0) {
    sql += ' ';
    sql += t.options;
  }
  return sql;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool is_internal_table(const std::string& name) {
  return name.rfind("sqlite_", 0) == 0 || name.rfind("message_text", 0) == 0;
}

// Numbered migrations: migration[v] brings a database from version v to v + 1. Version 0 is a
// database that predates versioning; the additive repair below is all it needs.
using Migration = void (*)(sql::Db&);

// 1 -> 2: the full-text index holds case-folded headers and body text only (no positions):
// rebuilt from the stored messages.
void rebuild_full_text(sql::Db& db) {
  db.exec("DROP TABLE IF EXISTS message_text");
  db.exec(kFtsTable);
  db.exec("CREATE TABLE IF NOT EXISTS pending_text (body_id INTEGER PRIMARY KEY)");
  db.exec("INSERT OR IGNORE INTO pending_text(body_id) SELECT id FROM bodies");  // indexed again lazily
}

bool has_column(sql::Db& db, const char* table, const char* column) {
  auto s = db.prepare("SELECT 1 FROM pragma_table_info(?) WHERE name = ?");
  s.bind(1, std::string_view(table)).bind(2, std::string_view(column));
  return s.step();
}

// 2 -> 3: messages.sent_day, the Date header's day as written. The stored ENVELOPE keeps the
// header's text, so the day is read from there rather than from sent_date (UTC, which can be
// another day).
void fill_sent_day(sql::Db& db) {
  if (!has_column(db, "messages", "sent_day")) db.exec("ALTER TABLE messages ADD COLUMN sent_day TEXT");
  std::vector<std::pair<int64_t, std::string>> days;
  {
    auto s = db.prepare(
        "SELECT m.id, b.envelope FROM messages m JOIN bodies b ON b.id = m.body_id "
        "WHERE m.sent_date IS NOT NULL AND m.sent_day IS NULL");
    while (s.step()) {
      std::string day = mime::sent_day(mime::envelope_date(s.text(1)));
      if (!day.empty()) days.emplace_back(s.int64(0), std::move(day));
    }
  }
  auto update = db.prepare("UPDATE messages SET sent_day = ? WHERE id = ?");
  for (const auto& [id, day] : days) {
    update.bind(1, std::string_view(day)).bind(2, id).run();
    update.reset();
  }
}

// 3 -> 4: subscriptions move from folders.subscribed to their own table.
void move_subscriptions(sql::Db& db) {
  db.exec("CREATE TABLE IF NOT EXISTS subscriptions (name TEXT PRIMARY KEY) WITHOUT ROWID");
  if (!has_column(db, "folders", "subscribed")) return;
  db.exec("INSERT OR IGNORE INTO subscriptions(name) SELECT name FROM folders WHERE subscribed != 0");
  db.exec("ALTER TABLE folders DROP COLUMN subscribed");
}

// 4 -> 5: folders.first_recent_uid. The messages already there are not recent: nobody is told
// about mail that was read before the upgrade as if it were new.
void add_first_recent_uid(sql::Db& db) {
  if (!has_column(db, "folders", "first_recent_uid"))
    db.exec("ALTER TABLE folders ADD COLUMN first_recent_uid INTEGER NOT NULL DEFAULT 1");
  db.exec("UPDATE folders SET first_recent_uid = uidnext");
}

// 5 -> 6: the word index (store/word_index.h), filled from the text already indexed; bodies still
// pending get it when they are indexed.
void add_word_index(sql::Db& db) {
  auto exists = db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'message_text_words'");
  if (exists.step()) return;
  exists = {};
  create_word_index(db);
  int64_t after = 0;
  for (;;) {
    std::vector<std::pair<int64_t, std::string>> rows;
    auto s = db.prepare("SELECT rowid, body FROM message_text WHERE rowid > ? ORDER BY rowid LIMIT 1000");
    s.bind(1, after);
    while (s.step()) rows.emplace_back(s.int64(0), std::string(s.text(1)));
    s = {};
    if (rows.empty()) break;
    after = rows.back().first;
    std::vector<std::pair<int64_t, std::string_view>> bodies;
    for (const auto& [id, text] : rows) bodies.emplace_back(id, text);
    add_to_word_index(db, bodies);
  }
}

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> m = {
      nullptr,               // 0 -> 1: additive only
      rebuild_full_text,     // 1 -> 2
      fill_sent_day,         // 2 -> 3
      move_subscriptions,    // 3 -> 4
      add_first_recent_uid,  // 4 -> 5
      add_word_index,        // 5 -> 6
      nullptr,               // 6 -> 7: junk_tokens, junk_trained (additive)
  };
  return m;
}

}  // namespace

void create_schema(sql::Db& db) {
  for (const auto& t : tables()) db.exec(create_table_sql(t).c_str());
  for (const auto& i : indexes()) db.exec(("CREATE INDEX " + std::string(i.name) + " ON " + i.definition).c_str());
  db.exec(kFtsTable);
  create_word_index(db);
  db.exec(("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
}

Status migrate_and_validate(sql::Db& db) {
  return sql::transaction(db, [&]() -> Status {
    auto version_stmt = db.prepare("PRAGMA user_version");
    version_stmt.step();
    int version = static_cast<int>(version_stmt.int64(0));
    version_stmt = {};
    if (version > kSchemaVersion)
      return make_error(Errc::schema_mismatch, "mailbox schema version " + std::to_string(version) +
                                                   " is newer than this sealmail (" + std::to_string(kSchemaVersion) +
                                                   "): upgrade sealmail");
    for (int v = version; v < kSchemaVersion && v < static_cast<int>(migrations().size()); ++v)
      if (migrations()[v] != nullptr && v > 0) migrations()[v](db);

    std::set<std::string> live_tables, live_indexes;
    {
      auto s = db.prepare("SELECT type, name FROM sqlite_schema");
      while (s.step()) {
        std::string type(s.text(0)), name(s.text(1));
        (type == "table" ? live_tables : live_indexes).insert(name);
      }
    }
    std::set<std::string> known;
    for (const auto& t : tables()) {
      known.insert(t.name);
      if (!live_tables.count(t.name)) {
        db.exec(create_table_sql(t).c_str());
        continue;
      }
      std::map<std::string, std::string> live_columns;
      auto info = db.prepare("SELECT name, type FROM pragma_table_info(?)");
      info.bind(1, std::string_view(t.name));
      while (info.step()) live_columns[std::string(info.text(0))] = upper(std::string(info.text(1)));
      for (const auto& c : t.columns) {
        auto it = live_columns.find(c.name);
        if (it == live_columns.end()) {
          db.exec(("ALTER TABLE " + std::string(t.name) + " ADD COLUMN " + c.name + " " + c.definition).c_str());
        } else if (it->second != c.type) {
          return make_error(Errc::schema_mismatch, std::string("column ") + t.name + "." + c.name + " has type '" +
                                                       it->second + "', expected '" + c.type + "'");
        }
        live_columns.erase(c.name);
      }
      if (!live_columns.empty())
        return make_error(Errc::schema_mismatch, std::string("table ") + t.name + " has an unknown column '" +
                                                     live_columns.begin()->first + "'");
    }
    if (!live_tables.count("message_text")) db.exec(kFtsTable);
    for (const auto& name : live_tables)
      if (!known.count(name) && !is_internal_table(name))
        return make_error(Errc::schema_mismatch, "unknown table '" + name + "' in mailbox");
    for (const auto& i : indexes())
      if (!live_indexes.count(i.name)) db.exec(("CREATE INDEX " + std::string(i.name) + " ON " + i.definition).c_str());
    if (version != kSchemaVersion) db.exec(("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
    return {};
  });
}

}  // namespace sealmail::store
