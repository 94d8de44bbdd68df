// Background WAL checkpoints for every open mailbox of the process.
//
// A checkpoint copies the log's pages into the database file: it reads and decrypts each frame,
// encrypts and writes it again, and fsyncs both files. Run by SQLite after the commit that crossed
// its threshold, all of that (and the wait for the disk) landed on whichever append happened to
// commit then: measured on a 1,000-message batch, the appending thread spent 66 us per message
// waiting for the checkpoint's fsyncs beside 102 us of work. Here the writer only counts frames
// after each commit (its WAL hook) and hands the checkpoint to one background thread, which runs
// a PASSIVE checkpoint on a reader connection of the mailbox: PASSIVE never blocks the writer or
// readers, and the log restarts from its beginning at the next write once it has been copied.
// Should the log outgrow what the thread keeps up with, the writer checkpoints itself (see
// kSelfCheckpointFrames), so the log stays bounded.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

namespace sealmail::store {

// One per open mailbox: whether a checkpoint is queued or running, and whether the mailbox has
// closed (then a queued one is dropped). The mailbox waits in close() for one that runs.
class CheckpointTicket : public std::enable_shared_from_this<CheckpointTicket> {
 public:
  explicit CheckpointTicket(std::function<void()> run) : run_(std::move(run)) {}
  // Queues a checkpoint unless one is queued already or the mailbox has closed.
  void request();
  // No checkpoint starts after this returns, and none is running.
  void close();
  // While the returned lock is held no checkpoint of this mailbox runs (one that is queued waits):
  // a byte copy of the database file (store/wal_capture.h) must not see pages half written.
  std::unique_lock<std::mutex> hold() { return std::unique_lock(run_mutex_); }

 private:
  friend class Checkpointer;
  // Runs the checkpoint if the mailbox is still open (called by the background thread).
  void run_queued();

  std::function<void()> run_;
  std::mutex run_mutex_;  // held while run_ runs (hold())
  std::mutex mutex_;
  std::condition_variable idle_;
  bool queued_ = false;
  bool running_ = false;
  bool closed_ = false;
};

// WAL frames (pages) after which a commit asks for a checkpoint: SQLite's own default.
inline constexpr int kCheckpointFrames = 1000;
// Frames after which the writer stops waiting for the background thread and checkpoints itself.
inline constexpr int kSelfCheckpointFrames = 64 * kCheckpointFrames;

}  // namespace sealmail::store
