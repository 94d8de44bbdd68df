#include "delivery/dane/dane.h"

#include <unbound.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "core/log.h"

namespace sealmail::delivery::dane {

namespace asio = boost::asio;

namespace {

constexpr int kTypeA = 1, kTypeMx = 15, kTypeAaaa = 28, kTypeTlsa = 52, kClassIn = 1;
constexpr size_t kMaxTlsa = 32;
constexpr size_t kMaxTlsaData = 1024;

// "ip:port" (or "[v6]:port") to unbound's "ip@port".
std::string forwarder(const std::string& server) {
  auto colon = server.rfind(':');
  if (colon == std::string::npos) return server;
  std::string host = server.substr(0, colon), port = server.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host + "@" + port;
}

bool iequals(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

Validation judge(const ub_result* r) {
  if (r->bogus) return Validation::bogus;
  if (r->secure) return Validation::secure;
  return Validation::insecure;
}

asio::awaitable<Validation> mx_on_pool(Dane* dane, std::string domain) { co_return dane->lookup_mx(domain); }
asio::awaitable<TlsaResult> tlsa_on_pool(Dane* dane, std::string host, uint16_t port) {
  co_return dane->lookup_tlsa(host, port);
}

}  // namespace

std::unique_ptr<Dane> Dane::create(const DaneOptions& options) {
  std::error_code ec;
  if (options.trust_anchor.empty() || !std::filesystem::exists(options.trust_anchor, ec)) {
    log::info("dane.off", {{"reason", "no DNSSEC trust anchor file"}});
    return nullptr;
  }
  ub_ctx* ctx = ub_ctx_create();
  if (ctx == nullptr) return nullptr;
  int rc = 0;
  for (const auto& s : options.servers)
    if ((rc = ub_ctx_set_fwd(ctx, forwarder(s).c_str())) != 0) break;
  if (rc == 0 && options.servers.empty()) rc = ub_ctx_resolvconf(ctx, nullptr);
  if (rc == 0) rc = ub_ctx_add_ta_file(ctx, options.trust_anchor.c_str());
  if (rc != 0) {
    log::error("dane.setup_failed", {{"reason", ub_strerror(rc)}});
    ub_ctx_delete(ctx);
    return nullptr;
  }
  // The anchor's zone: the owner name of its first record.
  std::string zone = ".";
  std::ifstream in(options.trust_anchor);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string owner;
    if (!(words >> owner) || owner[0] == ';') continue;
    zone = owner;
    break;
  }
  return std::unique_ptr<Dane>(new Dane(ctx, zone));
}

Dane::Dane(ub_ctx* ctx, std::string anchor_zone) : ctx_(ctx), anchor_zone_(std::move(anchor_zone)) {}

bool Dane::validating() {
  std::lock_guard lock(probe_mutex_);
  auto now = std::chrono::steady_clock::now();
  if (probed_ && now - probed_at_ < std::chrono::hours(1)) return validating_;
  ub_result* r = nullptr;
  constexpr int kTypeDnskey = 48;
  bool secure = ub_resolve(ctx_, anchor_zone_.c_str(), kTypeDnskey, kClassIn, &r) == 0 && r != nullptr && r->secure;
  if (r != nullptr) ub_resolve_free(r);
  if (!probed_ || secure != validating_)
    log::info(secure ? "dane.on" : "dane.off", {{"reason", secure ? "the trust anchor validates"
                                                                  : "the resolver gives no validated answer for "
                                                                    "the trust anchor's zone"}});
  probed_ = true;
  probed_at_ = now;
  validating_ = secure;
  return secure;
}

Dane::~Dane() {
  threads_.join();
  ub_ctx_delete(ctx_);
}

Validation Dane::lookup_mx(const std::string& domain) {
  if (!validating()) return Validation::insecure;
  ub_result* r = nullptr;
  if (ub_resolve(ctx_, domain.c_str(), kTypeMx, kClassIn, &r) != 0 || r == nullptr) return Validation::failed;
  Validation s = judge(r);
  // No MX at all (NODATA/NXDOMAIN) is an answer too, and its denial is signed; RFC 7672 §2.2.1
  // then looks at the domain itself as the implicit MX: its address answer decides.
  bool no_mx = !r->havedata;
  ub_resolve_free(r);
  if (s == Validation::secure && no_mx) {
    r = nullptr;
    if (ub_resolve(ctx_, domain.c_str(), kTypeA, kClassIn, &r) != 0 || r == nullptr) return Validation::failed;
    s = judge(r);
    ub_resolve_free(r);
  }
  return s;
}

Validation Dane::lookup_addresses(const std::string& host) { return resolve_addresses(host).validation; }

Dane::Addresses Dane::resolve_addresses(const std::string& host) {
  Addresses out;
  if (!validating()) {
    out.validation = Validation::insecure;
    return out;
  }
  // Both families: an address the client may connect to must be as trustworthy as the TLSA
  // records that authenticate it. Any bogus answer is bogus, any insecure one (a CNAME into an
  // unsigned zone, an insecure delegation) makes the host insecure; a signed denial (no AAAA) is
  // secure. A secure answer covers the CNAME chain it followed, so its canonical name is trusted.
  Validation worst = Validation::secure;
  for (int type : {kTypeA, kTypeAaaa}) {
    ub_result* r = nullptr;
    if (ub_resolve(ctx_, host.c_str(), type, kClassIn, &r) != 0 || r == nullptr) return out;
    Validation v = judge(r);
    if (v == Validation::secure && r->havedata && r->canonname != nullptr && out.expanded.empty()) {
      std::string canonical = r->canonname;
      if (!canonical.empty() && canonical.back() == '.') canonical.pop_back();
      if (!iequals(canonical, host)) out.expanded = canonical;
    }
    ub_resolve_free(r);
    if (v == Validation::bogus) {
      out.validation = v;
      return out;
    }
    if (v == Validation::insecure) worst = v;
  }
  out.validation = worst;
  if (worst != Validation::secure) out.expanded.clear();
  return out;
}

TlsaResult Dane::tlsa_at(const std::string& base, uint16_t port) {
  TlsaResult out;
  std::string name = "_" + std::to_string(port) + "._tcp." + base;
  ub_result* r = nullptr;
  if (ub_resolve(ctx_, name.c_str(), kTypeTlsa, kClassIn, &r) != 0 || r == nullptr) return out;
  out.validation = judge(r);
  if (out.validation == Validation::secure && r->havedata) {
    for (int i = 0; r->data[i] != nullptr && static_cast<size_t>(i) < kMaxTlsa; ++i) {
      const auto* d = reinterpret_cast<const unsigned char*>(r->data[i]);
      size_t len = static_cast<size_t>(r->len[i]);
      // RFC 6698 §2.1: usage, selector, matching type (one octet each), then the data.
      if (len < 4 || len > kMaxTlsaData) {
        ++out.unusable;
        continue;
      }
      smtp::client::Tlsa t{d[0], d[1], d[2], std::vector<unsigned char>(d + 3, d + len)};
      bool usable = (t.usage == 2 || t.usage == 3) && t.selector <= 1 && t.matching <= 2 &&
                    (t.matching != 1 || t.data.size() == 32) && (t.matching != 2 || t.data.size() == 64);
      if (usable)
        out.usable.push_back(std::move(t));
      else
        ++out.unusable;
    }
  }
  ub_resolve_free(r);
  return out;
}

TlsaResult Dane::lookup_tlsa(const std::string& host, uint16_t port) {
  TlsaResult out;
  if (!validating()) {
    out.validation = Validation::insecure;
    return out;
  }
  // RFC 7672 §2.2.2: TLSA records are looked up only for an MX host whose address records are
  // secure too, not only the MX answer: with insecure addresses, DANE does not apply to the host
  // (opportunistic TLS as without DANE); with bogus ones (or a failed lookup) it is not used.
  Addresses addresses = resolve_addresses(host);
  if (addresses.validation != Validation::secure) {
    out.validation = addresses.validation;
    return out;
  }
  // Through a secure CNAME chain: the expanded name first; when it has no secure TLSA records
  // (a signed denial, or an insecure answer there), the name the MX record gave.
  if (!addresses.expanded.empty()) {
    out = tlsa_at(addresses.expanded, port);
    bool found = out.validation == Validation::secure && (!out.usable.empty() || out.unusable > 0);
    if (found || out.validation == Validation::bogus || out.validation == Validation::failed) {
      out.names = {addresses.expanded, host};
      return out;
    }
  }
  out = tlsa_at(host, port);
  out.names = {host};
  if (!addresses.expanded.empty()) out.names.push_back(addresses.expanded);
  return out;
}

asio::awaitable<Validation> Dane::mx_secure(std::string domain) {
  auto work = mx_on_pool(this, std::move(domain));
  auto done = asio::co_spawn(threads_, std::move(work), asio::use_awaitable);
  co_return co_await std::move(done);
}

asio::awaitable<TlsaResult> Dane::tlsa(std::string host, uint16_t port) {
  auto work = tlsa_on_pool(this, std::move(host), port);
  auto done = asio::co_spawn(threads_, std::move(work), asio::use_awaitable);
  co_return co_await std::move(done);
}

}  // namespace sealmail::delivery::dane
