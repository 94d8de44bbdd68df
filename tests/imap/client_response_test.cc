// The IMAP client's response parser and source URLs (src/imap/client), used by
// `sealmail import --from imap`: framing across literals, the NeedMore sizes, limits, and the
// values a server's FETCH, LIST and status lines give.
#include <gtest/gtest.h>

#include <string>

#include "imap/client/imap_client.h"
#include "imap/client/response_parser.h"

namespace {

using namespace sealmail::imap::client;

// The response at the start of `text`, which takes `expect_consumed` bytes (all of them by default).
Response whole(std::string_view text, size_t expect_consumed = std::string_view::npos,
               const ParserLimits& limits = {}) {
  if (expect_consumed == std::string_view::npos) expect_consumed = text.size();
  auto r = parse_response(text, limits);
  EXPECT_TRUE(r.ok()) << text;
  if (!r.ok()) return {};
  auto* w = std::get_if<std::pair<Response, size_t>>(&*r);
  EXPECT_NE(w, nullptr) << text;
  if (w == nullptr) return {};
  EXPECT_EQ(w->second, expect_consumed);
  return w->first;
}

TEST(ImapClientResponse, FetchWithLiteralIsOneResponse) {
  std::string body = "Subject: x\r\n\r\nbody\r\n";
  std::string text = "* 1 FETCH (UID 7 FLAGS (\\Seen $Label1) INTERNALDATE \"08-Feb-1994 05:52:25 +0000\" BODY[] {" +
                     std::to_string(body.size()) + "}\r\n" + body + ")\r\ns1 OK done\r\n";
  size_t first = text.find("s1 OK");
  Response r = whole(text, first);
  EXPECT_EQ(r.tag, "*");
  ASSERT_EQ(r.values.size(), 3u);
  EXPECT_EQ(r.values[0].number(), 1u);
  EXPECT_TRUE(r.values[1].is_atom("fetch"));
  const auto& items = r.values[2].items;
  ASSERT_EQ(items.size(), 8u);
  EXPECT_EQ(items[1].number(), 7u);
  EXPECT_EQ(items[3].items.size(), 2u);
  EXPECT_EQ(items[5].kind, Value::Kind::string);
  EXPECT_EQ(items[5].text, "08-Feb-1994 05:52:25 +0000");
  EXPECT_TRUE(items[6].is_atom("BODY[]"));
  EXPECT_EQ(items[7].text, body);  // byte-exact, CRLFs included

  // Every shorter prefix asks for more, and for more than it has.
  for (size_t n = 0; n < first; ++n) {
    auto p = parse_response(std::string_view(text).substr(0, n));
    ASSERT_TRUE(p.ok()) << n;
    auto* more = std::get_if<NeedMore>(&*p);
    ASSERT_NE(more, nullptr) << n;
    EXPECT_GT(more->total, n);
    EXPECT_LE(more->total, first);
  }
  // Inside the literal it asks for the literal's end at once.
  size_t literal_start = text.find("}\r\n") + 3;
  auto p = parse_response(std::string_view(text).substr(0, literal_start + 1));
  EXPECT_EQ(std::get<NeedMore>(*p).total, literal_start + body.size());
}

TEST(ImapClientResponse, StatusLinesKeepTheirText) {
  Response r = whole("* OK [UIDVALIDITY 1795486431] UIDs valid\r\n");
  EXPECT_EQ(r.status, "OK");
  EXPECT_EQ(response_code(r.text), "UIDVALIDITY 1795486431");
  r = whole("s4 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
  EXPECT_EQ(r.tag, "s4");
  EXPECT_EQ(r.status, "NO");
  r = whole("+ \r\n");
  EXPECT_EQ(r.tag, "+");
  r = whole("+\r\n");
  EXPECT_EQ(r.tag, "+");
}

TEST(ImapClientResponse, ListAndSections) {
  Response r = whole("* LIST (\\HasNoChildren \\Sent) \".\" {10}\r\nSent Items\r\n");
  ASSERT_EQ(r.values.size(), 4u);
  EXPECT_EQ(r.values[2].text, ".");
  EXPECT_EQ(r.values[3].text, "Sent Items");
  r = whole("* LIST (\\Noselect) NIL \"a\\\\b \\\"q\\\"\"\r\n");
  EXPECT_EQ(r.values[2].kind, Value::Kind::nil);
  EXPECT_EQ(r.values[3].text, "a\\b \"q\"");
  r = whole("* 2 FETCH (BODY[HEADER.FIELDS (MESSAGE-ID)] {3}\r\nabc)\r\n");
  EXPECT_TRUE(r.values[2].items[0].is_atom("BODY[HEADER.FIELDS (MESSAGE-ID)]"));
  EXPECT_EQ(r.values[2].items[1].text, "abc");
}

TEST(ImapClientResponse, BadInputAndLimitsAreErrors) {
  ParserLimits limits;
  limits.max_literal = 10;
  limits.max_text = 64;
  limits.max_depth = 3;
  EXPECT_FALSE(parse_response("* 1 FETCH (BODY[] {11}\r\n", limits).ok());
  EXPECT_FALSE(parse_response("* 1 FETCH (BODY[] {99999999999999}\r\n", limits).ok());
  EXPECT_FALSE(parse_response("* X ((((a))))\r\n", limits).ok());
  EXPECT_FALSE(parse_response(std::string(100, 'a'), limits).ok());   // no line end in sight
  EXPECT_FALSE(parse_response("* X \"a\rb\"\r\n", limits).ok());      // CR in a quoted string
  EXPECT_FALSE(parse_response("* X {3x}\r\nabc\r\n", limits).ok());   // bad literal
  EXPECT_FALSE(parse_response("s1 FETCH (UID 1)\r\n", limits).ok());  // tagged data
  EXPECT_FALSE(parse_response("*\r\n", limits).ok());
  EXPECT_FALSE(parse_response("* X (a)b\r\n", limits).ok());
}

TEST(ImapClientSource, Urls) {
  auto e = parse_source_url("imaps://me%40example.org@mail.example.org");
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->implicit_tls);
  EXPECT_EQ(e->user, "me@example.org");
  EXPECT_EQ(e->host, "mail.example.org");
  EXPECT_EQ(e->port, 993);
  e = parse_source_url("imap://u@[::1]:1143/");
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e->implicit_tls);
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->port, 1143);
  e = parse_source_url("imaps://a@b@127.0.0.1:10993");  // the last @ ends the user
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->user, "a@b");
  for (const char* bad : {"http://u@h", "imaps://h", "imaps://u@", "imaps://u@h:0", "imaps://u@h:70000",
                          "imaps://u@h:x", "imaps://%zz@h", "imaps://u@h/INBOX"})
    EXPECT_FALSE(parse_source_url(bad).ok()) << bad;
  EXPECT_EQ(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_FALSE(quote("a\r\nb").has_value());
}

}  // namespace
