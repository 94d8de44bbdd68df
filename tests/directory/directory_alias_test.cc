// Aliases: creation and updates, resolution order, logins, the per-day creation limit, and
// concurrent use from many threads.
#include <gtest/gtest.h>

#include <thread>

#include "crypto/password.h"
#include "crypto/password_hash.h"
#include "crypto/sealed_box.h"
#include "test_support.h"

namespace sealmail::directory {
namespace {

using testing::DirectoryTest;

TEST_F(DirectoryTest, AddAliasWithMailboxForwardsAndWebhooks) {
  auto d = make_domain();
  NewAlias na;
  na.address = "Hello@Example.com";
  na.mailbox = true;
  na.forwards = {"copy@example.net", "COPY@Example.net", "other@example.org"};  // the duplicate is dropped
  na.webhooks = {"https://hooks.example.net/in", "http://127.0.0.1:9000/x"};
  auto a = dir_->add_alias(na);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_GT(a->id, 0);
  EXPECT_EQ(a->address, "Hello@Example.com");  // as entered
  EXPECT_EQ(a->kind, AliasKind::exact);
  EXPECT_EQ(a->local_part, "hello");
  EXPECT_EQ(a->domain_id, d.id);
  EXPECT_EQ(a->domain, "example.com");
  EXPECT_TRUE(a->has_mailbox);
  EXPECT_TRUE(is_mailbox_id(a->mailbox_id)) << a->mailbox_id;
  EXPECT_EQ(a->forwards, (std::vector<std::string>{"copy@example.net", "other@example.org"}));
  EXPECT_EQ(a->webhooks, (std::vector<std::string>{"https://hooks.example.net/in", "http://127.0.0.1:9000/x"}));
  EXPECT_FALSE(a->quota_bytes.has_value());
  EXPECT_FALSE(a->has_password());
  EXPECT_TRUE(a->box_public_key.empty());
  EXPECT_EQ(a->created_at, "2026-01-01T00:00:00Z");

  auto got = dir_->get_alias(a->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->forwards, a->forwards);
  EXPECT_EQ(got->webhooks, a->webhooks);
  EXPECT_EQ(got->mailbox_id, a->mailbox_id);
}

TEST_F(DirectoryTest, MailboxIdsAreRandomNotDerivedFromTheAddress) {
  make_domain();
  auto a = make_alias("same@example.com");
  ASSERT_TRUE(dir_->remove_alias(a.id).ok());
  auto b = make_alias("same@example.com");
  EXPECT_NE(a.mailbox_id, b.mailbox_id);  // the same address twice: two unrelated ids
  EXPECT_EQ(b.mailbox_id.find("same"), std::string::npos);
  auto forward_only = make_alias("fwd@example.com", /*mailbox=*/false);
  EXPECT_FALSE(forward_only.has_mailbox);
  EXPECT_TRUE(is_mailbox_id(forward_only.mailbox_id));  // ready if a mailbox is added later
  EXPECT_EQ(mailbox_path("/data", b.mailbox_id), std::filesystem::path("/data/mailboxes") / (b.mailbox_id + ".sqlite"));
}

TEST_F(DirectoryTest, AliasValidation) {
  make_domain();
  auto add = [&](std::string address, bool mailbox, std::vector<std::string> fwd = {},
                 std::vector<std::string> hooks = {}) {
    NewAlias na;
    na.address = std::move(address);
    na.mailbox = mailbox;
    na.forwards = std::move(fwd);
    na.webhooks = std::move(hooks);
    return dir_->add_alias(na);
  };
  auto nowhere = add("a@example.com", false);
  EXPECT_EQ(nowhere.error().code, Errc::invalid_argument);
  EXPECT_EQ(nowhere.error().message, "an alias needs a mailbox, a forward target or a webhook");
  EXPECT_EQ(add("a@example.com", false, {"not an address"}).error().code, Errc::invalid_argument);
  EXPECT_EQ(add("a@example.com", false, {}, {"ftp://example.com/"}).error().code, Errc::invalid_argument);
  EXPECT_EQ(add("a b@example.com", true).error().code, Errc::invalid_argument);
  EXPECT_EQ(add("/(oops/@example.com", true).error().code, Errc::invalid_argument);
  EXPECT_EQ(add("a@bad..domain", true).error().code, Errc::invalid_argument);
  std::vector<std::string> many(101, "x@example.net");
  EXPECT_EQ(add("a@example.com", false, many).error().code, Errc::invalid_argument);

  auto unhosted = add("a@example.org", true);
  EXPECT_EQ(unhosted.error().code, Errc::not_found);
  EXPECT_EQ(unhosted.error().message, "the alias's domain is not hosted here");

  ASSERT_TRUE(add("a@example.com", true).ok());
  auto dup = add("A@EXAMPLE.COM", true);
  EXPECT_EQ(dup.error().code, Errc::already_exists);
  EXPECT_EQ(dup.error().message, "alias already exists");
  ASSERT_TRUE(add("*@example.com", true).ok());
  EXPECT_EQ(add("*@Example.com", true).error().code, Errc::already_exists);  // one catch-all per domain
  ASSERT_TRUE(add("/^x-.*$/@example.com", true).ok());
  EXPECT_EQ(add("/^x-.*$/@example.com", true).error().code, Errc::already_exists);
  EXPECT_EQ(dir_->list_aliases()->size(), 3u);
}

TEST_F(DirectoryTest, ListFindAndRemoveAliases) {
  auto com = make_domain();
  auto org = make_domain("example.org");
  auto b = make_alias("b@example.com");
  auto a = make_alias("a@example.com", false);
  auto all = make_alias("*@example.com");
  auto re = make_alias("/^team-.+$/@example.com");
  auto o = make_alias("o@example.org");

  auto list = dir_->list_aliases();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 5u);
  // By domain name, then exact (by local part), catch-all, regex.
  EXPECT_EQ((*list)[0].id, a.id);
  EXPECT_EQ((*list)[0].forwards, std::vector<std::string>{"elsewhere@example.net"});
  EXPECT_EQ((*list)[1].id, b.id);
  EXPECT_EQ((*list)[2].id, all.id);
  EXPECT_EQ((*list)[3].id, re.id);
  EXPECT_EQ((*list)[4].id, o.id);
  EXPECT_EQ(dir_->list_aliases(com.id)->size(), 4u);
  auto only_org = dir_->list_aliases(org.id);
  ASSERT_EQ(only_org->size(), 1u);
  EXPECT_EQ((*only_org)[0].address, "o@example.org");
  EXPECT_TRUE(dir_->list_aliases(9999)->empty());

