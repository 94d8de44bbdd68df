// The SQLite directory: its file, accounts, domains, quotas, and sharing the file between
// Directory objects and processes.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/password_hash.h"
#include "test_support.h"

namespace sealmail::directory {
namespace {

using testing::DirectoryTest;

// Runs one SQL statement on the file with a plain SQLite connection and returns the first column.
std::string raw_query(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  std::string out;
  if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != nullptr)
    out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

mode_t file_mode(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777;
}

// ---- the file ----

TEST_F(DirectoryTest, FileIsPrivateWalAndVersioned) {
  make_domain();
  EXPECT_EQ(file_mode(file()), 0600u);
  auto wal = file();
  wal += "-wal";
  ASSERT_TRUE(std::filesystem::exists(wal));  // the open directory keeps its WAL
  EXPECT_EQ(file_mode(wal), 0600u);
  EXPECT_EQ(raw_query(file(), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw_query(file(), "PRAGMA user_version"), "2");
  EXPECT_EQ(raw_query(file(), "PRAGMA application_id"), std::to_string(0x736d6469));
}

TEST_F(DirectoryTest, PrivateEvenWithAPermissiveUmask) {
  dir_.reset();
  std::filesystem::remove(file());
  mode_t old = ::umask(0);
  auto d = open();
  ::umask(old);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(file_mode(file()), 0600u);
}

TEST_F(DirectoryTest, ReopeningKeepsEverything) {
  auto domain = make_domain();
  make_alias("hello@example.com");
  dir_.reset();
  dir_ = open();
  ASSERT_NE(dir_, nullptr);
  EXPECT_EQ(dir_->find_domain("example.com")->id, domain.id);
  EXPECT_TRUE(dir_->find_alias("hello@example.com").ok());
}

TEST_F(DirectoryTest, RefusesAFileThatIsNotADirectory) {
  dir_.reset();
  auto other = folder_.path() / "other.sqlite";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(other.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE notes(x)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto r = open_sqlite_directory(other);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::schema_mismatch);
  EXPECT_NE(r.error().message.find("not a sealmail directory"), std::string::npos) << r.error().message;
}

TEST_F(DirectoryTest, RefusesADirectoryFromANewerVersion) {
  dir_.reset();
  raw_query(file(), "PRAGMA user_version = 99");
  auto r = open_sqlite_directory(file());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::schema_mismatch);
  EXPECT_NE(r.error().message.find("newer"), std::string::npos) << r.error().message;
}

// Schema version 1 had no account passwords: opening such a file adds the column, keeps the rows.
TEST_F(DirectoryTest, MigratesVersionOneToAccountPasswords) {
  auto account = dir_->add_account("owner");
  ASSERT_TRUE(account.ok());
  dir_.reset();
  raw_query(file(), "ALTER TABLE accounts DROP COLUMN password_hash");
  raw_query(file(), "PRAGMA user_version = 1");
  dir_ = open();
  ASSERT_NE(dir_, nullptr);
  EXPECT_EQ(raw_query(file(), "PRAGMA user_version"), "2");
  EXPECT_EQ(*dir_->account_password_hash(account->id), "");
  auto hash = crypto::hash_password(crypto::SecretBuffer::from("correct horse"));
  ASSERT_TRUE(dir_->set_account_password_hash(account->id, hash).ok());
  EXPECT_EQ(dir_->verify_account_login("OWNER", crypto::SecretBuffer::from("correct horse"))->id, account->id);
}

TEST_F(DirectoryTest, AccountLoginFailuresLookAlike) {
  auto account = dir_->add_account("owner");
  ASSERT_TRUE(account.ok());
  // No password yet, a wrong one, an unknown account, a malformed name: one answer.
  auto none = dir_->verify_account_login("owner", crypto::SecretBuffer::from("x"));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, Errc::wrong_password);
  auto hash = crypto::hash_password(crypto::SecretBuffer::from("right"));
  ASSERT_TRUE(dir_->set_account_password_hash(account->id, hash).ok());
  for (const char* name : {"owner", "nobody", "bad name!"}) {
    auto r = dir_->verify_account_login(name, crypto::SecretBuffer::from("wrong"));
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.error().code, Errc::wrong_password) << name;
    EXPECT_EQ(r.error().message, "invalid credentials") << name;
  }
  EXPECT_EQ(dir_->set_account_password_hash(account->id, "not a hash").error().code, Errc::invalid_argument);
  ASSERT_TRUE(dir_->set_account_password_hash(account->id, "").ok());
  EXPECT_FALSE(dir_->verify_account_login("owner", crypto::SecretBuffer::from("right")).ok());
}

