#include "smtp/protocol/bdat_reader.h"

#include <algorithm>
#include <utility>

namespace sealmail::smtp {

BdatReader::BdatReader(uint64_t max_bytes) : max_bytes_(max_bytes) {}

void BdatReader::begin_chunk(uint64_t size, bool last) {
  remaining_ = size;
  last_ = last;
  // RFC 3030 §2: a declared chunk that would pass the cap is refused before its bytes arrive; the
  // content goes at once so that nothing of it is ever stored.
  if (!too_big_ && size > max_bytes_ - std::min(size_, max_bytes_)) {
    too_big_ = true;
    std::string().swap(message_);
  }
}

size_t BdatReader::feed(std::string_view in) {
  auto n = static_cast<size_t>(std::min<uint64_t>(remaining_, in.size()));
  remaining_ -= n;
  size_ += n;
  if (!too_big_) message_.append(in.substr(0, n));
  return n;
}

std::string BdatReader::take() {
  std::string out = std::move(message_);
  reset();
  return out;
}

void BdatReader::reset() {
  remaining_ = 0;
  size_ = 0;
  std::string().swap(message_);
  last_ = false;
  too_big_ = false;
}

}  // namespace sealmail::smtp
