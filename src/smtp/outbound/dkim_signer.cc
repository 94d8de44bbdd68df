#include "smtp/outbound/dkim_signer.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/ascii.h"
#include "smtp/outbound/dkim_canon.h"

namespace sealmail::smtp::outbound {

namespace {

constexpr size_t kLineWidth = 78;  // RFC 5322 §2.1.1's SHOULD

std::string base64(const unsigned char* data, size_t len) {
  std::string out(4 * ((len + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(len));
  out.resize(static_cast<size_t>(n));
  return out;
}

// RFC 6376 §3.1 selector and §3.5 d= domain: dot-separated labels of letters, digits and hyphens.
bool valid_dns_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  size_t label = 0;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c == '.') {
      if (label == 0 || name[i - 1] == '-') return false;
      label = 0;
      continue;
    }
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok || (label == 0 && c == '-') || ++label > 63) return false;
  }
  return label > 0 && name.back() != '-';
}

// Writes a header field as a sequence of pieces, starting a new line ("CRLF TAB", which relaxed
// canonicalization turns back into one space) before a piece that would pass the line width.
class Folder {
 public:
  explicit Folder(std::string start) : out_(std::move(start)), line_(out_.size()) {}

  void put(std::string_view piece, bool space_before) {
    size_t need = piece.size() + (space_before ? 1 : 0);
    if (line_ + need > kLineWidth && line_ > 1) {
      out_ += "\r\n\t";
      line_ = 1;
    } else if (space_before) {
      out_ += ' ';
      ++line_;
    }
    out_ += piece;
    line_ += piece.size();
  }
  // Base64 may be broken anywhere by FWS (§3.5, b= and bh=): fill each line to the width.
  void put_broken(std::string_view text) {
    while (!text.empty()) {
      if (line_ >= kLineWidth) {
        out_ += "\r\n\t";
        line_ = 1;
      }
      size_t n = std::min(text.size(), kLineWidth - line_);
      out_ += text.substr(0, n);
      line_ += n;
      text.remove_prefix(n);
    }
  }
  const std::string& text() const { return out_; }

 private:
  std::string out_;
  size_t line_;
};

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

Result<std::string> sha256(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1)
    return make_error(Errc::internal, "SHA-256 failed");
  return std::string(reinterpret_cast<char*>(md), len);
}

}  // namespace

DkimSigner::DkimSigner(std::shared_ptr<EVP_PKEY> key, DkimKeyType type, std::string domain, std::string selector,
                       DkimOptions options)
    : key_(std::move(key)),
      type_(type),
      domain_(std::move(domain)),
      selector_(std::move(selector)),
      options_(std::move(options)) {}

Result<DkimSigner> DkimSigner::from_pem(std::string_view pem, std::string domain, std::string selector,
                                        DkimOptions options) {
  if (!valid_dns_name(domain)) return make_error(Errc::invalid_argument, "DKIM domain is not a DNS name");
  if (!valid_dns_name(selector)) return make_error(Errc::invalid_argument, "DKIM selector is not a DNS name");
  for (auto& h : options.headers) h = lower(h);
  for (auto& h : options.oversign) h = lower(h);
  if (std::find(options.headers.begin(), options.headers.end(), "from") == options.headers.end())
    return make_error(Errc::invalid_argument, "DKIM header list must sign From (RFC 6376 §5.4)");
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  if (!bio) return make_error(Errc::internal, "out of memory reading the DKIM key");
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (raw == nullptr) return make_error(Errc::invalid_argument, "DKIM key is not a PEM private key");
  std::shared_ptr<EVP_PKEY> key(raw, EVP_PKEY_free);
  DkimKeyType type;
  switch (EVP_PKEY_get_base_id(key.get())) {
    case EVP_PKEY_RSA:
      // RFC 8301 §3.2: signers MUST use keys of at least 1024 bits.
      if (EVP_PKEY_get_bits(key.get()) < 1024) return make_error(Errc::invalid_argument, "DKIM RSA key is too short");
      type = DkimKeyType::rsa;
      break;
    case EVP_PKEY_ED25519:
      type = DkimKeyType::ed25519;
      break;
    default:
      return make_error(Errc::invalid_argument, "DKIM key is neither RSA nor Ed25519");
  }
  return DkimSigner(std::move(key), type, std::move(domain), std::move(selector), std::move(options));
}