  EXPECT_EQ(dir_->find_alias("B@example.COM")->id, b.id);
  EXPECT_EQ(dir_->find_alias("*@example.com")->id, all.id);  // the catch-all itself, not a resolution
  EXPECT_EQ(dir_->find_alias("/^team-.+$/@example.com")->id, re.id);
  EXPECT_EQ(dir_->find_alias("team-x@example.com").error().code, Errc::not_found);
  EXPECT_EQ(dir_->find_alias("nobody@example.net").error().code, Errc::not_found);
  EXPECT_EQ(dir_->find_alias("garbage").error().code, Errc::invalid_argument);

  auto removed = dir_->remove_alias(b.id);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->mailbox_id, b.mailbox_id);  // for the caller to delete the mailbox file
  EXPECT_EQ(dir_->get_alias(b.id).error().code, Errc::not_found);
  EXPECT_EQ(dir_->remove_alias(b.id).error().code, Errc::not_found);
  EXPECT_EQ(dir_->list_aliases()->size(), 4u);
}

TEST_F(DirectoryTest, UpdateTargetsAndMailbox) {
  make_domain();
  auto a = make_alias("a@example.com", true);
  ASSERT_TRUE(dir_->set_targets(a.id, {"x@example.net", "y@example.net"}, {"https://h.example.net/"}).ok());
  auto got = dir_->get_alias(a.id);
  EXPECT_EQ(got->forwards, (std::vector<std::string>{"x@example.net", "y@example.net"}));
  EXPECT_EQ(got->webhooks, std::vector<std::string>{"https://h.example.net/"});
  ASSERT_TRUE(dir_->set_targets(a.id, {"y@example.net"}, {}).ok());  // replaces both lists
  got = dir_->get_alias(a.id);
  EXPECT_EQ(got->forwards, std::vector<std::string>{"y@example.net"});
  EXPECT_TRUE(got->webhooks.empty());
  EXPECT_EQ(dir_->set_targets(a.id, {"bad"}, {}).error().code, Errc::invalid_argument);
  EXPECT_EQ(dir_->get_alias(a.id)->forwards, std::vector<std::string>{"y@example.net"});  // unchanged
  EXPECT_EQ(dir_->set_targets(9999, {"y@example.net"}, {}).error().code, Errc::not_found);

  ASSERT_TRUE(dir_->set_has_mailbox(a.id, false).ok());  // still forwards
  EXPECT_FALSE(dir_->get_alias(a.id)->has_mailbox);
  EXPECT_EQ(dir_->set_targets(a.id, {}, {}).error().code, Errc::invalid_argument);  // would go nowhere
  ASSERT_TRUE(dir_->set_has_mailbox(a.id, true).ok());
  ASSERT_TRUE(dir_->set_targets(a.id, {}, {}).ok());
  EXPECT_EQ(dir_->set_has_mailbox(a.id, false).error().code, Errc::invalid_argument);
  EXPECT_EQ(dir_->set_has_mailbox(9999, true).error().code, Errc::not_found);
}

