// The sealed spool (DESIGN.md point 4): mail that arrives while a mailbox's owner is away (no
// session open, so no mailbox key in memory) is sealed to the mailbox's X25519 public key and
// waits in a per-mailbox folder; the server cannot read it. At the owner's next login it is
// opened with the private key kept inside the encrypted mailbox, moved into INBOX and purged.
//
// It belongs to the store, not to src/delivery: the IMAP and POP3 servers drain it at login and
// may use the store but not delivery (DESIGN.md "Layout"). The SMTP router appends to it.
//
// Layout on disk: <dir>/<mailbox id>/<entry>.sealed, where <entry> is
// "<16 hex: arrival sequence>-<16 hex: random>". The sequence is the arrival time in nanoseconds,
// kept strictly increasing within the process, so names sort in arrival order; nothing in a name
// comes from the message or its address. Files being written are ".tmp-<entry>" (never drained;
// those older than an hour are left-overs of a crash before the SMTP answer and are removed).
//
// File format, version 1 (all integers little-endian):
//   header (16 bytes, plaintext, no message data):
//     0  "SMSPOOL"   magic (7 bytes)
//     7  1           version
//     8  mode        1 = sealed box, 2 = sealed stream
//     9  0 x 7       reserved
//   mode 1 (messages up to kBoxMaxBytes):
//     crypto_box_seal(message || u64 internal_date)       (48 bytes of overhead)
//   mode 2 (larger messages):
//     crypto_box_seal(stream key[32] || u64 internal_date || u64 message size)   (96 bytes)
//     secretstream header                                  (24 bytes)
//     chunks: crypto_secretstream_xchacha20poly1305 of kChunkBytes of the message each (the last
//       one shorter and tagged FINAL), 17 bytes of overhead each; the first chunk authenticates
//       the 16-byte file header as associated data, so the header cannot be swapped.
//   The internal date is inside the sealed part: the file reveals only its size and its time.
//
// Rules this class keeps:
// - append() is durable when it returns OK (written, fsync'ed, renamed into place, directory
//   fsync'ed): the SMTP server answers 250 after it.
// - drain() is crash-safe: each entry's name is recorded in the mailbox (table spool_drained) in
//   the transaction that appends its message, the file is unlinked only after the commit, and
//   entries already recorded are skipped (and unlinked) by the next drain. Records are forgotten
//   once their files are gone for good (unlinked and the directory fsync'ed).
// - An entry that does not open (truncated, damaged, sealed to another key) is left in place for
//   the operator; the others still move, and drain() returns an error naming it.
// - drain() and remove_all() of one mailbox are serialized; append() runs alongside them. An
//   entry renamed into place after a drain listed the folder waits for the next drain: a router
//   that spooled because find() said the owner was away should call registry.find() again after
//   append() and, if the mailbox is open now, drain it (the login that opened it may have listed
//   the folder just before the rename).
// - Every call blocks (file system, fsync, SQLite): call it from the worker pool. Thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "core/result.h"
#include "store/mailbox.h"

namespace sealmail::store {

class Spool {
 public:
  static constexpr size_t kBoxMaxBytes = 256 * 1024;  // larger messages are streamed (mode 2)
  static constexpr size_t kChunkBytes = 64 * 1024;

  explicit Spool(std::filesystem::path dir);  // serve passes data_dir / "spool" (spool_dir())
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Seals `message` to `public_key` and appends it to mailbox `mailbox_id`'s spool. Durable when it
  // returns OK (file written, fsync'ed, renamed into place, directory fsync'ed); returns the
  // bytes the entry takes on disk (what bytes() counts for it). Blocking; thread-safe.
  // `folder` is "INBOX" or "Junk" (the content filter's choice, issue 9): the only fact about the
  // message kept outside the seal, in the entry's name, so that drain() files it there.
  Result<uint64_t> append(const std::string& mailbox_id, const std::array<uint8_t, 32>& public_key,
                          std::string_view message, int64_t internal_date_unix, std::string_view folder = "INBOX");
  // Bytes the spool of `mailbox_id` holds on disk (counted in the quota). Blocking.
  Result<uint64_t> bytes(const std::string& mailbox_id);
  // Opens every waiting message with the mailbox's private key and appends it to INBOX in arrival
  // order with its internal date, then purges it; returns how many were moved. When some entries
  // do not open they stay in place and the result is an Errc::corrupt error naming the first and
  // counting the moved ones. Blocking.
  Result<size_t> drain(const std::string& mailbox_id, Mailbox& mailbox);
  // Deletes the whole spool of `mailbox_id` (alias removed, or password reset with --reset: the
  // old key pair is gone).
  Status remove_all(const std::string& mailbox_id);

  // Issue 9: at drain, each message filed to INBOX at the MX may be filed again with what only the
  // open mailbox holds (the owner's junk training; delivery/junk_refile.h): the refiler may set
  // the request's folder to "Junk" and rewrite the classifier's own header. Set once by serve,
  // before the first drain.
  using Refiler = std::function<void(Mailbox& mailbox, AppendRequest& request)>;
  void set_refiler(Refiler refiler) { refiler_ = std::move(refiler); }

 private:
  Refiler refiler_;
  std::mutex& lock_for(const std::string& mailbox_id);
  std::string new_entry_name(bool junk);

  std::filesystem::path dir_;
  std::mutex sequence_mutex_;
  uint64_t last_sequence_ = 0;
  std::array<std::mutex, 32> mailbox_locks_;  // striped by mailbox id: drain and remove_all
};

// Where serve and the admin commands keep the spool of a data directory.
inline std::filesystem::path spool_dir(const std::filesystem::path& data_dir) { return data_dir / "spool"; }

}  // namespace sealmail::store
