// Submission's pieces without the server: the SASL LOGIN decoder, header fields and From address
// lists as submission reads them, the headers it completes, and who may send as what, against a
// real SQLite directory in a temporary folder.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "core/base64.h"
#include "core/sasl_login.h"
#include "delivery/submission_policy.h"
#include "mime/header_fields.h"
#include "support/temp_dir.h"

namespace sealmail::delivery {
namespace {

using testing::TempDir;

TEST(SaslLogin, DecodesOneFieldStrictly) {
  EXPECT_EQ(*sasl::decode_sasl_login_field(sasl::base64_encode("user@example.com")), "user@example.com");
  EXPECT_FALSE(sasl::decode_sasl_login_field(""));        // empty
  EXPECT_FALSE(sasl::decode_sasl_login_field("dXNlcg"));  // not canonical (no padding)
  EXPECT_FALSE(sasl::decode_sasl_login_field(sasl::base64_encode(std::string("a\0b", 3))));
  EXPECT_FALSE(sasl::decode_sasl_login_field(sasl::base64_encode("\xff\xfe")));  // not UTF-8
  EXPECT_FALSE(sasl::decode_sasl_login_field(sasl::base64_encode(std::string(256, 'x'))));
  EXPECT_TRUE(sasl::decode_sasl_login_field(sasl::base64_encode(std::string(255, 'x'))));
}

TEST(HeaderFields, UnfoldsAndMatchesNamesInAnyCase) {
  std::string m = "from: Alice\r\n <alice@example.com>\r\nSubject: x\r\nFROM : b@example.org\r\n\r\nFrom: body@x.y\r\n";
  auto v = mime::header_field_values(m, "From");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0], "Alice <alice@example.com>");
  EXPECT_EQ(v[1], "b@example.org");
  EXPECT_TRUE(mime::header_field_values(m, "Date").empty());
  // Bare LF line ends read the same; a line that is no field ends the header section.
  EXPECT_EQ(mime::header_field_values("Date: d\nnot a field\nFrom: x@y.z\n\n", "From").size(), 0u);
  EXPECT_EQ(mime::header_field_values("Date: d\nFrom: x@y.z\n\n", "From").size(), 1u);
}

TEST(HeaderFields, AddressListsWithGroupsAndComments) {
  auto a = mime::address_list(R"("Q, R" <q@c.example> (c), Team: m@d.example, n@e.example;, z@f.example)");
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, (std::vector<std::string>{"q@c.example", "m@d.example", "n@e.example", "z@f.example"}));
  EXPECT_FALSE(mime::address_list("no address here"));
  EXPECT_FALSE(mime::address_list(""));
  EXPECT_FALSE(mime::address_list(std::string("a@b.c\0d@e.f", 11)));
}

TEST(MissingHeaders, AddsOnlyWhatIsMissing) {
  EXPECT_EQ(missing_headers("Date: x\r\nMessage-ID: <a@b>\r\n\r\nbody", "example.com", 0), "");
  std::string both = missing_headers("From: a@example.com\r\n\r\nDate: in the body\r\n", "example.com", 1795432800);
  EXPECT_TRUE(both.starts_with("Date: ")) << both;
  EXPECT_NE(both.find("Message-ID: <"), std::string::npos);
  EXPECT_NE(both.find("@example.com>\r\n"), std::string::npos);
  std::string id_only = missing_headers("date: x\r\n\r\n", "example.com", 0);
  EXPECT_TRUE(id_only.starts_with("Message-ID: <")) << id_only;
  // Random: two messages never share an id.
  EXPECT_NE(missing_headers("", "a.example", 0), missing_headers("", "a.example", 0));
}

TEST(MaySendAs, ItselfAndDomainsOfItsAccountOnly) {
  TempDir dir;
  auto opened = directory::open_sqlite_directory(dir.path() / "directory.sqlite");
  ASSERT_TRUE(opened) << opened.error().message;
  auto& d = **opened;
  auto owner = d.add_account("owner", 0);
  auto other = d.add_account("other", 0);
  ASSERT_TRUE(owner && other);
  ASSERT_TRUE(d.add_domain({"example.com", owner->id}));
  ASSERT_TRUE(d.add_domain({"second.test", owner->id}));
  ASSERT_TRUE(d.add_domain({"stranger.test", other->id}));
  auto alias = d.add_alias({"Me@Example.com", true});
  ASSERT_TRUE(alias) << alias.error().message;
  auto may = [&](std::string_view a) { return *may_send_as(d, *alias, a); };
  EXPECT_TRUE(may("me@example.com"));
  EXPECT_TRUE(may("ME@EXAMPLE.COM"));
  EXPECT_TRUE(may("anyone@example.com"));
  EXPECT_TRUE(may("news@Second.test"));
  EXPECT_FALSE(may("boss@stranger.test"));
  EXPECT_FALSE(may("someone@elsewhere.example"));
  EXPECT_FALSE(may(""));
  EXPECT_FALSE(may("@example.com"));
  EXPECT_FALSE(may("postmaster"));
}

}  // namespace
}  // namespace sealmail::delivery