TEST_F(DirectoryTest, PasswordHashAndBoxKey) {
  make_domain();
  auto a = make_alias("a@example.com");
  std::string hash = crypto::hash_password(crypto::SecretBuffer::from("pw"));
  ASSERT_TRUE(dir_->set_password_hash(a.id, hash).ok());
  EXPECT_EQ(dir_->get_alias(a.id)->password_hash, hash);
  auto bad = dir_->set_password_hash(a.id, "plaintext-password");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::invalid_argument);
  EXPECT_EQ(bad.error().message.find("plaintext-password"), std::string::npos);
  EXPECT_EQ(dir_->get_alias(a.id)->password_hash, hash);
  ASSERT_TRUE(dir_->set_password_hash(a.id, "").ok());
  EXPECT_FALSE(dir_->get_alias(a.id)->has_password());
  EXPECT_EQ(dir_->set_password_hash(9999, hash).error().code, Errc::not_found);

  auto kp = crypto::generate_box_key_pair();
  ASSERT_TRUE(dir_->set_box_public_key(a.id, kp.public_key).ok());
  auto key = dir_->get_alias(a.id)->box_public_key;
  ASSERT_EQ(key.size(), 32u);
  EXPECT_TRUE(std::equal(key.begin(), key.end(), kp.public_key.begin()));
  std::vector<uint8_t> short_key(31, 1);
  EXPECT_EQ(dir_->set_box_public_key(a.id, short_key).error().code, Errc::invalid_argument);
  ASSERT_TRUE(dir_->set_box_public_key(a.id, {}).ok());
  EXPECT_TRUE(dir_->get_alias(a.id)->box_public_key.empty());
}

// ---- resolution ----

