// The encrypted mailbox store: what a user of it (the IMAP, POP3 and SMTP servers) relies on.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <random>
#include <thread>

#include "core/fs.h"
#include "store/corpus.h"
#include "store/mailbox.h"
#include "store/schema.h"
#include "store/test_support.h"

namespace sealmail::store {
namespace {

using testing::TempDir;
using K = SearchKey::Kind;

const std::string kPassword = "correct horse battery staple";

class StoreTest : public ::testing::Test {
 protected:
  std::filesystem::path file() const { return dir_ / "3f9a1c7e.sqlite"; }
  std::unique_ptr<Mailbox> create(Options o = {}) {
    auto m = Mailbox::create(file(), testing::secret(kPassword), o);
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
    return std::move(*m);
  }
  std::unique_ptr<Mailbox> reopen(const std::string& password = kPassword) {
    auto m = Mailbox::open(file(), testing::secret(password));
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
    return m.ok() ? std::move(*m) : nullptr;
  }
  static AppendResult append(Mailbox& m, const std::string& raw, const std::string& folder = "INBOX", Flags f = {}) {
    AppendRequest r;
    r.folder = folder;
    r.message = raw;
    r.flags = std::move(f);
    auto res = m.append(r);
    EXPECT_TRUE(res.ok()) << (res.ok() ? "" : res.error().message);
    return res.ok() ? *res : AppendResult{};
  }
  int64_t count(const std::string& sql) { return std::stoll(testing::query_with_password(file(), kPassword, sql)); }
  TempDir dir_;
};

TEST_F(StoreTest, NewMailboxHasTheStandardFoldersWithSpecialUse) {
  auto m = create();
  auto folders = m->list_folders();
  ASSERT_TRUE(folders.ok());
  std::map<std::string, std::string> uses;
  for (const auto& f : *folders) uses[f.name] = f.special_use;
  EXPECT_EQ(uses, (std::map<std::string, std::string>{{"INBOX", ""},
                                                      {"Drafts", "\\Drafts"},
                                                      {"Sent", "\\Sent"},
                                                      {"Junk", "\\Junk"},
                                                      {"Trash", "\\Trash"},
                                                      {"Archive", "\\Archive"}}));
  EXPECT_EQ(folders->front().name, "INBOX");
  EXPECT_EQ(std::filesystem::status(file()).permissions() & std::filesystem::perms::group_read,
            std::filesystem::perms::none);
  EXPECT_EQ(Mailbox::create(file(), testing::secret(kPassword)).error().code, Errc::already_exists);
}

TEST_F(StoreTest, PragmasAreThoseTheDesignNames) {
  create();
  EXPECT_EQ(testing::query_with_password(file(), kPassword, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(testing::query_with_password(file(), kPassword, "PRAGMA auto_vacuum"), "1");  // FULL
  EXPECT_EQ(testing::query_with_password(file(), kPassword, "PRAGMA encoding"), "UTF-8");
  EXPECT_EQ(testing::query_with_password(file(), kPassword, "PRAGMA user_version"), std::to_string(kSchemaVersion));
}

TEST_F(StoreTest, CorpusComesBackByteExact) {
  auto m = create();
  auto corpus = testing::corpus();
  std::vector<uint32_t> uids;
  for (const auto& c : corpus) uids.push_back(append(*m, c.raw).uid);
  auto check = [&](Mailbox& mb) {
    auto list = mb.list_messages("INBOX");
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), corpus.size());
    for (size_t i = 0; i < corpus.size(); ++i) {
      auto raw = mb.fetch_raw("INBOX", uids[i]);
      ASSERT_TRUE(raw.ok()) << corpus[i].name;
      EXPECT_TRUE(*raw == corpus[i].raw) << corpus[i].name << ": " << raw->size() << " vs " << corpus[i].raw.size();
      EXPECT_EQ((*list)[i].size, corpus[i].raw.size()) << corpus[i].name;
      EXPECT_FALSE((*list)[i].envelope.empty());
      EXPECT_FALSE((*list)[i].bodystructure.empty());
    }
  };
  check(*m);
  m.reset();
  check(*reopen());
  // The 10 MB attachment is stored compressed-or-not but once, and split out of its skeleton.
  EXPECT_GE(count("SELECT count(*) FROM attachments"), 4);
  EXPECT_GE(count("SELECT count(*) FROM bodies WHERE compressed = 1"), 1);
}

TEST_F(StoreTest, SameAttachmentIsStoredOnceAndSurvivesExpungeOfOneCopy) {
  auto m = create();
  std::string blob = testing::base64_blob(200000, 5);
  std::string a = testing::mixed_with_attachment("first", blob), b = testing::mixed_with_attachment("second", blob);
  auto ua = append(*m, a).uid;
  auto ub = append(*m, b).uid;
  EXPECT_EQ(count("SELECT count(*) FROM attachments"), 1);
  EXPECT_EQ(count("SELECT refcount FROM attachments"), 2);
  ASSERT_TRUE(m->store_flags("INBOX", {{ua, ua}}, FlagMode::add, {kDeleted, {}}).ok());
  auto gone = m->expunge("INBOX");
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(*gone, std::vector<uint32_t>{ua});
  EXPECT_EQ(m->fetch_raw("INBOX", ub).value(), b);
  EXPECT_EQ(m->fetch_raw("INBOX", ua).error().code, Errc::not_found);
  EXPECT_EQ(count("SELECT refcount FROM attachments"), 1);
  ASSERT_TRUE(m->store_flags("INBOX", {{ub, ub}}, FlagMode::add, {kDeleted, {}}).ok());
  ASSERT_TRUE(m->expunge("INBOX").ok());
  EXPECT_EQ(count("SELECT count(*) FROM attachments"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM bodies"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM message_text"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM pending_text"), 0);
}

TEST_F(StoreTest, NoPlaintextInTheFileItsWalOrABackup) {
  const std::string marker = "PLAINTEXTMARKER7731";
  auto m = create();
  std::string raw = testing::plain_message("the body says " + marker);
  raw.replace(raw.find("Subject: Plain message"), 22, "Subject: " + marker);
  append(*m, raw);
  append(*m, testing::mixed_with_attachment(marker, "U0VDUkVU" + marker + testing::base64_blob(8000, 2)));
  // While open, the newest pages sit in the WAL.
  auto wal = std::filesystem::path(file().string() + "-wal");
  ASSERT_TRUE(std::filesystem::exists(wal));
  EXPECT_GT(std::filesystem::file_size(wal), 0u);
  EXPECT_FALSE(testing::file_contains(wal, marker));
  EXPECT_FALSE(testing::file_contains(file(), marker));
  auto snap = m->backup_snapshot(dir_ / "backup.sqlite");
  ASSERT_TRUE(snap.ok()) << snap.error().message;
  EXPECT_FALSE(testing::file_contains(dir_ / "backup.sqlite", marker));
  EXPECT_FALSE(testing::file_contains(file(), "SQLite format 3"));
  m.reset();
  EXPECT_FALSE(testing::file_contains(file(), marker));
  // ...and yet the mail is there for the owner.
  EXPECT_EQ(reopen()->search("INBOX", SearchKey::of(K::text, marker)).value().size(), 2u);
}

TEST_F(StoreTest, WrongPasswordFailsCleanlyAndChangesNothing) {
  {
    auto m = create();
    append(*m, testing::plain_message());
  }
  std::string before = testing::read_bytes(file());
  auto bad = Mailbox::open(file(), testing::secret("wrong password"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::wrong_password);
  EXPECT_EQ(bad.error().message, "wrong password or not a sealmail mailbox");
  EXPECT_TRUE(testing::read_bytes(file()) == before);
  // Not a mailbox at all.
  ASSERT_TRUE(fs::write_file_durably(dir_ / "junk.sqlite", std::string(8192, 'x')));
  EXPECT_EQ(Mailbox::open(dir_ / "junk.sqlite", testing::secret(kPassword)).error().code, Errc::wrong_password);
  EXPECT_EQ(Mailbox::open(dir_ / "missing.sqlite", testing::secret(kPassword)).error().code, Errc::not_found);
  EXPECT_NE(reopen(), nullptr);
}

TEST_F(StoreTest, TheOwnerOpensTheFileWithAnySqliteMultipleCiphersToolGivenThePassword) {
  auto m = create();
  append(*m, testing::plain_message("portable body"));
  m.reset();
  int rc = 0;
  EXPECT_EQ(testing::query_with_password(file(), kPassword, "SELECT count(*) FROM messages", &rc), "1");
  EXPECT_EQ(rc, SQLITE_OK);
  testing::query_with_password(file(), "not it", "SELECT count(*) FROM messages", &rc);
  EXPECT_EQ(rc & 0xff, SQLITE_NOTADB);
}

TEST_F(StoreTest, RekeyOpensWithTheNewPasswordOnly) {
  auto m = create();
  auto corpus = testing::corpus();
  for (size_t i = 0; i < 5; ++i) append(*m, corpus[i].raw);
  ASSERT_TRUE(m->rekey(testing::secret("new password 2")).ok());
  // Still usable after the swap, under the new key.
  append(*m, testing::plain_message("after rekey"));
  EXPECT_EQ(m->fetch_raw("INBOX", 1).value(), corpus[0].raw);
  m.reset();
  EXPECT_EQ(Mailbox::open(file(), testing::secret(kPassword)).error().code, Errc::wrong_password);
  auto again = reopen("new password 2");
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->list_messages("INBOX").value().size(), 6u);
  EXPECT_TRUE(again->check().ok());
  EXPECT_FALSE(std::filesystem::exists(file().string() + ".rekey"));
}

TEST_F(StoreTest, RekeyRefusesWhileAnotherUserHasTheFileOpen) {
  auto m = create();
  auto other = reopen();  // a second open: e.g. another process
  EXPECT_EQ(m->rekey(testing::secret("x")).error().code, Errc::busy);
  other.reset();
  EXPECT_TRUE(m->rekey(testing::secret("x")).ok());
}

TEST_F(StoreTest, OlderSchemaIsMigratedAtOpen) {
  {
    auto m = create();
    append(*m, testing::plain_message("kept across migration"));
  }
  // An older mailbox: without a column and an index that this version has, at version 0.
  ASSERT_EQ(testing::exec_with_password(file(), kPassword,
                                        "DROP INDEX messages_folder_size; "
                                        "ALTER TABLE messages DROP COLUMN has_attachment; "
                                        "PRAGMA user_version = 0;"),
            SQLITE_OK);
  EXPECT_EQ(count("SELECT count(*) FROM pragma_table_info('messages') WHERE name = 'has_attachment'"), 0);
  auto m = reopen();
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(count("SELECT count(*) FROM pragma_table_info('messages') WHERE name = 'has_attachment'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM sqlite_schema WHERE name = 'messages_folder_size'"), 1);
  EXPECT_EQ(count("PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(m->search("INBOX", SearchKey::of(K::body, "kept across")).value().size(), 1u);
}

TEST_F(StoreTest, VersionOneFullTextIndexIsRebuiltAtOpen) {
  {
    auto m = create();
    append(*m, testing::eight_bit_message());  // "Grüße aus Köln" in a UTF-8 body
  }
  // Version 1 kept positions and two more columns, and held text as written (not case-folded).
  ASSERT_EQ(
      testing::exec_with_password(file(), kPassword,
                                  "DROP TABLE message_text; DROP TABLE pending_text; "
                                  "CREATE VIRTUAL TABLE message_text USING fts5(subject, addresses, headers, body, "
                                  "tokenize = 'trigram case_sensitive 0'); "
                                  "INSERT INTO message_text(rowid, body) SELECT id, 'stale' FROM bodies; "
                                  "PRAGMA user_version = 1;"),
      SQLITE_OK);
  auto m = reopen();
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(count("PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(count("SELECT count(*) FROM pragma_table_info('message_text')"), 2);
  EXPECT_EQ(m->search("INBOX", SearchKey::of(K::body, "GRÜSSE AUS KÖLN")).value().size(), 1u);  // ß folds to ss
  EXPECT_TRUE(m->search("INBOX", SearchKey::of(K::body, "stale")).value().empty());
}

// Version 2 kept the Date header in UTC only (sent_date) and subscriptions in folders.subscribed:
// the day as written is read back from the stored ENVELOPE, and the subscribed folders fill the
// subscription list.
TEST_F(StoreTest, VersionTwoGetsSentDaysAndASubscriptionList) {
  {
    auto m = create();
    append(*m, "Subject: late\r\nDate: Mon, 15 Mar 2021 23:30:00 -0500\r\n\r\nx\r\n");  // 16 Mar in UTC
    append(*m, "Subject: none\r\n\r\nx\r\n");
    ASSERT_TRUE(m->create_folder("Old").ok());
    ASSERT_TRUE(m->set_subscribed("Old", true).ok());  // CREATE does not subscribe
    ASSERT_TRUE(m->set_subscribed("Junk", false).ok());
  }
  ASSERT_EQ(testing::exec_with_password(
                file(), kPassword,
                "ALTER TABLE folders ADD COLUMN subscribed INTEGER NOT NULL DEFAULT 1; "
                "UPDATE folders SET subscribed = name IN (SELECT name FROM subscriptions); DROP TABLE subscriptions; "
                "DROP INDEX messages_folder_sent_day; ALTER TABLE messages DROP COLUMN sent_day; "
                "PRAGMA user_version = 2;"),
            SQLITE_OK);
  auto m = reopen();
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(count("PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(count("SELECT count(*) FROM pragma_table_info('folders') WHERE name = 'subscribed'"), 0);
  EXPECT_EQ(m->search("INBOX", SearchKey::of(K::sent_on, "2021-03-15")).value(), std::vector<uint32_t>{1});
  EXPECT_EQ(count("SELECT count(*) FROM messages WHERE sent_day IS NULL"), 1);  // no Date header
  EXPECT_EQ(m->list_subscriptions().value(),
            (std::vector<std::string>{"INBOX", "Archive", "Drafts", "Old", "Sent", "Trash"}));
  EXPECT_FALSE(m->folder("Junk")->subscribed);
}

// Version 4 had no \Recent state: the messages already there are not recent after the upgrade;
// the next ones are, for the first session that claims them, once.
TEST_F(StoreTest, VersionFourGetsFirstRecentUid) {
  {
    auto m = create();
    append(*m, testing::plain_message("one"));
    append(*m, testing::plain_message("two"));
  }
  ASSERT_EQ(testing::exec_with_password(file(), kPassword,
                                        "ALTER TABLE folders DROP COLUMN first_recent_uid; PRAGMA user_version = 4;"),
            SQLITE_OK);
  auto m = reopen();
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(count("PRAGMA user_version"), kSchemaVersion);
  auto inbox = m->folder("INBOX").value();
  EXPECT_EQ(inbox.first_recent_uid, 3u);
  EXPECT_EQ(inbox.recent, 0u);
  auto none = m->claim_recent("INBOX").value();
  EXPECT_GT(none.first, none.last);
  append(*m, testing::plain_message("three"));
  EXPECT_EQ(m->folder("INBOX")->recent, 1u);
  auto claimed = m->claim_recent("INBOX").value();
  EXPECT_EQ(claimed.first, 3u);
  EXPECT_EQ(claimed.last, 3u);
  EXPECT_EQ(m->folder("INBOX")->recent, 0u);
  auto again = m->claim_recent("INBOX").value();
  EXPECT_GT(again.first, again.last);
  // A new folder starts with everything recent; CREATE does not subscribe it.
  ASSERT_TRUE(m->create_folder("Fresh").ok());
  EXPECT_EQ(m->folder("Fresh")->first_recent_uid, 1u);
  EXPECT_FALSE(m->folder("Fresh")->subscribed);
}

TEST_F(StoreTest, FullTextIsIndexedLazilyAndBeforeEverySearch) {
  auto m = create();
  for (int i = 0; i < 5; ++i) append(*m, testing::plain_message("lazy body " + std::to_string(i)));
  EXPECT_EQ(count("SELECT count(*) FROM pending_text"), 5);
  EXPECT_EQ(count("SELECT count(*) FROM message_text"), 0);
  // A search that needs no text leaves the backlog alone; a text search clears it first.
  EXPECT_EQ(m->search("INBOX", SearchKey::num(K::larger, 1)).value().size(), 5u);
  EXPECT_EQ(count("SELECT count(*) FROM pending_text"), 5);
  EXPECT_EQ(m->search("INBOX", SearchKey::of(K::body, "LAZY BODY 3")).value(), std::vector<uint32_t>{4});
  EXPECT_EQ(count("SELECT count(*) FROM pending_text"), 0);
  append(*m, testing::plain_message("one more"));
  EXPECT_EQ(m->index_pending().value(), 1u);
  EXPECT_EQ(m->index_pending().value(), 0u);
  // Expunging a message before it was indexed leaves nothing behind.
  append(*m, testing::plain_message("never indexed"));
  ASSERT_TRUE(m->store_flags("INBOX", {{7, 7}}, FlagMode::add, {kDeleted, {}}).ok());
  ASSERT_TRUE(m->expunge("INBOX").ok());
  EXPECT_EQ(count("SELECT count(*) FROM pending_text"), 0);
}

TEST_F(StoreTest, SchemaDifferencesItCannotRepairAreClearErrors) {
  create();
  ASSERT_EQ(testing::exec_with_password(file(), kPassword, "CREATE TABLE stray(x)"), SQLITE_OK);
  auto m = Mailbox::open(file(), testing::secret(kPassword));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, Errc::schema_mismatch);
  EXPECT_NE(m.error().message.find("stray"), std::string::npos);
  ASSERT_EQ(testing::exec_with_password(file(), kPassword, "DROP TABLE stray; PRAGMA user_version = 99"), SQLITE_OK);
  m = Mailbox::open(file(), testing::secret(kPassword));
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("newer"), std::string::npos);
}

TEST_F(StoreTest, FlagsBumpModseqAndHonourUnchangedSince) {
  auto m = create();
  auto a = append(*m, testing::plain_message("one"));
  auto b = append(*m, testing::plain_message("two"), "INBOX", {kSeen, {"$Forwarded"}});
  EXPECT_EQ(a.uid, 1u);
  EXPECT_EQ(b.uid, 2u);
  EXPECT_GT(b.modseq, a.modseq);
  auto r = m->store_flags("INBOX", all_uids(), FlagMode::add, {kFlagged, {"$Junk"}});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->updated.size(), 2u);
  uint64_t after = r->updated[0].modseq;
  EXPECT_GT(after, b.modseq);
  EXPECT_EQ(r->updated[1].flags.system, kSeen | kFlagged);
  EXPECT_EQ(r->updated[1].flags.keywords, (std::vector<std::string>{"$Forwarded", "$Junk"}));
  // Nothing changes: no new modseq.
  auto same = m->store_flags("INBOX", all_uids(), FlagMode::add, {kFlagged, {}});
  EXPECT_TRUE(same->updated.empty());
  // UNCHANGEDSINCE older than the message's modseq: refused for that message (RFC 7162 MODIFIED).
  auto cond = m->store_flags("INBOX", {{1, 1}}, FlagMode::remove, {kFlagged, {}}, b.modseq);
  EXPECT_EQ(cond->modified, std::vector<uint32_t>{1});
  EXPECT_TRUE(cond->updated.empty());
  auto replace = m->store_flags("INBOX", {{2, 2}}, FlagMode::replace, {kAnswered, {}});
  EXPECT_EQ(replace->updated[0].flags, (Flags{kAnswered, {}}));
  auto changes = m->changes_since("INBOX", after);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->changed.size(), 1u);
  EXPECT_EQ(changes->changed[0].uid, 2u);
  EXPECT_EQ(m->folder("INBOX")->highest_modseq, replace->updated[0].modseq);
  EXPECT_EQ(m->store_flags("INBOX", all_uids(), FlagMode::add, {1u << 9, {}}).error().code, Errc::invalid_argument);
  EXPECT_EQ(m->store_flags("INBOX", all_uids(), FlagMode::add, {0, {"bad keyword"}}).error().code,
            Errc::invalid_argument);
}

TEST_F(StoreTest, ExpungeIsLoggedForQresync) {
  auto m = create();
  for (int i = 0; i < 4; ++i) append(*m, testing::plain_message("m" + std::to_string(i)));
  uint64_t before = m->folder("INBOX")->highest_modseq;
  ASSERT_TRUE(m->store_flags("INBOX", {{2, 3}}, FlagMode::add, {kDeleted, {}}).ok());
  // UID EXPUNGE of 3 only (UIDPLUS): 2 stays although \Deleted.
  EXPECT_EQ(m->expunge("INBOX", {{3, 3}}).value(), std::vector<uint32_t>{3});
  auto c = m->changes_since("INBOX", before);
  EXPECT_EQ(c->vanished, std::vector<uint32_t>{3});
  EXPECT_EQ(m->expunge("INBOX").value(), std::vector<uint32_t>{2});
  EXPECT_EQ(m->changes_since("INBOX", before)->vanished, (std::vector<uint32_t>{2, 3}));
  // UIDs are never reused.
  EXPECT_EQ(append(*m, testing::plain_message("new")).uid, 5u);
}

TEST_F(StoreTest, CopyAndMoveKeepBytesFlagsAndReportUids) {
  auto m = create();
  std::string raw = testing::mixed_with_attachment("moving", testing::base64_blob(30000, 9));
  append(*m, testing::plain_message("first"));
  append(*m, raw, "INBOX", {kSeen, {"$Important"}});
  auto copied = m->copy("INBOX", {{2, 2}}, "Archive");
  ASSERT_TRUE(copied.ok());
  EXPECT_EQ(copied->destination_uidvalidity, m->folder("Archive")->uidvalidity);
  ASSERT_EQ(copied->uids.size(), 1u);
  EXPECT_EQ(copied->uids[0], std::make_pair(2u, 1u));
  EXPECT_EQ(m->fetch_raw("Archive", 1).value(), raw);
  EXPECT_EQ(m->list_messages("Archive")->front().flags, (Flags{kSeen, {"$Important"}}));
  EXPECT_EQ(count("SELECT refcount FROM bodies WHERE size = " + std::to_string(raw.size())), 2);
  auto moved = m->move("INBOX", {{1, 2}}, "Trash");
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->uids.size(), 2u);
  EXPECT_TRUE(m->list_messages("INBOX")->empty());
  EXPECT_EQ(m->fetch_raw("Trash", moved->uids[1].second).value(), raw);
  EXPECT_EQ(m->changes_since("INBOX", 0)->vanished, (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(m->move("INBOX", all_uids(), "Nowhere").error().code, Errc::not_found);
  // Into the same folder (RFC 6851 §3.3): new UIDs, the originals expunged, the bytes kept.
  auto again = m->move("Trash", {{moved->uids[1].second, moved->uids[1].second}}, "Trash");
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->uids.size(), 1u);
  EXPECT_GT(again->uids[0].second, moved->uids[1].second);
  EXPECT_EQ(m->fetch_raw("Trash", again->uids[0].second).value(), raw);
  EXPECT_FALSE(m->fetch_raw("Trash", moved->uids[1].second).ok());
  EXPECT_EQ(m->list_messages("Trash")->size(), 2u);
}

TEST_F(StoreTest, FoldersCreateRenameDelete) {
  auto m = create();
  ASSERT_TRUE(m->create_folder("Work/Projects/2026").ok());  // superiors created too
  EXPECT_TRUE(m->folder("Work").ok());
  EXPECT_TRUE(m->folder("Work/Projects").ok());
  EXPECT_EQ(m->create_folder("Work").error().code, Errc::already_exists);
  EXPECT_EQ(m->create_folder("a//b").error().code, Errc::invalid_argument);
  EXPECT_EQ(m->create_folder("/a").error().code, Errc::invalid_argument);
  EXPECT_EQ(m->create_folder("").error().code, Errc::invalid_argument);
  EXPECT_EQ(m->create_folder("x", "\\Bogus").error().code, Errc::invalid_argument);
  EXPECT_TRUE(m->folder("inbox").ok());  // INBOX is case-insensitive
  append(*m, testing::plain_message("in projects"), "Work/Projects");
  uint32_t validity = m->folder("Work/Projects")->uidvalidity;
  ASSERT_TRUE(m->rename_folder("Work", "Jobs").ok());
  EXPECT_EQ(m->folder("Work/Projects").error().code, Errc::not_found);
  EXPECT_EQ(m->folder("Jobs/Projects")->uidvalidity, validity);
  EXPECT_EQ(m->list_messages("Jobs/Projects")->size(), 1u);
  EXPECT_TRUE(m->folder("Jobs/Projects/2026").ok());
  EXPECT_EQ(m->rename_folder("Jobs", "Jobs/Inner").error().code, Errc::invalid_argument);
  ASSERT_TRUE(m->delete_folder("Jobs/Projects").ok());
  EXPECT_EQ(count("SELECT count(*) FROM bodies"), 0);
  ASSERT_TRUE(m->create_folder("Jobs/Projects").ok());
  EXPECT_NE(m->folder("Jobs/Projects")->uidvalidity, validity);  // a reused name is a new folder
  EXPECT_EQ(m->delete_folder("INBOX").error().code, Errc::invalid_argument);
  // Renaming INBOX moves its messages and leaves INBOX empty (RFC 9051 §6.3.6).
  append(*m, testing::plain_message("inbox mail"));
  ASSERT_TRUE(m->rename_folder("INBOX", "Old Inbox").ok());
  EXPECT_EQ(m->list_messages("Old Inbox")->size(), 1u);
  EXPECT_TRUE(m->list_messages("INBOX")->empty());
  EXPECT_EQ(append(*m, testing::plain_message("next")).uid, 2u);  // INBOX UIDs keep increasing
  ASSERT_TRUE(m->set_subscribed("Archive", false).ok());
  EXPECT_FALSE(m->folder("Archive")->subscribed);
}

// RFC 9051 §6.3.7: "A server MUST NOT unilaterally remove an existing mailbox name from the
// subscription list even if a mailbox by that name no longer exists"; RENAME carries the
// subscriptions of the folder and of its inferiors to the new names (as Dovecot does).
TEST_F(StoreTest, SubscriptionsOutliveTheirFolderAndFollowRenames) {
  auto m = create();
  auto subscribed = [&](const std::string& name) {
    auto names = m->list_subscriptions().value();
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  ASSERT_TRUE(m->create_folder("Foo/Bar").ok());  // creating subscribes nothing (RFC 9051 §6.3.4)
  EXPECT_FALSE(subscribed("Foo") || subscribed("Foo/Bar"));
  ASSERT_TRUE(m->set_subscribed("Foo", true).ok());
  ASSERT_TRUE(m->set_subscribed("Foo/Bar", true).ok());
  ASSERT_TRUE(m->delete_folder("Foo/Bar").ok());
  EXPECT_TRUE(subscribed("Foo/Bar"));
  EXPECT_EQ(m->set_subscribed("Foo/Bar", true).error().code, Errc::not_found);  // we check it exists
  ASSERT_TRUE(m->set_subscribed("Foo/Bar", false).ok());                        // not needed to leave
  EXPECT_FALSE(subscribed("Foo/Bar"));
  EXPECT_EQ(m->set_subscribed("Foo/Bar", false).error().code, Errc::not_found);

  ASSERT_TRUE(m->create_folder("Foo/Gone").ok());
  ASSERT_TRUE(m->set_subscribed("Foo/Gone", true).ok());
  ASSERT_TRUE(m->delete_folder("Foo/Gone").ok());
  ASSERT_TRUE(m->create_folder("Foobar").ok());
  ASSERT_TRUE(m->set_subscribed("Foobar", true).ok());
  ASSERT_TRUE(m->rename_folder("Foo", "Qux").ok());
  EXPECT_TRUE(subscribed("Qux") && subscribed("Qux/Gone") && subscribed("Foobar"));
  EXPECT_FALSE(subscribed("Foo") || subscribed("Foo/Gone"));
  EXPECT_TRUE(m->folder("Qux")->subscribed);
  EXPECT_EQ(m->set_subscribed("qux", false).error().code, Errc::not_found);  // only INBOX ignores case
  ASSERT_TRUE(m->set_subscribed("Qux", false).ok());
  EXPECT_FALSE(m->folder("Qux")->subscribed);
  ASSERT_TRUE(m->set_subscribed("inbox", false).ok());  // INBOX is case-insensitive
  EXPECT_FALSE(subscribed("INBOX"));
}

// RFC 9051 §6.4.4: SENTBEFORE, SENTON and SENTSINCE compare the Date header's day "disregarding
// time and timezone": the day written in it, not that instant's day in UTC. COPY keeps it.
TEST_F(StoreTest, SentDatesAreTheDayWrittenInTheDateHeader) {
  auto m = create();
  append(*m, "Subject: late\r\nDate: Mon, 15 Mar 2021 23:30:00 -0500\r\n\r\nx\r\n");   // 16 Mar UTC
  append(*m, "Subject: early\r\nDate: Tue, 16 Mar 2021 00:30:00 +0200\r\n\r\nx\r\n");  // 15 Mar UTC
  append(*m, "Subject: none\r\n\r\nx\r\n");
  using V = std::vector<uint32_t>;
  auto s = [&](K kind, const char* day, const char* folder = "INBOX") {
    return m->search(folder, SearchKey::of(kind, day)).value();
  };
  EXPECT_EQ(s(K::sent_on, "2021-03-15"), V{1});
  EXPECT_EQ(s(K::sent_on, "2021-03-16"), V{2});
  EXPECT_EQ(s(K::sent_before, "2021-03-16"), V{1});
  EXPECT_EQ(s(K::sent_since, "2021-03-16"), V{2});
  EXPECT_EQ(s(K::sent_since, "2021-03-15"), (V{1, 2}));
  EXPECT_EQ(m->search("INBOX", SearchKey::of(K::sent_on, "16-Mar-2021")).error().code, Errc::invalid_argument);
  ASSERT_TRUE(m->copy("INBOX", {{1, 2}}, "Archive").ok());
  EXPECT_EQ(s(K::sent_on, "2021-03-16", "Archive"), V{2});
}

TEST_F(StoreTest, SearchAnswersEveryKindOfKey) {
  auto m = create();
  AppendRequest r;
  r.message = testing::plain_message("The quick brown fox jumps");
  r.internal_date = 1795409022;  // 2026-11-23
  auto u1 = m->append(r)->uid;
  r.message = testing::encoded_words_message();  // subject "Café ☕ und Grüße 你好", from Élodée
  r.internal_date = 1795409022 - 86400 * 10;
  auto u2 = m->append(r)->uid;
  r.message = testing::html_message();
  r.internal_date = 1795409022 + 86400;
  r.flags = {kSeen | kFlagged, {"$Junk"}};
  auto u3 = m->append(r)->uid;
  r.message = testing::mixed_with_attachment("Quarterly report", testing::base64_blob(9000, 4));
  r.flags = {};
  auto u4 = m->append(r)->uid;

  auto s = [&](const SearchKey& k) {
    auto res = m->search("INBOX", k);
    EXPECT_TRUE(res.ok()) << (res.ok() ? "" : res.error().message);
    return res.ok() ? *res : std::vector<uint32_t>{};
  };
  using V = std::vector<uint32_t>;
  EXPECT_EQ(s(SearchKey::all()), (V{u1, u2, u3, u4}));
  EXPECT_EQ(s(SearchKey::of(K::body, "QUICK BROWN")), V{u1});    // case-insensitive substring
  EXPECT_EQ(s(SearchKey::of(K::body, "ju")), V{u1});             // under three characters: scan
  EXPECT_EQ(s(SearchKey::of(K::body, "digest & news")), V{u3});  // decoded QP + HTML text
  EXPECT_EQ(s(SearchKey::of(K::body, "Привет")), V{u2});         // decoded base64, UTF-8
  EXPECT_TRUE(s(SearchKey::of(K::body, "qu_ck")).empty());       // LIKE's wildcards are text
  EXPECT_TRUE(s(SearchKey::of(K::body, "quick%fox")).empty());
  EXPECT_EQ(s(SearchKey::of(K::body, "quick brown")), V{u1});  // no wildcard: LIKE alone decides
  EXPECT_EQ(s(SearchKey::of(K::subject, "quarterly")), V{u4});
  EXPECT_EQ(s(SearchKey::of(K::subject, "Café")), V{u2});
  EXPECT_EQ(s(SearchKey::of(K::from, "elodie@")), V{u2});
  EXPECT_EQ(s(SearchKey::of(K::to, "carol@example.com")), (V{u1, u3, u4}));
  EXPECT_EQ(s(SearchKey::of(K::text, "Alice Example")), (V{u1, u3, u4}));
  SearchKey h = SearchKey::of(K::header, "ESMTPS");
  h.field = "Received";
  EXPECT_EQ(s(h), (V{u1, u3, u4}));
  h.text = "";
  h.field = "Content-Transfer-Encoding";
  EXPECT_EQ(s(h), (V{u1, u2, u3}));
  EXPECT_EQ(s(SearchKey::num(K::flag_set, kSeen)), V{u3});
  EXPECT_EQ(s(SearchKey::num(K::flag_unset, kSeen)), (V{u1, u2, u4}));
  EXPECT_EQ(s(SearchKey::of(K::keyword, "$junk")), V{u3});
  EXPECT_EQ(s(SearchKey::of(K::unkeyword, "$Junk")), (V{u1, u2, u4}));
  EXPECT_EQ(s(SearchKey::num(K::larger, 5000)), V{u4});
  EXPECT_EQ(s(SearchKey::num(K::smaller, 5000)), (V{u1, u2, u3}));
  EXPECT_EQ(s(SearchKey::of(K::on, "2026-11-23")), V{u1});
  EXPECT_EQ(s(SearchKey::of(K::before, "2026-11-23")), V{u2});
  EXPECT_EQ(s(SearchKey::of(K::since, "2026-11-24")), (V{u3, u4}));
  EXPECT_EQ(s(SearchKey::of(K::sent_on, "2026-11-24")), V{u2});  // Date: Tue, 24 Nov 2026 09:30 +0900 -> 00:30 UTC
  EXPECT_EQ(s(SearchKey::combine(K::not_, {SearchKey::of(K::body, "fox")})), (V{u2, u3, u4}));
  EXPECT_EQ(s(SearchKey::combine(K::or_, {SearchKey::of(K::body, "fox"), SearchKey::of(K::subject, "report")})),
            (V{u1, u4}));
  SearchKey uids;
  uids.kind = K::uids;
  uids.uids = {{2, 3}};
  EXPECT_EQ(s(uids), (V{u2, u3}));
  SearchKey re = SearchKey::of(K::regex, "qu[a-z]+k\\s+br");
  re.field = "body";
  EXPECT_EQ(s(re), V{u1});
  re.field = "subject";
  re.text = "^Quarterly";
  EXPECT_EQ(s(re), V{u4});
  re.text = "(unclosed";
  EXPECT_EQ(m->search("INBOX", re).error().code, Errc::invalid_argument);
  EXPECT_EQ(m->search("INBOX", SearchKey::of(K::on, "23-11-2026")).error().code, Errc::invalid_argument);
  EXPECT_EQ(s(SearchKey::num(K::modseq_ge, m->list_messages("INBOX")->back().modseq)), V{u4});
  SearchOptions by_size;
  by_size.sort = {{SortKey::size, true}};
  EXPECT_EQ(m->search("INBOX", SearchKey::all(), by_size).value().front(), u4);
}

// RFC 5256 §3 (and RFC 5957 for DISPLAYFROM/DISPLAYTO): SUBJECT orders by base subject, FROM,
// TO and CC by the local part of the first address, DISPLAY* by its display name (else its
// address), all ASCII case-insensitively; a missing header sorts first; ties go by UID.
TEST_F(StoreTest, SortFollowsRfc5256Keys) {
  auto m = create();
  auto msg = [](const std::string& from, const std::string& to, const std::string& cc, const std::string& subject) {
    std::string s = "From: " + from + "\r\nTo: " + to + "\r\n";
    if (!cc.empty()) s += "Cc: " + cc + "\r\n";
    return s + "Subject: " + subject + "\r\n\r\nbody\r\n";
  };
  // UIDs 1 to 4.
  append(*m, msg("Zoe Alice <alice@example.org>", "Bob <bob@example.com>", "", "Re: [list] Hello"));
  append(*m, msg("bob@example.com", "\"Yves\" <ann@example.com>", "Team: zed@example.com;", "Fwd: apple (fwd)"));
  append(*m, msg("=?utf-8?q?=C3=89ve?= <Carol@example.net>", "undisclosed-recipients:;", "amy@example.org", "hello"));
  append(*m, msg("Dave <dave@example.com>", "Carl <carl@example.com>", "", "[Fwd: Banana]"));
  auto sorted = [&](SortKey k, bool reverse = false) {
    SearchOptions o;
    o.sort = {{k, reverse}};
    auto r = m->search("INBOX", SearchKey::all(), o);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : std::vector<uint32_t>{};
  };
  using V = std::vector<uint32_t>;
  EXPECT_EQ(sorted(SortKey::subject), (V{2, 4, 1, 3}));  // APPLE, BANANA, HELLO (1 before 3)
  EXPECT_EQ(sorted(SortKey::subject, true), (V{1, 3, 4, 2}));
  EXPECT_EQ(sorted(SortKey::from), (V{1, 2, 3, 4}));  // alice, bob, Carol, dave
  // A group first sorts by its name (as ENVELOPE gives it, and Dovecot sorts).
  EXPECT_EQ(sorted(SortKey::to), (V{2, 1, 4, 3}));  // ann, bob, carl, UNDISCLOSED-RECIPIENTS
  EXPECT_EQ(sorted(SortKey::cc), (V{1, 4, 3, 2}));  // "", "", amy, TEAM
  // bob@example.com, Dave, Zoe Alice, Ève: i;ascii-casemap puts the octets of "É" after "Z".
  EXPECT_EQ(sorted(SortKey::display_from), (V{2, 4, 1, 3}));
  EXPECT_EQ(sorted(SortKey::display_to), (V{1, 4, 3, 2}));  // Bob, Carl, UNDISCLOSED-RECIPIENTS, Yves
}

TEST_F(StoreTest, ThreadsFollowInReplyToAndReferences) {
  auto m = create();
  auto msg = [](const std::string& id, const std::string& parent) {
    std::string s = "Subject: t\r\nMessage-ID: <" + id + ">\r\n";
    if (!parent.empty()) s += "In-Reply-To: <" + parent + ">\r\nReferences: <root@x> <" + parent + ">\r\n";
    return s + "\r\nbody\r\n";
  };
  append(*m, msg("root@x", ""));
  append(*m, msg("child@x", "root@x"));
  append(*m, msg("grandchild@x", "child@x"));
  append(*m, msg("other@x", ""));
  auto list = m->list_messages("INBOX").value();
  EXPECT_EQ(list[0].thread_id, list[1].thread_id);
  EXPECT_EQ(list[0].thread_id, list[2].thread_id);
  EXPECT_NE(list[0].thread_id, list[3].thread_id);
}

TEST_F(StoreTest, QuotaCountsMessagesAndBytes) {
  auto m = create();
  std::string a = testing::plain_message(), b = testing::html_message();
  append(*m, a);
  append(*m, b, "Sent");
  auto q = m->quota();
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->messages, 2u);
  EXPECT_EQ(q->bytes, a.size() + b.size());
  EXPECT_GT(q->file_bytes, 0u);
}

TEST_F(StoreTest, BackupSnapshotIsCheckedEncryptedAndOpensWithThePassword) {
  auto m = create();
  for (const auto& c : testing::corpus()) append(*m, c.raw);
  auto snap = m->backup_snapshot(dir_ / "snap.sqlite");
  ASSERT_TRUE(snap.ok()) << snap.error().message;
  EXPECT_EQ(snap->sha256, fs::sha256_file_hex(dir_ / "snap.sqlite").value());
  EXPECT_EQ(m->backup_snapshot(dir_ / "snap.sqlite").error().code, Errc::already_exists);
  auto copy = Mailbox::open(dir_ / "snap.sqlite", testing::secret(kPassword));
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ((*copy)->list_messages("INBOX")->size(), testing::corpus().size());
  EXPECT_EQ((*copy)->fetch_raw("INBOX", 11).value(), testing::ten_megabyte_attachment_message());
  EXPECT_EQ(Mailbox::open(dir_ / "snap.sqlite", testing::secret("nope")).error().code, Errc::wrong_password);
}

// Checkpoints run on the store's background thread (store/checkpointer.h), not inside the commit
// that crosses the threshold: the log's pages reach the database file while the mailbox stays
// open, and the log restarts from its beginning instead of growing with every batch.
TEST_F(StoreTest, CheckpointsRunInTheBackgroundAndTheLogStaysBounded) {
  auto m = create(Options{.durable = false});
  std::mt19937 rng(7);
  auto body = [&] {
    std::string text;
    for (int i = 0; i < 3000; ++i) text += static_cast<char>(i % 60 == 59 ? ' ' : 'a' + rng() % 26);
    return text;
  };
  const auto wal = dir_ / "3f9a1c7e.sqlite-wal";
  auto size_of = [](const std::filesystem::path& p) {
    std::error_code ec;
    auto n = std::filesystem::file_size(p, ec);
    return ec ? uintmax_t{0} : n;
  };
  constexpr int kRounds = 5, kBatch = 1000;
  uintmax_t written = 0, largest_wal = 0;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<AppendRequest> batch(kBatch);
    for (auto& r : batch) {
      r.message = testing::plain_message(body());
      written += r.message.size();
    }
    ASSERT_TRUE(m->append_batch(batch).ok());
    largest_wal = std::max(largest_wal, size_of(wal));
    // The batch's pages reach the database file without the mailbox closing or anyone asking.
    uintmax_t want = written * 9 / 10;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (size_of(file()) < want && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_GE(size_of(file()), want) << "round " << round << ": the log was not checkpointed";
  }
  // Each batch's log was written over the last one's (restart after a complete checkpoint).
  EXPECT_LT(largest_wal, written / 2) << "the log grew with every batch: " << largest_wal << " of " << written;
  EXPECT_EQ(m->list_messages("INBOX")->size(), static_cast<size_t>(kRounds * kBatch));
  m.reset();
  EXPECT_EQ(count("SELECT count(*) FROM messages"), kRounds * kBatch);
}

TEST_F(StoreTest, ReadersRunWhileTheWriterAppends) {
  auto m = create();
  for (int i = 0; i < 20; ++i) append(*m, testing::plain_message("seed " + std::to_string(i)));
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0}, failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t)
    readers.emplace_back([&] {
      while (!stop) {
        auto r = m->fetch_raw("INBOX", 1);
        auto s = m->search("INBOX", SearchKey::of(K::body, "seed"));
        if (!r.ok() || !s.ok() || s->size() < 20) ++failures;
        ++reads;
      }
    });
  for (int i = 0; i < 200; ++i) append(*m, testing::plain_message("more " + std::to_string(i)));
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(m->list_messages("INBOX")->size(), 220u);
}

TEST_F(StoreTest, ConcurrentAppendsShareCommitsAndKeepTheirOwnErrors) {
  auto m = create();  // durable: every append returns after its fsynced commit
  constexpr int kThreads = 8, kEach = 25;
  std::atomic<int> failures{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        AppendRequest r;
        r.message = testing::plain_message("thread " + std::to_string(t) + " message " + std::to_string(i));
        if (!m->append(r).ok()) ++failures;
        // A bad request in the middle of others' group commits fails alone.
        r.folder = "No Such Folder";
        if (m->append(r).error().code == Errc::not_found) ++refused;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(refused.load(), kThreads * kEach);
  auto list = m->list_messages("INBOX").value();
  ASSERT_EQ(list.size(), static_cast<size_t>(kThreads * kEach));
  for (size_t i = 0; i < list.size(); ++i) EXPECT_EQ(list[i].uid, i + 1);  // no gaps, no reuse
  EXPECT_TRUE(m->check().ok());
}

TEST_F(StoreTest, ListenersHearOfEveryCommittedChange) {
  auto m = create();
  std::vector<std::string> heard;
  int token = m->subscribe([&](const ChangeEvent& e) {
    const char* kinds[] = {"exists", "expunge", "flags", "folders"};
    heard.push_back(std::string(kinds[static_cast<int>(e.kind)]) + ":" + e.folder + ":" +
                    std::to_string(e.uids.empty() ? 0 : e.uids.front()));
  });
  append(*m, testing::plain_message());
  ASSERT_TRUE(m->store_flags("INBOX", all_uids(), FlagMode::add, {kDeleted, {}}).ok());
  ASSERT_TRUE(m->expunge("INBOX").ok());
  m->unsubscribe(token);
  append(*m, testing::plain_message());
  EXPECT_EQ(heard, (std::vector<std::string>{"exists:INBOX:1", "flags:INBOX:1", "expunge:INBOX:1"}));
}

TEST_F(StoreTest, KeyPairForSealedMailIsKeptInside) {
  auto m = create();
  auto kp = m->box_key_pair();
  ASSERT_TRUE(kp.ok());
  std::string sealed = crypto::seal("waiting mail", kp->public_key);
  m.reset();
  auto again = reopen();
  EXPECT_EQ(crypto::unseal(sealed, again->box_key_pair().value()).value(), "waiting mail");
}

TEST_F(StoreTest, DestroyRemovesEveryFile) {
  {
    auto m = create();
    append(*m, testing::plain_message());
  }
  EXPECT_TRUE(Mailbox::destroy(file()).ok());
  for (const char* s : {"", "-wal", "-shm", ".lock"}) EXPECT_FALSE(std::filesystem::exists(file().string() + s)) << s;
  EXPECT_EQ(Mailbox::destroy(file()).error().code, Errc::not_found);
  auto m = create();
  EXPECT_EQ(Mailbox::destroy(file()).error().code, Errc::busy);  // still open
}

TEST_F(StoreTest, OversizeAndBadInputAreRefused) {
  auto m = create();
  AppendRequest r;
  r.folder = "Nowhere";
  r.message = "Subject: x\r\n\r\ny\r\n";
  EXPECT_EQ(m->append(r).error().code, Errc::not_found);
  r.folder = "INBOX";
  r.flags.keywords = {"has space"};
  EXPECT_EQ(m->append(r).error().code, Errc::invalid_argument);
  EXPECT_EQ(m->list_messages("INBOX")->size(), 0u);  // nothing half-written
  EXPECT_EQ(m->fetch_raw("INBOX", 1).error().code, Errc::not_found);
}

}  // namespace
}  // namespace sealmail::store
