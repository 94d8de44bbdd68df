// Shared pieces of the outbound tests (SMTP client, forwarder, webhook): temporary folders, the
// aiosmtpd sink, and running one coroutine to its end on a private io_context.
#pragma once

#include <boost/asio.hpp>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "support/child_process.h"
#include "support/temp_dir.h"

namespace sealmail::testing {

// Debian's interpreter: the packages the tests use (python3-aiosmtpd) are installed for it, whatever
// python3 comes first in PATH.
inline const char* kPython = "/usr/bin/python3";

// The SMTP sink (tests/smtp/client/smtp_sink.py) in its own folder; `args` are its modes.
class SmtpSink {
 public:
  explicit SmtpSink(std::vector<std::string> args = {}) {
    std::vector<std::string> argv{kPython, SEALMAIL_SMTP_SINK, "--dir", dir_.path().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    process_.emplace(argv, std::vector<std::string>{}, (dir_.path() / "sink.log").string());
    port_ = process_->wait_ready();
    if (port_ == 0) throw std::runtime_error("the SMTP sink did not start: " + read_file(dir_.path() / "sink.log"));
  }
  uint16_t port() const { return static_cast<uint16_t>(port_); }
  // How many messages arrived, and the n-th (1-based) message and its metadata (JSON text).
  size_t count() const {
    size_t n = 0;
    while (std::filesystem::exists(dir_.path() / (std::to_string(n + 1) + ".json"))) ++n;
    return n;
  }
  std::string message(size_t n) const { return read_file(dir_.path() / (std::to_string(n) + ".eml")); }
  std::string meta(size_t n) const { return read_file(dir_.path() / (std::to_string(n) + ".json")); }
  const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  TempDir dir_;
  std::optional<ChildProcess> process_;
  int port_ = 0;
};

// Runs `work` on a fresh io_context until it finishes; rethrows what it threw.
template <typename T>
T run_coroutine(boost::asio::awaitable<T> work) {
  boost::asio::io_context io;
  std::optional<T> result;
  std::exception_ptr error;
  boost::asio::co_spawn(io, std::move(work), [&](std::exception_ptr e, T value) {
    error = e;
    if (!e) result = std::move(value);
  });
  io.run();
  if (error) std::rethrow_exception(error);
  return std::move(*result);
}

}  // namespace sealmail::testing
