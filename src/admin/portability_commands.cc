#include "admin/portability_commands.h"

#include <cstdio>

#include "admin/imap_import.h"
#include "admin/mail_admin.h"
#include "admin/mailbox_access.h"
#include "admin/progress_bar.h"
#include "admin/secrets_input.h"
#include "store/portability.h"

namespace sealmail::admin {

namespace {

constexpr const char* kPasswordEnv = "SEALMAIL_PASSWORD";
constexpr const char* kZipPasswordEnv = "SEALMAIL_ZIP_PASSWORD";
constexpr const char* kSourcePasswordEnv = "SEALMAIL_SOURCE_PASSWORD";

int report(const Error& e) {
  std::fprintf(stderr, "sealmail: %s\n", e.message.c_str());
  return 1;
}

struct Args {
  std::string address;
  std::string password_file;
  std::string format;
  std::string path;
  std::string folder = "INBOX";
  std::string zip_password_file;
  std::string source_password_file;
  std::string ca_file;
};

// `import --from imap`: the source is imaps://USER@HOST[:PORT] (or imap:// with STARTTLS required).
int import_from_imap(store::Mailbox& mailbox, const Args& a) {
  ImapImportOptions options;
  auto endpoint = imap::client::parse_source_url(a.path);
  if (!endpoint) return report(endpoint.error());
  options.source = std::move(*endpoint);
  options.client.ca_file = a.ca_file;
  auto source_password = read_password(a.source_password_file, kSourcePasswordEnv);
  if (!source_password) return report(source_password.error());
  ProgressBar bar("importing");
  auto r = import_imap(mailbox, options, *source_password, [&](uint64_t d, uint64_t t) { bar.update(d, t); });
  if (!r) return report(r.error());
  auto indexed = mailbox.index_pending();
  if (!indexed) return report(indexed.error());
  std::fprintf(stderr, "sealmail: imported %llu messages from %llu folders, %llu already there",
               static_cast<unsigned long long>(r->messages), static_cast<unsigned long long>(r->folders),
               static_cast<unsigned long long>(r->duplicates));
  if (r->skipped > 0)
    std::fprintf(stderr, ", skipped %llu over the size limit", static_cast<unsigned long long>(r->skipped));
  std::fputc('\n', stderr);
  return 0;
}

// The zip's own password: a file, $SEALMAIL_ZIP_PASSWORD, or (the default) the alias password, so
// that an export is never plaintext at rest and opens with what the owner already has.
Result<crypto::SecretBuffer> zip_password(const Args& a, const crypto::SecretBuffer& alias_password) {
  if (!a.zip_password_file.empty()) return read_password(a.zip_password_file, "");
  if (const char* v = std::getenv(kZipPasswordEnv); v != nullptr && *v != 0) return read_password("", kZipPasswordEnv);
  return crypto::SecretBuffer::from(alias_password.view());
}

Result<std::unique_ptr<store::Mailbox>> open_for(const std::string& data_dir, const Args& a,
                                                 crypto::SecretBuffer& password_out) {
  auto password = read_password(a.password_file, kPasswordEnv);
  if (!password) return password.error();
  auto dir = open_directory(data_dir);
  if (!dir) return dir.error();
  auto m = open_alias_mailbox(**dir, data_dir, a.address, *password);
  if (!m) return m.error();
  password_out = std::move(*password);
  return m;
}

}  // namespace

void add_portability_commands(CLI::App& app, std::string& data_dir, int& exit_code) {
  {
    auto* cmd = app.add_subcommand("export",
                                   "export an alias's mailbox: mbox files, a zip of .eml (AES-256), or "
                                   "the encrypted SQLite file");
    auto a = std::make_shared<Args>();
    a->format = "mbox";
    cmd->add_option("address", a->address, "the alias")->required();
    cmd->add_option("--format", a->format, "mbox (a folder of FOLDER.mbox files), zip, sqlite")
        ->check(CLI::IsMember({"mbox", "zip", "sqlite"}));
    cmd->add_option("--to", a->path, "the file (zip, sqlite) or directory (mbox) to write")->required();
    cmd->add_option("--password-file", a->password_file,
                    "file holding the alias password (default $SEALMAIL_PASSWORD)");
    cmd->add_option("--zip-password-file", a->zip_password_file,
                    "zip: encrypt with this password (default $SEALMAIL_ZIP_PASSWORD, else the alias password)");
    cmd->callback([a, &data_dir, &exit_code] {
      std::error_code ec;
      if (std::filesystem::exists(a->path, ec))
        return void(exit_code = report({Errc::already_exists, a->path + " exists"}));
      crypto::SecretBuffer password;
      auto m = open_for(data_dir, *a, password);
      if (!m) return void(exit_code = report(m.error()));
      ProgressBar bar("exporting");
      auto progress = [&](uint64_t d, uint64_t t) { bar.update(d, t); };
      Result<store::ExportStats> r = store::ExportStats{};
      if (a->format == "mbox") {
        r = store::export_mbox(**m, a->path, std::nullopt, progress);
      } else if (a->format == "zip") {
        auto pass = zip_password(*a, password);
        if (!pass) return void(exit_code = report(pass.error()));
        r = store::export_eml_zip(**m, a->path, &*pass, progress);
      } else {
        auto snap = (*m)->backup_snapshot(a->path);
        if (!snap) return void(exit_code = report(snap.error()));
        std::printf("%s  %s\n", snap->sha256.c_str(), snap->path.c_str());
        return;
      }
      if (!r) return void(exit_code = report(r.error()));
      std::fprintf(stderr, "sealmail: exported %llu messages\n", static_cast<unsigned long long>(r->messages));
    });
  }
  {
    auto* cmd = app.add_subcommand("import",
                                   "import into an alias's mailbox from an mbox file, a Maildir, a zip "
                                   "of .eml or another IMAP server");
    auto a = std::make_shared<Args>();
    cmd->add_option("address", a->address, "the alias")->required();
    cmd->add_option("source", a->path,
                    "the mbox file, Maildir directory or zip file; for imap imaps://USER@HOST[:PORT] "
                    "(or imap://, STARTTLS required)")
        ->required();
    cmd->add_option("--from", a->format, "mbox, maildir, zip or imap")
        ->required()
        ->check(CLI::IsMember({"mbox", "maildir", "zip", "imap"}));
    auto* folder_opt =
        cmd->add_option("--folder", a->folder, "target folder (default INBOX; created if missing; not for imap)");
    cmd->add_option("--source-password-file", a->source_password_file,
                    "imap: file holding the source server's password (default $SEALMAIL_SOURCE_PASSWORD)");
    cmd->add_option("--ca-file", a->ca_file,
                    "imap: trust the certificates in this PEM file for the source server (default: the system's)");
    cmd->add_option("--password-file", a->password_file,
                    "file holding the alias password (default $SEALMAIL_PASSWORD)");
    cmd->add_option("--zip-password-file", a->zip_password_file,
                    "zip: its password (default $SEALMAIL_ZIP_PASSWORD, else the alias password)");
    cmd->callback([a, folder_opt, &data_dir, &exit_code] {
      if (a->format == "imap" && folder_opt->count() > 0)
        return void(exit_code = report({Errc::invalid_argument,
                                        "--folder does not apply to --from imap (folders are copied as they are)"}));
      crypto::SecretBuffer password;
      auto m = open_for(data_dir, *a, password);
      if (!m) return void(exit_code = report(m.error()));
      if (a->format == "imap") return void(exit_code = import_from_imap(**m, *a));
      ProgressBar bar("importing");
      auto progress = [&](uint64_t d, uint64_t t) { bar.update(d, t); };
      Result<store::ImportStats> r = store::ImportStats{};
      if (a->format == "mbox") {
        r = store::import_mbox(**m, a->path, a->folder, progress);
      } else if (a->format == "maildir") {
        r = store::import_maildir(**m, a->path, a->folder, progress);
      } else {
        auto pass = zip_password(*a, password);
        if (!pass) return void(exit_code = report(pass.error()));
        r = store::import_eml_zip(**m, a->path, a->folder, &*pass, 64u << 20, progress);
      }
      if (!r) return void(exit_code = report(r.error()));
      auto indexed = (*m)->index_pending();
      if (!indexed) return void(exit_code = report(indexed.error()));
      std::fprintf(stderr, "sealmail: imported %llu messages", static_cast<unsigned long long>(r->messages));
      if (r->skipped > 0) std::fprintf(stderr, ", skipped %llu", static_cast<unsigned long long>(r->skipped));
      std::fputc('\n', stderr);
    });
  }
}

}  // namespace sealmail::admin