TEST_F(DirectoryTest, ResolvesExactThenRegexThenCatchAll) {
  make_domain();
  auto exact = make_alias("sales-1@example.com");
  auto re = make_alias("/sales-[0-9]+/@example.com");
  auto re_later = make_alias("/sales-.*/@example.com");  // also matches sales-2, but was made later
  auto all = make_alias("*@example.com");

  auto id_of = [&](const char* address) -> int64_t {
    auto r = dir_->resolve(address);
    EXPECT_TRUE(r.ok());
    return r.ok() && r->has_value() ? (*r)->id : 0;
  };
  EXPECT_EQ(id_of("sales-1@example.com"), exact.id);  // exact wins over both regexes
  EXPECT_EQ(id_of("sales-2@example.com"), re.id);     // first regex in creation order
  EXPECT_EQ(id_of("sales-x@example.com"), re_later.id);
  EXPECT_EQ(id_of("xsales-2@example.com"), all.id);  // a regex must match the whole local part
  EXPECT_EQ(id_of("anyone@example.com"), all.id);

  ASSERT_TRUE(dir_->remove_alias(all.id).ok());
  EXPECT_FALSE(dir_->resolve("anyone@example.com")->has_value());
  EXPECT_FALSE(dir_->resolve("sales-1@example.org")->has_value());  // domain not hosted
  EXPECT_FALSE(dir_->resolve("not an address")->has_value());
  EXPECT_FALSE(dir_->resolve("")->has_value());
}

TEST_F(DirectoryTest, ResolutionIgnoresCase) {
  make_domain();
  auto a = make_alias("Hello.World@Example.com");
  auto re = make_alias("/^Team-[a-z]+$/@example.com");
  for (const char* spelled : {"hello.world@example.com", "HELLO.WORLD@EXAMPLE.COM", "Hello.World@example.com."}) {
    auto r = dir_->resolve(spelled);
    ASSERT_TRUE(r.ok() && r->has_value()) << spelled;
    EXPECT_EQ((*r)->id, a.id) << spelled;
  }
  for (const char* spelled : {"team-blue@example.com", "TEAM-BLUE@example.com", "Team-Blue@EXAMPLE.com"}) {
    auto r = dir_->resolve(spelled);
    ASSERT_TRUE(r.ok() && r->has_value()) << spelled;
    EXPECT_EQ((*r)->id, re.id) << spelled;
  }
  EXPECT_FALSE(dir_->resolve("team-@example.com")->has_value());
}

TEST_F(DirectoryTest, ResolvedAliasCarriesItsTargets) {
  make_domain();
  NewAlias na;
  na.address = "*@example.com";
  na.forwards = {"catch@example.net"};
  na.webhooks = {"https://hook.example.net/"};
  ASSERT_TRUE(dir_->add_alias(na).ok());
  auto r = dir_->resolve("whoever@example.com");
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->kind, AliasKind::catch_all);
  EXPECT_FALSE((*r)->has_mailbox);
  EXPECT_EQ((*r)->forwards, std::vector<std::string>{"catch@example.net"});
  EXPECT_EQ((*r)->webhooks, std::vector<std::string>{"https://hook.example.net/"});
}

// ---- logins ----

TEST_F(DirectoryTest, VerifyLogin) {
  make_domain();
  auto a = make_alias("user@example.com");
  auto password = crypto::generate_password();
  ASSERT_TRUE(dir_->set_password_hash(a.id, crypto::hash_password(password)).ok());

  auto ok = dir_->verify_login("user@example.com", password);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->id, a.id);
  EXPECT_EQ(ok->mailbox_id, a.mailbox_id);
  EXPECT_TRUE(dir_->verify_login("USER@Example.COM", password).ok());
}

TEST_F(DirectoryTest, EveryFailedLoginLooksTheSame) {
  make_domain();
  auto a = make_alias("user@example.com");
  auto no_password = make_alias("nopw@example.com");
  auto all = make_alias("*@example.com");
  auto password = crypto::generate_password();
  std::string hash = crypto::hash_password(password);
  ASSERT_TRUE(dir_->set_password_hash(a.id, hash).ok());
  ASSERT_TRUE(dir_->set_password_hash(all.id, hash).ok());  // even with a password, a catch-all is no login
  (void)no_password;

  auto wrong = crypto::SecretBuffer::from("wrong-password-123");
  struct Case {
    const char* address;
    const crypto::SecretBuffer* password;
  };
  for (Case c :
       {Case{"user@example.com", &wrong}, Case{"nobody@example.com", &password}, Case{"user@example.org", &password},
        Case{"nopw@example.com", &wrong}, Case{"*@example.com", &password}, Case{"anything@example.com", &password},
        Case{"not an address", &password}, Case{"", &password}}) {
    auto r = dir_->verify_login(c.address, *c.password);
    ASSERT_FALSE(r.ok()) << c.address;
    EXPECT_EQ(r.error().code, Errc::wrong_password) << c.address;
    EXPECT_EQ(r.error().message, "invalid credentials") << c.address;
  }
  auto empty = dir_->verify_login("nopw@example.com", crypto::SecretBuffer());
  EXPECT_EQ(empty.error().message, "invalid credentials");
}

