// c-ares driven from Asio (internal to the MX resolver). Why on the io_context and not on the
// worker pool: a DNS query waits for the network (up to timeout × tries), and the worker pool is
// where SQLite runs; parking a worker in ares_process's select() would stall mailboxes behind slow
// DNS. Instead c-ares tells us which sockets it wants (ARES_OPT_SOCK_STATE_CB), Asio waits on them
// (posix::stream_descriptor::async_wait, without owning the fd) and on c-ares's next timeout, and
// calls ares_process_fd when one is ready. Everything happens on one strand, so c-ares, which is
// not thread-safe per channel, is only ever entered from one thread at a time.
//
// Rules: one channel per resolution (no shared state between lookups); shutdown() must be called
// on the strand before the last reference goes, so that no Asio wait outlives the channel; c-ares
// closes its own sockets, we only stop watching them (release(), never close()).
#pragma once

#include <ares.h>

#include <boost/asio.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace sealmail::delivery::detail {

namespace asio = boost::asio;

struct DnsQuestion {
  std::string name;
  int type = 0;  // ns_t_mx, ns_t_a, ns_t_aaaa (arpa/nameser.h)
};

struct DnsAnswer {
  int status = ARES_ETIMEOUT;      // ARES_SUCCESS, ARES_ENODATA, ARES_ENOTFOUND, ...
  std::vector<unsigned char> raw;  // the reply message when status is ARES_SUCCESS
};

struct DnsSettings {
  std::vector<std::string> servers;  // "ip:port" or "[ipv6]:port"; empty: /etc/resolv.conf
  std::chrono::milliseconds timeout{2000};
  int tries = 2;
};

class DnsChannel : public std::enable_shared_from_this<DnsChannel> {
 public:
  // `strand` is where every call on the channel happens.
  static Result<std::shared_ptr<DnsChannel>> create(asio::strand<asio::any_io_executor> strand,
                                                    const DnsSettings& settings);
  ~DnsChannel();

  // Asks every question at once and returns the answers in the same order. Call on the strand.
  asio::awaitable<std::vector<DnsAnswer>> ask(std::vector<DnsQuestion> questions);
  // Stops watching sockets and timers and destroys the c-ares channel. Call on the strand.
  void shutdown();

  explicit DnsChannel(asio::strand<asio::any_io_executor> strand);

 private:
  struct Watch {
    std::unique_ptr<asio::posix::stream_descriptor> descriptor;
    uint64_t generation = 0;
    bool want_read = false, want_write = false, read_armed = false, write_armed = false;
  };
  struct Pending {
    DnsChannel* self;
    size_t index;
  };

  static void on_socket_state(void* data, ares_socket_t fd, int readable, int writable);
  static void on_answer(void* arg, int status, int timeouts, unsigned char* abuf, int alen);
  void arm(int fd, bool write);
  void on_ready(int fd, uint64_t generation, bool write, const boost::system::error_code& ec);
  void rearm_timer();

  asio::strand<asio::any_io_executor> strand_;
  ares_channel channel_ = nullptr;
  std::map<int, Watch> watches_;
  uint64_t next_generation_ = 1;
  asio::steady_timer timer_;  // c-ares's own timeouts
  asio::steady_timer done_;   // cancelled when the last answer of a batch is in
  std::vector<DnsAnswer> answers_;
  std::vector<Pending> pending_slots_;
  size_t pending_ = 0;
};

}  // namespace sealmail::delivery::detail
