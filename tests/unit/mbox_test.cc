#include "mime/mbox.h"

#include <gtest/gtest.h>

namespace sealmail::mime {
namespace {

std::vector<MboxReader::Message> read_all(std::string_view data, size_t chunk) {
  MboxReader r;
  std::vector<MboxReader::Message> out;
  for (size_t i = 0; i < data.size(); i += chunk) {
    r.feed(data.substr(i, chunk));
    while (auto m = r.next()) out.push_back(std::move(*m));
  }
  for (auto m = r.finish(); m; m = r.next()) out.push_back(std::move(*m));
  return out;
}

TEST(Mbox, RoundTripQuotesFromLines) {
  std::vector<std::string> messages = {
      "Subject: one\r\n\r\nFrom the start\r\n>From quoted once\r\n>>From twice\r\n",
      "Subject: two\n\nbody\n\n\nwith blank lines at the end\n\n",
      "Subject: three\n\nFrom here\n",
  };
  std::string mbox;
  for (const auto& m : messages) append_mboxrd(mbox, m, "sender@example.org", 1795409022);
  EXPECT_NE(mbox.find("\n>From the start"), std::string::npos);
  EXPECT_NE(mbox.find("\n>>From quoted once"), std::string::npos);
  for (size_t chunk : {size_t{1}, size_t{7}, size_t{4096}}) {
    auto back = read_all(mbox, chunk);
    ASSERT_EQ(back.size(), messages.size()) << "chunk " << chunk;
    for (size_t i = 0; i < messages.size(); ++i) {
      EXPECT_EQ(back[i].data, messages[i]) << "chunk " << chunk << " message " << i;
      EXPECT_EQ(back[i].envelope_sender, "sender@example.org");
      EXPECT_EQ(back[i].date_text, "Mon Nov 23 04:43:42 2026");
    }
  }
}

TEST(Mbox, MessageWithoutFinalNewlineGainsOne) {
  std::string mbox;
  append_mboxrd(mbox, "Subject: x\n\nno newline", "", 0);
  auto back = read_all(mbox, 3);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].data, "Subject: x\n\nno newline\n");
  EXPECT_EQ(back[0].envelope_sender, "MAILER-DAEMON");
}

TEST(Mbox, NotAnMbox) {
  MboxReader r;
  r.feed("Subject: hello\n\nbody\n");
  EXPECT_FALSE(r.finish().has_value());
  EXPECT_TRUE(r.malformed());
}

TEST(Mbox, OversizedMessagesAreDroppedAndCounted) {
  std::string mbox;
  append_mboxrd(mbox, "Subject: big\n\n" + std::string(5000, 'x') + "\n", "", 0);
  append_mboxrd(mbox, "Subject: small\n\nok\n", "", 0);
  MboxReader r(1000);
  r.feed(mbox);
  std::vector<MboxReader::Message> out;
  for (auto m = r.finish(); m; m = r.next()) out.push_back(std::move(*m));
  for (auto m = r.next(); m; m = r.next()) out.push_back(std::move(*m));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, "Subject: small\n\nok\n");
  EXPECT_EQ(r.oversized(), 1u);
}

}  // namespace
}  // namespace sealmail::mime

namespace sealmail::mime {
namespace {

TEST(Mbox, BlankLinesCountTowardsTheSizeLimit) {
  // Found by fuzz_mbox: trailing blank lines were added without the limit check.
  std::string mbox = "From a\nSubject: x\n" + std::string(100, '\n') + "From b\nSubject: y\n\nok\n";
  MboxReader r(70);
  r.feed(mbox);
  std::vector<MboxReader::Message> out;
  for (auto m = r.finish(); m; m = r.next()) out.push_back(std::move(*m));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, "Subject: y\n\nok\n");
  EXPECT_EQ(r.oversized(), 1u);
}

}  // namespace
}  // namespace sealmail::mime
