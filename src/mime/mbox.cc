#include "mime/mbox.h"

#include <ctime>
#include <vector>

namespace sealmail::mime {

namespace {
bool is_from_line(std::string_view line) { return line.substr(0, 5) == "From "; }

// ">From ", ">>From ", ...: a quoted From line (mboxrd).
bool is_quoted_from(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && line[i] == '>') ++i;
  return i > 0 && line.substr(i, 5) == "From ";
}

bool is_blank(std::string_view line) { return line == "\n" || line == "\r\n"; }
}  // namespace

void MboxReader::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    size_t nl = bytes.find('\n');
    if (nl == std::string_view::npos) {
      partial_line_.append(bytes);
      return;
    }
    if (partial_line_.empty()) {
      take_line(bytes.substr(0, nl + 1));
    } else {
      partial_line_.append(bytes.substr(0, nl + 1));
      std::string line;
      line.swap(partial_line_);
      take_line(line);
    }
    bytes.remove_prefix(nl + 1);
  }
}

void MboxReader::take_line(std::string_view line) {
  bool first = !seen_any_line_;
  seen_any_line_ = true;
  // A separator is a "From " line at the start or after a blank line.
  if (is_from_line(line) && (first || !pending_blank_.empty() || !current_)) {
    pending_blank_.clear();
    close_message();
    Message m;
    std::string_view rest = line.substr(5);
    while (!rest.empty() && (rest.back() == '\n' || rest.back() == '\r')) rest.remove_suffix(1);
    size_t sp = rest.find(' ');
    m.envelope_sender = std::string(rest.substr(0, sp));
    if (sp != std::string_view::npos) m.date_text = std::string(rest.substr(sp + 1));
    current_ = std::move(m);
    dropping_ = false;
    return;
  }
  if (!current_) {
    malformed_ = true;
    return;
  }
  if (!pending_blank_.empty()) {
    std::string blank;
    blank.swap(pending_blank_);
    append_to_current(blank);
  }
  if (is_blank(line)) {
    pending_blank_ = std::string(line);
    return;
  }
  if (is_quoted_from(line)) line.remove_prefix(1);
  append_to_current(line);
}

// Every byte of a message goes through here, so the size limit holds for blank lines too.
void MboxReader::append_to_current(std::string_view bytes) {
  if (dropping_) return;
  if (current_->data.size() + bytes.size() > max_message_size_) {
    dropping_ = true;
    ++oversized_;
    current_->data.clear();
    current_->data.shrink_to_fit();
    return;
  }
  current_->data.append(bytes);
}

void MboxReader::close_message() {
  if (!current_) return;
  if (!dropping_) ready_.push_back(std::move(*current_));
  current_.reset();
  dropping_ = false;
}

std::optional<MboxReader::Message> MboxReader::next() {
  if (ready_pos_ >= ready_.size()) {
    ready_.clear();
    ready_pos_ = 0;
    return std::nullopt;
  }
  return std::move(ready_[ready_pos_++]);
}

std::optional<MboxReader::Message> MboxReader::finish() {
  if (!partial_line_.empty()) {
    std::string line;
    line.swap(partial_line_);
    take_line(line);
    // A final line without newline belongs to the message as it is.
  }
  // The blank line at the very end is the writer's separator; a message that ended without a
  // newline was given one by the writer, and the blank line after it is dropped here.
  pending_blank_.clear();
  close_message();
  return next();
}

void append_mboxrd(std::string& out, std::string_view message, std::string_view envelope_sender, int64_t unix_time) {
  std::time_t t = static_cast<std::time_t>(unix_time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char date[40];
  std::strftime(date, sizeof date, "%a %b %e %H:%M:%S %Y", &tm);
  out += "From ";
  out += envelope_sender.empty() ? std::string_view("MAILER-DAEMON") : envelope_sender;
  out += ' ';
  out += date;
  out += '\n';
  size_t pos = 0;
  while (pos < message.size()) {
    size_t nl = message.find('\n', pos);
    size_t end = nl == std::string_view::npos ? message.size() : nl + 1;
    std::string_view line = message.substr(pos, end - pos);
    if (is_from_line(line) || is_quoted_from(line)) out += '>';
    out += line;
    pos = end;
  }
  if (message.empty() || message.back() != '\n') out += '\n';
  out += '\n';
}

}  // namespace sealmail::mime
