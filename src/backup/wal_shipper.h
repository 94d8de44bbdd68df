// serve's continuous protection (issue 10; [backup] continuous = true): every open mailbox gets a
// generation (a base copy of its encrypted file, then each commit's encrypted WAL frames, captured
// by store/wal_capture.h) shipped to the backup target by one background thread, so that a lost
// disk loses seconds of mail, not a day. Names and restore: backup/continuous.h.
//
// Rules this class keeps:
// - The writing thread only queues (a bounded buffer in memory, continuous_buffer_mb for all
//   mailboxes); the network is this thread's alone. A full buffer, a failed base upload or any
//   doubt in the capture ends the generation, and the next pass starts a new one with a new base:
//   a gap never hides inside a generation.
// - Segments of a generation are uploaded in order, numbered from 1, after its base; a failed
//   upload is tried again at the next pass.
// - Only open mailboxes are captured (the server never holds a key for one that is closed; the
//   capture itself needs no key). A mailbox opened again starts a new generation: what happened
//   to the file while it was closed (a restore, an import by the CLI) is in the new base.
// - `keep` generations per mailbox are kept (older ones deleted once a new base is up).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "backup/backup_config.h"
#include "backup/target.h"
#include "store/registry.h"

namespace sealmail::backup {

class WalShipper {
 public:
  static Result<std::unique_ptr<WalShipper>> create(std::shared_ptr<store::MailboxRegistry> registry,
                                                    const BackupConfig& config, const std::filesystem::path& data_dir);
  WalShipper(std::shared_ptr<store::MailboxRegistry> registry, const BackupConfig& config,
             std::filesystem::path work_dir, std::unique_ptr<Target> target);
  ~WalShipper();

  // A thread that runs pass() every ship_seconds.
  void start();
  // Stops the thread after a last pass that uploads what is queued.
  void stop();

  // Starts a generation for every open mailbox without one (when `start_new`), uploads queued
  // commits. Blocking; the thread calls it, and so can a benchmark.
  void pass(bool start_new = true);

  struct Stats {
    uint64_t generations = 0;
    uint64_t base_bytes = 0;
    uint64_t segments = 0;
    uint64_t segment_bytes = 0;
    uint64_t commits = 0;
    uint64_t queued_bytes = 0;  // now
  };
  Stats stats();

  struct Shared;

 private:
  std::shared_ptr<store::MailboxRegistry> registry_;
  BackupConfig config_;
  std::filesystem::path work_dir_;
  std::unique_ptr<Target> target_;
  std::shared_ptr<Shared> shared_;
  std::thread thread_;
  std::mutex thread_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

}  // namespace sealmail::backup
