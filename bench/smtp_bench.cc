// SMTP delivery rate (issue 6): N concurrent senders, each on its own connection, send messages of
// a given size to one recipient and wait for the answer after the final dot, as an MX client does.
// Prints messages per second and the latency from MAIL FROM to that answer (p50, p99). The same
// program drives sealmail and a peer (Postfix with LMTP into Dovecot) through bench/smtp_compare.sh,
// so both are measured by one client, on one machine, back to back.
//
// What the answer means is the server's business: sealmail says 250 only after the mailbox commit
// (owner online), the spool fsync (owner away) or the forward target's 250 (forward).
//
// Submission (issue 8, bench/queue_compare.sh): --starttls upgrades each connection (RFC 3207, the
// server's certificate is not checked: loopback) and --auth USER:PASSWORD logs in with AUTH PLAIN
// (RFC 4954) before the messages; --from sets the envelope sender.
//
// usage: smtp_bench HOST PORT RECIPIENT [--clients N] [--messages M per client] [--size BYTES]
//                   [--label NAME] [--pipelining] [--starttls] [--auth USER:PASSWORD] [--from ADDRESS]
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tcp.h"

namespace {

using Clock = std::chrono::steady_clock;

class Client {
 public:
  Client(const std::string& host, const std::string& port) : fd_(bench::connect_tcp(host, port)) {}
  ~Client() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void send(std::string_view data) {
    if (ssl_ == nullptr) return bench::send_all(fd_, data);
    while (!data.empty()) {
      int n = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
      if (n <= 0) throw std::runtime_error("TLS send failed");
      data.remove_prefix(static_cast<size_t>(n));
    }
  }

  void start_tls(SSL_CTX* ctx) {
    ssl_ = SSL_new(ctx);
    SSL_set_fd(ssl_, fd_);
    if (SSL_connect(ssl_) != 1) throw std::runtime_error("TLS handshake failed");
  }

  // One reply (all lines of a multi-line one); returns its code, throws unless it is `want`.
  int reply(int want) {
    for (;;) {
      auto end = buf_.find("\r\n");
      while (end == std::string::npos) {
        char chunk[4096];
        ssize_t n = ssl_ != nullptr ? SSL_read(ssl_, chunk, sizeof chunk) : ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0) throw std::runtime_error("connection closed");
        buf_.append(chunk, static_cast<size_t>(n));
        end = buf_.find("\r\n");
      }
      std::string line = buf_.substr(0, end);
      buf_.erase(0, end + 2);
      if (line.size() >= 4 && line[3] == '-') continue;
      int code = std::atoi(line.substr(0, 3).c_str());
      if (code != want) throw std::runtime_error("server said: " + line);
      return code;
    }
  }

 private:
  int fd_ = -1;
  SSL* ssl_ = nullptr;
  std::string buf_;
};

// Every message differs (run, client, number): the MX remembers what it delivered by fingerprint
// and would take a repeated message as a retry, not store it again.
std::string make_message(size_t size, const std::string& run, int client, int n, const std::string& from) {
  std::string id = run + "." + std::to_string(client) + "." + std::to_string(n);
  std::string m = "From: Bench <" + from + ">\r\nTo: you@example.com\r\nSubject: bench " + id + "\r\nMessage-ID: <" +
                  id + "@bench>\r\n\r\n";
  std::string line(76, 'x');
  while (m.size() + 78 < size) m += line + "\r\n";
  return m;
}

std::string base64(std::string_view in) {
  static const char* abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<uint8_t>(in[i + 1]) << 8;
    if (i + 2 < in.size()) v |= static_cast<uint8_t>(in[i + 2]);
    out += abc[(v >> 18) & 63];
    out += abc[(v >> 12) & 63];
    out += i + 1 < in.size() ? abc[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? abc[v & 63] : '=';
  }
  return out;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr,
                 "usage: smtp_bench HOST PORT RECIPIENT [--clients N] [--messages M] [--size BYTES] "
                 "[--label NAME] [--pipelining]\n");
    return 2;
  }
  std::string host = argv[1], port = argv[2], rcpt = argv[3], label = "server";
  int clients = 50, messages = 40;
  size_t size = 10 * 1024;
  bool pipelining = false, starttls = false;
  std::string auth, from = "bench@example.org";
  for (int i = 4; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--clients")
      clients = std::stoi(next());
    else if (a == "--messages")
      messages = std::stoi(next());
    else if (a == "--size")
      size = std::stoul(next());
    else if (a == "--label")
      label = next();
    else if (a == "--pipelining")
      pipelining = true;
    else if (a == "--starttls")
      starttls = true;
    else if (a == "--auth")
      auth = next();
    else if (a == "--from")
      from = next();
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  SSL_CTX* tls = SSL_CTX_new(TLS_client_method());  // no verification: a loopback benchmark
  std::string plain;                                // AUTH PLAIN's "\0user\0password"
  if (!auth.empty()) {
    auto colon = auth.find(':');
    plain = std::string(1, '\0') + auth.substr(0, colon) + std::string(1, '\0') + auth.substr(colon + 1);
  }
  std::string run = std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  std::mutex mutex;
  std::vector<double> latencies;
  std::atomic<int> failures{0};
  std::string first_error;
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      std::vector<double> mine;
      try {
        Client client(host, port);
        client.reply(220);
        client.send("EHLO bench.example.org\r\n");
        client.reply(250);
        if (starttls) {
          client.send("STARTTLS\r\n");
          client.reply(220);
          client.start_tls(tls);
          client.send("EHLO bench.example.org\r\n");
          client.reply(250);
        }
        if (!plain.empty()) {
          client.send("AUTH PLAIN " + base64(plain) + "\r\n");
          client.reply(235);
        }
        for (int n = 0; n < messages; ++n) {
          std::string body = make_message(size, run, c, n, from);
          auto t0 = Clock::now();
          if (pipelining) {
            // RFC 2920: MAIL, RCPT and DATA in one write, their answers read after.
            client.send("MAIL FROM:<" + from + ">\r\nRCPT TO:<" + rcpt + ">\r\nDATA\r\n");
            client.reply(250);
            client.reply(250);
            client.reply(354);
          } else {
            client.send("MAIL FROM:<" + from + ">\r\n");
            client.reply(250);
            client.send("RCPT TO:<" + rcpt + ">\r\n");
            client.reply(250);
            client.send("DATA\r\n");
            client.reply(354);
          }
          client.send(body + ".\r\n");
          client.reply(250);
          mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        }
        client.send("QUIT\r\n");
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex);
        if (failures++ == 0) first_error = e.what();
      }
      std::lock_guard lock(mutex);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf(
      "%s: %zu messages of %zu bytes from %d clients in %.2f s: %.0f messages/s, latency p50 %.1f ms, "
      "p99 %.1f ms, %d clients failed%s%s\n",
      label.c_str(), latencies.size(), size, clients, seconds, static_cast<double>(latencies.size()) / seconds,
      percentile(latencies, 0.5), percentile(latencies, 0.99), failures.load(), first_error.empty() ? "" : ": ",
      first_error.c_str());
  return failures.load() == 0 ? 0 : 1;
}
