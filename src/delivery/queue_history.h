// What the outbound queue remembers after it is done with a message (DESIGN.md point 7, issue 8:
// "redaction of the stored copy after a retention period"). When every recipient of a queue entry
// has been delivered or has failed, the entry retires here, in DATA/queue-history, instead of
// vanishing: the operator (`sealmail queue history`, /api/queue/history) can still see where it
// went and read it while it is fresh. After the sender's domain's retention period (30 days by
// default, `sealmail domain retention`) its message is redacted: replaced by a placeholder that
// keeps only its Date and Message-ID (what matching a late bounce or a complaint needs) and says
// what happened, in the seed's words. The redacted record (envelope and outcomes) is forgotten
// 30 days after the redaction. As Forward Email does with its sent mail, and as mox keeps
// "retired" queue messages.
//
// Files, both sealed under the queue key (queue_seal.h):
//   <id>.msg  the message: at first the queue's own sealed file, hard-linked (no copy, no
//             re-encryption; its associated data stays "msg:<id>"), later the placeholder;
//   <id>.env  the entry's final state and the retirement's times, associated data "hist:<id>".
// Rules: retire() is durable before the queue forgets the entry, and doing it twice (a crash
// between the two, then the retried delivery) leaves one record; redaction replaces the .msg by
// rename (an attacker with the disk and the queue key finds the old ciphertext only in free
// blocks, as with any unlinked file); nothing here logs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "delivery/queue_seal.h"
#include "delivery/queue_store.h"

namespace sealmail::delivery {

inline constexpr int64_t kForgetAfterRedactionSeconds = 30 * 86400;

struct RetiredEntry {
  QueueEntry entry;        // as it stood after its last attempt
  int64_t retired_at = 0;  // unix seconds, the queue's clock
  int64_t redact_at = 0;
  int64_t forget_at = 0;
  bool redacted = false;
};

// The placeholder that replaces a retired message: its Date and Message-ID fields (when it had
// them), a note that it was redacted, and the seed's text. Nothing else of the original.
std::string redacted_message(const RetiredEntry& retired, std::string_view original);

class QueueHistory {
 public:
  static Result<std::shared_ptr<QueueHistory>> open(std::filesystem::path dir, std::shared_ptr<const QueueSeal> seal);
  static std::filesystem::path dir_in(const std::filesystem::path& data_dir) { return data_dir / "queue-history"; }

  // Records `entry` (no recipient pending) as retired at `now`, its message to be redacted after
  // `retention_days`. `sealed_message` is the queue's .msg file of the entry. Durable on return.
  Status retire(const QueueEntry& entry, const std::filesystem::path& sealed_message, int64_t now, int retention_days);

  Result<RetiredEntry> load(const std::string& id) const;
  Result<std::string> message(const std::string& id) const;
  // Oldest first.
  std::vector<std::string> ids() const;
  // Errc::not_found when there is no such record.
  Status remove(const std::string& id);

  struct Swept {
    size_t redacted = 0, forgotten = 0, failed = 0;
  };
  // Redacts what is due at `now` and forgets what is past its forget time. Blocking.
  Swept sweep(int64_t now);

 private:
  QueueHistory(std::filesystem::path dir, std::shared_ptr<const QueueSeal> seal)
      : dir_(std::move(dir)), seal_(std::move(seal)) {}
  Status save(const RetiredEntry& retired);
  Status redact(RetiredEntry& retired);

  std::filesystem::path dir_;
  std::shared_ptr<const QueueSeal> seal_;
};

}  // namespace sealmail::delivery
