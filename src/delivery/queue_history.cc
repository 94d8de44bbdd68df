#include "delivery/queue_history.h"

#include <sys/stat.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "core/time.h"
#include "mime/header_fields.h"

namespace sealmail::delivery {

namespace {

using nlohmann::json;

// Seed 003 (Forward Email's privacy page), the placeholder of a redacted sent message.
constexpr std::string_view kSentText =
    "This message was successfully sent. It has been redacted and purged for your security and privacy.";
constexpr std::string_view kEndedText =
    "Delivery of this message has ended. It has been redacted and purged for your security and privacy.";
constexpr std::string_view kLongerText =
    "If you would like to increase your message retention time, ask the administrator of your domain to raise "
    "it (sealmail domain retention).";

// A header value as it may go back into a header line: one line, printable, bounded.
std::string clean_value(std::string value) {
  if (value.size() > 998 - 16) value.resize(998 - 16);
  std::replace_if(
      value.begin(), value.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; }, ' ');
  return value;
}

}  // namespace

std::string redacted_message(const RetiredEntry& retired, std::string_view original) {
  std::string out;
  auto dates = mime::header_field_values(original, "Date");
  auto ids = mime::header_field_values(original, "Message-ID");
  if (!dates.empty()) out += "Date: " + clean_value(dates.front()) + "\r\n";
  if (!ids.empty()) out += "Message-ID: " + clean_value(ids.front()) + "\r\n";
  out += "Subject: Redacted\r\n";
  out += "X-Sealmail-Redacted: " + iso8601_utc(retired.redact_at) + "\r\n";
  out += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n";
  size_t delivered = std::count_if(retired.entry.recipients.begin(), retired.entry.recipients.end(),
                                   [](const QueuedRecipient& r) { return r.state == RecipientState::delivered; });
  out += delivered == retired.entry.recipients.size() ? kSentText : kEndedText;
  out += "\r\n";
  if (delivered != retired.entry.recipients.size())
    out += std::to_string(delivered) + " of " + std::to_string(retired.entry.recipients.size()) +
           " recipients accepted it.\r\n";
  out += kLongerText;
  out += "\r\n";
  return out;
}

Result<std::shared_ptr<QueueHistory>> QueueHistory::open(std::filesystem::path dir,
                                                         std::shared_ptr<const QueueSeal> seal) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error(Errc::io, "cannot create the queue history directory: " + ec.message());
  ::chmod(dir.c_str(), 0700);
  return std::shared_ptr<QueueHistory>(new QueueHistory(std::move(dir), std::move(seal)));
}

Status QueueHistory::save(const RetiredEntry& r) {
  json j = {{"entry", json::parse(encode_entry(r.entry))},
            {"retired_at", r.retired_at},
            {"redact_at", r.redact_at},
            {"forget_at", r.forget_at},
            {"redacted", r.redacted}};
  auto text = j.dump();
  auto sealed = seal_->seal(text, "hist:" + r.entry.id);
  std::fill(text.begin(), text.end(), '\0');
  return fs::write_file_durably(dir_ / (r.entry.id + ".env"), sealed, 0600);
}

Status QueueHistory::retire(const QueueEntry& entry, const std::filesystem::path& sealed_message, int64_t now,
                            int retention_days) {
  if (!valid_queue_id(entry.id)) return make_error(Errc::invalid_argument, "not a queue id");
  auto target = dir_ / (entry.id + ".msg");
  // The message first, the record last (the commit point): a crash between leaves a .msg alone,
  // which sweep() removes.
  SEALMAIL_TRY(fs::remove_if_exists(target));
  std::error_code ec;
  std::filesystem::create_hard_link(sealed_message, target, ec);
  if (ec) {  // another file system: copy the sealed bytes (they stay valid: same associated data)
    auto bytes = fs::read_file(sealed_message);
    if (!bytes) return bytes.error();
    SEALMAIL_TRY(fs::write_file_durably(target, *bytes, 0600));
  }
  RetiredEntry r;
  r.entry = entry;
  r.retired_at = now;
  r.redact_at = now + static_cast<int64_t>(std::max(retention_days, 0)) * 86400;
  r.forget_at = r.redact_at + kForgetAfterRedactionSeconds;
  return save(r);  // write_file_durably fsyncs the directory: the link is durable with it
}

