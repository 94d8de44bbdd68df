#include "pop3/server/maildrop.h"

#include <algorithm>
#include <optional>

#include "pop3/protocol/response.h"

namespace sealmail::pop3 {

namespace {

// Messages read at once to count their sizes: one read transaction each batch, and a bounded
// amount of mail in memory (a batch of 10 KB messages is ~2.5 MB).
constexpr size_t kSizeBatch = 256;

}  // namespace

Result<Maildrop> Maildrop::load(store::Mailbox& mailbox, const std::string& mailbox_id, SizeCache& sizes) {
  auto folder = mailbox.folder(kMaildropFolder);
  if (!folder) return folder.error();
  auto uids = mailbox.list_uids(kMaildropFolder);
  if (!uids) return uids.error();
  auto known = sizes.lookup(mailbox_id, folder->uidvalidity, *uids);
  std::vector<uint32_t> missing;
  for (size_t i = 0; i < uids->size(); ++i)
    if (!known[i]) missing.push_back((*uids)[i]);
  // Messages the cache does not know are read and counted, a batch at a time. One expunged by
  // another session since the listing is simply not part of this maildrop.
  std::vector<std::optional<uint64_t>> counted(missing.size());
  for (size_t start = 0; start < missing.size(); start += kSizeBatch) {
    std::vector<uint32_t> batch(missing.begin() + static_cast<ptrdiff_t>(start),
                                missing.begin() + static_cast<ptrdiff_t>(std::min(missing.size(), start + kSizeBatch)));
    auto raws = mailbox.fetch_raw_many(kMaildropFolder, to_ranges(batch));
    if (!raws) return raws.error();
    size_t j = start;
    for (const auto& [uid, raw] : *raws) {
      while (j < missing.size() && missing[j] < uid) ++j;
      if (j < missing.size() && missing[j] == uid) counted[j] = transmitted_size(raw);
    }
  }
  std::vector<MaildropMessage> messages;
  std::vector<uint32_t> kept;
  std::vector<uint64_t> exact;
  messages.reserve(uids->size());
  kept.reserve(uids->size());
  exact.reserve(uids->size());
  size_t j = 0;
  for (size_t i = 0; i < uids->size(); ++i) {
    std::optional<uint64_t> size = known[i];
    if (!size) size = counted[j++];
    if (!size) continue;
    messages.push_back(MaildropMessage{(*uids)[i], *size});
    kept.push_back((*uids)[i]);
    exact.push_back(*size);
  }
  sizes.store(mailbox_id, folder->uidvalidity, std::move(kept), std::move(exact));
  return Maildrop(folder->uidvalidity, std::move(messages));
}

Maildrop::Maildrop(uint32_t uidvalidity, std::vector<MaildropMessage> messages)
    : uidvalidity_(uidvalidity), messages_(std::move(messages)) {
  for (const auto& m : messages_) {
    if (m.deleted) continue;
    ++live_count_;
    live_octets_ += m.size;
  }
}

MaildropMessage* Maildrop::at(uint32_t number) {
  if (number == 0 || number > messages_.size()) return nullptr;
  return &messages_[number - 1];
}

const MaildropMessage* Maildrop::at(uint32_t number) const {
  if (number == 0 || number > messages_.size()) return nullptr;
  return &messages_[number - 1];
}

void Maildrop::mark_deleted(MaildropMessage& message) {
  if (message.deleted) return;
  message.deleted = true;
  --live_count_;
  live_octets_ -= message.size;
}

void Maildrop::undelete_all() {
  for (auto& m : messages_) {
    if (!m.deleted) continue;
    m.deleted = false;
    ++live_count_;
    live_octets_ += m.size;
  }
}

std::string Maildrop::unique_id(const MaildropMessage& message) const {
  return std::to_string(uidvalidity_) + "." + std::to_string(message.uid);
}

store::UidSet Maildrop::deleted_uids() const {
  std::vector<uint32_t> uids;
  for (const auto& m : messages_)
    if (m.deleted) uids.push_back(m.uid);
  return to_ranges(uids);
}

store::UidSet Maildrop::retrieved_uids() const {
  std::vector<uint32_t> uids;
  for (const auto& m : messages_)
    if (m.retrieved && !m.deleted) uids.push_back(m.uid);
  return to_ranges(uids);
}

store::UidSet to_ranges(const std::vector<uint32_t>& ascending_uids) {
  store::UidSet ranges;
  for (uint32_t uid : ascending_uids) {
    if (!ranges.empty() && ranges.back().last + 1 == uid) {
      ranges.back().last = uid;
    } else {
      ranges.push_back(store::UidRange{uid, uid});
    }
  }
  return ranges;
}

}  // namespace sealmail::pop3