// ---- aliases per domain per day ----

TEST_F(DirectoryTest, AliasesPerDomainPerDay) {
  dir_.reset();
  auto o = options();
  o.aliases_per_domain_per_day = 3;
  dir_ = open(o);
  make_domain();
  make_domain("example.org");
  auto first = make_alias("a1@example.com");
  clock_.advance(std::chrono::hours(1));
  make_alias("a2@example.com");
  make_alias("a3@example.com");
  NewAlias na;
  na.address = "a4@example.com";
  na.mailbox = true;
  auto refused = dir_->add_alias(na);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::quota_exceeded);
  EXPECT_NE(refused.error().message.find("limit 3"), std::string::npos) << refused.error().message;

  ASSERT_TRUE(dir_->remove_alias(first.id).ok());
  EXPECT_EQ(dir_->add_alias(na).error().code, Errc::quota_exceeded);  // removing does not give it back
  make_alias("b1@example.org");                                       // other domains count on their own

  clock_.advance(std::chrono::hours(23));  // 24 h after the first creation: it leaves the window
  ASSERT_TRUE(dir_->add_alias(na).ok());
  na.address = "a5@example.com";
  EXPECT_EQ(dir_->add_alias(na).error().code, Errc::quota_exceeded);
  clock_.advance(std::chrono::hours(1));
  EXPECT_TRUE(dir_->add_alias(na).ok());
}

TEST_F(DirectoryTest, PerDayLimitIsSharedBetweenProcessesThroughTheFile) {
  dir_.reset();
  auto o = options();
  o.aliases_per_domain_per_day = 2;
  dir_ = open(o);
  auto second = open(o);  // another process (the CLI) counts the same creations
  make_domain();
  make_alias("a@example.com");
  NewAlias na;
  na.address = "b@example.com";
  na.mailbox = true;
  ASSERT_TRUE(second->add_alias(na).ok());
  na.address = "c@example.com";
  EXPECT_EQ(second->add_alias(na).error().code, Errc::quota_exceeded);
  EXPECT_EQ(dir_->add_alias(na).error().code, Errc::quota_exceeded);
}

TEST_F(DirectoryTest, DefaultLimitIsFiftyAndZeroMeansNone) {
  make_domain();
  for (int i = 0; i < 50; ++i) make_alias("u" + std::to_string(i) + "@example.com");
  NewAlias na;
  na.address = "u50@example.com";
  na.mailbox = true;
  EXPECT_EQ(dir_->add_alias(na).error().code, Errc::quota_exceeded);

  auto o = options();
  o.aliases_per_domain_per_day = 0;
  auto unlimited = open(o);
  EXPECT_TRUE(unlimited->add_alias(na).ok());
}

// ---- threads ----

TEST_F(DirectoryTest, ManyThreadsReadAndWriteAtOnce) {
  dir_.reset();
  auto o = options();
  o.aliases_per_domain_per_day = 0;
  dir_ = open(o);
  make_domain();
  make_alias("*@example.com");
  constexpr int kThreads = 6, kEach = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::string address = "t" + std::to_string(t) + "-" + std::to_string(i) + "@example.com";
        NewAlias na;
        na.address = address;
        na.mailbox = true;
        if (!dir_->add_alias(na).ok()) ++failures;
        auto r = dir_->resolve(address);
        if (!r.ok() || !r->has_value() || (*r)->kind != AliasKind::exact) ++failures;
        if (!dir_->resolve("unknown@example.com").ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(dir_->list_aliases()->size(), size_t{kThreads * kEach + 1});
}

}  // namespace
}  // namespace sealmail::directory

