#include "delivery/filters/clamd_client.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sealmail::delivery::filters {

namespace {

using Clock = std::chrono::steady_clock;

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1 << 30));
}

// Waits for `events` on fd until the deadline: false on timeout or error.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    int ms = remaining_ms(deadline);
    if (ms == 0) return false;
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, ms);
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return false;
  }
}

bool send_all(int fd, const char* data, size_t size, Clock::time_point deadline) {
  while (size > 0) {
    if (!wait_for(fd, POLLOUT, deadline)) return false;
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

ClamdVerdict unavailable(std::string why) { return {ClamdVerdict::Kind::unavailable, std::move(why)}; }

}  // namespace

ClamdVerdict parse_clamd_answer(std::string_view answer) {
  while (!answer.empty() && (answer.back() == '\0' || answer.back() == '\n' || answer.back() == '\r'))
    answer.remove_suffix(1);
  // "stream: OK", "stream: Eicar-Signature FOUND", "INSTREAM size limit exceeded. ERROR"
  constexpr std::string_view kPrefix = "stream: ";
  if (answer.substr(0, kPrefix.size()) == kPrefix) {
    auto rest = answer.substr(kPrefix.size());
    if (rest == "OK") return {ClamdVerdict::Kind::clean, {}};
    constexpr std::string_view kFound = " FOUND";
    if (rest.size() > kFound.size() && rest.substr(rest.size() - kFound.size()) == kFound) {
      std::string name(rest.substr(0, rest.size() - kFound.size()));
      // A signature name is printable ASCII; anything else is not passed on into a reply or log.
      for (auto& c : name)
        if (c < 0x21 || c > 0x7e) c = '?';
      if (name.size() > 128) name.resize(128);
      return {ClamdVerdict::Kind::infected, name};
    }
  }
  constexpr std::string_view kError = " ERROR";
  if (answer.size() >= kError.size() && answer.substr(answer.size() - kError.size()) == kError)
    return unavailable("clamd reported an error");
  return unavailable("clamd gave an answer that is not understood");
}

ClamdVerdict clamd_scan(const ClamdOptions& options, std::string_view message) {
  if (message.size() > options.stream_max_bytes) return unavailable("message exceeds clamd's StreamMaxLength");
  const auto deadline = Clock::now() + options.timeout;

  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string path = options.socket.string();
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) return unavailable("clamd socket path is not usable");
  std::memcpy(addr.sun_path, path.data(), path.size());

  Socket sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (sock.get() < 0) return unavailable("socket failed");
  if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno != EINPROGRESS && errno != EAGAIN) return unavailable("clamd is not reachable");
    if (!wait_for(sock.get(), POLLOUT, deadline)) return unavailable("clamd did not accept in time");
    int err = 0;
    socklen_t len = sizeof(err);
    if (::getsockopt(sock.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)
      return unavailable("clamd is not reachable");
  }

  // "z" prefix: NUL-terminated commands and answers (clamd(8)).
  static constexpr char kCommand[] = "zINSTREAM";
  if (!send_all(sock.get(), kCommand, sizeof(kCommand), deadline)) return unavailable("clamd did not take the scan");
  size_t chunk = std::max<size_t>(1, options.chunk_bytes);
  for (size_t at = 0; at < message.size(); at += chunk) {
    size_t n = std::min(chunk, message.size() - at);
    unsigned char prefix[4] = {static_cast<unsigned char>(n >> 24), static_cast<unsigned char>(n >> 16),
                               static_cast<unsigned char>(n >> 8), static_cast<unsigned char>(n)};
    if (!send_all(sock.get(), reinterpret_cast<const char*>(prefix), 4, deadline) ||
        !send_all(sock.get(), message.data() + at, n, deadline))
      return unavailable("clamd stopped reading the stream");
  }
  static constexpr char kEnd[4] = {0, 0, 0, 0};
  if (!send_all(sock.get(), kEnd, 4, deadline)) return unavailable("clamd stopped reading the stream");

  std::string answer;
  char buf[512];
  while (answer.find('\0') == std::string::npos) {
    if (answer.size() > 4096) return unavailable("clamd's answer is too long");
    if (!wait_for(sock.get(), POLLIN, deadline)) return unavailable("clamd did not answer in time");
    ssize_t n = ::recv(sock.get(), buf, sizeof(buf), 0);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return unavailable("clamd connection failed");
    }
    if (n == 0) break;
    answer.append(buf, static_cast<size_t>(n));
  }
  if (answer.empty()) return unavailable("clamd closed the connection without an answer");
  return parse_clamd_answer(answer.substr(0, answer.find('\0')));
}

}  // namespace sealmail::delivery::filters