TEST_F(DirectoryTest, RefusesADamagedSchema) {
  dir_.reset();
  raw_query(file(), "DROP TABLE alias_creations");
  auto r = open_sqlite_directory(file());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::schema_mismatch);
}

TEST_F(DirectoryTest, RefusesGarbage) {
  dir_.reset();
  auto junk = folder_.path() / "junk.sqlite";
  std::FILE* f = std::fopen(junk.c_str(), "wb");
  std::string bytes(8192, 'x');
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
  auto r = open_sqlite_directory(junk);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::corrupt) << r.error().message;
}

TEST_F(DirectoryTest, MissingFolderIsNotFound) {
  auto r = open_sqlite_directory(folder_.path() / "no" / "such" / "directory.sqlite");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::not_found);
}

// ---- accounts ----

TEST_F(DirectoryTest, Accounts) {
  auto a = dir_->add_account("alice", 1'000'000);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_GT(a->id, 0);
  EXPECT_EQ(a->name, "alice");
  EXPECT_EQ(a->quota_bytes, 1'000'000u);
  EXPECT_EQ(a->created_at, "2026-01-01T00:00:00Z");
  auto b = dir_->add_account("bob");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->quota_bytes, 0u);

  auto list = dir_->list_accounts();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "alice");
  EXPECT_EQ((*list)[1].name, "bob");

  EXPECT_EQ(dir_->get_account(a->id)->name, "alice");
  EXPECT_EQ(dir_->find_account("ALICE")->id, a->id);  // names compare without case
  EXPECT_EQ(dir_->get_account(9999).error().code, Errc::not_found);
  EXPECT_EQ(dir_->find_account("carol").error().code, Errc::not_found);

  ASSERT_TRUE(dir_->set_account_quota(a->id, 5).ok());
  EXPECT_EQ(dir_->get_account(a->id)->quota_bytes, 5u);
  EXPECT_EQ(dir_->set_account_quota(9999, 5).error().code, Errc::not_found);

  ASSERT_TRUE(dir_->remove_account(b->id).ok());
  EXPECT_EQ(dir_->get_account(b->id).error().code, Errc::not_found);
  EXPECT_EQ(dir_->remove_account(b->id).error().code, Errc::not_found);
}

TEST_F(DirectoryTest, AccountErrors) {
  ASSERT_TRUE(dir_->add_account("alice").ok());
  auto dup = dir_->add_account("Alice");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, Errc::already_exists);
  EXPECT_EQ(dup.error().message, "account already exists");
  EXPECT_EQ(dir_->add_account("").error().code, Errc::invalid_argument);
  EXPECT_EQ(dir_->add_account("two words").error().code, Errc::invalid_argument);
  EXPECT_EQ(dir_->add_account("huge", uint64_t(1) << 63).error().code, Errc::invalid_argument);
}

TEST_F(DirectoryTest, AnAccountWithDomainsIsNotRemoved) {
  auto domain = make_domain();
  auto s = dir_->remove_account(domain.account_id);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::invalid_argument);
  EXPECT_EQ(s.error().message, "the account still owns 1 domain(s); remove them first");
  ASSERT_TRUE(dir_->remove_domain(domain.id).ok());
  EXPECT_TRUE(dir_->remove_account(domain.account_id).ok());
}

// ---- domains ----

