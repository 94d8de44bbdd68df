// One POP3 session per maildrop (RFC 1939 §8: "the POP3 server acquires an exclusive-access lock
// on the maildrop"): a second session of the same owner is answered "-ERR [IN-USE]" (RFC 2449
// §8.1.1) until the first one ends. The lock only excludes POP3 sessions: IMAP sessions and the MX
// keep using the mailbox, and the POP3 session does not see what they add until its next login.
//
// Rules this class keeps:
// - The lock is taken after the password was checked (an unauthenticated client learns nothing
//   about whether a maildrop is in use) and released when its Lock is destroyed: at QUIT, on a
//   dropped connection, a timeout, or at shutdown.
// - Keys are mailbox ids (random, never the address). Thread-safe.
// - In one process this is all that is needed; when front ends run on several hosts (DESIGN.md
//   point 10) the lock moves to the mailbox's primary, behind the same two calls.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace sealmail::pop3 {

class MaildropLocks : public std::enable_shared_from_this<MaildropLocks> {
 public:
  // Releases the maildrop when destroyed.
  class Lock {
   public:
    Lock(Lock&&) noexcept = default;
    Lock& operator=(Lock&&) noexcept;
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;
    ~Lock();

   private:
    friend class MaildropLocks;
    Lock(std::shared_ptr<MaildropLocks> owner, std::string key) : owner_(std::move(owner)), key_(std::move(key)) {}
    void release();
    std::shared_ptr<MaildropLocks> owner_;
    std::string key_;
  };

  // Locks keep their MaildropLocks alive, so it lives in a shared_ptr.
  static std::shared_ptr<MaildropLocks> create() { return std::shared_ptr<MaildropLocks>(new MaildropLocks()); }

  // The lock on `mailbox_id`, or none when another session holds it.
  std::optional<Lock> try_lock(const std::string& mailbox_id);
  bool locked(const std::string& mailbox_id);

 private:
  MaildropLocks() = default;
  void unlock(const std::string& mailbox_id);

  std::mutex mutex_;
  std::set<std::string> held_;
};

}  // namespace sealmail::pop3
