#include "admin/pgp_key_commands.h"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <memory>

#include "admin/mail_admin.h"
#include "core/fs.h"
#include "core/wipe.h"
#include "delivery/pgp/public_key.h"

namespace sealmail::admin {

namespace {

int report(const Error& e) {
  std::fprintf(stderr, "sealmail: %s\n", e.message.c_str());
  return 1;
}

void print_info(const PgpKeyInfo& k) {
  std::printf("address      %s\nfingerprint  %s\n", k.address.c_str(), k.fingerprint.c_str());
  for (const auto& uid : k.user_ids) std::printf("user id      %s\n", uid.c_str());
  if (k.valid_until) std::printf("valid until  %llu\n", static_cast<unsigned long long>(k.valid_until));
  std::fflush(stdout);
}

Result<std::string> read_key_file(const std::string& file) {
  if (file == "-") {
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    if (text.size() > delivery::pgp::kMaxKeyBytes)
      return make_error(Errc::invalid_argument, "the key is larger than 1 MiB");
    return text;
  }
  return fs::read_file(file);
}

}  // namespace

void add_pgp_key_commands(CLI::App& app, std::string& data_dir, int& exit_code) {
  auto* alias = app.get_subcommand("alias");
  auto* cmd = alias->add_subcommand("pgp-key",
                                    "an address's OpenPGP public key: mail to it is then stored and forwarded "
                                    "encrypted (PGP/MIME), and WKD serves the key");
  auto address = std::make_shared<std::string>();
  auto set_file = std::make_shared<std::string>();
  auto remove = std::make_shared<bool>(false);
  auto show = std::make_shared<bool>(false);
  auto wkd = std::make_shared<bool>(false);
  cmd->add_option("address", *address, "the address (an exact alias)")->required();
  auto* set = cmd->add_option("--set", *set_file, "set the key from FILE (armored or binary; - for standard input)");
  auto* rm = cmd->add_flag("--remove", *remove, "remove the key: mail is stored and forwarded as it comes");
  auto* sh = cmd->add_flag("--show", *show, "print the key, armored");
  auto* wk = cmd->add_flag("--wkd", *wkd, "find the key by Web Key Directory lookup and set it");
  set->excludes(rm)->excludes(sh)->excludes(wk);
  rm->excludes(sh)->excludes(wk);
  sh->excludes(wk);
  cmd->callback([=, &data_dir, &exit_code] {
    if (set_file->empty() && !*remove && !*show && !*wkd) {
      exit_code = report(make_error(Errc::invalid_argument, "give one of --set FILE, --remove, --show, --wkd"));
      return;
    }
    auto dir = open_directory(data_dir);
    if (!dir) {
      exit_code = report(dir.error());
      return;
    }
    auto& d = **dir;
    if (*remove) {
      auto st = remove_pgp_key(d, *address);
      if (!st) exit_code = report(st.error());
      return;
    }
    if (*show) {
      auto k = get_pgp_key(d, *address);
      if (!k) {
        exit_code = report(k.error());
        return;
      }
      std::fprintf(stderr, "fingerprint %s\n", k->fingerprint.c_str());
      std::fwrite(k->armored.data(), 1, k->armored.size(), stdout);
      return;
    }
    Result<PgpKeyInfo> k = make_error(Errc::internal, "");
    if (*wkd) {
      // As the other commands do: the data directory's config.toml, when there is one.
      std::optional<std::filesystem::path> config_file;
      std::error_code ec;
      auto in_data = std::filesystem::path(data_dir) / "config.toml";
      if (std::filesystem::exists(in_data, ec)) config_file = in_data;
      k = set_pgp_key_from_wkd(d, config_file, *address);
    } else {
      auto text = read_key_file(*set_file);
      if (!text) {
        exit_code = report(text.error());
        return;
      }
      k = set_pgp_key(d, *address, *text);
      sasl::wipe(*text);  // a secret key given by mistake does not stay in memory
    }
    if (!k) {
      exit_code = report(k.error());
      return;
    }
    print_info(*k);
  });
}

}  // namespace sealmail::admin
