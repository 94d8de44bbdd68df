#include "delivery/auth/arc.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "core/ascii.h"
#include "core/base64.h"
#include "delivery/auth/dkim_key.h"
#include "delivery/auth/dkim_verify.h"
#include "delivery/auth/tag_list.h"
#include "smtp/outbound/dkim_canon.h"

namespace sealmail::delivery::auth {

namespace asio = boost::asio;
using smtp::outbound::HeaderField;

namespace {

constexpr int kMaxInstances = 50;

std::optional<int> instance_of(std::string_view v) {
  std::string s = strip_whitespace(v);
  if (s.empty() || s.size() > 2 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  int n = std::stoi(s);
  if (n < 1 || n > kMaxInstances) return std::nullopt;
  return n;
}

// ARC-Authentication-Results: "i=N; <authres>": i= is the first thing in the value (§4.1.1).
std::optional<int> aar_instance(std::string_view raw) {
  auto colon = raw.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view v = raw.substr(colon + 1);
  auto semi = v.find(';');
  if (semi == std::string_view::npos) return std::nullopt;
  std::string first = strip_whitespace(v.substr(0, semi));
  if (first.size() < 3 || first.compare(0, 2, "i=") != 0) return std::nullopt;
  return instance_of(std::string_view(first).substr(2));
}

struct ArcSet {
  const HeaderField* seal = nullptr;
  const HeaderField* signature = nullptr;
  const HeaderField* results = nullptr;
};

ArcCheck failed(int n, std::string reason) { return ArcCheck{ArcResult::fail, n, std::move(reason)}; }

std::string base64(std::string_view bytes) { return sasl::base64_encode(bytes); }

}  // namespace

const char* to_string(ArcResult r) {
  switch (r) {
    case ArcResult::none:
      return "none";
    case ArcResult::pass:
      return "pass";
    case ArcResult::fail:
      return "fail";
  }
  return "none";
}

asio::awaitable<ArcCheck> verify_arc(DnsRecords& dns, std::string_view message) {
  auto split = smtp::outbound::split_message(message);
  if (!split) co_return ArcCheck{};
  std::map<int, ArcSet> sets;
  int seen = 0;
  for (const auto& f : split->headers) {
    std::string name = lower(f.name);
    bool as = name == "arc-seal", ams = name == "arc-message-signature", aar = name == "arc-authentication-results";
    if (!as && !ams && !aar) continue;
    if (++seen > 3 * kMaxInstances) co_return failed(0, "too many ARC fields");
    std::optional<int> i;
    if (aar) {
      i = aar_instance(f.raw);
    } else {
      auto tags = field_tags(f.raw);
      if (tags)
        if (auto t = tags->find("i")) i = instance_of(t->value);
    }
    if (!i) co_return failed(0, "ARC field without a valid i=");
    auto& set = sets[*i];
    const HeaderField** slot = as ? &set.seal : ams ? &set.signature : &set.results;
    if (*slot != nullptr) co_return failed(*i, "two ARC fields of one kind in an instance");
    *slot = &f;
  }
  if (sets.empty()) co_return ArcCheck{};
  int n = sets.rbegin()->first;
  if (static_cast<int>(sets.size()) != n) co_return failed(n, "ARC instances are not 1..N");
  for (auto& [i, s] : sets)
    if (!s.seal || !s.signature || !s.results) co_return failed(n, "incomplete ARC set");

  // cv= of every seal (§5.2 steps 2-3).
  std::map<int, TagList> seal_tags;
  for (auto& [i, s] : sets) {
    auto tags = field_tags(s.seal->raw);
    if (!tags) co_return failed(n, "ARC-Seal syntax");
    auto cv = tags->find("cv");
    if (!cv) co_return failed(n, "ARC-Seal without cv=");
    std::string v = lower(cv->value);
    if (v == "fail") co_return failed(n, "the chain was already broken");
    if ((i == 1 && v != "none") || (i > 1 && v != "pass")) co_return failed(n, "ARC-Seal cv= out of order");
    seal_tags.emplace(i, std::move(*tags));
  }

  // The newest message signature, as DKIM (§5.1.1.1): same tags but no v=, and its own i=.
  {
    const auto& f = *sets[n].signature;
    auto tags = field_tags(f.raw);
    if (!tags) co_return failed(n, "ARC-Message-Signature syntax");
    auto get = [&](const char* k) -> std::string_view {
      auto t = tags->find(k);
      return t ? t->value : std::string_view();
    };
    auto alg = parse_dkim_algorithm(get("a"));
    std::string d = lower(get("d")), s(get("s")), h = lower(strip_whitespace(get("h")));
    if (!alg || d.empty() || s.empty() || h.empty() || get("b").empty() || get("bh").empty())
      co_return failed(n, "ARC-Message-Signature incomplete");
    if (h.find("arc-seal") != std::string::npos) co_return failed(n, "ARC-Message-Signature signs ARC-Seal");
    std::string c = strip_whitespace(get("c"));
    if (c.empty()) c = "simple/simple";
    auto slash = c.find('/');
    bool relaxed_h = c.substr(0, slash) == "relaxed";
    bool relaxed_b = slash != std::string::npos && c.substr(slash + 1) == "relaxed";
    auto fetching = fetch_dkim_key(dns, s, d, *alg);
    DkimKey key = co_await std::move(fetching);
    if (key.status != DkimKey::Status::ok) co_return failed(n, "ARC-Message-Signature key: " + key.reason);
    auto bh = decode_base64_fws(get("bh"));
    if (!bh || *bh != sha256_bytes(canonical_body(split->body, relaxed_b)))
      co_return failed(n, "ARC-Message-Signature body hash");
    std::string data = hashed_headers(*split, h, relaxed_h);
    data += canonical_header(without_b_value(f.raw, *tags), relaxed_h);
    auto sig = decode_base64_fws(get("b"));
    if (!sig || !verify_dkim_signature(key, *alg, data, *sig)) co_return failed(n, "ARC-Message-Signature");
  }

  // Every seal, over the sets up to its own (§5.1.1.2).
  for (int i = n; i >= 1; --i) {
    const TagList& tags = seal_tags.at(i);
    auto get = [&](const char* k) -> std::string_view {
      auto t = tags.find(k);
      return t ? t->value : std::string_view();
    };
    if (tags.find("h") != nullptr) co_return failed(n, "ARC-Seal with h=");  // §4.1.3
    auto alg = parse_dkim_algorithm(get("a"));
    std::string d = lower(get("d")), s(get("s"));
    if (!alg || d.empty() || s.empty() || get("b").empty()) co_return failed(n, "ARC-Seal incomplete");
    std::string data;
    for (int j = 1; j <= i; ++j) {
      data += canonical_header(sets[j].results->raw, true) + "\r\n";
      data += canonical_header(sets[j].signature->raw, true) + "\r\n";
      if (j < i) data += canonical_header(sets[j].seal->raw, true) + "\r\n";
    }
    data += canonical_header(without_b_value(sets[i].seal->raw, tags), true);
    auto fetching = fetch_dkim_key(dns, s, d, *alg);
    DkimKey key = co_await std::move(fetching);
    if (key.status != DkimKey::Status::ok) co_return failed(n, "ARC-Seal key: " + key.reason);
    auto sig = decode_base64_fws(get("b"));
    if (!sig || !verify_dkim_signature(key, *alg, data, *sig)) co_return failed(n, "ARC-Seal did not verify");
  }
  co_return ArcCheck{ArcResult::pass, n, {}};
}

ArcSealer::ArcSealer(std::shared_ptr<EVP_PKEY> key, bool rsa, std::string domain, std::string selector)
    : key_(std::move(key)), rsa_(rsa), domain_(std::move(domain)), selector_(std::move(selector)) {}

Result<ArcSealer> ArcSealer::from_file(const std::string& path, std::string domain, std::string selector) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::not_found, "DKIM key file cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  std::string pem = text.str();
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  EVP_PKEY* raw = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  OPENSSL_cleanse(pem.data(), pem.size());
  if (raw == nullptr) return make_error(Errc::invalid_argument, "DKIM key is not a PEM private key");
  std::shared_ptr<EVP_PKEY> key(raw, EVP_PKEY_free);
  int id = EVP_PKEY_get_base_id(raw);
  if (id != EVP_PKEY_RSA && id != EVP_PKEY_ED25519) return make_error(Errc::invalid_argument, "DKIM key type");
  return ArcSealer(std::move(key), id == EVP_PKEY_RSA, std::move(domain), std::move(selector));
}

Result<std::string> ArcSealer::seal(std::string_view message, const ArcCheck& chain, std::string_view results,
                                    int64_t unix_time) const {
  auto split = smtp::outbound::split_message(message);
  if (!split) return split.error();
  if (chain.instances >= kMaxInstances) return make_error(Errc::invalid_argument, "ARC chain is full");
  int i = chain.instances + 1;
  std::string alg = rsa_ ? "rsa-sha256" : "ed25519-sha256";
  std::string t = std::to_string(unix_time);
  auto sign = [&](const std::string& data) -> Result<std::string> {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    std::string digest;
    std::string_view input = data;
    if (!rsa_) {
      digest = sha256_bytes(data);
      input = digest;
    }
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, rsa_ ? EVP_sha256() : nullptr, nullptr, key_.get()) != 1)
      return make_error(Errc::internal, "ARC signing could not start");
    size_t len = 0;
    auto bytes = reinterpret_cast<const unsigned char*>(input.data());
    if (EVP_DigestSign(ctx.get(), nullptr, &len, bytes, input.size()) != 1)
      return make_error(Errc::internal, "ARC signing failed");
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, bytes, input.size()) != 1)
      return make_error(Errc::internal, "ARC signing failed");
    sig.resize(len);
    return base64(sig);
  };

  // ARC-Authentication-Results (§4.1.1).
  std::string aar = "ARC-Authentication-Results: i=" + std::to_string(i) + "; " + std::string(results);

  // ARC-Message-Signature (§4.1.2): the fields a DKIM signer would sign, as many as present.
  static const char* kSigned[] = {"from",          "to",           "cc",           "subject",
                                  "date",          "message-id",   "reply-to",     "in-reply-to",
                                  "references",    "mime-version", "content-type", "content-transfer-encoding",
                                  "dkim-signature"};
  std::string h;
  for (const char* name : kSigned) {
    for (const auto& f : split->headers)
      if (lower(f.name) == name) h += (h.empty() ? "" : ":") + std::string(name);
  }
  std::string bh = base64(sha256_bytes(canonical_body(split->body, true)));
  std::string ams = "ARC-Message-Signature: i=" + std::to_string(i) + "; a=" + alg +
                    "; c=relaxed/relaxed; d=" + domain_ + "; s=" + selector_ + ";\r\n\tt=" + t + "; h=" + h +
                    ";\r\n\tbh=" + bh + ";\r\n\tb=";
  std::string data = hashed_headers(*split, h, true) + canonical_header(ams, true);
  auto ams_sig = sign(data);
  if (!ams_sig) return ams_sig.error();
  ams += *ams_sig;

  // ARC-Seal (§4.1.3): over the earlier sets and ours.
  std::map<int, ArcSet> sets;
  for (const auto& f : split->headers) {
    std::string name = lower(f.name);
    std::optional<int> n;
    if (name == "arc-authentication-results") {
      n = aar_instance(f.raw);
      if (n && *n < i) sets[*n].results = &f;
    } else if (name == "arc-seal" || name == "arc-message-signature") {
      auto tags = field_tags(f.raw);
      if (tags)
        if (auto it = tags->find("i")) n = instance_of(it->value);
      if (n && *n < i) (name == "arc-seal" ? sets[*n].seal : sets[*n].signature) = &f;
    }
  }
  std::string cv = chain.result == ArcResult::fail ? "fail" : i == 1 ? "none" : "pass";
  std::string as = "ARC-Seal: i=" + std::to_string(i) + "; a=" + alg + "; t=" + t + "; cv=" + cv +
                   ";\r\n\td=" + domain_ + "; s=" + selector_ + ";\r\n\tb=";
  std::string seal_data;
  if (cv != "fail") {  // §5.1.2: with cv=fail only our own set is sealed
    for (int j = 1; j < i; ++j) {
      const auto& s = sets[j];
      if (!s.results || !s.signature || !s.seal) return make_error(Errc::invalid_argument, "ARC chain incomplete");
      seal_data += canonical_header(s.results->raw, true) + "\r\n";
      seal_data += canonical_header(s.signature->raw, true) + "\r\n";
      seal_data += canonical_header(s.seal->raw, true) + "\r\n";
    }
  }
  seal_data += canonical_header(aar, true) + "\r\n" + canonical_header(ams, true) + "\r\n" + canonical_header(as, true);
  auto as_sig = sign(seal_data);
  if (!as_sig) return as_sig.error();
  as += *as_sig;
  return as + "\r\n" + ams + "\r\n" + aar + "\r\n";
}

}  // namespace sealmail::delivery::auth
