// CHUNKING (RFC 3030 §2): the message sent as BDAT chunks, each exactly `size` bytes after its
// command line, with no dot-stuffing and no end marker (so BINARYMIME content is safe here). No I/O:
// the server feeds its buffer and drops what feed() consumed; bytes past the chunk are the next
// command.
//
// Rules it keeps:
//   - the chunk's bytes are read whatever the server answers (RFC 3030 §2: they are on the wire;
//     a refused BDAT still has its data following);
//   - the cap is on the whole message: once the total passes max_bytes the content is dropped and
//     never grows again; the chunks are still consumed, and the server answers 552 5.3.4
//     (RFC 3030 §2 allows it on any chunk, RFC 5321 §4.5.3.1.10);
//   - BDAT 0 LAST is valid and ends the message (RFC 3030 §2 and its example);
//   - RSET (or a new MAIL) drops the message: reset().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sealmail::smtp {

class BdatReader {
 public:
  explicit BdatReader(uint64_t max_bytes);

  // Starts a chunk of `size` bytes; `last` for "BDAT <size> LAST". A new message starts with the
  // first chunk after take() or reset().
  void begin_chunk(uint64_t size, bool last);
  // Consumes up to the end of the current chunk; returns how many bytes of `in` it took.
  size_t feed(std::string_view in);
  // Every byte of the current chunk was fed (true before any chunk).
  bool chunk_done() const { return remaining_ == 0; }
  // The current chunk was BDAT ... LAST.
  bool last() const { return last_; }
  // The message passed max_bytes: content dropped; answer 552 5.3.4.
  bool too_big() const { return too_big_; }
  // The message's size so far, all chunks, counted on past max_bytes.
  uint64_t size() const { return size_; }
  // The message (empty if too_big()), and the reader is ready for the next one.
  std::string take();
  // RSET: drops the message and any chunk in progress.
  void reset();
  // Memory held for the message (its buffer's capacity); nothing once too_big().
  size_t held_bytes() const { return message_.capacity(); }

 private:
  uint64_t max_bytes_;
  uint64_t remaining_ = 0;
  uint64_t size_ = 0;
  std::string message_;
  bool last_ = false;
  bool too_big_ = false;
};

}  // namespace sealmail::smtp
