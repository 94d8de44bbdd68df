// Fills the full-text index of open mailboxes in the background (store/content.h indexes lazily
// so that appends stay fast): every few seconds, a bounded batch per open mailbox on the worker
// pool, so that a body SEARCH rarely has anything left to index first. Only open mailboxes can be
// indexed: the others' keys are not in memory (DESIGN.md point 4).
#pragma once

#include <chrono>
#include <memory>

#include "core/runtime.h"
#include "store/registry.h"

namespace sealmail::admin {

class BackgroundIndexer {
 public:
  BackgroundIndexer(net::Runtime& runtime, std::shared_ptr<store::MailboxRegistry> registry,
                    std::chrono::milliseconds interval = std::chrono::seconds(2), size_t batch = 500);
  void start();
  void stop();

  struct State;  // shared with the indexing coroutine

 private:
  std::shared_ptr<State> state_;
};

}  // namespace sealmail::admin