Result<DkimSigner> DkimSigner::from_file(const std::filesystem::path& path, std::string domain, std::string selector,
                                         DkimOptions options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::not_found, "DKIM key file cannot be read");
  std::ostringstream pem;
  pem << in.rdbuf();
  std::string text = pem.str();
  auto signer = from_pem(text, std::move(domain), std::move(selector), std::move(options));
  OPENSSL_cleanse(text.data(), text.size());
  return signer;
}

Result<std::string> DkimSigner::sign(std::string_view message, int64_t unix_time) const {
  std::string wire = normalize_line_endings(message);
  auto split = split_message(wire);
  if (!split) return split.error();

  // §5.4.2: for a name signed n times, the last occurrence is hashed first.
  std::string hashed;  // canonical header data, in h= order
  std::vector<std::string> names;
  bool has_from = false;
  for (const auto& name : options_.headers) {
    size_t count = 0;
    for (auto it = split->headers.rbegin(); it != split->headers.rend(); ++it) {
      if (lower(it->name) != name) continue;
      hashed += relaxed_header(it->raw);
      hashed += "\r\n";
      names.push_back(name);
      ++count;
    }
    if (name == "from") has_from = count > 0;
    // An over-signed name beyond the fields present stands for a null field (§5.4.2): it adds
    // nothing to the hash, and any field of that name added later breaks the signature.
    if (std::find(options_.oversign.begin(), options_.oversign.end(), name) != options_.oversign.end())
      names.push_back(name);
  }
  if (!has_from) return make_error(Errc::invalid_argument, "message has no From field to sign");

  auto body_hash = sha256(relaxed_body(split->body));
  if (!body_hash) return body_hash.error();
  auto bh = base64(reinterpret_cast<const unsigned char*>(body_hash->data()), body_hash->size());

  Folder f("DKIM-Signature:");
  f.put("v=1;", true);
  f.put(type_ == DkimKeyType::rsa ? "a=rsa-sha256;" : "a=ed25519-sha256;", true);
  f.put("c=relaxed/relaxed;", true);
  f.put("d=" + domain_ + ";", true);
  f.put("s=" + selector_ + ";", true);
  f.put("t=" + std::to_string(unix_time) + ";", true);
  f.put("bh=", true);
  f.put_broken(bh + ";");
  for (size_t i = 0; i < names.size(); ++i) {
    std::string piece = (i == 0 ? "h=" : ":") + names[i] + (i + 1 == names.size() ? ";" : "");
    f.put(piece, i == 0);
  }
  f.put("b=", true);
  // §3.7: the signature field itself is hashed last, with an empty b= and no CRLF.
  hashed += relaxed_header(f.text());

  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx) return make_error(Errc::internal, "out of memory signing");
  std::string to_sign;
  const EVP_MD* md = nullptr;
  if (type_ == DkimKeyType::rsa) {
    md = EVP_sha256();  // RSASSA-PKCS1-v1_5 over SHA-256 of the data (§3.3.1)
    to_sign = std::move(hashed);
  } else {
    // RFC 8463 §3: PureEdDSA over the SHA-256 digest of the data, not over the data itself.
    auto digest = sha256(hashed);
    if (!digest) return digest.error();
    to_sign = std::move(*digest);
  }
  if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key_.get()) != 1)
    return make_error(Errc::internal, "DKIM signing could not start");
  size_t sig_len = 0;
  auto data = reinterpret_cast<const unsigned char*>(to_sign.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &sig_len, data, to_sign.size()) != 1)
    return make_error(Errc::internal, "DKIM signing failed");
  std::vector<unsigned char> sig(sig_len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &sig_len, data, to_sign.size()) != 1)
    return make_error(Errc::internal, "DKIM signing failed");
  f.put_broken(base64(sig.data(), sig_len));
  return f.text() + "\r\n";
}

}  // namespace sealmail::smtp::outbound