TEST_F(DirectoryTest, Domains) {
  auto acc = dir_->add_account("owner");
  NewDomain nd;
  nd.name = "Example.COM.";
  nd.account_id = acc->id;
  nd.dkim_selector = "s1";
  auto d = dir_->add_domain(nd);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->name, "example.com");
  EXPECT_EQ(d->account_id, acc->id);
  EXPECT_EQ(d->dkim_selector, "s1");
  EXPECT_EQ(d->retention_days, 30);
  EXPECT_FALSE(d->quota_bytes.has_value());
  EXPECT_EQ(d->created_at, "2026-01-01T00:00:00Z");

  nd.name = "bücher.example";
  nd.quota_bytes = 1000;
  nd.retention_days = 7;
  auto idn = dir_->add_domain(nd);
  ASSERT_TRUE(idn.ok()) << idn.error().message;
  EXPECT_EQ(idn->quota_bytes, 1000u);
  EXPECT_EQ(idn->retention_days, 7);

  auto list = dir_->list_domains();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "bücher.example");
  EXPECT_EQ((*list)[1].name, "example.com");

  EXPECT_EQ(dir_->get_domain(d->id)->name, "example.com");
  EXPECT_EQ(dir_->find_domain("EXAMPLE.com")->id, d->id);
  EXPECT_EQ(dir_->find_domain("example.org").error().code, Errc::not_found);
  EXPECT_EQ(dir_->find_domain("bad..name").error().code, Errc::invalid_argument);
  EXPECT_TRUE(*dir_->hosts_domain("Example.Com"));
  EXPECT_TRUE(*dir_->hosts_domain("example.com."));
  EXPECT_FALSE(*dir_->hosts_domain("example.org"));
  EXPECT_FALSE(*dir_->hosts_domain("not a domain"));

  ASSERT_TRUE(dir_->set_domain_quota(d->id, 42).ok());
  EXPECT_EQ(dir_->get_domain(d->id)->quota_bytes, 42u);
  ASSERT_TRUE(dir_->set_domain_quota(d->id, 0).ok());  // 0: no limit
  EXPECT_FALSE(dir_->get_domain(d->id)->quota_bytes.has_value());
  ASSERT_TRUE(dir_->set_dkim_selector(d->id, "s2026").ok());
  EXPECT_EQ(dir_->get_domain(d->id)->dkim_selector, "s2026");
  EXPECT_EQ(dir_->set_dkim_selector(d->id, "bad selector").error().code, Errc::invalid_argument);
  ASSERT_TRUE(dir_->set_retention_days(d->id, 90).ok());
  EXPECT_EQ(dir_->get_domain(d->id)->retention_days, 90);
  EXPECT_EQ(dir_->set_retention_days(d->id, 0).error().code, Errc::invalid_argument);
  EXPECT_EQ(dir_->set_retention_days(9999, 5).error().code, Errc::not_found);
}

TEST_F(DirectoryTest, DomainErrors) {
  auto d = make_domain();
  NewDomain nd;
  nd.name = "EXAMPLE.com";
  nd.account_id = d.account_id;
  auto dup = dir_->add_domain(nd);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, Errc::already_exists);
  EXPECT_EQ(dup.error().message, "domain already exists");

  nd.name = "exa_mple.org";
  EXPECT_EQ(dir_->add_domain(nd).error().code, Errc::invalid_argument);
  nd.name = "example.org";
  nd.account_id = 9999;
  auto orphan = dir_->add_domain(nd);
  EXPECT_EQ(orphan.error().code, Errc::not_found);
  EXPECT_EQ(orphan.error().message, "no such account");
  nd.account_id = d.account_id;
  nd.retention_days = 0;
  EXPECT_EQ(dir_->add_domain(nd).error().code, Errc::invalid_argument);
  nd.retention_days = 30;
  nd.dkim_selector = "-bad";
  EXPECT_EQ(dir_->add_domain(nd).error().code, Errc::invalid_argument);
  EXPECT_EQ(dir_->list_domains()->size(), 1u);  // nothing half-made
}

