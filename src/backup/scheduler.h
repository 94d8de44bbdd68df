// serve's backup schedule: every check_seconds, each mailbox that is open (its key is in memory
// only while a session of its owner holds it: DESIGN.md point 4, as the seeds do) and whose last
// backup is older than interval_seconds is backed up on the worker pool, one after the other.
#pragma once

#include <memory>

#include "backup/service.h"
#include "core/runtime.h"
#include "store/registry.h"

namespace sealmail::backup {

class Scheduler {
 public:
  Scheduler(net::Runtime& runtime, std::shared_ptr<store::MailboxRegistry> registry, std::shared_ptr<Service> service);
  void start();
  void stop();

  struct State;  // shared with the scheduling coroutine

 private:
  std::shared_ptr<State> state_;
};

}  // namespace sealmail::backup
