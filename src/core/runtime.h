// The async runtime (DESIGN.md "Conventions"; STYLE.md "Boost.Beast / Asio"): I/O threads running
// an io_context, where every connection is one coroutine, and a worker pool for blocking work
// (SQLite). A coroutine hands blocking work to the pool with `co_await runtime.blocking(fn)` and
// resumes on its own executor afterwards: no I/O thread ever waits on SQLite.
//
// This is its own target (sealmail_runtime) so that protocol parsers, which link sealmail_core,
// never see Asio.
#pragma once

#include <boost/asio.hpp>

#include <thread>
#include <type_traits>
#include <vector>

namespace sealmail::net {

namespace asio = boost::asio;

class Runtime {
 public:
  Runtime(int io_threads, int worker_threads);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  asio::io_context& io() { return io_; }

  template <typename F>
  asio::awaitable<std::invoke_result_t<F>> blocking(F fn) {
    using R = std::invoke_result_t<F>;
    co_return co_await asio::co_spawn(
        workers_, [f = std::move(fn)]() mutable -> asio::awaitable<R> { co_return f(); }, asio::use_awaitable);
  }

  // Runs the io_context on `io_threads` threads (this one included) until stop() or until it has
  // no more work; then joins the workers.
  void run();
  void stop();

 private:
  asio::io_context io_;
  asio::thread_pool workers_;
  int io_threads_;
};

}  // namespace sealmail::net