TEST_F(DirectoryTest, RemovingADomainWithAliasesNeedsCascade) {
  auto d = make_domain();
  auto other = make_domain("example.org");
  auto a = make_alias("a@example.com");
  make_alias("*@example.com");
  auto kept = make_alias("b@example.org");

  auto refused = dir_->remove_domain(d.id);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::invalid_argument);
  EXPECT_NE(refused.error().message.find("still has 2 alias(es)"), std::string::npos) << refused.error().message;
  EXPECT_TRUE(dir_->find_alias("a@example.com").ok());

  auto removed = dir_->remove_domain(d.id, /*cascade=*/true);
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  ASSERT_EQ(removed->size(), 2u);  // handed back so their mailbox files can be deleted
  EXPECT_EQ((*removed)[0].mailbox_id, a.mailbox_id);
  EXPECT_EQ(dir_->get_domain(d.id).error().code, Errc::not_found);
  EXPECT_EQ(dir_->get_alias(a.id).error().code, Errc::not_found);
  EXPECT_FALSE(dir_->resolve("anyone@example.com")->has_value());
  EXPECT_FALSE(*dir_->hosts_domain("example.com"));
  EXPECT_EQ(dir_->list_aliases()->size(), 1u);
  EXPECT_EQ(dir_->get_alias(kept.id)->domain_id, other.id);

  EXPECT_EQ(dir_->remove_domain(d.id).error().code, Errc::not_found);
  auto empty = dir_->remove_domain(other.id, true);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->size(), 1u);
}

// ---- quotas ----

