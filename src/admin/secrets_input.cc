#include "admin/secrets_input.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace sealmail::admin {

Result<crypto::SecretBuffer> read_password(const std::string& file, const char* env) {
  if (file.empty()) {
    const char* v = std::getenv(env);
    if (v == nullptr || *v == 0)
      return make_error(Errc::invalid_argument, std::string("no password: use --password-file FILE or set ") + env);
    return crypto::SecretBuffer::from(v);
  }
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(Errc::io, "cannot read password file " + file + ": " + std::strerror(errno));
  crypto::SecretBuffer buf(4096);
  size_t len = 0;
  while (len < buf.size()) {
    ssize_t n = ::read(fd, buf.data() + len, buf.size() - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    len += static_cast<size_t>(n);
  }
  ::close(fd);
  size_t end = 0;
  while (end < len && buf.data()[end] != '\n' && buf.data()[end] != '\r') ++end;
  if (end == 0) return make_error(Errc::invalid_argument, "password file " + file + " is empty");
  return crypto::SecretBuffer::from(buf.view().substr(0, end));
}

}  // namespace sealmail::admin
