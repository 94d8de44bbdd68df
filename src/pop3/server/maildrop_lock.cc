#include "pop3/server/maildrop_lock.h"

namespace sealmail::pop3 {

MaildropLocks::Lock& MaildropLocks::Lock::operator=(Lock&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::move(other.owner_);
    key_ = std::move(other.key_);
  }
  return *this;
}

MaildropLocks::Lock::~Lock() { release(); }

void MaildropLocks::Lock::release() {
  // A moved-from Lock has no owner and releases nothing.
  if (owner_) owner_->unlock(key_);
  owner_.reset();
}

std::optional<MaildropLocks::Lock> MaildropLocks::try_lock(const std::string& mailbox_id) {
  std::lock_guard guard(mutex_);
  if (!held_.insert(mailbox_id).second) return std::nullopt;
  return Lock(shared_from_this(), mailbox_id);
}

bool MaildropLocks::locked(const std::string& mailbox_id) {
  std::lock_guard guard(mutex_);
  return held_.count(mailbox_id) != 0;
}

void MaildropLocks::unlock(const std::string& mailbox_id) {
  std::lock_guard guard(mutex_);
  held_.erase(mailbox_id);
}

}  // namespace sealmail::pop3