TEST_F(DirectoryTest, QuotaIsTheSmallestOfAliasDomainAndAccount) {
  auto acc = dir_->add_account("owner", 0);
  NewDomain nd;
  nd.name = "example.com";
  nd.account_id = acc->id;
  auto d = dir_->add_domain(nd);
  auto a = make_alias("a@example.com");

  auto q = dir_->quota_for(a);
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->account_id, acc->id);
  EXPECT_EQ(q->domain_id, d->id);
  EXPECT_FALSE(q->alias || q->domain || q->account);  // 0 on the account: unlimited
  EXPECT_FALSE(q->effective().has_value());

  ASSERT_TRUE(dir_->set_account_quota(acc->id, 10'000).ok());
  EXPECT_EQ(dir_->quota_for(a)->effective(), 10'000u);
  ASSERT_TRUE(dir_->set_domain_quota(d->id, 5'000).ok());
  EXPECT_EQ(dir_->quota_for(a)->effective(), 5'000u);
  ASSERT_TRUE(dir_->set_alias_quota(a.id, 7'000).ok());
  q = dir_->quota_for(a);
  EXPECT_EQ(q->alias, 7'000u);
  EXPECT_EQ(q->domain, 5'000u);
  EXPECT_EQ(q->account, 10'000u);
  EXPECT_EQ(q->effective(), 5'000u);
  ASSERT_TRUE(dir_->set_alias_quota(a.id, 1'000).ok());
  EXPECT_EQ(dir_->quota_for(a)->effective(), 1'000u);
  ASSERT_TRUE(dir_->set_account_quota(acc->id, 500).ok());  // shared by everything the account owns
  EXPECT_EQ(dir_->quota_for(a)->effective(), 500u);
  ASSERT_TRUE(dir_->set_alias_quota(a.id, std::nullopt).ok());
  ASSERT_TRUE(dir_->set_domain_quota(d->id, std::nullopt).ok());
  EXPECT_EQ(dir_->quota_for(a)->effective(), 500u);
  EXPECT_EQ(dir_->set_alias_quota(a.id, uint64_t(1) << 63).error().code, Errc::invalid_argument);

  ASSERT_TRUE(dir_->remove_alias(a.id).ok());
  EXPECT_EQ(dir_->quota_for(a).error().code, Errc::not_found);
}

TEST_F(DirectoryTest, AliasQuotaGivenAtCreation) {
  make_domain();
  NewAlias na;
  na.address = "q@example.com";
  na.mailbox = true;
  na.quota_bytes = 123;
  auto a = dir_->add_alias(na);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->quota_bytes, 123u);
  EXPECT_EQ(dir_->quota_for(*a)->effective(), 123u);
}

TEST_F(DirectoryTest, MailboxesSharingADomainOrAnAccountQuota) {
  auto one = make_domain("one.example", "team");
  auto two = make_domain("two.example", "team");
  auto other = make_domain("other.example", "someone");
  auto a = make_alias("a@one.example");
  auto b = make_alias("b@two.example");
  auto c = make_alias("*@one.example");
  make_alias("f@one.example", false);  // forwards only: no mailbox, counts nowhere
  auto o = make_alias("o@other.example");

  auto in_one = dir_->domain_mailboxes(one.id);
  ASSERT_TRUE(in_one.ok()) << in_one.error().message;
  EXPECT_EQ(*in_one, (std::vector<std::string>{a.mailbox_id, c.mailbox_id}));
  EXPECT_EQ(*dir_->domain_mailboxes(two.id), std::vector<std::string>{b.mailbox_id});
  auto team = dir_->account_mailboxes(one.account_id);
  ASSERT_TRUE(team.ok());
  EXPECT_EQ(*team, (std::vector<std::string>{a.mailbox_id, b.mailbox_id, c.mailbox_id}));
  EXPECT_EQ(*dir_->account_mailboxes(other.account_id), std::vector<std::string>{o.mailbox_id});
  EXPECT_TRUE(dir_->account_mailboxes(9999)->empty());

  EXPECT_FALSE(dir_->set_has_mailbox(a.id, false).ok());  // a has no other destination yet
  ASSERT_TRUE(dir_->set_targets(a.id, {"x@example.net"}, {}).ok());
  ASSERT_TRUE(dir_->set_has_mailbox(a.id, false).ok());
  EXPECT_EQ(*dir_->account_mailboxes(one.account_id), (std::vector<std::string>{b.mailbox_id, c.mailbox_id}));
}

// ---- sharing the file ----

TEST_F(DirectoryTest, TwoDirectoriesOnOneFileSeeEachOthersWrites) {
  auto other = open();
  ASSERT_NE(other, nullptr);
  make_domain();
  // Written by one, read by the other at once, both ways, and again after a change.
  EXPECT_TRUE(*other->hosts_domain("example.com"));
  auto a = make_alias("hello@example.com");
  auto seen = other->resolve("hello@example.com");
  ASSERT_TRUE(seen.ok() && seen->has_value());
  EXPECT_EQ((*seen)->mailbox_id, a.mailbox_id);

  ASSERT_TRUE(other->set_targets(a.id, {"copy@example.net"}, {}).ok());
  EXPECT_EQ(dir_->get_alias(a.id)->forwards, std::vector<std::string>{"copy@example.net"});
  ASSERT_TRUE(dir_->set_targets(a.id, {"second@example.net"}, {}).ok());
  EXPECT_EQ(other->get_alias(a.id)->forwards, std::vector<std::string>{"second@example.net"});

  ASSERT_TRUE(other->remove_alias(a.id).ok());
  EXPECT_FALSE(dir_->resolve("hello@example.com")->has_value());
  EXPECT_EQ(dir_->find_alias("hello@example.com").error().code, Errc::not_found);
}

TEST_F(DirectoryTest, AnotherProcessesWritesAreSeenAtOnce) {
  make_domain();
  EXPECT_FALSE(dir_->resolve("cli@example.com")->has_value());  // pooled connections are now warm
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // The "CLI": its own Directory on the same file.
    auto cli = open_sqlite_directory(file());
    bool ok = cli.ok();
    if (ok) {
      NewAlias na;
      na.address = "cli@example.com";
      na.mailbox = true;
      ok = (*cli)->add_alias(na).ok();
    }
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  auto seen = dir_->resolve("CLI@example.com");
  ASSERT_TRUE(seen.ok());
  ASSERT_TRUE(seen->has_value());
  EXPECT_EQ((*seen)->address, "cli@example.com");
}

}  // namespace
}  // namespace sealmail::directory
