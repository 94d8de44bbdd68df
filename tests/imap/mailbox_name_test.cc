// Mailbox names: INBOX and modified UTF-7 (RFC 3501 §5.1.3).
#include "imap/protocol/mailbox_name.h"

#include <gtest/gtest.h>

namespace sealmail::imap {
namespace {

TEST(MailboxName, Inbox) {
  EXPECT_EQ(normalize_inbox("inbox"), "INBOX");
  EXPECT_EQ(normalize_inbox("InBoX"), "INBOX");
  EXPECT_EQ(normalize_inbox("INBOX"), "INBOX");
  EXPECT_EQ(normalize_inbox("inbox/sub"), "inbox/sub");
  EXPECT_EQ(normalize_inbox("inbo"), "inbo");
  EXPECT_EQ(normalize_inbox("Inbox2"), "Inbox2");
}

TEST(MailboxName, RoundTrips) {
  struct Row {
    const char* wire;
    const char* utf8;
  } rows[] = {
      {"&Jjo-!", "\xe2\x98\xba!"},  // ☺!
      {"Entw&APw-rfe",
       "Entw\xc3\xbc"
       "rfe"},  // Entwürfe
      {"~peter/mail/&U,BTFw-/&ZeVnLIqe-", "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"},
      {"A&-B", "A&B"},
      {"&-", "&"},
      {"", ""},
      {"plain ASCII ~!", "plain ASCII ~!"},
      {"&2D3eAQ-", "\xf0\x9f\x98\x81"},  // U+1F601: a surrogate pair
      {"&AOkA6QDp-", "\xc3\xa9\xc3\xa9\xc3\xa9"},
  };
  for (const Row& r : rows) {
    auto decoded = decode_mailbox_utf7(r.wire);
    ASSERT_TRUE(decoded) << r.wire;
    EXPECT_EQ(*decoded, r.utf8) << r.wire;
    EXPECT_EQ(encode_mailbox_utf7(r.utf8), r.wire) << r.wire;
  }
}

TEST(MailboxName, RejectsInvalidOrNonCanonical) {
  for (const char* bad : {
           "&",           // unterminated
           "&Jjo",        // unterminated
           "&Jjo!-",      // not base64
           "&AGE-",       // "a" encoded: printable ASCII must stand for itself
           "&Jjo-&Jjo-",  // two shifts that should be one
           "&Jjp-",       // non-zero pad bits
           "&2D0-",       // a lone high surrogate
           "&3gE-",       // a lone low surrogate
           "&Jj-",        // partial UTF-16 unit
           "a\x01"
           "b",            // control
           "caf\xc3\xa9",  // raw 8-bit
           "&Jjo/-",       // "/" is not modified base64
       }) {
    EXPECT_FALSE(decode_mailbox_utf7(bad)) << bad;
  }
}

TEST(MailboxName, EncodeInvalidUtf8) {
  EXPECT_EQ(encode_mailbox_utf7("a\xff"), "a&,,0-");  // U+FFFD
  EXPECT_TRUE(is_valid_utf8("\xe2\x98\xba"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));  // surrogate
  EXPECT_FALSE(is_valid_utf8("\xe2\x98"));
}

}  // namespace
}  // namespace sealmail::imap
