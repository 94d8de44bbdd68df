// One `sealmail serve` per data directory, and how the CLI finds it. The server holds an exclusive
// lock on data_dir/serve.lock for its whole life (the kernel drops it when the process ends, even
// by kill -9) and writes into it its pid and the address its admin listener really bound. A second
// server is refused (two writers on one set of mailboxes would break the single-writer rule), and
// the CLI reaches the running server at the address the server itself wrote, never at a port read
// from a configuration that may belong to something else.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "core/config.h"
#include "core/result.h"

namespace sealmail::admin {

class ServeLock {
 public:
  // Takes the lock; an error when another server holds it.
  static Result<ServeLock> acquire(const std::filesystem::path& data_dir);
  ServeLock(ServeLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  ServeLock& operator=(ServeLock&&) = delete;
  ~ServeLock();
  // Records where the admin listener is (after it bound its port).
  Status publish_admin(const Endpoint& admin);

 private:
  explicit ServeLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// The admin endpoint of the server running on `data_dir`, or nullopt when none runs (or it has no
// admin listener).
std::optional<Endpoint> running_server_admin(const std::filesystem::path& data_dir);

}  // namespace sealmail::admin
