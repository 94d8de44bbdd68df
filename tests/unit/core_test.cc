#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "core/fs.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/time.h"

namespace sealmail {
namespace {

TEST(Hex, RoundTrip) {
  std::vector<uint8_t> bytes{0x00, 0x01, 0x7f, 0x80, 0xff};
  EXPECT_EQ(to_hex(bytes), "00017f80ff");
  EXPECT_EQ(from_hex("00017F80ff").value(), bytes);
  EXPECT_FALSE(from_hex("abc").has_value());
  EXPECT_FALSE(from_hex("zz").has_value());
}

TEST(Time, Iso8601RoundTrip) {
  EXPECT_EQ(iso8601_utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(iso8601_utc(1795409022), "2026-11-23T04:43:42Z");
  EXPECT_EQ(parse_iso8601_utc("2026-11-23T04:43:42Z").value(), 1795409022);
  EXPECT_FALSE(parse_iso8601_utc("2026-11-23 04:43:42").has_value());
  EXPECT_FALSE(parse_iso8601_utc("2026-13-23T04:43:42Z").has_value());
}

TEST(Log, RedactedAddressIsStableAndHidesTheAddress) {
  std::string a = log::redact_address("Alice@Example.org");
  EXPECT_EQ(a, log::redact_address("alice@example.org"));  // case folded
  EXPECT_NE(a, log::redact_address("bob@example.org"));
  EXPECT_EQ(a.find("alice"), std::string::npos);
  EXPECT_EQ(a.rfind("addr:", 0), 0u);
}

TEST(Fs, WriteDurablyReplacesContent) {
  auto dir = std::filesystem::temp_directory_path() / ("sealmail-core-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto file = dir / "f";
  ASSERT_TRUE(fs::write_file_durably(file, "one"));
  ASSERT_TRUE(fs::write_file_durably(file, "two"));
  EXPECT_EQ(fs::read_file(file).value(), "two");
  EXPECT_FALSE(std::filesystem::exists(dir / "f.tmp"));
  EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
  EXPECT_EQ(fs::sha256_file_hex(file).value(), "3fc4ccfe745870e2c0d99f71f30ff0656c8dedd41cc1d7d3d376b0dbe685e2f3");
  EXPECT_TRUE(fs::remove_if_exists(file));
  EXPECT_TRUE(fs::remove_if_exists(file));  // a missing file is fine
  EXPECT_EQ(fs::read_file(file).error().code, Errc::io);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sealmail
