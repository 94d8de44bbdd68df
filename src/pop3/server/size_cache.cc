#include "pop3/server/size_cache.h"

#include <algorithm>

namespace sealmail::pop3 {

std::vector<std::optional<uint64_t>> SizeCache::lookup(const std::string& mailbox_id, uint32_t uidvalidity,
                                                       const std::vector<uint32_t>& uids) {
  std::vector<std::optional<uint64_t>> out(uids.size());
  std::lock_guard guard(mutex_);
  auto it = entries_.find(mailbox_id);
  if (it == entries_.end() || it->second.uidvalidity != uidvalidity) return out;
  auto& e = it->second;
  order_.splice(order_.end(), order_, e.age);
  // Both lists ascend: one merge pass.
  size_t j = 0;
  for (size_t i = 0; i < uids.size(); ++i) {
    while (j < e.uids.size() && e.uids[j] < uids[i]) ++j;
    if (j < e.uids.size() && e.uids[j] == uids[i]) out[i] = e.sizes[j];
  }
  return out;
}

void SizeCache::store(const std::string& mailbox_id, uint32_t uidvalidity, std::vector<uint32_t> uids,
                      std::vector<uint64_t> sizes) {
  if (uids.size() != sizes.size() || uids.size() > max_entries_) return;
  std::lock_guard guard(mutex_);
  if (auto it = entries_.find(mailbox_id); it != entries_.end()) erase_locked(it);
  while (total_ + uids.size() > max_entries_ && !order_.empty()) erase_locked(entries_.find(order_.front()));
  total_ += uids.size();
  order_.push_back(mailbox_id);
  entries_[mailbox_id] = Entry{uidvalidity, std::move(uids), std::move(sizes), std::prev(order_.end())};
}

size_t SizeCache::entries() {
  std::lock_guard guard(mutex_);
  return total_;
}

void SizeCache::erase_locked(std::unordered_map<std::string, Entry>::iterator it) {
  total_ -= it->second.uids.size();
  order_.erase(it->second.age);
  entries_.erase(it);
}

}  // namespace sealmail::pop3
