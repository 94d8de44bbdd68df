// Open mailboxes, shared (DESIGN.md "Inside the process"): every session of an owner (IMAP, POP3)
// and the MX use one Mailbox object per mailbox id, found here. The key is derived once, at the
// first login; further sessions join the open mailbox without deriving it again. When the last
// holder lets go, the Mailbox is destroyed and its key (locked memory) zeroed.
//
// Rules this class keeps:
// - The caller has verified the password already (directory::verify_login); acquire() only opens.
// - Blocking (opening derives a key: ~32 ms): call it from the worker pool. Thread-safe; two
//   sessions logging in at once derive the key once.
// - find() answers the MX's "is the owner online?": it never opens anything (no key is held for
//   an owner who is away).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "crypto/secret.h"
#include "store/mailbox.h"

namespace sealmail::store {

class MailboxRegistry {
 public:
  explicit MailboxRegistry(Options options = {}) : options_(options) {}
  MailboxRegistry(const MailboxRegistry&) = delete;
  MailboxRegistry& operator=(const MailboxRegistry&) = delete;

  // The open mailbox `id`, opened from `file` with `password` when nobody holds it (created when
  // the file does not exist yet and `create_missing`).
  Result<std::shared_ptr<Mailbox>> acquire(const std::string& id, const std::filesystem::path& file,
                                           const crypto::SecretBuffer& password, bool create_missing = false);
  // The mailbox if some session holds it open; null otherwise.
  std::shared_ptr<Mailbox> find(const std::string& id);
  // Mailboxes open now (for metrics and tests).
  size_t open_count();
  // The mailboxes open now (background work such as full-text indexing uses only these: the
  // key of any other mailbox is not in memory).
  std::vector<std::shared_ptr<Mailbox>> open_mailboxes();

  // Called with each mailbox the registry opens, before acquire() returns it to anyone (the quota
  // ledger, quota/ledger.h, re-reads its size there and follows its changes). Set once, before
  // the first acquire().
  using OpenObserver = std::function<void(const std::string& id, Mailbox& mailbox)>;
  void set_open_observer(OpenObserver observer) { open_observer_ = std::move(observer); }

  // Sessions register a closer so that a password change (or a deleted alias) can end them with
  // BYE; close_sessions() calls every closer of `id` and returns how many it called.
  int add_closer(const std::string& id, std::function<void()> closer);
  void remove_closer(const std::string& id, int token);
  size_t close_sessions(const std::string& id);

 private:
  struct Entry {
    std::weak_ptr<Mailbox> mailbox;
    std::shared_ptr<std::mutex> opening = std::make_shared<std::mutex>();  // one key derivation at a time
    std::map<int, std::function<void()>> closers;
  };
  void prune_locked();

  Options options_;
  OpenObserver open_observer_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
  int next_token_ = 1;
};

}  // namespace sealmail::store
