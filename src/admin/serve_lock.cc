#include "admin/serve_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sealmail::admin {

namespace {

std::filesystem::path lock_path(const std::filesystem::path& data_dir) { return data_dir / "serve.lock"; }

bool write_all(int fd, const std::string& text) {
  if (::ftruncate(fd, 0) != 0) return false;
  return ::pwrite(fd, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size());
}

}  // namespace

Result<ServeLock> ServeLock::acquire(const std::filesystem::path& data_dir) {
  auto path = lock_path(data_dir);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return make_error(Errc::io, "cannot open " + path.string() + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return make_error(Errc::busy, "another sealmail serve runs on this data directory (" + path.string() + ")");
  }
  if (!write_all(fd, "pid " + std::to_string(::getpid()) + "\n")) {
    ::close(fd);
    return make_error(Errc::io, "cannot write " + path.string());
  }
  return ServeLock(fd);
}

ServeLock::~ServeLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

Status ServeLock::publish_admin(const Endpoint& admin) {
  if (!write_all(fd_, "pid " + std::to_string(::getpid()) + "\nadmin " + admin.to_string() + "\n"))
    return make_error(Errc::io, "cannot write serve.lock");
  return {};
}

std::optional<Endpoint> running_server_admin(const std::filesystem::path& data_dir) {
  int fd = ::open(lock_path(data_dir).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  // A shared lock we can take means no server holds the exclusive one.
  if (::flock(fd, LOCK_SH | LOCK_NB) == 0) {
    ::close(fd);
    return std::nullopt;
  }
  char buffer[512];
  ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  std::string_view text(buffer, static_cast<size_t>(n));
  auto at = text.find("\nadmin ");
  if (at == std::string_view::npos) return std::nullopt;
  auto line = text.substr(at + 7);
  line = line.substr(0, line.find('\n'));
  auto endpoint = parse_endpoint(line);
  if (!endpoint) return std::nullopt;
  return *endpoint;
}

}  // namespace sealmail::admin
