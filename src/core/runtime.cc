#include "core/runtime.h"

namespace sealmail::net {

Runtime::Runtime(int io_threads, int worker_threads)
    : io_(io_threads), workers_(static_cast<size_t>(worker_threads)), io_threads_(io_threads) {}

Runtime::~Runtime() {
  stop();
  workers_.join();
}

void Runtime::run() {
  std::vector<std::thread> extra;
  for (int i = 1; i < io_threads_; ++i) extra.emplace_back([this] { io_.run(); });
  io_.run();
  for (auto& t : extra) t.join();
}

void Runtime::stop() { io_.stop(); }

}  // namespace sealmail::net
