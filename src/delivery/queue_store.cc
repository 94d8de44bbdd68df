#include "delivery/queue_store.h"

#include <sodium.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "core/hex.h"

namespace sealmail::delivery {

namespace {

using nlohmann::json;

std::string_view state_name(RecipientState s) { return to_string(s); }

RecipientState parse_state(const std::string& s) {
  if (s == "delivered") return RecipientState::delivered;
  if (s == "failed") return RecipientState::failed;
  return RecipientState::pending;
}

json to_json(const QueueEntry& e) {
  json rcpts = json::array();
  for (const auto& r : e.recipients)
    rcpts.push_back({{"address", r.address},
                     {"notify", r.notify},
                     {"orcpt", r.orcpt},
                     {"state", state_name(r.state)},
                     {"code", r.last_code},
                     {"enhanced", r.last_enhanced},
                     {"reply", r.last_reply},
                     {"host", r.last_host},
                     {"action", r.action},
                     {"category", r.category}});
  return {{"id", e.id},
          {"mail_from", e.mail_from},
          {"sender_alias", e.sender_alias},
          {"recipients", rcpts},
          {"smtputf8", e.smtputf8},
          {"eight_bit", e.eight_bit},
          {"ret", e.ret},
          {"envid", e.envid},
          {"size", e.size},
          {"queued_at", e.queued_at},
          {"next_attempt", e.next_attempt},
          {"last_attempt", e.last_attempt},
          {"attempts", e.attempts},
          {"delay_notified", e.delay_notified}};
}

Result<QueueEntry> from_json(const std::string& text, const std::string& id) {
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return make_error(Errc::corrupt, "queue entry " + id + " is not valid");
  try {
    QueueEntry e;
    e.id = j.at("id").get<std::string>();
    if (e.id != id) return make_error(Errc::corrupt, "queue entry " + id + " names another id");
    e.mail_from = j.at("mail_from").get<std::string>();
    e.sender_alias = j.at("sender_alias").get<std::string>();
    for (const auto& r : j.at("recipients")) {
      QueuedRecipient q;
      q.address = r.at("address").get<std::string>();
      q.notify = r.at("notify").get<std::string>();
      q.orcpt = r.at("orcpt").get<std::string>();
      q.state = parse_state(r.at("state").get<std::string>());
      q.last_code = r.at("code").get<int>();
      q.last_enhanced = r.at("enhanced").get<std::string>();
      q.last_reply = r.at("reply").get<std::string>();
      q.last_host = r.at("host").get<std::string>();
      q.action = r.at("action").get<std::string>();
      q.category = r.at("category").get<std::string>();
      e.recipients.push_back(std::move(q));
    }
    e.smtputf8 = j.at("smtputf8").get<bool>();
    e.eight_bit = j.at("eight_bit").get<bool>();
    e.ret = j.at("ret").get<std::string>();
    e.envid = j.at("envid").get<std::string>();
    e.size = j.at("size").get<uint64_t>();
    e.queued_at = j.at("queued_at").get<int64_t>();
    e.next_attempt = j.at("next_attempt").get<int64_t>();
    e.last_attempt = j.at("last_attempt").get<int64_t>();
    e.attempts = j.at("attempts").get<int>();
    e.delay_notified = j.at("delay_notified").get<bool>();
    return e;
  } catch (const json::exception&) {
    return make_error(Errc::corrupt, "queue entry " + id + " lacks a field");
  }
}

std::string new_id() {
  // 12 hex digits of milliseconds (sorts by age), 14 random: unique without coordination.
  auto ms = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  uint8_t head[6];
  for (int i = 5; i >= 0; --i, ms >>= 8) head[i] = static_cast<uint8_t>(ms & 0xff);
  uint8_t tail[7];
  crypto::random_bytes(tail);
  return to_hex(head) + to_hex(tail);
}

}  // namespace

std::string encode_entry(const QueueEntry& entry) { return to_json(entry).dump(); }
Result<QueueEntry> decode_entry(const std::string& text, const std::string& id) { return from_json(text, id); }

const char* to_string(RecipientState state) {
  switch (state) {
    case RecipientState::pending:
      return "pending";
    case RecipientState::delivered:
      return "delivered";
    case RecipientState::failed:
      return "failed";
  }
  return "pending";
}

size_t QueueEntry::pending() const {
  return static_cast<size_t>(std::count_if(recipients.begin(), recipients.end(), [](const QueuedRecipient& r) {
    return r.state == RecipientState::pending;
  }));
}

bool valid_queue_id(std::string_view id) {
  return id.size() == 26 &&
         std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Result<crypto::SecretBuffer> load_or_create_queue_key(const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    auto data = fs::read_file(file);
    if (!data) return data.error();
    if (data->size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES) {
      crypto::wipe(data->data(), data->size());
      return make_error(Errc::corrupt, "queue key file " + file.string() + " has the wrong size");
    }
    auto key = crypto::SecretBuffer::from(*data);
    crypto::wipe(data->data(), data->size());
    return key;
  }
  crypto::SecretBuffer key(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
  crypto_aead_xchacha20poly1305_ietf_keygen(key.data());
  auto st = fs::write_file_durably(file, key.view(), 0600);
  if (!st) return st.error();
  return key;
}

Result<std::shared_ptr<QueueStore>> QueueStore::open(std::filesystem::path dir, crypto::SecretBuffer key) {
  auto sealer = QueueSeal::make(std::move(key));
  if (!sealer) return sealer.error();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error(Errc::io, "cannot create the queue directory: " + ec.message());
  ::chmod(dir.c_str(), 0700);
  return std::shared_ptr<QueueStore>(
      new QueueStore(std::move(dir), std::make_shared<const QueueSeal>(std::move(*sealer))));
}

Result<std::string> QueueStore::add(QueueEntry entry, std::string_view message) {
  entry.id = new_id();
  entry.size = message.size();
  auto msg = seal_->seal(message, "msg:" + entry.id);
  SEALMAIL_TRY(fs::write_file_durably(dir_ / (entry.id + ".msg"), msg, 0600));
  auto text = to_json(entry).dump();
  auto env = seal_->seal(text, "env:" + entry.id);
  crypto::wipe(text.data(), text.size());
  auto st = fs::write_file_durably(dir_ / (entry.id + ".env"), env, 0600);
  if (!st) {
    (void)fs::remove_if_exists(dir_ / (entry.id + ".msg"));
    return st.error();
  }
  return entry.id;
}

Result<QueueEntry> QueueStore::load(const std::string& id) const {
  if (!valid_queue_id(id)) return make_error(Errc::invalid_argument, "not a queue id");
  std::error_code ec;
  auto path = dir_ / (id + ".env");
  if (!std::filesystem::exists(path, ec)) return make_error(Errc::not_found, "no queue entry " + id);
  auto data = fs::read_file(path);
  if (!data) return data.error();
  auto text = seal_->open(*data, "env:" + id);
  if (!text) return make_error(Errc::corrupt, "queue entry " + id + ": " + text.error().message);
  auto e = from_json(*text, id);
  crypto::wipe(text->data(), text->size());
  return e;
}

Result<std::string> QueueStore::message(const std::string& id) const {
  if (!valid_queue_id(id)) return make_error(Errc::invalid_argument, "not a queue id");
  std::error_code ec;
  auto path = dir_ / (id + ".msg");
  if (!std::filesystem::exists(path, ec)) return make_error(Errc::not_found, "no queue entry " + id);
  auto data = fs::read_file(path);
  if (!data) return data.error();
  auto plain = seal_->open(*data, "msg:" + id);
  if (!plain) return make_error(Errc::corrupt, "queue entry " + id + ": " + plain.error().message);
  return plain;
}

Status QueueStore::save(const QueueEntry& entry) {
  if (!valid_queue_id(entry.id)) return make_error(Errc::invalid_argument, "not a queue id");
  std::error_code ec;
  if (!std::filesystem::exists(dir_ / (entry.id + ".msg"), ec) ||
      !std::filesystem::exists(dir_ / (entry.id + ".env"), ec))
    return make_error(Errc::not_found, "queue entry " + entry.id + " was deleted");
  auto text = to_json(entry).dump();
  auto env = seal_->seal(text, "env:" + entry.id);
  crypto::wipe(text.data(), text.size());
  return fs::write_file_durably(dir_ / (entry.id + ".env"), env, 0600);
}

Status remove_entry_files(const std::filesystem::path& dir, const std::string& id) {
  if (!valid_queue_id(id)) return make_error(Errc::invalid_argument, "not a queue id");
  std::error_code ec;
  bool had = std::filesystem::remove(dir / (id + ".env"), ec);
  if (ec) return make_error(Errc::io, "cannot remove queue entry " + id + ": " + ec.message());
  bool had_msg = std::filesystem::remove(dir / (id + ".msg"), ec);
  std::filesystem::remove(dir / (id + ".retry"), ec);
  SEALMAIL_TRY(fs::fsync_directory(dir));
  if (!had && !had_msg) return make_error(Errc::not_found, "no queue entry " + id);
  return {};
}

std::vector<std::string> entry_ids(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(dir, ec)) {
    auto name = f.path().filename().string();
    if (name.size() == 30 && name.ends_with(".env") && valid_queue_id(std::string_view(name).substr(0, 26)))
      out.push_back(name.substr(0, 26));
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status QueueStore::remove(const std::string& id) { return remove_entry_files(dir_, id); }

std::vector<std::string> QueueStore::ids() const { return entry_ids(dir_); }

void QueueStore::sweep_incomplete() {
  std::error_code ec;
  std::vector<std::filesystem::path> doomed;
  for (const auto& f : std::filesystem::directory_iterator(dir_, ec)) {
    auto name = f.path().filename().string();
    bool msg = name.size() == 30 && name.ends_with(".msg");
    if (msg && !std::filesystem::exists(dir_ / (name.substr(0, 26) + ".env"), ec))
      doomed.push_back(f.path());
    else if (!name.ends_with(".msg") && !name.ends_with(".env") && !name.ends_with(".retry"))
      doomed.push_back(f.path());  // the temporary names of write_file_durably
  }
  for (const auto& p : doomed) std::filesystem::remove(p, ec);
  if (!doomed.empty()) (void)fs::fsync_directory(dir_);
}

Status QueueStore::request_retry(const std::string& id) {
  if (!valid_queue_id(id)) return make_error(Errc::invalid_argument, "not a queue id");
  std::error_code ec;
  if (!std::filesystem::exists(dir_ / (id + ".env"), ec)) return make_error(Errc::not_found, "no queue entry " + id);
  return fs::write_file_durably(dir_ / (id + ".retry"), "", 0600);
}

std::vector<std::string> QueueStore::take_retry_requests() {
  std::vector<std::string> out;
  std::error_code ec;
  std::vector<std::filesystem::path> seen;
  for (const auto& f : std::filesystem::directory_iterator(dir_, ec)) {
    auto name = f.path().filename().string();
    if (name.size() == 32 && name.ends_with(".retry") && valid_queue_id(std::string_view(name).substr(0, 26))) {
      out.push_back(name.substr(0, 26));
      seen.push_back(f.path());
    }
  }
  for (const auto& p : seen) std::filesystem::remove(p, ec);
  return out;
}

}  // namespace sealmail::delivery
