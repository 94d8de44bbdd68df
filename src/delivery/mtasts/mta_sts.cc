#include "delivery/mtasts/mta_sts.h"

#include "core/log.h"
#include "core/time.h"
#include "delivery/dns_channel.h"

namespace sealmail::delivery::mtasts {

namespace asio = boost::asio;
using detail::DnsAnswer;
using detail::DnsChannel;
using detail::DnsQuestion;

namespace {

constexpr int kTypeTxt = 16;
constexpr size_t kMaxTxtRecords = 16;

enum class TxtStatus { found, absent, failed };

struct TxtLookup {
  TxtStatus status = TxtStatus::failed;
  std::vector<std::string> records;  // each record's strings joined (RFC 7208 §3.3 style)
};

// On the strand: one c-ares channel for the question, shut down before it returns.
asio::awaitable<TxtLookup> ask_txt(asio::strand<asio::any_io_executor> strand, MxResolverOptions options,
                                   std::string name) {
  TxtLookup out;
  auto made = DnsChannel::create(strand, detail::DnsSettings{options.servers, options.timeout, options.tries});
  if (!made) co_return out;
  auto channel = *made;
  auto asking = channel->ask({DnsQuestion{name, kTypeTxt}});
  std::vector<DnsAnswer> answers = co_await std::move(asking);
  channel->shutdown();
  const DnsAnswer& a = answers.front();
  if (a.status == ARES_ENOTFOUND || a.status == ARES_ENODATA) {
    out.status = TxtStatus::absent;
    co_return out;
  }
  if (a.status != ARES_SUCCESS) co_return out;
  ares_txt_ext* txt = nullptr;
  int rc = ares_parse_txt_reply_ext(a.raw.data(), static_cast<int>(a.raw.size()), &txt);
  if (rc == ARES_ENODATA) {
    out.status = TxtStatus::absent;
    co_return out;
  }
  if (rc != ARES_SUCCESS) co_return out;
  for (auto* t = txt; t != nullptr; t = t->next) {
    if (t->record_start || out.records.empty()) {
      if (out.records.size() >= kMaxTxtRecords) break;
      out.records.emplace_back();
    }
    out.records.back().append(reinterpret_cast<const char*>(t->txt), t->length);
  }
  ares_free_data(txt);
  out.status = out.records.empty() ? TxtStatus::absent : TxtStatus::found;
  co_return out;
}

asio::awaitable<TxtLookup> lookup_txt(MxResolverOptions options, std::string name) {
  auto executor = co_await asio::this_coro::executor;
  auto strand = asio::make_strand(executor);
  auto task = ask_txt(strand, std::move(options), std::move(name));
  auto done = asio::co_spawn(strand, std::move(task), asio::use_awaitable);
  co_return co_await std::move(done);
}

// On a fetch thread (a coroutine function, not a capturing lambda: GCC 12).
asio::awaitable<FetchResult> fetch_on_pool(std::string domain, std::vector<asio::ip::address> addresses,
                                           FetchOptions options) {
  co_return fetch_policy(domain, addresses, options);
}

std::string lowered(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  while (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

MtaSts::MtaSts(MtaStsOptions options)
    : options_(std::move(options)), hosts_(options_.dns), cache_(options_.cache_dir) {}

MtaSts::~MtaSts() { fetchers_.join(); }

int64_t MtaSts::now() const { return options_.now ? options_.now() : unix_now(); }

asio::awaitable<std::optional<Policy>> MtaSts::policy_for(std::string domain) {
  domain = lowered(std::move(domain));
  if (domain.empty() || domain.front() == '[') co_return std::nullopt;  // address literals have no policy
  TxtLookup txt;
  if (auto kept = txt_cache_.get(domain)) {
    txt.records = std::move(*kept);
    txt.status = txt.records.empty() ? TxtStatus::absent : TxtStatus::found;
  } else {
    auto looking = lookup_txt(options_.dns, "_mta-sts." + domain);
    txt = co_await std::move(looking);
    if (txt.status != TxtStatus::failed) txt_cache_.put(domain, txt.records, std::chrono::seconds(60));
  }
  auto cached = cache_.get(domain, now());
  std::optional<TxtRecord> record;
  if (txt.status == TxtStatus::found) record = pick_txt(txt.records);
  if (!record) {
    // §5.1: no valid TXT record (or DNS failed): a cached policy still applies until it expires.
    if (cached) co_return cached->policy;
    co_return std::nullopt;
  }
  if (cached && cached->id == record->id) co_return cached->policy;

  auto addressing = hosts_.resolve_host("mta-sts." + domain);
  MxResult policy_host = co_await std::move(addressing);
  std::vector<asio::ip::address> addresses;
  for (const auto& h : policy_host.hosts) addresses.insert(addresses.end(), h.addresses.begin(), h.addresses.end());
  auto work = fetch_on_pool(domain, std::move(addresses), options_.fetch);
  auto fetching = asio::co_spawn(fetchers_, std::move(work), asio::use_awaitable);
  FetchResult fetched = co_await std::move(fetching);
  std::optional<Policy> policy;
  if (fetched.body) policy = parse_policy(*fetched.body);
  if (!policy) {
    log::warn("mta_sts.fetch_failed", {{"reason", fetched.body ? "policy does not parse" : fetched.error}});
    if (cached) co_return cached->policy;  // §5.1: a failed refresh keeps the old policy
    co_return std::nullopt;
  }
  log::info("mta_sts.policy",
            {{"mode", std::string(to_string(policy->mode))}, {"max_age", std::to_string(policy->max_age)}});
  cache_.put(domain, CachedPolicy{record->id, now() + policy->max_age, *policy, std::move(*fetched.body)});
  co_return policy;
}

}  // namespace sealmail::delivery::mtasts
