// mbox in the mboxrd form (RFC 4155 and the mboxrd convention): each message starts with a
// "From " line; lines of the message that match /^>*From / get one more '>' when written and lose
// one when read, so that any message survives a round trip. A message that does not end in a
// newline gains one (the format cannot say otherwise).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sealmail::mime {

// Incremental reader: feed bytes as they come (a file read in chunks), take messages as they
// complete. Memory is bounded by the largest message.
class MboxReader {
 public:
  struct Message {
    std::string envelope_sender;  // from the "From " line; may be empty
    std::string date_text;        // the rest of the "From " line (asctime form), may be empty
    std::string data;
  };
  explicit MboxReader(size_t max_message_size = 256u << 20) : max_message_size_(max_message_size) {}

  void feed(std::string_view bytes);
  // The next complete message, if one is ready.
  std::optional<Message> next();
  // Call at end of input: the last message, if any.
  std::optional<Message> finish();
  // True once a message went over max_message_size (it is dropped, the reader goes on).
  size_t oversized() const { return oversized_; }
  // True if the input did not begin with a "From " line (not an mbox).
  bool malformed() const { return malformed_; }

 private:
  void take_line(std::string_view line);
  void append_to_current(std::string_view bytes);
  void close_message();

  size_t max_message_size_;
  std::string partial_line_;
  std::optional<Message> current_;
  std::string pending_blank_;  // a blank line that may be the separator before the next "From "
  std::vector<Message> ready_;
  size_t ready_pos_ = 0;
  size_t oversized_ = 0;
  bool dropping_ = false;
  bool malformed_ = false;
  bool seen_any_line_ = false;
};

// Appends one message in mboxrd form to `out`.
void append_mboxrd(std::string& out, std::string_view message, std::string_view envelope_sender, int64_t unix_time);

}  // namespace sealmail::mime
