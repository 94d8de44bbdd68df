// POP3 retrieval rate (issue 7): logs in, RETRs every message of the maildrop, and prints messages
// per second, the median of several runs. The same program runs against sealmail and against
// Dovecot (bench/pop3_compare.sh), so both are measured by one client, on one machine, back to back.
//
// What is timed, per run (one connection each):
//   retr     the loop of RETR 1..n alone (as /work/tools/bin/pop3-retr-bench.py times it), each
//            answer read to its final ".\r\n" before the next RETR is sent (like fetchmail), or
//            with --pipeline K, up to K RETRs in flight (like mpop, RFC 2449 PIPELINING);
//   session  connect, greeting, USER/PASS (the password check and, for sealmail, the mailbox's key
//            derivation and maildrop sizes), STAT, the RETR loop, and QUIT.
// Nothing is deleted. Plain TCP without TLS (Dovecot's private instance has none), no Boost.
// With --vs, runs alternate between the two servers (A B A B ...), so that a machine whose load
// changes during the measurement (other builds on shared cores) weighs on both alike.
//
// usage: pop3_bench HOST PORT USER PASSWORD [--label NAME] [--vs NAME HOST PORT USER PASSWORD]
//                   [--runs N] [--pipeline K]
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tcp.h"

namespace {

using Clock = std::chrono::steady_clock;

class Client {
 public:
  Client(const std::string& host, const std::string& port) : fd_(bench::connect_tcp(host, port)) {
    buf_.resize(1 << 20);
  }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void send(std::string_view data) { bench::send_all(fd_, data); }

  // One status line, without its CRLF; throws on "-ERR".
  std::string status() {
    size_t end;
    while ((end = find("\r\n", start_)) == std::string::npos) fill();
    std::string line(buf_.data() + start_, end - start_);
    start_ = end + 2;
    if (line.rfind("+OK", 0) != 0) throw std::runtime_error("server said: " + line);
    return line;
  }

  // The body of a multi-line answer up to and including ".\r\n"; returns its length.
  size_t multiline() {
    while (have() < 3) fill();
    if (std::memcmp(buf_.data() + start_, ".\r\n", 3) == 0) {
      start_ += 3;
      return 0;
    }
    // The terminator is "\r\n.\r\n", its CRLF ending the body's last line. `scanned`: bytes after
    // start_ known not to begin it (fill() may move the unread bytes, never reorder them).
    size_t scanned = 0;
    for (;;) {
      size_t end = find("\r\n.\r\n", start_ + scanned);
      if (end != std::string::npos) {
        size_t length = end + 2 - start_;
        start_ = end + 5;
        return length;
      }
      scanned = have() >= 4 ? have() - 4 : 0;
      fill();
    }
  }

 private:
  size_t have() const { return end_ - start_; }
  size_t find(std::string_view needle, size_t from) const {
    if (end_ < from + needle.size()) return std::string::npos;
    const void* p = memmem(buf_.data() + from, end_ - from, needle.data(), needle.size());
    return p == nullptr ? std::string::npos : static_cast<size_t>(static_cast<const char*>(p) - buf_.data());
  }
  void fill() {
    if (start_ > 0 && start_ == end_) start_ = end_ = 0;
    if (end_ == buf_.size()) {
      // Move what is unread to the front, or grow for an answer larger than the buffer.
      if (start_ > 0) {
        std::memmove(buf_.data(), buf_.data() + start_, end_ - start_);
        end_ -= start_;
        start_ = 0;
      } else {
        buf_.resize(buf_.size() * 2);
      }
    }
    ssize_t n = ::recv(fd_, buf_.data() + end_, buf_.size() - end_, 0);
    if (n <= 0) throw std::runtime_error("connection closed");
    end_ += static_cast<size_t>(n);
  }

