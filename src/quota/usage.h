// Quota usage (DESIGN.md point 2, issue 4): an account's quota is shared by everything it owns,
// and a domain's by its aliases, so a mailbox may be full because of mail in other mailboxes.
// Usage is counted at each level that has a limit:
//   alias   the alias's own mailbox (+ its spool),
//   domain  every mailbox of the domain,
//   account every mailbox of every domain the account owns.
//
// Rules kept here:
// - No other mailbox is ever opened (its key is not ours): an open mailbox (a session of its owner
//   holds it) is counted live; any other by the usage hint it left when it last closed
//   (store/usage_hint.h); mail sealed in its spool counts by its size on disk.
// - Blocking (directory reads, file sizes): call it from the worker pool. Thread-safe.
// - Levels without a limit cost nothing: no mailbox list is read for them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "directory/directory.h"
#include "store/registry.h"
#include "store/spool.h"

namespace sealmail::quota {

enum class Scope { alias, domain, account };
const char* to_string(Scope scope);

struct Level {
  Scope scope = Scope::alias;
  uint64_t used = 0;   // bytes
  uint64_t limit = 0;  // bytes, > 0
  uint64_t room() const { return used >= limit ? 0 : limit - used; }
};

struct Usage {
  std::vector<Level> levels;  // only the levels that have a limit, alias first

  // Would `bytes` more fit under every limit now?
  bool fits(uint64_t bytes) const;
  // Could `bytes` fit under every limit in an empty mailbox? When not, the message can never be
  // taken (SMTP 552 5.2.2 rather than 452 4.2.2).
  bool could_ever_fit(uint64_t bytes) const;
  // The level with the least room left (the one to report, e.g. in IMAP GETQUOTA); none when no
  // limit applies.
  std::optional<Level> tightest() const;
};

class Meter {
 public:
  // `registry` and `spool` may be null (the CLI holds no open mailbox; a server without a spool).
  Meter(std::filesystem::path data_dir, std::shared_ptr<store::MailboxRegistry> registry,
        std::shared_ptr<store::Spool> spool);

  // Bytes mailbox `mailbox_id` holds now: live when open, else its usage hint (none: 0); plus
  // the bytes waiting in its spool.
  uint64_t mailbox_bytes(const std::string& mailbox_id) const;
  // The same without the spool: O(1) (a running count, or one small file).
  uint64_t stored_bytes(const std::string& mailbox_id) const;
  // The usage of every limited level of `alias` (read afresh from the directory).
  Result<Usage> usage(directory::Directory& directory, const directory::Alias& alias) const;
  // Sums of mailbox_bytes: over an account's mailboxes, or a domain's (for `account list`).
  Result<uint64_t> account_bytes(directory::Directory& directory, int64_t account_id) const;
  Result<uint64_t> domain_bytes(directory::Directory& directory, int64_t domain_id) const;

 private:
  using Counted = std::map<std::string, uint64_t>;
  uint64_t sum(const std::vector<std::string>& mailbox_ids, Counted& counted) const;

  std::filesystem::path data_dir_;
  std::shared_ptr<store::MailboxRegistry> registry_;
  std::shared_ptr<store::Spool> spool_;
};

}  // namespace sealmail::quota
