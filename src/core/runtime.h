// The async runtime (DESIGN.md "Conventions"; STYLE.md "Boost.Beast / Asio"): I/O threads running
// an io_context, where every connection is one coroutine, and a worker pool for blocking work
// (SQLite). A coroutine hands blocking work to the pool with `co_await runtime.blocking(fn)` and
// resumes on its own executor afterwards: no I/O thread ever waits on SQLite.
//
// This is its own target (sealmail_runtime) so that protocol parsers, which link sealmail_core,
// never see Asio.
#pragma once

#include <boost/asio.hpp>
#include <optional>
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

  // GCC 12 may destroy temporaries of a co_await expression twice: every operand is a named local.
  template <typename F>
  asio::awaitable<std::invoke_result_t<F>> blocking(F fn) {
    using T = std::invoke_result_t<F>;
    if constexpr (std::is_void_v<T>) {
      auto work = call(std::move(fn));
      auto done = asio::co_spawn(workers_, std::move(work), asio::use_awaitable);
      co_await std::move(done);
    } else {
      // co_spawn hands its result through a default-constructed value: wrap types without a
      // default constructor (Result<T>) in an optional.
      auto work = call_wrapped(std::move(fn));
      auto done = asio::co_spawn(workers_, std::move(work), asio::use_awaitable);
      std::optional<T> result = co_await std::move(done);
      co_return std::move(*result);
    }
  }

  // Runs the io_context on `io_threads` threads (this one included) until stop() or until it has
  // no more work; then joins the workers.
  void run();
  void stop();

 private:
  // A coroutine function, not a capturing coroutine lambda: its parameter lives in its own frame
  // (GCC 12 destroys a capturing lambda coroutine's captures twice under co_spawn).
  template <typename F>
  static asio::awaitable<std::invoke_result_t<F>> call(F fn) {
    co_return fn();
  }
  template <typename F>
  static asio::awaitable<std::optional<std::invoke_result_t<F>>> call_wrapped(F fn) {
    co_return std::optional<std::invoke_result_t<F>>(fn());
  }

  asio::io_context io_;
  asio::thread_pool workers_;
  int io_threads_;
};

}  // namespace sealmail::net