Result<RetiredEntry> QueueHistory::load(const std::string& id) const {
  if (!valid_queue_id(id)) return make_error(Errc::invalid_argument, "not a queue id");
  auto path = dir_ / (id + ".env");
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return make_error(Errc::not_found, "no queue history entry " + id);
  auto data = fs::read_file(path);
  if (!data) return data.error();
  auto text = seal_->open(*data, "hist:" + id);
  if (!text) return make_error(Errc::corrupt, "queue history entry " + id + ": " + text.error().message);
  auto j = json::parse(*text, nullptr, false);
  std::fill(text->begin(), text->end(), '\0');
  if (j.is_discarded() || !j.is_object())
    return make_error(Errc::corrupt, "queue history entry " + id + " is not valid");
  try {
    auto entry = decode_entry(j.at("entry").dump(), id);
    if (!entry) return entry.error();
    RetiredEntry r;
    r.entry = std::move(*entry);
    r.retired_at = j.at("retired_at").get<int64_t>();
    r.redact_at = j.at("redact_at").get<int64_t>();
    r.forget_at = j.at("forget_at").get<int64_t>();
    r.redacted = j.at("redacted").get<bool>();
    return r;
  } catch (const json::exception&) {
    return make_error(Errc::corrupt, "queue history entry " + id + " lacks a field");
  }
}

Result<std::string> QueueHistory::message(const std::string& id) const {
  if (!valid_queue_id(id)) return make_error(Errc::invalid_argument, "not a queue id");
  auto path = dir_ / (id + ".msg");
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return make_error(Errc::not_found, "no queue history entry " + id);
  auto data = fs::read_file(path);
  if (!data) return data.error();
  auto plain = seal_->open(*data, "msg:" + id);
  if (!plain) return make_error(Errc::corrupt, "queue history entry " + id + ": " + plain.error().message);
  return plain;
}

std::vector<std::string> QueueHistory::ids() const { return entry_ids(dir_); }

Status QueueHistory::remove(const std::string& id) { return remove_entry_files(dir_, id); }

Status QueueHistory::redact(RetiredEntry& r) {
  auto original = message(r.entry.id);
  std::string placeholder = redacted_message(r, original ? std::string_view(*original) : std::string_view());
  if (original) std::fill(original->begin(), original->end(), '\0');
  SEALMAIL_TRY(
      fs::write_file_durably(dir_ / (r.entry.id + ".msg"), seal_->seal(placeholder, "msg:" + r.entry.id), 0600));
  r.redacted = true;
  r.entry.size = placeholder.size();
  return save(r);
}

QueueHistory::Swept QueueHistory::sweep(int64_t now) {
  Swept swept;
  std::error_code ec;
  // Leftovers: a .msg whose retirement never committed, temporary files of an interrupted write.
  std::vector<std::filesystem::path> doomed;
  // Only old ones: a retirement or redaction on another thread may be between its writes now.
  for (const auto& f : std::filesystem::directory_iterator(dir_, ec)) {
    auto name = f.path().filename().string();
    bool leftover = name.ends_with(".tmp") || (name.size() == 30 && name.ends_with(".msg") &&
                                               !std::filesystem::exists(dir_ / (name.substr(0, 26) + ".env"), ec));
    if (!leftover) continue;
    auto age = std::filesystem::file_time_type::clock::now() - std::filesystem::last_write_time(f.path(), ec);
    if (!ec && age > std::chrono::minutes(10)) doomed.push_back(f.path());
  }
  for (const auto& p : doomed) std::filesystem::remove(p, ec);
  for (const auto& id : ids()) {
    auto r = load(id);
    if (!r) {
      if (r.error().code != Errc::not_found) ++swept.failed;
      continue;
    }
    if (r->forget_at <= now) {
      if (remove(id))
        ++swept.forgotten;
      else
        ++swept.failed;
    } else if (!r->redacted && r->redact_at <= now) {
      if (redact(*r))
        ++swept.redacted;
      else
        ++swept.failed;
    }
  }
  return swept;
}

}  // namespace sealmail::delivery
