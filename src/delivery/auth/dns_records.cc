#include "delivery/auth/dns_records.h"

#include "delivery/auth/dns_answer.h"
#include "delivery/dns_channel.h"

namespace sealmail::delivery::auth {

namespace asio = boost::asio;
using detail::DnsAnswer;
using detail::DnsChannel;
using detail::DnsQuestion;

namespace {

std::string normalize(std::string_view name) {
  std::string out(name);
  while (!out.empty() && out.back() == '.') out.pop_back();
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

struct Asked {
  DnsLookup lookup;
  uint32_t ttl = 0;
};

asio::awaitable<Asked> ask_on_strand(asio::strand<asio::any_io_executor> strand, detail::DnsSettings settings,
                                     std::string name, int type) {
  Asked out;
  auto made = DnsChannel::create(strand, settings);
  if (!made) co_return out;
  auto channel = *made;
  auto asking = channel->ask({DnsQuestion{name, type}});
  std::vector<DnsAnswer> answers = co_await std::move(asking);
  channel->shutdown();
  const DnsAnswer& a = answers.front();
  if (a.status == ARES_ENOTFOUND || a.status == ARES_ENODATA) {
    out.lookup.status = DnsLookup::Status::none;
    out.lookup.nxdomain = a.status == ARES_ENOTFOUND;
    co_return out;
  }
  if (a.status != ARES_SUCCESS) co_return out;
  auto parsed = parse_dns_answer(a.raw, type);
  if (!parsed) co_return out;
  out.lookup.status = parsed->values.empty() ? DnsLookup::Status::none : DnsLookup::Status::found;
  out.lookup.values = std::move(parsed->values);
  out.ttl = parsed->ttl;
  co_return out;
}

}  // namespace

DnsRecords::DnsRecords(DnsRecordsOptions options) : options_(std::move(options)) {}

size_t DnsRecords::cached() const {
  std::lock_guard lock(mutex_);
  return cache_.size();
}

void DnsRecords::remember(const std::string& key, const DnsLookup& answer, std::chrono::seconds ttl) {
  if (ttl.count() <= 0) return;
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  if (cache_.size() >= options_.max_entries) {
    std::erase_if(cache_, [&](const auto& kv) { return kv.second.expires <= now; });
    if (cache_.size() >= options_.max_entries) cache_.clear();
  }
  cache_[key] = Entry{answer, now + ttl};
}

asio::awaitable<DnsLookup> DnsRecords::lookup(std::string name, int type) {
  name = normalize(name);
  // RFC 1035 §2.3.4: a name longer than 253 characters cannot exist.
  if (name.empty() || name.size() > 253) co_return DnsLookup{DnsLookup::Status::none, {}, true};
  std::string key = std::to_string(type) + " " + name;
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      if (it->second.expires > std::chrono::steady_clock::now()) co_return it->second.answer;
      cache_.erase(it);
    }
  }
  ++queries_;
  auto executor = co_await asio::this_coro::executor;
  auto strand = asio::make_strand(executor);
  detail::DnsSettings settings{options_.servers, options_.timeout, options_.tries};
  auto task = ask_on_strand(strand, settings, name, type);
  auto done = asio::co_spawn(strand, std::move(task), asio::use_awaitable);
  Asked asked = co_await std::move(done);
  if (asked.lookup.status == DnsLookup::Status::found)
    remember(key, asked.lookup, std::min(std::chrono::seconds(asked.ttl), options_.max_ttl));
  else if (asked.lookup.status == DnsLookup::Status::none)
    remember(key, asked.lookup, options_.negative_ttl);
  co_return asked.lookup;
}

}  // namespace sealmail::delivery::auth
