// Running quota counters (issue 4): the bytes used per mailbox, per domain and per account, kept
// in memory so that a check (the MX at RCPT and after DATA, IMAP APPEND, GETQUOTA) reads the
// limits from the directory and the usage from here, without measuring any mailbox.
//
// How the counts stay right:
// - A domain's or account's total is summed once, from the sizes the mailboxes report (Meter:
//   live when open, else the hint left at close, plus the sealed spool), the first time a check
//   needs it; then every change moves it by the difference.
// - Each mailbox the registry opens is read again there (store/registry.h's open observer) and
//   followed: each of its commits (append, copy, expunge, folder deleted) marks it changed, and
//   the next check takes its new size, which the store keeps as a running count too
//   (Mailbox::quota() is O(1)). The store's callback only marks: it may run with the mailbox's
//   write lock held, so it must not call back into the mailbox.
// - Mail sealed in the spool of a mailbox whose owner is away changes no open mailbox: the MX
//   calls refresh() after writing it.
// - What happens outside this process (the CLI removing an alias or moving a domain to another
//   account, an import into a closed mailbox) is caught up when a total is older than
//   `resync_after`: it is summed again from the directory's current list.
// Thread-safe. usage() and refresh() block (directory, file sizes): call them off the I/O threads.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "quota/usage.h"

namespace sealmail::quota {

class Ledger : public std::enable_shared_from_this<Ledger> {
 public:
  using Clock = std::chrono::steady_clock;

  static std::shared_ptr<Ledger> create(std::filesystem::path data_dir,
                                        std::shared_ptr<store::MailboxRegistry> registry,
                                        std::shared_ptr<store::Spool> spool,
                                        std::chrono::seconds resync_after = std::chrono::minutes(10));

  // Makes `registry` report every mailbox it opens to this ledger (once, at start).
  void observe(store::MailboxRegistry& registry);
  // The usage of every limited level of `alias` (limits read afresh from the directory, bytes from
  // the counters).
  Result<Usage> usage(directory::Directory& directory, const directory::Alias& alias);
  // Reads the size of `mailbox_id` again (after it was removed, or changed unseen).
  void refresh(const std::string& mailbox_id);
  // The MX sealed an entry of `entry_bytes` into the spool of `mailbox_id` (whose owner is away).
  void sealed(const std::string& mailbox_id, uint64_t entry_bytes);
  // The open mailbox `mailbox_id` was just opened: takes its size.
  void update(const std::string& mailbox_id, store::Mailbox& mailbox);

  // For tests: the bytes counted for a mailbox now (0 when unknown).
  uint64_t mailbox_bytes_for_testing(const std::string& mailbox_id);

 private:
  Ledger(std::filesystem::path data_dir, std::shared_ptr<store::MailboxRegistry> registry,
         std::shared_ptr<store::Spool> spool, std::chrono::seconds resync_after);

  struct Group {
    std::set<std::string> members;  // mailbox ids
    uint64_t total = 0;
    Clock::time_point summed;
  };
  // Sets the size of a mailbox and moves the totals of the groups holding it (mutex_ held).
  void set_locked(const std::string& mailbox_id, uint64_t bytes);
  // The total of group `key` over `ids`, summed now (sizes read outside the lock).
  uint64_t sum_group(const std::string& key, const std::vector<std::string>& ids);
  // The group's total: kept, or summed again when unknown or older than resync_after_.
  Result<uint64_t> group_total(const std::string& key, const std::function<Result<std::vector<std::string>>()>& list,
                               const std::string& member);
  // Bytes in the spool of `mailbox_id`: listed once (a directory listing and a stat per entry),
  // then moved by sealed() until the mailbox commits (a drain) or resync_after_ passes. Listing
  // at every check made each delivery to an absent owner cost O(entries waiting): measured, the
  // MX fell from 292 to 58 messages/s over its first 3,000 spooled messages.
  uint64_t spooled(const std::string& mailbox_id);
  void forget_spooled(const std::string& mailbox_id);
  struct Spooled {
    uint64_t bytes = 0;
    Clock::time_point listed;
  };
  std::map<std::string, Spooled> spooled_;  // mutex_

  Meter meter_;
  std::shared_ptr<store::Spool> spool_;
  std::chrono::seconds resync_after_;
  std::mutex mutex_;
  std::map<std::string, uint64_t> bytes_;                   // mailbox id -> bytes (stored + spooled)
  std::map<std::string, std::set<std::string>> groups_of_;  // mailbox id -> keys of its groups
  std::map<std::string, Group> groups_;                     // "domain:ID", "account:ID"
  std::set<std::string> changed_;                           // mailboxes that committed since the last check
};

}  // namespace sealmail::quota
