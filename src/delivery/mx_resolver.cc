#include "delivery/mx_resolver.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <random>

#include "delivery/dns_channel.h"

namespace sealmail::delivery {

namespace asio = boost::asio;
using detail::DnsAnswer;
using detail::DnsChannel;
using detail::DnsQuestion;

namespace {

constexpr int kTypeA = 1, kTypeMx = 15, kTypeAaaa = 28;
constexpr int kMaxAddresses = 32;

// "The name does not exist" and "it has no record of this type" are answers; everything else
// (SERVFAIL, REFUSED, timeouts, malformed replies) may be different next time.
bool definite(int status) { return status == ARES_SUCCESS || status == ARES_ENOTFOUND || status == ARES_ENODATA; }

MxResult failure(DnsFailure kind, std::string reason) {
  MxResult r;
  r.failure = kind;
  r.reason = std::move(reason);
  return r;
}

struct HostAddresses {
  std::vector<asio::ip::address> v4, v6;
  bool temporary = false;                               // a query failed in a way that may heal
  uint32_t ttl = std::numeric_limits<uint32_t>::max();  // the least TTL of the records found
};

void add_addresses(const DnsAnswer& answer, int type, HostAddresses& out) {
  if (answer.status != ARES_SUCCESS) {
    if (!definite(answer.status)) out.temporary = true;
    return;
  }
  const auto* raw = answer.raw.data();
  int len = static_cast<int>(answer.raw.size());
  int n = kMaxAddresses;
  if (type == kTypeA) {
    ares_addrttl ttls[kMaxAddresses];
    int rc = ares_parse_a_reply(raw, len, nullptr, ttls, &n);
    if (rc != ARES_SUCCESS) {
      if (rc != ARES_ENODATA) out.temporary = true;
      return;
    }
    for (int i = 0; i < n; ++i) {
      asio::ip::address_v4::bytes_type b;
      std::memcpy(b.data(), &ttls[i].ipaddr, b.size());
      out.v4.emplace_back(asio::ip::address_v4(b));
      out.ttl = std::min(out.ttl, static_cast<uint32_t>(std::max(ttls[i].ttl, 0)));
    }
  } else {
    ares_addr6ttl ttls[kMaxAddresses];
    int rc = ares_parse_aaaa_reply(raw, len, nullptr, ttls, &n);
    if (rc != ARES_SUCCESS) {
      if (rc != ARES_ENODATA) out.temporary = true;
      return;
    }
    for (int i = 0; i < n; ++i) {
      asio::ip::address_v6::bytes_type b;
      std::memcpy(b.data(), &ttls[i].ip6addr, b.size());
      out.v6.emplace_back(asio::ip::address_v6(b));
      out.ttl = std::min(out.ttl, static_cast<uint32_t>(std::max(ttls[i].ttl, 0)));
    }
  }
}

std::string normalize(std::string_view domain) {
  std::string out(domain);
  while (!out.empty() && out.back() == '.') out.pop_back();
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

// RFC 5321 §4.1.3 address literals: "[192.0.2.1]", "[IPv6:2001:db8::1]".
std::optional<asio::ip::address> address_literal(std::string_view domain) {
  if (domain.size() < 3 || domain.front() != '[' || domain.back() != ']') return std::nullopt;
  std::string_view inner = domain.substr(1, domain.size() - 2);
  bool v6 = inner.size() > 5 && normalize(inner.substr(0, 5)) == "ipv6:";
  if (v6) inner.remove_prefix(5);
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(std::string(inner), ec);
  if (ec || addr.is_v6() != v6) return std::nullopt;
  return addr;
}

// Fills each host's addresses (one batch of queries for all of them); keeps the hosts that have
// some. Fails when none has: temporarily if a lookup failed in a way that may heal.
asio::awaitable<MxResult> resolve_addresses(std::shared_ptr<DnsChannel> channel, MxResolverOptions options,
                                            std::vector<MxHost> hosts) {
  std::vector<DnsQuestion> questions;
  for (const auto& h : hosts) {
    questions.push_back({h.name, kTypeA});
    if (options.ipv6) questions.push_back({h.name, kTypeAaaa});
  }
  auto asking = channel->ask(std::move(questions));
  std::vector<DnsAnswer> answers = co_await std::move(asking);
  MxResult result;
  uint32_t ttl = std::numeric_limits<uint32_t>::max();
  bool temporary = false;
  size_t per_host = options.ipv6 ? 2 : 1;
  for (size_t i = 0; i < hosts.size(); ++i) {
    HostAddresses found;
    add_addresses(answers[i * per_host], kTypeA, found);
    if (options.ipv6) add_addresses(answers[i * per_host + 1], kTypeAaaa, found);
    temporary = temporary || found.temporary;
    if (found.v4.empty() && found.v6.empty()) continue;
    ttl = std::min(ttl, found.ttl);
    hosts[i].addresses = std::move(found.v4);
    hosts[i].addresses.insert(hosts[i].addresses.end(), found.v6.begin(), found.v6.end());
    result.hosts.push_back(std::move(hosts[i]));
  }
  if (result.hosts.empty()) {
    co_return temporary ? failure(DnsFailure::temporary, "dns: address lookup failed")
                        : failure(DnsFailure::permanent, "dns: no address for the mail hosts");
  }
  result.ttl = ttl;
  co_return result;
}

void order_hosts(std::vector<MxHost>& hosts) {
  // RFC 5321 §5.1: lowest preference first; "randomize" among equal ones.
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::shuffle(hosts.begin(), hosts.end(), random);
  std::stable_sort(hosts.begin(), hosts.end(),
                   [](const MxHost& a, const MxHost& b) { return a.preference < b.preference; });
}

asio::awaitable<MxResult> lookup(std::shared_ptr<DnsChannel> channel, MxResolverOptions options, std::string domain,
                                 bool use_mx) {
  if (!use_mx) {
    auto addressing = resolve_addresses(channel, options, {MxHost{domain, 0, {}}});
    co_return co_await std::move(addressing);
  }
  auto asking = channel->ask({DnsQuestion{domain, kTypeMx}});
  std::vector<DnsAnswer> answers = co_await std::move(asking);
  const DnsAnswer& answer = answers.front();
  if (answer.status == ARES_ENOTFOUND) co_return failure(DnsFailure::permanent, "dns: the domain does not exist");
  if (answer.status == ARES_EBADNAME) co_return failure(DnsFailure::permanent, "dns: not a valid domain name");
  if (!definite(answer.status))
    co_return failure(DnsFailure::temporary, std::string("dns: MX lookup failed: ") + ares_strerror(answer.status));

  std::vector<MxHost> hosts;
  if (answer.status == ARES_SUCCESS) {
    ares_mx_reply* mx = nullptr;
    int rc = ares_parse_mx_reply(answer.raw.data(), static_cast<int>(answer.raw.size()), &mx);
    if (rc != ARES_SUCCESS && rc != ARES_ENODATA)
      co_return failure(DnsFailure::temporary, std::string("dns: bad MX answer: ") + ares_strerror(rc));
    size_t count = 0, nulls = 0;
    for (auto* m = mx; m != nullptr; m = m->next) {
      ++count;
      std::string name = normalize(m->host != nullptr ? m->host : "");
      if (name.empty()) {
        ++nulls;  // "." (RFC 7505)
        continue;
      }
      hosts.push_back(MxHost{std::move(name), m->priority, {}});
    }
    if (mx != nullptr) ares_free_data(mx);
    // RFC 7505 §3: a single null MX says "no mail here". Mixed with real ones it is only noise.
    if (count == 1 && nulls == 1) co_return failure(DnsFailure::permanent, "dns: the domain accepts no mail (null MX)");
  }
  bool implicit = hosts.empty();
  if (implicit) {
    // RFC 5321 §5.1: no MX records, so the domain itself is the only host, at preference 0.
    hosts.push_back(MxHost{domain, 0, {}});
  } else {
    order_hosts(hosts);
    if (hosts.size() > options.max_hosts) hosts.resize(options.max_hosts);
  }
  auto addressing = resolve_addresses(channel, options, std::move(hosts));
  MxResult result = co_await std::move(addressing);
  result.implicit = implicit && result.ok();
  co_return result;
}

// On the strand: one channel for the whole resolution, always shut down before it ends.
asio::awaitable<MxResult> run(asio::strand<asio::any_io_executor> strand, MxResolverOptions options, std::string domain,
                              bool use_mx) {
  detail::DnsSettings settings{options.servers, options.timeout, options.tries};
  auto made = DnsChannel::create(strand, settings);
  if (!made) co_return failure(DnsFailure::temporary, made.error().message);
  auto channel = *made;
  auto looking = lookup(channel, std::move(options), std::move(domain), use_mx);
  MxResult result = co_await std::move(looking);
  channel->shutdown();
  co_return result;
}

asio::awaitable<MxResult> start(const MxResolverOptions& options, std::string domain, bool use_mx) {
  domain = normalize(domain);
  if (domain.empty()) co_return failure(DnsFailure::permanent, "dns: empty domain");
  if (auto literal = address_literal(domain)) {
    MxResult r;
    r.implicit = true;
    r.hosts.push_back(MxHost{domain, 0, {*literal}});
    co_return r;
  }
  auto executor = co_await asio::this_coro::executor;
  auto strand = asio::make_strand(executor);
  auto task = run(strand, options, std::move(domain), use_mx);
  auto done = asio::co_spawn(strand, std::move(task), asio::use_awaitable);
  co_return co_await std::move(done);
}

}  // namespace

MxResolver::MxResolver(MxResolverOptions options) : options_(std::move(options)) {}

asio::awaitable<MxResult> MxResolver::resolve(std::string domain) const {
  auto starting = start(options_, std::move(domain), true);
  co_return co_await std::move(starting);
}

asio::awaitable<MxResult> MxResolver::resolve_host(std::string host) const {
  auto starting = start(options_, std::move(host), false);
  co_return co_await std::move(starting);
}

}  // namespace sealmail::delivery