namespace sealmail::directory {
namespace {

using testing::DirectoryTest;

// Content protections (issue 9): set, replaced, unset, per domain and per alias; gone with their
// owner.
TEST_F(DirectoryTest, ProtectionSettings) {
  auto domain = make_domain();
  auto alias = make_alias("hello@example.com");
  EXPECT_TRUE(dir_->domain_protections(domain.id)->empty());
  ASSERT_TRUE(dir_->set_domain_protection(domain.id, "phishing", std::string("refuse")).ok());
  ASSERT_TRUE(dir_->set_domain_protection(domain.id, "phishing", std::string("junk")).ok());
  ASSERT_TRUE(dir_->set_alias_protection(alias.id, "virus", std::string("off")).ok());
  EXPECT_EQ(*dir_->domain_protections(domain.id), (Directory::ProtectionSettings{{"phishing", "junk"}}));
  EXPECT_EQ(*dir_->alias_protections(alias.id), (Directory::ProtectionSettings{{"virus", "off"}}));
  ASSERT_TRUE(dir_->set_alias_protection(alias.id, "virus", std::nullopt).ok());
  EXPECT_TRUE(dir_->alias_protections(alias.id)->empty());
  EXPECT_EQ(dir_->set_alias_protection(alias.id + 100, "virus", std::string("off")).error().code, Errc::not_found);
  EXPECT_EQ(dir_->set_domain_protection(domain.id + 100, "virus", std::string("off")).error().code, Errc::not_found);
  ASSERT_TRUE(dir_->set_alias_protection(alias.id, "executables", std::string("off")).ok());
  ASSERT_TRUE(dir_->remove_alias(alias.id).ok());
  EXPECT_TRUE(dir_->alias_protections(alias.id)->empty());  // ON DELETE CASCADE
}

// Issue 9: an alias's OpenPGP public key (checked by delivery/pgp before it gets here).
TEST_F(DirectoryTest, PgpKeys) {
  make_domain();
  auto alias = make_alias("hello@example.com");
  EXPECT_FALSE(dir_->alias_pgp_key(alias.id)->has_value());
  Directory::PgpKey key{"ABCDEF", {0x99, 0x01, 0x02}, {}};
  ASSERT_TRUE(dir_->set_alias_pgp_key(alias.id, key).ok());
  auto got = dir_->alias_pgp_key(alias.id);
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->fingerprint, "ABCDEF");
  EXPECT_EQ((*got)->key, key.key);
  EXPECT_FALSE((*got)->updated_at.empty());
  key.key = {0x98, 0x00};
  ASSERT_TRUE(dir_->set_alias_pgp_key(alias.id, key).ok());  // replaced
  EXPECT_EQ((*dir_->alias_pgp_key(alias.id))->key, key.key);
  EXPECT_EQ(dir_->set_alias_pgp_key(alias.id + 100, key).error().code, Errc::not_found);
  EXPECT_EQ(dir_->set_alias_pgp_key(alias.id, Directory::PgpKey{"X", {}, {}}).error().code, Errc::invalid_argument);
  ASSERT_TRUE(dir_->set_alias_pgp_key(alias.id, std::nullopt).ok());
  EXPECT_FALSE(dir_->alias_pgp_key(alias.id)->has_value());
  ASSERT_TRUE(dir_->set_alias_pgp_key(alias.id, key).ok());
  ASSERT_TRUE(dir_->remove_alias(alias.id).ok());
  EXPECT_FALSE(dir_->alias_pgp_key(alias.id)->has_value());  // ON DELETE CASCADE
}

}  // namespace
}  // namespace sealmail::directory
