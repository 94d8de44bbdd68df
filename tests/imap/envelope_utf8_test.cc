// ENVELOPE under UTF8=ACCEPT (RFC 6855 §3, §4): subject and display names decoded to UTF-8, every
// other part passed through byte for byte.
#include "imap/server/envelope_utf8.h"

#include <gtest/gtest.h>

namespace sealmail::imap {
namespace {

TEST(EnvelopeUtf8, DecodesSubjectAndDisplayNames) {
  // As the store writes it for "From: Jürgen <jürgen@example.org>" and "Subject: Grüße": an 8-bit
  // name re-encoded as an encoded word, 8-bit parts in literals.
  std::string stored =
      "(NIL {7}\r\nGrüße ((\"=?utf-8?b?SsO8cmdlbg==?=\" NIL {7}\r\njürgen \"example.org\")) "
      "NIL NIL NIL NIL NIL NIL NIL)";
  EXPECT_EQ(envelope_for_utf8(stored),
            "(NIL \"Grüße\" ((\"Jürgen\" NIL \"jürgen\" \"example.org\")) NIL NIL NIL NIL NIL "
            "NIL NIL)");
}

TEST(EnvelopeUtf8, DecodesEncodedWordsWrittenInTheHeader) {
  std::string stored =
      "(\"Tue, 02 Jan 2024 10:00:00 +0100\" \"Multipart =?utf-8?q?gr=C3=BC=C3=9Fe?=\" "
      "((\"=?iso-8859-1?q?Andr=E9?= Example\" NIL \"andre\" \"example.org\")(\"Bob\" NIL \"bob\" \"example.org\")) "
      "NIL NIL ((NIL NIL \"=?utf-8?q?Gr=C3=BCppe?=\" NIL)(NIL NIL \"x\" \"example.org\")(NIL NIL NIL NIL)) NIL NIL "
      "\"<a@b>\" \"<=?utf-8?q?not-decoded?=@example.org>\")";
  EXPECT_EQ(envelope_for_utf8(stored),
            "(\"Tue, 02 Jan 2024 10:00:00 +0100\" \"Multipart grüße\" "
            "((\"André Example\" NIL \"andre\" \"example.org\")(\"Bob\" NIL \"bob\" \"example.org\")) "
            "NIL NIL ((NIL NIL \"Grüppe\" NIL)(NIL NIL \"x\" \"example.org\")(NIL NIL NIL NIL)) NIL NIL "
            "\"<a@b>\" \"<=?utf-8?q?not-decoded?=@example.org>\")");
}

TEST(EnvelopeUtf8, KeepsQuotingAndLiterals) {
  // Escapes survive; text a quoted string cannot hold (CR, LF) stays a literal.
  std::string stored =
      "(NIL \"a \\\"quoted\\\" \\\\ subject\" ((\"A \\\"q\\\" name\" NIL \"a\" \"example.org\")) NIL NIL NIL NIL NIL "
      "{6}\r\n<x\r\ny> NIL)";
  EXPECT_EQ(envelope_for_utf8(stored), stored);
  std::string ascii = "(\"d\" \"s\" NIL NIL NIL NIL NIL NIL NIL NIL)";
  EXPECT_EQ(envelope_for_utf8(ascii), ascii);
}

TEST(EnvelopeUtf8, LeavesWhatItCannotReadUnchanged) {
  for (std::string bad : {"", "(", "(NIL NIL)", "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL", "{99}\r\nx",
                          "(NIL \"open NIL NIL NIL NIL NIL NIL NIL NIL)", "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) x",
                          "(((((((NIL)))))) NIL NIL NIL NIL NIL NIL NIL NIL NIL)", "(NIL {x}\r\n NIL)"})
    EXPECT_EQ(envelope_for_utf8(bad), bad) << bad;
}

}  // namespace
}  // namespace sealmail::imap
