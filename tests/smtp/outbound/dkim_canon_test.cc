// RFC 6376 §3.4 relaxed canonicalization, table by table, and the header/body split it needs.
#include "smtp/outbound/dkim_canon.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace sealmail::smtp::outbound {
namespace {

TEST(DkimCanon, RelaxedHeaderTable) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"Subject: Hello", "subject:Hello"},
      {"SUBJect:Hello", "subject:Hello"},                      // §3.4.2: names lower-cased
      {"Subject:   Hello   World   ", "subject:Hello World"},  // runs of WSP, WSP at the end
      {"Subject \t: x", "subject:x"},                          // WSP before the colon
      {"Subject:\tx\ty", "subject:x y"},                       // tabs are WSP too
      {"Subject: a\r\n\tb", "subject:a b"},                    // unfolding keeps one SP
      {"Subject: a\r\n \t b  \r\n  c", "subject:a b c"},
      {"Subject: a\r\n  ", "subject:a"},  // a last line of WSP only
      {"X-Empty:", "x-empty:"},
      {"X-Empty:   \r\n  ", "x-empty:"},
      {"To: \"A  B\" <a@example.com>", "to:\"A B\" <a@example.com>"},  // quotes do not protect WSP
      {"Subject: Grüße  aus Köln", "subject:Grüße aus Köln"},          // UTF-8 is only bytes here
      // RFC 6376 §3.4.6's example.
      {"A: X", "a:X"},
      {"B : Y\t\r\n\tZ  ", "b:Y Z"},
  };
  for (const auto& [raw, want] : cases) EXPECT_EQ(relaxed_header(raw), want) << raw;
}

TEST(DkimCanon, RelaxedBodyTable) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", ""},      // an empty body stays empty (§3.4.4)
      {"\r\n", ""},  // only empty lines: empty
      {"\r\n\r\n\r\n", ""},
      {" \t \r\n\t\r\n", ""},  // lines of WSP become empty, then are dropped
      {"abc", "abc\r\n"},      // a last line without CRLF gets one
      {"abc\r\n", "abc\r\n"},
      {"abc  \r\n", "abc\r\n"},  // WSP at the end of a line
      {"abc\t\r\n", "abc\r\n"},
      {"a  b\t\tc\r\n", "a b c\r\n"},        // runs inside a line
      {" \t a\r\n", " a\r\n"},               // leading WSP is a run too, kept as one SP
      {"a\r\n\r\nb\r\n", "a\r\n\r\nb\r\n"},  // empty lines inside stay
      {"a\r\n \r\nb\r\n", "a\r\n\r\nb\r\n"},
      {"a\r\n\r\n\r\n", "a\r\n"},  // empty lines at the end go
      {"a\r\n \r\n\t\r\n", "a\r\n"},
      {"a\r\n\r\nb", "a\r\n\r\nb\r\n"},
      {".\r\n", ".\r\n"},                              // dots are not SMTP's business here
      {" C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n"},  // RFC 6376 §3.4.6's example
  };
  for (const auto& [body, want] : cases) EXPECT_EQ(relaxed_body(body), want) << testing::PrintToString(body);
}

TEST(DkimCanon, NormalizeLineEndings) {
  EXPECT_EQ(normalize_line_endings("a\nb\rc\r\nd"), "a\r\nb\r\nc\r\nd");
  EXPECT_EQ(normalize_line_endings("\r\r\n\n"), "\r\n\r\n\r\n");
  EXPECT_EQ(normalize_line_endings("no ending"), "no ending");
}

TEST(DkimCanon, SplitFieldsAndBody) {
  std::string m = "From: a@example.com\r\nSubject: one\r\n two\r\nTo : b@example.net\r\n\r\nbody\r\n\r\nmore\r\n";
  auto s = split_message(m);
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->headers.size(), 3u);
  EXPECT_EQ(s->headers[0].name, "From");
  EXPECT_EQ(s->headers[1].name, "Subject");
  EXPECT_EQ(s->headers[1].raw, "Subject: one\r\n two");
  EXPECT_EQ(s->headers[2].name, "To");  // WSP before the colon is not part of the name
  EXPECT_EQ(s->body, "body\r\n\r\nmore\r\n");
}

TEST(DkimCanon, SplitWithoutBody) {
  auto s = split_message("From: a@example.com\r\nSubject: x");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->headers.size(), 2u);
  EXPECT_EQ(s->headers[1].raw, "Subject: x");
  EXPECT_TRUE(s->body.empty());

  auto e = split_message("From: a@example.com\r\n\r\n");
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->body.empty());
}

TEST(DkimCanon, SplitRejectsWhatIsNotAHeader) {
  for (std::string bad : {" continued: before any field\r\n\r\n", "no colon here\r\n\r\nbody", ": no name\r\n\r\n",
                          "Bad Name: x\r\n\r\n", "Bad\x01Name: x\r\n\r\n"}) {
    auto s = split_message(bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.error().code, Errc::invalid_argument);
  }
}

}  // namespace
}  // namespace sealmail::smtp::outbound
