// OpenPGP keys of aliases (mail_admin.h, issue 9): set, show, remove, find by WKD, and what our own
// WKD serves. Shared by the CLI (pgp_key_commands.cc), the JSON API (pgp_key_api.cc) and the
// account page.
#include <string>

#include "admin/mail_admin.h"
#include "delivery/pgp/public_key.h"
#include "delivery/pgp/wkd.h"

namespace sealmail::admin {

namespace {

// Keys belong to exact aliases: a catch-all or pattern has no one address for a user id or WKD.
Result<directory::Alias> exact_alias(directory::Directory& dir, std::string_view address) {
  auto alias = dir.find_alias(address);
  if (!alias) return alias.error();
  if (alias->kind != directory::AliasKind::exact)
    return make_error(Errc::invalid_argument,
                      "only an exact address (not a catch-all or pattern) may have an OpenPGP key");
  return alias;
}

Result<PgpKeyInfo> keep(directory::Directory& dir, const directory::Alias& alias, delivery::pgp::PublicKey key) {
  auto armored = delivery::pgp::armor_public_key(key.binary);
  if (!armored) return armored.error();
  directory::Directory::PgpKey stored{key.fingerprint, key.binary, {}};
  SEALMAIL_TRY(dir.set_alias_pgp_key(alias.id, stored));
  auto saved = dir.alias_pgp_key(alias.id);
  if (!saved) return saved.error();
  PgpKeyInfo info{alias.address,
                  key.fingerprint,
                  std::move(key.user_ids),
                  key.valid_until,
                  *saved ? (*saved)->updated_at : std::string(),
                  std::move(*armored)};
  return info;
}

}  // namespace

Result<PgpKeyInfo> set_pgp_key(directory::Directory& dir, std::string_view address, std::string_view key_text) {
  auto alias = exact_alias(dir, address);
  if (!alias) return alias.error();
  auto key = delivery::pgp::read_public_key(key_text, alias->address);
  if (!key) return key.error();
  return keep(dir, *alias, std::move(*key));
}

Result<PgpKeyInfo> get_pgp_key(directory::Directory& dir, std::string_view address) {
  auto alias = dir.find_alias(address);
  if (!alias) return alias.error();
  auto stored = dir.alias_pgp_key(alias->id);
  if (!stored) return stored.error();
  if (!*stored) return make_error(Errc::not_found, "the alias has no OpenPGP key");
  auto armored = delivery::pgp::armor_public_key((*stored)->key);
  if (!armored) return armored.error();
  PgpKeyInfo info;
  info.address = alias->address;
  info.fingerprint = (*stored)->fingerprint;
  info.updated_at = (*stored)->updated_at;
  info.armored = std::move(*armored);
  return info;
}

Status remove_pgp_key(directory::Directory& dir, std::string_view address) {
  auto alias = dir.find_alias(address);
  if (!alias) return alias.error();
  auto stored = dir.alias_pgp_key(alias->id);
  if (!stored) return stored.error();
  if (!*stored) return make_error(Errc::not_found, "the alias has no OpenPGP key");
  return dir.set_alias_pgp_key(alias->id, std::nullopt);
}

Result<PgpKeyInfo> set_pgp_key_from_wkd(directory::Directory& dir,
                                        const std::optional<std::filesystem::path>& config_file,
                                        std::string_view address) {
  auto alias = exact_alias(dir, address);
  if (!alias) return alias.error();
  auto options = delivery::pgp::load_wkd_options(config_file);
  if (!options) return options.error();
  auto served = delivery::pgp::wkd_lookup(alias->address, *options);
  if (!served) return served.error();
  auto key = delivery::pgp::read_public_key(
      std::string_view(reinterpret_cast<const char*>(served->data()), served->size()), alias->address);
  if (!key) return make_error(key.error().code, "the key found by WKD was refused: " + key.error().message);
  return keep(dir, *alias, std::move(*key));
}

Result<std::optional<std::vector<uint8_t>>> wkd_served_key(directory::Directory& dir, std::string_view domain,
                                                           std::string_view hash, std::string_view local_hint) {
  using Found = std::optional<std::vector<uint8_t>>;
  auto dom = dir.find_domain(domain);
  if (!dom) return dom.error().code == Errc::not_found ? Result<Found>(Found()) : Result<Found>(dom.error());
  auto key_of = [&](const directory::Alias& a) -> Result<Found> {
    auto stored = dir.alias_pgp_key(a.id);
    if (!stored) return stored.error();
    if (!*stored) return Found();
    return Found((*stored)->key);
  };
  // The "l" parameter names the local part: one lookup instead of hashing every alias.
  if (!local_hint.empty() && delivery::pgp::wkd_hash(local_hint) == hash) {
    auto alias = dir.find_alias(std::string(local_hint) + "@" + dom->name);
    if (alias && alias->kind == directory::AliasKind::exact) return key_of(*alias);
  }
  auto aliases = dir.list_aliases(dom->id);
  if (!aliases) return aliases.error();
  for (const auto& a : *aliases) {
    if (a.kind != directory::AliasKind::exact || delivery::pgp::wkd_hash(a.local_part) != hash) continue;
    return key_of(a);
  }
  return Found();
}

}  // namespace sealmail::admin
