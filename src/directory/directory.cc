#include "directory/directory.h"

#include <algorithm>
#include <stdexcept>

#include "core/hex.h"
#include "crypto/password_hash.h"
#include "directory/address.h"

namespace sealmail::directory {

const char* to_string(AliasKind kind) {
  switch (kind) {
    case AliasKind::exact:
      return "exact";
    case AliasKind::catch_all:
      return "catch-all";
    case AliasKind::regex:
      return "regex";
  }
  return "unknown";
}

std::optional<uint64_t> QuotaLimits::effective() const {
  std::optional<uint64_t> out;
  for (const auto& limit : {alias, domain, account})
    if (limit && (!out || *limit < *out)) out = limit;
  return out;
}

namespace {

// A hash of a random password nobody knows: verified against when the address has no usable
// hash, so that a login for a missing address costs the same Argon2id work as a wrong password.
const std::string& decoy_hash() {
  static const std::string hash = [] {
    crypto::SecretBuffer random(32);
    crypto::random_bytes({random.data(), random.size()});
    return crypto::hash_password(random);
  }();
  return hash;
}

Error invalid_credentials() { return make_error(Errc::wrong_password, "invalid credentials"); }

}  // namespace

Result<Alias> Directory::verify_login(std::string_view address, const crypto::SecretBuffer& password) {
  std::optional<Alias> alias;
  auto pattern = parse_alias_address(address);
  if (pattern && pattern->kind == AliasKind::exact) {
    auto found = find_alias(address);
    if (found) {
      alias = std::move(*found);
    } else if (found.error().code != Errc::not_found) {
      return found.error();  // storage trouble, not an answer about the address
    }
  }
  bool usable = alias && alias->has_password();
  bool match = crypto::verify_password(usable ? alias->password_hash : decoy_hash(), password);
  if (!usable || !match) return invalid_credentials();
  return std::move(*alias);
}

Result<Account> Directory::verify_account_login(std::string_view name, const crypto::SecretBuffer& password) {
  std::optional<Account> account;
  std::string hash;
  if (validate_account_name(name)) {
    auto found = find_account(name);
    if (found) {
      auto h = account_password_hash(found->id);
      if (!h) return h.error();
      account = std::move(*found);
      hash = std::move(*h);
    } else if (found.error().code != Errc::not_found) {
      return found.error();
    }
  }
  bool usable = account && !hash.empty();
  bool match = crypto::verify_password(usable ? hash : decoy_hash(), password);
  if (!usable || !match) return invalid_credentials();
  return std::move(*account);
}

bool is_mailbox_id(std::string_view id) {
  return id.size() == 24 &&
         std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string new_mailbox_id() {
  std::array<uint8_t, 12> bytes{};
  crypto::random_bytes(bytes);
  return to_hex(bytes);
}

std::filesystem::path mailbox_path(const std::filesystem::path& data_dir, std::string_view mailbox_id) {
  if (!is_mailbox_id(mailbox_id)) throw std::invalid_argument("not a mailbox id");
  return data_dir / "mailboxes" / (std::string(mailbox_id) + ".sqlite");
}

}  // namespace sealmail::directory
