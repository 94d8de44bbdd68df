#include "store/checkpointer.h"

#include <deque>
#include <thread>

namespace sealmail::store {

// The process's one checkpoint thread. It is never joined: it lives as long as the process and
// holds only tickets, whose mailboxes wait for it in close().
class Checkpointer {
 public:
  static Checkpointer& instance() {
    static auto* c = new Checkpointer();  // never destroyed: the thread may outlive static destructors
    return *c;
  }

  void submit(std::shared_ptr<CheckpointTicket> ticket) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(ticket));
    }
    ready_.notify_one();
  }

 private:
  Checkpointer() {
    std::thread([this] { loop(); }).detach();
  }

  void loop() {
    for (;;) {
      std::shared_ptr<CheckpointTicket> ticket;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return !queue_.empty(); });
        ticket = std::move(queue_.front());
        queue_.pop_front();
      }
      ticket->run_queued();
    }
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::shared_ptr<CheckpointTicket>> queue_;
};

void CheckpointTicket::request() {
  {
    std::lock_guard lock(mutex_);
    if (queued_ || closed_) return;
    queued_ = true;
  }
  Checkpointer::instance().submit(shared_from_this());
}

void CheckpointTicket::run_queued() {
  {
    std::lock_guard lock(mutex_);
    queued_ = false;
    if (closed_) return;
    running_ = true;
  }
  try {
    std::lock_guard held(run_mutex_);
    run_();
  } catch (...) {
    // A checkpoint that fails (busy, I/O) leaves the log as it was; the next commit asks again.
  }
  {
    std::lock_guard lock(mutex_);
    running_ = false;
  }
  idle_.notify_all();
}

void CheckpointTicket::close() {
  std::unique_lock lock(mutex_);
  closed_ = true;
  idle_.wait(lock, [&] { return !running_; });
}

}  // namespace sealmail::store
