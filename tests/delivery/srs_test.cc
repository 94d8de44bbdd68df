// SRS (srs.h): round trips, tampering, expiry, case, and the SRS1 chain of forwarders.
#include "delivery/srs.h"

#include <gtest/gtest.h>

namespace sealmail::delivery {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

const Clock::time_point kNow = Clock::time_point(std::chrono::days(20000)) + 5h;

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return s;
}
std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

TEST(Srs, RoundTrip) {
  Srs srs("secret-one", "Fwd.Example");
  auto rewritten = srs.forward_at("Alice.Smith+tag@Origin.test", kNow);
  EXPECT_EQ(rewritten.rfind("SRS0=", 0), 0u) << rewritten;
  EXPECT_TRUE(rewritten.ends_with("=Origin.test=Alice.Smith+tag@fwd.example")) << rewritten;
  EXPECT_TRUE(srs.is_srs(rewritten));
  auto back = srs.reverse_at(rewritten, kNow);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, "Alice.Smith+tag@Origin.test");
  // The form is SRS0=HHHH=TT=domain=local: a 4-character hash and a 2-character day stamp.
  auto local = rewritten.substr(0, rewritten.rfind('@'));
  EXPECT_EQ(local[9], '=');
  EXPECT_EQ(local[12], '=');
}

TEST(Srs, LocalPartsWithSeparatorsSurvive) {
  Srs srs("k", "fwd.example");
  for (std::string sender : {"a=b@x.test", "SRS0-not-really@x.test", "\"quoted@local\"@x.test", "a==@x.test"}) {
    auto r = srs.forward_at(sender, kNow);
    auto back = srs.reverse_at(r, kNow);
    ASSERT_TRUE(back.has_value()) << r;
    // A sender that merely starts like an SRS address becomes an SRS1 one pointing at its domain.
    if (sender.rfind("SRS0", 0) == 0)
      EXPECT_EQ(*back, "SRS0" + sender.substr(4));
    else
      EXPECT_EQ(*back, sender);
  }
}

TEST(Srs, NullSenderAndOurOwnDomainStay) {
  Srs srs("k", "fwd.example");
  EXPECT_EQ(srs.forward_at("", kNow), "");
  EXPECT_EQ(srs.forward_at("me@FWD.example", kNow), "me@FWD.example");
  EXPECT_EQ(srs.forward_at("postmaster", kNow), "postmaster");
}

TEST(Srs, TamperingIsRefused) {
  Srs srs("secret", "fwd.example");
  auto good = srs.forward_at("alice@origin.test", kNow);
  ASSERT_TRUE(srs.reverse_at(good, kNow));
  auto at = good.find("=origin.test=");
  // Another domain, another local part, another hash, another timestamp: all refused.
  std::string other_domain = good;
  other_domain.replace(at, 13, "=evil.test=");
  EXPECT_FALSE(srs.reverse_at(other_domain, kNow));
  std::string other_local = good;
  other_local.replace(good.find("alice"), 5, "mallory");
  EXPECT_FALSE(srs.reverse_at(other_local, kNow));
  std::string other_hash = good;
  other_hash[5] = other_hash[5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(srs.reverse_at(other_hash, kNow));
  std::string other_stamp = good;
  other_stamp[11] = other_stamp[11] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(srs.reverse_at(other_stamp, kNow));
  // Another secret does not verify ours, and a made-up address is not ours.
  Srs other("another secret", "fwd.example");
  EXPECT_FALSE(other.reverse_at(good, kNow));
  EXPECT_FALSE(srs.reverse_at("SRS0=abcd=AB=origin.test=alice@fwd.example", kNow));
  EXPECT_FALSE(srs.reverse_at("SRS0=broken@fwd.example", kNow));
}

TEST(Srs, OnlyOurDomain) {
  Srs srs("k", "fwd.example");
  auto good = srs.forward_at("alice@origin.test", kNow);
  std::string elsewhere = good.substr(0, good.rfind('@')) + "@other.example";
  EXPECT_FALSE(srs.is_srs(elsewhere));
  EXPECT_FALSE(srs.reverse_at(elsewhere, kNow));
  EXPECT_FALSE(srs.is_srs("alice@fwd.example"));
}

TEST(Srs, ExpiresAfter21Days) {
  Srs srs("k", "fwd.example");
  auto r = srs.forward_at("alice@origin.test", kNow);
  EXPECT_TRUE(srs.reverse_at(r, kNow + std::chrono::days(21)));
  EXPECT_FALSE(srs.reverse_at(r, kNow + std::chrono::days(22)));
  // A stamp from the future (a clock gone wrong, or a forgery) is not valid either.
  EXPECT_FALSE(srs.reverse_at(r, kNow - std::chrono::days(2)));
  // The day counter wraps every 1024 days; validity follows the wrap.
  auto near_wrap = Clock::time_point(std::chrono::days(1024 * 20 - 1));
  auto w = srs.forward_at("alice@origin.test", near_wrap);
  EXPECT_TRUE(srs.reverse_at(w, near_wrap + std::chrono::days(3)));
}

TEST(Srs, CaseInsensitive) {
  Srs srs("k", "fwd.example");
  auto r = srs.forward_at("Alice@Origin.Test", kNow);
  auto down = srs.reverse_at(lower(r), kNow);
  ASSERT_TRUE(down);
  EXPECT_EQ(*down, "alice@origin.test");
  auto up = srs.reverse_at(upper(r), kNow);
  ASSERT_TRUE(up);
  EXPECT_EQ(*up, "ALICE@ORIGIN.TEST");
}

TEST(Srs, AlternativeSeparatorsOnInput) {
  Srs srs("k", "fwd.example");
  auto r = srs.forward_at("alice@origin.test", kNow);
  std::string plus = r;
  plus[4] = '+';
  auto back = srs.reverse_at(plus, kNow);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, "alice@origin.test");
}

TEST(Srs, ChainOfForwardersUsesSrs1) {
  Srs first("k1", "first.example");
  Srs second("k2", "second.example");
  Srs third("k3", "third.example");
  auto hop1 = first.forward_at("alice@origin.test", kNow);
  auto hop2 = second.forward_at(hop1, kNow);
  EXPECT_EQ(hop2.rfind("SRS1=", 0), 0u) << hop2;
  EXPECT_NE(hop2.find("=first.example=="), std::string::npos) << hop2;
  // A third forwarder keeps pointing at the first hop rather than nesting.
  auto hop3 = third.forward_at(hop2, kNow);
  EXPECT_EQ(hop3.rfind("SRS1=", 0), 0u) << hop3;
  EXPECT_NE(hop3.find("=first.example=="), std::string::npos) << hop3;
  // Bounces travel back: the third and second forwarders send to the first, which knows alice.
  auto back3 = third.reverse_at(hop3, kNow);
  ASSERT_TRUE(back3);
  EXPECT_EQ(*back3, hop1);
  auto back2 = second.reverse_at(hop2, kNow);
  ASSERT_TRUE(back2);
  EXPECT_EQ(*back2, hop1);
  EXPECT_EQ(first.reverse_at(*back2, kNow).value_or(""), "alice@origin.test");
  // SRS1 hashes are checked too.
  std::string forged = hop2;
  forged.replace(hop2.find("first.example"), 13, "evil.example.");
  EXPECT_FALSE(second.reverse_at(forged, kNow));
}

}  // namespace
}  // namespace sealmail::delivery
