#include "store/registry.h"

namespace sealmail::store {

Result<std::shared_ptr<Mailbox>> MailboxRegistry::acquire(const std::string& id, const std::filesystem::path& file,
                                                          const crypto::SecretBuffer& password, bool create_missing) {
  std::shared_ptr<std::mutex> opening;
  {
    std::lock_guard lock(mutex_);
    auto& entry = entries_[id];
    if (auto open = entry.mailbox.lock()) return open;
    opening = entry.opening;
  }
  // Derive outside the registry lock: other mailboxes keep opening meanwhile.
  std::lock_guard open_lock(*opening);
  {
    std::lock_guard lock(mutex_);
    if (auto open = entries_[id].mailbox.lock()) return open;  // another session opened it first
  }
  std::error_code ec;
  bool exists = std::filesystem::exists(file, ec);
  auto opened = (!exists && create_missing) ? Mailbox::create(file, password, options_)
                                            : Mailbox::open(file, password, options_);
  if (!opened) return opened.error();
  std::shared_ptr<Mailbox> mailbox(std::move(*opened));
  if (open_observer_) open_observer_(id, *mailbox);  // still under `opening`: nobody else has it yet
  std::lock_guard lock(mutex_);
  entries_[id].mailbox = mailbox;
  prune_locked();
  return mailbox;
}

std::shared_ptr<Mailbox> MailboxRegistry::find(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : it->second.mailbox.lock();
}

size_t MailboxRegistry::open_count() {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (auto& [id, entry] : entries_) n += entry.mailbox.expired() ? 0 : 1;
  return n;
}

std::vector<std::shared_ptr<Mailbox>> MailboxRegistry::open_mailboxes() {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Mailbox>> out;
  for (auto& [id, entry] : entries_)
    if (auto m = entry.mailbox.lock()) out.push_back(std::move(m));
  return out;
}

int MailboxRegistry::add_closer(const std::string& id, std::function<void()> closer) {
  std::lock_guard lock(mutex_);
  int token = next_token_++;
  entries_[id].closers[token] = std::move(closer);
  return token;
}

void MailboxRegistry::remove_closer(const std::string& id, int token) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  it->second.closers.erase(token);
  prune_locked();
}

size_t MailboxRegistry::close_sessions(const std::string& id) {
  std::map<int, std::function<void()>> closers;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return 0;
    closers = it->second.closers;
  }
  for (auto& [token, close] : closers) close();
  return closers.size();
}

// Entries of closed mailboxes without sessions are dropped so the map does not grow with every
// mailbox ever opened.
void MailboxRegistry::prune_locked() {
  for (auto it = entries_.begin(); it != entries_.end();) {
    bool idle = it->second.mailbox.expired() && it->second.closers.empty() && it->second.opening.use_count() == 1;
    it = idle ? entries_.erase(it) : std::next(it);
  }
}

}  // namespace sealmail::store
