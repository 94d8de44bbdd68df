#include "smtp/protocol/data_reader.h"

#include <utility>

namespace sealmail::smtp {

DataReader::DataReader(uint64_t max_bytes) : max_bytes_(max_bytes) {}

void DataReader::append(std::string_view bytes) {
  size_ += bytes.size();
  if (too_big_) return;
  if (size_ > max_bytes_) {
    too_big_ = true;
    std::string().swap(message_);  // give the memory back at once
    return;
  }
  message_.append(bytes);
}

void DataReader::step(char c) {
  // Each pass either settles the byte or moves to a state that handles it on the next pass.
  while (true) {
    switch (state_) {
      case State::text:
        if (c == '\r') {
          append("\r");
          state_ = State::cr;
        } else if (c == '\n') {
          append("\n");
          state_ = State::weak_bol;  // a bare LF
        } else {
          append(std::string_view(&c, 1));
        }
        return;
      case State::cr:
        if (c == '\n') {
          append("\n");
          state_ = State::bol;
          return;
        }
        state_ = State::weak_bol;  // the CR was bare
        continue;
      case State::bol:
        if (c == '.') {
          state_ = State::bol_dot;
          return;
        }
        state_ = State::text;
        continue;
      case State::bol_dot:
        // RFC 5321 §4.5.2: the line goes on, so its first dot was stuffing and is dropped.
        if (c == '\r') {
          state_ = State::bol_dot_cr;
          return;
        }
        if (c == '\n') smuggling_ = true;  // "\r\n.\n"
        state_ = State::text;
        continue;
      case State::bol_dot_cr:
        if (c == '\n') {
          state_ = State::done;  // CRLF "." CRLF
          return;
        }
        smuggling_ = true;  // "\r\n.\r" and no LF: a dot line ended by a bare CR
        append("\r");
        state_ = State::weak_bol;
        continue;
      case State::weak_bol:
        if (c == '.') {
          append(".");  // not after CRLF: no stuffing to remove
          state_ = State::weak_dot;
          return;
        }
        state_ = State::text;
        continue;
      case State::weak_dot:
        if (c == '\r' || c == '\n') smuggling_ = true;  // "\n.\n", "\n.\r\n", "\r.\r" ...
        state_ = State::text;
        continue;
      case State::done:
        return;
    }
  }
}

size_t DataReader::feed(std::string_view in) {
  size_t i = 0;
  while (i < in.size() && state_ != State::done) {
    if (state_ == State::text) {
      // Fast path: the run of bytes up to the next CR or LF goes in unchanged.
      size_t j = i;
      while (j < in.size() && in[j] != '\r' && in[j] != '\n') ++j;
      if (j > i) {
        append(in.substr(i, j - i));
        i = j;
        continue;
      }
    }
    step(in[i++]);
  }
  return i;
}

std::string DataReader::take() {
  std::string out = std::move(message_);
  message_.clear();
  return out;
}

}  // namespace sealmail::smtp
