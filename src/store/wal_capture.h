// Continuous capture of an open mailbox's write-ahead log (issue 10, continuous protection; the
// model is Litestream): a byte copy of the database file taken at a moment when it holds every
// committed page (the base), then the frames of every later commit, copied from the -wal file
// right after the commit, before the writer can restart the log. Base and frames are ciphertext
// as they are on disk (the cipher encrypts each page, bound to its page number, in the file and in
// the log alike); the 24-byte frame headers hold page numbers, salts and checksums only. Applying
// the frames in order onto the base, as a checkpoint does, gives the mailbox as of any commit.
//
// Rules this module keeps:
// - The sink is called on the writing thread inside the commit's WAL hook (the mailbox's write
//   lock is held): it must only queue, never touch the network. Returning false ends the capture.
// - Anything that could let a commit go unseen ends the capture instead of guessing: a log
//   restarted twice between two commits (another process wrote), frames whose salts do not match,
//   a commit larger than `max_commit_bytes`, a rekey. The caller starts again with a new base.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "core/result.h"
#include "store/mailbox.h"

namespace sealmail::store {

// One commit: whole WAL frames (24-byte header + page each), the last one its commit frame.
struct WalCommit {
  int64_t unix_ms = 0;  // commit time; never less than the previous commit's
  uint32_t page_size = 0;
  std::string frames;
};

using WalSink = std::function<bool(WalCommit&& commit)>;

struct WalBase {
  uint64_t bytes = 0;
  int64_t unix_ms = 0;  // every commit up to this time is in the base
  uint32_t page_size = 0;
};

// Copies the database file to `dest` (created, mode 0600) under the write lock with checkpoints
// held, after a checkpoint that copied the whole log into the file, and from then on hands every
// commit to `sink`. Errc::busy when a reader kept the checkpoint from finishing (try again later);
// Errc::already_exists when a capture runs already.
Result<WalBase> start_wal_capture(Mailbox& mailbox, const std::filesystem::path& dest, WalSink sink,
                                  size_t max_commit_bytes = 64u << 20);
// Ends the capture (nothing happens when none runs).
void stop_wal_capture(Mailbox& mailbox);
bool wal_capture_active(const Mailbox& mailbox);

}  // namespace sealmail::store
