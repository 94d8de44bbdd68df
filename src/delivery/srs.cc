#include "delivery/srs.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/ascii.h"
#include "core/base64.h"
#include "core/wipe.h"

namespace sealmail::delivery {

namespace {

constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr int kTimestampSlots = 1024;  // two base32 characters

char lower_char(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower_char(a[i]) != lower_char(b[i])) return false;
  return true;
}

bool is_separator(char c) { return c == '=' || c == '+' || c == '-'; }

// "SRS0" or "SRS1" (any case) followed by a separator.
bool has_tag(std::string_view local, char version) {
  return local.size() > 4 && lower_char(local[0]) == 's' && lower_char(local[1]) == 'r' &&
         lower_char(local[2]) == 's' && local[3] == version && is_separator(local[4]);
}

struct Split {
  std::string_view local, domain;
};
std::optional<Split> split_address(std::string_view address) {
  auto at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) return std::nullopt;
  return Split{address.substr(0, at), address.substr(at + 1)};
}

int day_number(std::chrono::system_clock::time_point now) {
  auto days = std::chrono::duration_cast<std::chrono::days>(now.time_since_epoch()).count();
  return static_cast<int>(((days % kTimestampSlots) + kTimestampSlots) % kTimestampSlots);
}

std::string encode_timestamp(int day) {
  return {kBase32[static_cast<size_t>((day >> 5) & 31)], kBase32[static_cast<size_t>(day & 31)]};
}

std::optional<int> decode_timestamp(std::string_view tt) {
  if (tt.size() != 2) return std::nullopt;
  int value = 0;
  for (char c : tt) {
    char up = c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    auto pos = kBase32.find(up);
    if (pos == std::string_view::npos) return std::nullopt;
    value = value * 32 + static_cast<int>(pos);
  }
  return value;
}

// Cuts `s` at its first '=': the part before goes to `head`, `s` keeps the rest.
bool take_field(std::string_view& s, std::string_view& head) {
  auto eq = s.find('=');
  if (eq == std::string_view::npos) return false;
  head = s.substr(0, eq);
  s.remove_prefix(eq + 1);
  return true;
}

}  // namespace

Srs::Srs(std::string secret, std::string our_domain) : secret_(std::move(secret)), domain_(lower(our_domain)) {}

Srs::~Srs() { sasl::wipe(secret_); }

std::string Srs::hash(std::initializer_list<std::string_view> fields) const {
  // Fields are lowercased (as libsrs2 does) so that an MTA that lowercases the address on the way
  // back does not break the hash; they are length-prefixed so that moving a boundary between two
  // fields changes the MAC.
  std::string data;
  for (auto f : fields) {
    data += std::to_string(f.size());
    data += ':';
    data += lower(f);
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  std::string b64 = sasl::base64_encode(std::string_view(reinterpret_cast<const char*>(mac), len));
  return b64.substr(0, kHashLength);
}

std::string Srs::forward(std::string_view sender) const { return forward_at(sender, std::chrono::system_clock::now()); }

std::string Srs::forward_at(std::string_view sender, std::chrono::system_clock::time_point now) const {
  auto parts = split_address(sender);
  if (!parts || iequals(parts->domain, domain_)) return std::string(sender);
  if (has_tag(parts->local, '0') || has_tag(parts->local, '1')) {
    // Another forwarder's address: point the bounce at the first hop (libsrs2's SRS1 shortcut).
    std::string_view hop = parts->domain;
    std::string_view opaque = parts->local.substr(4);  // separator included
    if (has_tag(parts->local, '1')) {
      // "SRS1=HHHH=hop==rest": keep its hop and rest, re-hash them under our secret.
      std::string_view rest = parts->local.substr(5), old_hash;
      if (take_field(rest, old_hash) && take_field(rest, hop) && !rest.empty() && is_separator(rest[0])) {
        opaque = rest;
      } else {
        hop = parts->domain;  // malformed SRS1: treat it as an ordinary local part below
        opaque = {};
      }
    }
    if (!opaque.empty())
      return "SRS1=" + hash({hop, opaque}) + "=" + std::string(hop) + "=" + std::string(opaque) + "@" + domain_;
  }
  std::string tt = encode_timestamp(day_number(now));
  return "SRS0=" + hash({tt, parts->domain, parts->local}) + "=" + tt + "=" + std::string(parts->domain) + "=" +
         std::string(parts->local) + "@" + domain_;
}

bool Srs::is_srs(std::string_view address) const {
  auto parts = split_address(address);
  return parts && iequals(parts->domain, domain_) && (has_tag(parts->local, '0') || has_tag(parts->local, '1'));
}

std::optional<std::string> Srs::reverse(std::string_view address) const {
  return reverse_at(address, std::chrono::system_clock::now());
}

std::optional<std::string> Srs::reverse_at(std::string_view address, std::chrono::system_clock::time_point now) const {
  if (!is_srs(address)) return std::nullopt;
  auto parts = split_address(address);
  std::string_view rest = parts->local.substr(5), given;
  if (!take_field(rest, given)) return std::nullopt;
  if (has_tag(parts->local, '1')) {
    std::string_view hop;
    if (!take_field(rest, hop) || hop.empty() || rest.empty() || !is_separator(rest[0])) return std::nullopt;
    if (!iequals(given, hash({hop, rest}))) return std::nullopt;
    return "SRS0" + std::string(rest) + "@" + std::string(hop);
  }
  std::string_view tt, domain;
  if (!take_field(rest, tt) || !take_field(rest, domain) || domain.empty() || rest.empty()) return std::nullopt;
  if (!iequals(given, hash({tt, domain, rest}))) return std::nullopt;
  auto stamp = decode_timestamp(tt);
  if (!stamp) return std::nullopt;
  // Age in days, modulo the 1024-day cycle; a stamp from the future wraps to a large age.
  int age = ((day_number(now) - *stamp) % kTimestampSlots + kTimestampSlots) % kTimestampSlots;
  if (age > kMaxAgeDays) return std::nullopt;
  return std::string(rest) + "@" + std::string(domain);
}

}  // namespace sealmail::delivery