  int fd_ = -1;
  std::vector<char> buf_;
  size_t start_ = 0, end_ = 0;
};

struct Run {
  double retr_seconds = 0;
  double session_seconds = 0;
  size_t messages = 0;
  size_t octets = 0;
};

Run run_once(const std::string& host, const std::string& port, const std::string& user, const std::string& pass,
             size_t pipeline) {
  Run r;
  auto session_start = Clock::now();
  Client c(host, port);
  c.status();
  c.send("USER " + user + "\r\n");
  c.status();
  c.send("PASS " + pass + "\r\n");
  c.status();
  c.send("STAT\r\n");
  std::string stat = c.status();
  r.messages = std::strtoul(stat.c_str() + 4, nullptr, 10);
  auto retr_start = Clock::now();
  size_t sent = 0, received = 0;
  while (received < r.messages) {
    std::string batch;
    while (sent < r.messages && sent - received < pipeline) batch += "RETR " + std::to_string(++sent) + "\r\n";
    if (!batch.empty()) c.send(batch);
    c.status();
    r.octets += c.multiline();
    ++received;
  }
  auto retr_end = Clock::now();
  c.send("QUIT\r\n");
  c.status();
  auto session_end = Clock::now();
  r.retr_seconds = std::chrono::duration<double>(retr_end - retr_start).count();
  r.session_seconds = std::chrono::duration<double>(session_end - session_start).count();
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

struct Target {
  std::string label, host, port, user, pass;
  std::vector<double> retr_rates, session_rates;
  size_t messages = 0, octets = 0;
};

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr,
                 "usage: %s HOST PORT USER PASSWORD [--label NAME] [--vs NAME HOST PORT USER PASSWORD] [--runs N] "
                 "[--pipeline K]\n",
                 argv[0]);
    return 2;
  }
  std::vector<Target> targets(1);
  targets[0] = Target{argv[1], argv[1], argv[2], argv[3], argv[4]};
  targets[0].label = targets[0].host + ":" + targets[0].port;
  int runs = 5;
  size_t pipeline = 1;
  for (int i = 5; i < argc; ++i) {
    std::string_view flag = argv[i];
    auto need = [&](int n) {
      if (i + n >= argc) {
        std::fprintf(stderr, "%s needs %d arguments\n", argv[i], n);
        std::exit(2);
      }
    };
    if (flag == "--runs") {
      need(1);
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (flag == "--pipeline") {
      need(1);
      pipeline = static_cast<size_t>(std::max(1, std::atoi(argv[++i])));
    } else if (flag == "--label") {
      need(1);
      targets[0].label = argv[++i];
    } else if (flag == "--vs") {
      need(5);
      targets.push_back(Target{argv[i + 1], argv[i + 2], argv[i + 3], argv[i + 4], argv[i + 5]});
      i += 5;
    } else {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }
  for (int i = 0; i < runs; ++i) {
    for (auto& t : targets) {
      Run r;
      try {
        r = run_once(t.host, t.port, t.user, t.pass, pipeline);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", t.label.c_str(), e.what());
        return 1;
      }
      t.messages = r.messages;
      t.octets = r.octets;
      t.retr_rates.push_back(static_cast<double>(r.messages) / r.retr_seconds);
      t.session_rates.push_back(static_cast<double>(r.messages) / r.session_seconds);
      std::printf("%s run %d: %zu messages, %zu octets, RETR loop %.3f s (%.0f msg/s), session %.3f s (%.0f msg/s)\n",
                  t.label.c_str(), i + 1, r.messages, r.octets, r.retr_seconds, t.retr_rates.back(), r.session_seconds,
                  t.session_rates.back());
    }
  }
  for (auto& t : targets) {
    double retr = median(t.retr_rates);
    std::printf(
        "%s median of %d (pipeline %zu): RETR %.0f msg/s (%.1f MB/s), session %.0f msg/s; %zu messages, %zu "
        "octets\n",
        t.label.c_str(), runs, pipeline, retr,
        t.messages == 0 ? 0.0 : retr * static_cast<double>(t.octets) / static_cast<double>(t.messages) / 1e6,
        median(t.session_rates), t.messages, t.octets);
  }
  return 0;
}
