#include "delivery/dns_channel.h"

#include <mutex>

namespace sealmail::delivery::detail {

namespace {

void init_library() {
  static std::once_flag once;
  std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
}

}  // namespace

DnsChannel::DnsChannel(asio::strand<asio::any_io_executor> strand)
    : strand_(strand), timer_(strand), done_(strand, std::chrono::steady_clock::time_point::max()) {}

DnsChannel::~DnsChannel() {
  // shutdown() normally ran already; this covers a channel that never asked anything.
  for (auto& [fd, w] : watches_) w.descriptor->release();
  watches_.clear();
  if (channel_ != nullptr) ares_destroy(channel_);
}

Result<std::shared_ptr<DnsChannel>> DnsChannel::create(asio::strand<asio::any_io_executor> strand,
                                                       const DnsSettings& settings) {
  init_library();
  auto self = std::make_shared<DnsChannel>(strand);
  ares_options options{};
  int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS;
  options.sock_state_cb = &DnsChannel::on_socket_state;
  options.sock_state_cb_data = self.get();
  options.timeout = static_cast<int>(settings.timeout.count());
  options.tries = settings.tries;
  // EDNS0 lets large MX sets fit in UDP; no search domains: a mail domain is always absolute.
  options.flags = ARES_FLAG_EDNS | ARES_FLAG_NOSEARCH;
  mask |= ARES_OPT_EDNSPSZ;
  options.ednspsz = 1232;
  int rc = ares_init_options(&self->channel_, &options, mask);
  if (rc != ARES_SUCCESS)
    return make_error(Errc::internal, std::string("dns: ares_init_options: ") + ares_strerror(rc));
  if (!settings.servers.empty()) {
    std::string csv;
    for (const auto& s : settings.servers) csv += (csv.empty() ? "" : ",") + s;
    rc = ares_set_servers_ports_csv(self->channel_, csv.c_str());
    if (rc != ARES_SUCCESS)
      return make_error(Errc::invalid_argument, std::string("dns: bad server list: ") + ares_strerror(rc));
  }
  return self;
}

void DnsChannel::on_socket_state(void* data, ares_socket_t fd, int readable, int writable) {
  auto* self = static_cast<DnsChannel*>(data);
  auto it = self->watches_.find(fd);
  if (readable == 0 && writable == 0) {
    // c-ares is about to close the socket: stop watching without closing it ourselves.
    if (it != self->watches_.end()) {
      it->second.descriptor->release();
      self->watches_.erase(it);
    }
    return;
  }
  if (it == self->watches_.end()) {
    Watch w;
    w.descriptor = std::make_unique<asio::posix::stream_descriptor>(self->strand_, fd);
    w.generation = self->next_generation_++;
    it = self->watches_.emplace(fd, std::move(w)).first;
  }
  it->second.want_read = readable != 0;
  it->second.want_write = writable != 0;
  if (it->second.want_read && !it->second.read_armed) self->arm(fd, false);
  if (it->second.want_write && !it->second.write_armed) self->arm(fd, true);
}

void DnsChannel::arm(int fd, bool write) {
  auto& w = watches_.at(fd);
  (write ? w.write_armed : w.read_armed) = true;
  auto kind = write ? asio::posix::stream_descriptor::wait_write : asio::posix::stream_descriptor::wait_read;
  w.descriptor->async_wait(kind, asio::bind_executor(strand_, [self = shared_from_this(), fd, gen = w.generation,
                                                               write](const boost::system::error_code& ec) {
                             self->on_ready(fd, gen, write, ec);
                           }));
}

void DnsChannel::on_ready(int fd, uint64_t generation, bool write, const boost::system::error_code& ec) {
  auto it = watches_.find(fd);
  // A released descriptor's wait ends with operation_aborted; the fd may already be a new socket.
  if (it == watches_.end() || it->second.generation != generation) return;
  (write ? it->second.write_armed : it->second.read_armed) = false;
  if (ec || channel_ == nullptr) return;
  if (write)
    ares_process_fd(channel_, ARES_SOCKET_BAD, fd);
  else
    ares_process_fd(channel_, fd, ARES_SOCKET_BAD);
  // ares_process_fd may have closed the socket (and so erased the watch) or opened others.
  it = watches_.find(fd);
  if (it != watches_.end() && it->second.generation == generation) {
    bool want = write ? it->second.want_write : it->second.want_read;
    bool armed = write ? it->second.write_armed : it->second.read_armed;
    if (want && !armed) arm(fd, write);
  }
  rearm_timer();
}

void DnsChannel::rearm_timer() {
  if (channel_ == nullptr) return;
  timeval tv{};
  if (ares_timeout(channel_, nullptr, &tv) == nullptr) {
    timer_.cancel();
    return;
  }
  timer_.expires_after(std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec));
  timer_.async_wait(asio::bind_executor(strand_, [self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->channel_ == nullptr) return;
    ares_process_fd(self->channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // handles what timed out
    self->rearm_timer();
  }));
}

void DnsChannel::on_answer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  auto* slot = static_cast<Pending*>(arg);
  DnsChannel* self = slot->self;
  if (self->pending_ == 0 || slot->index >= self->answers_.size()) return;  // shutdown's ARES_EDESTRUCTION
  auto& answer = self->answers_[slot->index];
  answer.status = status;
  if (status == ARES_SUCCESS && abuf != nullptr && alen > 0) answer.raw.assign(abuf, abuf + alen);
  if (--self->pending_ == 0) self->done_.cancel();
}

asio::awaitable<std::vector<DnsAnswer>> DnsChannel::ask(std::vector<DnsQuestion> questions) {
  answers_.assign(questions.size(), DnsAnswer{});
  pending_slots_.clear();
  pending_slots_.reserve(questions.size());  // stable addresses: c-ares keeps pointers to them
  for (size_t i = 0; i < questions.size(); ++i) pending_slots_.push_back({this, i});
  pending_ = questions.size();
  for (size_t i = 0; i < questions.size(); ++i)
    ares_query(channel_, questions[i].name.c_str(), 1 /* ns_c_in */, questions[i].type, &DnsChannel::on_answer,
               &pending_slots_[i]);
  rearm_timer();
  // The answers come from the socket and timer handlers above, on this strand, while we wait.
  while (pending_ > 0) {
    done_.expires_at(std::chrono::steady_clock::time_point::max());
    auto wait = done_.async_wait(asio::as_tuple(asio::use_awaitable));
    co_await std::move(wait);
  }
  co_return std::move(answers_);
}

void DnsChannel::shutdown() {
  for (auto& [fd, w] : watches_) w.descriptor->release();
  watches_.clear();
  timer_.cancel();
  done_.cancel();
  if (channel_ != nullptr) {
    ares_channel c = channel_;
    channel_ = nullptr;
    pending_ = 0;
    ares_destroy(c);  // answers pending queries with ARES_EDESTRUCTION
  }
}

}  // namespace sealmail::delivery::detail
