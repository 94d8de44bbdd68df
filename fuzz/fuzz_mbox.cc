// libFuzzer target for the mboxrd reader and writer (src/mime/mbox.h). The input is read as an
// mbox file and must give the same answer however it is cut into chunks; the messages found in it
// (and the whole input taken as one message) are then written with append_mboxrd() and read back,
// and must come back as they went in. Invariants:
//   1. chunking does not matter: whole input, input in chunks whose sizes come from the input, and
//      input one byte at a time give the same messages, malformed() and oversized();
//   2. the size limit: with a small max_message_size the reader returns exactly the messages that
//      fit, each within the limit, in order, and counts the others in oversized();
//   3. round trip (RFC 4155, mboxrd): each message comes back byte for byte, with the newline the
//      format adds to a message that does not end in one; its envelope sender comes back (or
//      MAILER-DAEMON for none); the written file is not malformed and nothing is oversized.
// A broken invariant prints what broke and aborts, so libFuzzer saves the input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "mime/mbox.h"

namespace {

using namespace sealmail;
using Message = mime::MboxReader::Message;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_mbox: invariant broken: %s\n", what);
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

void print_message(const char* label, size_t index, const Message& m) {
  std::fprintf(stderr, "  %s[%zu]: sender \"%s\" date \"%s\" data (%zu bytes) \"", label, index,
               m.envelope_sender.c_str(), m.date_text.c_str(), m.data.size());
  for (unsigned char c : m.data.substr(0, 512)) {
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
      std::fputc(c, stderr);
    else
      std::fprintf(stderr, "\\x%02x", c);
  }
  std::fprintf(stderr, "\"\n");
}

// Chunk sizes, read backwards from the end of the input so that the fuzzer moves the chunk
// boundaries while the front of a seed stays a plain mbox file. Bytes below 0x80 (all of a text
// seed) give 1..8, so boundaries fall inside "From ", ">From " and "\r\n"; others up to 509.
class ChunkSizes {
 public:
  explicit ChunkSizes(std::string_view source) : source_(source) {}
  size_t next() {
    if (source_.empty()) return 1;
    auto b = static_cast<unsigned char>(source_[source_.size() - 1 - pos_++ % source_.size()]);
    return b < 0x80 ? 1 + (b & 7) : 1 + (b & 0x7f) * 4;
  }

 private:
  std::string_view source_;
  size_t pos_ = 0;
};

struct ReadResult {
  std::vector<Message> messages;
  bool malformed = false;
  size_t oversized = 0;
};

enum class Feed { kWhole, kChunks, kBytes };

ReadResult read_mbox(std::string_view mbox, Feed feed, std::string_view chunk_source,
                     size_t max_message_size = 256u << 20) {
  mime::MboxReader reader(max_message_size);
  ReadResult out;
  auto drain = [&] {
    while (auto m = reader.next()) out.messages.push_back(std::move(*m));
  };
  ChunkSizes sizes(chunk_source);
  size_t pos = 0;
  while (pos < mbox.size()) {
    size_t n = feed == Feed::kWhole ? mbox.size() : feed == Feed::kBytes ? 1 : sizes.next();
    reader.feed(mbox.substr(pos, n));
    pos += std::min(n, mbox.size() - pos);
    drain();
  }
  if (auto m = reader.finish()) out.messages.push_back(std::move(*m));
  drain();
  out.malformed = reader.malformed();
  out.oversized = reader.oversized();
  return out;
}

bool same_message(const Message& a, const Message& b) {
  return a.envelope_sender == b.envelope_sender && a.date_text == b.date_text && a.data == b.data;
}

void check_same_reading(const ReadResult& a, const ReadResult& b, const char* what) {
  bool same = a.malformed == b.malformed && a.oversized == b.oversized && a.messages.size() == b.messages.size();
  for (size_t i = 0; same && i < a.messages.size(); ++i) same = same_message(a.messages[i], b.messages[i]);
  if (same) return;
  std::fprintf(stderr, "  malformed %d/%d oversized %zu/%zu messages %zu/%zu\n", a.malformed, b.malformed, a.oversized,
               b.oversized, a.messages.size(), b.messages.size());
  for (size_t i = 0; i < a.messages.size(); ++i) print_message("a", i, a.messages[i]);
  for (size_t i = 0; i < b.messages.size(); ++i) print_message("b", i, b.messages[i]);
  fail(what);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  // 1. Chunking does not matter.
  ReadResult whole = read_mbox(input, Feed::kWhole, input);
  check_same_reading(whole, read_mbox(input, Feed::kChunks, input), "chunked reading differs from whole reading");
  check_same_reading(whole, read_mbox(input, Feed::kBytes, input), "byte-at-a-time reading differs from whole");
  check(whole.oversized == 0, "oversized message under the default limit");

  // 2. The size limit, here small enough for seeds to cross it (the first byte picks it).
  size_t limit = size == 0 ? 0 : data[0];
  ReadResult limited = read_mbox(input, Feed::kChunks, input, limit);
  ReadResult expected;
  expected.malformed = whole.malformed;
  for (const auto& m : whole.messages) {
    if (m.data.size() <= limit)
      expected.messages.push_back(m);
    else
      ++expected.oversized;
  }
  for (const auto& m : limited.messages) check(m.data.size() <= limit, "message over max_message_size returned");
  check_same_reading(expected, limited, "limited reading is not the unlimited one less the oversized messages");

  // 3. Round trip through append_mboxrd(): the messages found above, then the whole input as one
  // message (it may start with "From " lines, hold ">From " lines, blank lines, lone CRs ...).
  std::vector<Message> sent;
  for (const auto& m : whole.messages) {
    if (sent.size() == 64) break;
    sent.push_back({m.envelope_sender, {}, m.data});
  }
  sent.push_back({{}, {}, std::string(input)});
  std::string mbox;
  int64_t t = 0;
  for (unsigned char c : input) t = (t * 131 + c) % 4102444800;  // up to 2100-01-01
  for (const auto& m : sent) mime::append_mboxrd(mbox, m.data, m.envelope_sender, t);

  ReadResult back = read_mbox(mbox, Feed::kChunks, input);
  check(!back.malformed, "append_mboxrd() output read as malformed");
  check(back.oversized == 0, "append_mboxrd() output has an oversized message");
  bool same = back.messages.size() == sent.size();
  for (size_t i = 0; same && i < sent.size(); ++i) {
    std::string data = sent[i].data;
    if (data.empty() || data.back() != '\n') data += '\n';  // mbox.h: the format adds one
    const Message& got = back.messages[i];
    same = got.data == data && !got.date_text.empty() &&
           got.envelope_sender == (sent[i].envelope_sender.empty() ? "MAILER-DAEMON" : sent[i].envelope_sender);
  }
  if (!same) {
    for (size_t i = 0; i < sent.size(); ++i) print_message("sent", i, sent[i]);
    for (size_t i = 0; i < back.messages.size(); ++i) print_message("back", i, back.messages[i]);
    fail("append_mboxrd() then MboxReader does not give the messages back");
  }
  return 0;
}
