// The small encodings under SASL and the UTF-8 rules: strict base64 (RFC 4648), UTF-8
// well-formedness (RFC 3629 §4), and wiping strings that held secrets.
#include <gtest/gtest.h>

#include <string>

#include "core/base64.h"
#include "core/utf8.h"
#include "core/wipe.h"

namespace sealmail::sasl {
namespace {

TEST(Pop3Base64, Rfc4648Vectors) {
  // RFC 4648 §10.
  const std::pair<std::string, std::string> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [raw, encoded] : vectors) {
    EXPECT_EQ(base64_encode(raw), encoded);
    EXPECT_EQ(base64_decode(encoded), raw);
  }
}

TEST(Pop3Base64, AllBytesRoundTrip) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t n = 0; n <= all.size(); n += 17)
    EXPECT_EQ(base64_decode(base64_encode(all.substr(0, n))), all.substr(0, n));
  EXPECT_EQ(base64_decode("+/+/"), std::string("\xFB\xFF\xBF", 3));
}

TEST(Pop3Base64, StrictDecoding) {
  for (std::string bad : {"Z", "Zg", "Zg=", "Zg===", "Z===", "====", "Zm9", "Zm9v\n", " Zm9v", "Zm 9v",
                          "Zm9v=", "Zg==Zg==", "Zh==", "Zm9=", "Zm-v", "Zm_v", "Zm9\xC3\xA9", "Z=9v", "=Zm9"}) {
    EXPECT_FALSE(base64_decode(bad)) << testing::PrintToString(bad);
  }
}

TEST(Pop3Utf8, WellFormed) {
  for (std::string good : {"", "ascii", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x93\xA7", "\xEF\xBF\xBF",
                           "\xF4\x8F\xBF\xBF", "\xED\x9F\xBF"}) {
    EXPECT_TRUE(valid_utf8(good)) << testing::PrintToString(good);
  }
  for (std::string bad :
       {"\x80", "\xC3", "\xC0\x80", "\xC1\xBF", "\xE0\x80\x80", "\xE0\x9F\xBF", "\xED\xA0\x80", "\xF0\x80\x80\x80",
        "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFF", "\xE2\x82", "\xE2\x28\xA1", "a\xC3"}) {
    EXPECT_FALSE(valid_utf8(bad)) << testing::PrintToString(bad);
  }
  EXPECT_TRUE(is_ascii("USER x"));
  EXPECT_FALSE(is_ascii("\xC3\xA9"));
}

TEST(Pop3Wipe, ClearsTheString) {
  std::string s = "a secret that is long enough for the heap";
  s.resize(5);
  wipe(s);
  EXPECT_TRUE(s.empty());
  std::string small = "pw";
  wipe(small);
  EXPECT_TRUE(small.empty());
}

}  // namespace
}  // namespace sealmail::sasl
