#include "admin/mailbox_commands.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "admin/progress_bar.h"
#include "admin/search_query.h"
#include "admin/secrets_input.h"
#include "crypto/password.h"
#include "store/mailbox.h"
#include "store/portability.h"
#include "store/spool.h"

namespace sealmail::admin {

namespace {

constexpr const char* kPasswordEnv = "SEALMAIL_PASSWORD";
constexpr const char* kNewPasswordEnv = "SEALMAIL_NEW_PASSWORD";

struct Common {
  std::string file;
  std::string password_file;
};

int report(const Error& e) {
  std::fprintf(stderr, "sealmail: %s\n", e.message.c_str());
  return 1;
}

void add_common(CLI::App* cmd, Common& c) {
  cmd->add_option("file", c.file, "the mailbox file")->required();
  cmd->add_option("--password-file", c.password_file,
                  std::string("file whose first line is the password (default: $") + kPasswordEnv + ")");
}

Result<std::unique_ptr<store::Mailbox>> open_mailbox(const Common& c) {
  auto password = read_password(c.password_file, kPasswordEnv);
  if (!password) return password.error();
  return store::Mailbox::open(c.file, *password);
}

std::string flag_text(const store::Flags& f) {
  std::string s;
  auto add = [&](const char* n) {
    if (!s.empty()) s += ' ';
    s += n;
  };
  if (f.system & store::kSeen) add("\\Seen");
  if (f.system & store::kAnswered) add("\\Answered");
  if (f.system & store::kFlagged) add("\\Flagged");
  if (f.system & store::kDeleted) add("\\Deleted");
  if (f.system & store::kDraft) add("\\Draft");
  for (const auto& k : f.keywords) add(k.c_str());
  return s;
}

}  // namespace

void add_mailbox_commands(CLI::App& app, int& exit_code) {
  auto* mailbox = app.add_subcommand("mailbox", "work on one encrypted mailbox file");
  mailbox->require_subcommand(1);

  // create
  {
    auto* cmd = mailbox->add_subcommand("create", "create a new encrypted mailbox");
    auto c = std::make_shared<Common>();
    auto generate = std::make_shared<bool>(false);
    add_common(cmd, *c);
    cmd->add_flag("--generate-password", *generate, "generate a password and print it once on stdout");
    cmd->callback([c, generate, &exit_code] {
      crypto::SecretBuffer password;
      if (*generate) {
        password = crypto::generate_password();
      } else {
        auto p = read_password(c->password_file, kPasswordEnv);
        if (!p) return void(exit_code = report(p.error()));
        password = std::move(*p);
      }
      auto m = store::Mailbox::create(c->file, password);
      if (!m) return void(exit_code = report(m.error()));
      if (*generate) {
        std::fwrite(password.data(), 1, password.size(), stdout);
        std::fputc('\n', stdout);
        std::fprintf(stderr, "sealmail: this password is shown once and is the only key to the mailbox\n");
      }
    });
  }

  // list
  {
    auto* cmd = mailbox->add_subcommand("list", "list folders, or the messages of one folder");
    auto c = std::make_shared<Common>();
    auto folder = std::make_shared<std::string>();
    add_common(cmd, *c);
    cmd->add_option("--folder", *folder, "list this folder's messages");
    cmd->callback([c, folder, &exit_code] {
      auto m = open_mailbox(*c);
      if (!m) return void(exit_code = report(m.error()));
      if (folder->empty()) {
        auto folders = (*m)->list_folders();
        if (!folders) return void(exit_code = report(folders.error()));
        std::printf("%-30s %-10s %8s %8s %12s\n", "FOLDER", "USE", "MESSAGES", "UNSEEN", "BYTES");
        for (const auto& f : *folders)
          std::printf("%-30s %-10s %8u %8u %12llu\n", f.name.c_str(),
                      f.special_use.empty() ? "-" : f.special_use.c_str(), f.messages, f.unseen,
                      static_cast<unsigned long long>(f.size));
        return;
      }
      auto list = (*m)->list_messages(*folder);
      if (!list) return void(exit_code = report(list.error()));
      std::printf("%8s %20s %10s  %s\n", "UID", "INTERNALDATE", "SIZE", "FLAGS");
      for (const auto& msg : *list)
        std::printf("%8u %20s %10llu  %s\n", msg.uid, msg.internal_date.c_str(),
                    static_cast<unsigned long long>(msg.size), flag_text(msg.flags).c_str());
    });
  }

  // show
  {
    auto* cmd = mailbox->add_subcommand("show", "write one message, byte-exact, to stdout");
    auto c = std::make_shared<Common>();
    auto folder = std::make_shared<std::string>("INBOX");
    auto uid = std::make_shared<uint32_t>(0);
    add_common(cmd, *c);
    cmd->add_option("--folder", *folder, "folder (default INBOX)");
    cmd->add_option("--uid", *uid, "the message's UID")->required();
    cmd->callback([c, folder, uid, &exit_code] {
      auto m = open_mailbox(*c);
      if (!m) return void(exit_code = report(m.error()));
      auto raw = (*m)->fetch_raw(*folder, *uid);
      if (!raw) return void(exit_code = report(raw.error()));
      std::fwrite(raw->data(), 1, raw->size(), stdout);
    });
  }

  // search
  {
    auto* cmd = mailbox->add_subcommand("search", "search a folder; prints matching UIDs");
    auto c = std::make_shared<Common>();
    auto folder = std::make_shared<std::string>("INBOX");
    auto terms = std::make_shared<std::vector<std::string>>();
    add_common(cmd, *c);
    cmd->add_option("--folder", *folder, "folder (default INBOX)");
    cmd->add_option("terms", *terms,
                    "terms, all must match: from:X to:X cc:X subject:X body:X text:X header:Name=X keyword:X "
                    "since:/before:/on:YYYY-MM-DD larger:N smaller:N seen unseen flagged deleted draft "
                    "regex:RE2 uid:A-B; not:TERM negates; a bare word is text:word");
    cmd->callback([c, folder, terms, &exit_code] {
      auto key = parse_search_query(*terms);
      if (!key) return void(exit_code = report(key.error()));
      auto m = open_mailbox(*c);
      if (!m) return void(exit_code = report(m.error()));
      auto uids = (*m)->search(*folder, *key);
      if (!uids) return void(exit_code = report(uids.error()));
      for (auto u : *uids) std::printf("%u\n", u);
    });
  }

  // import
  {
    auto* cmd = mailbox->add_subcommand("import", "import messages from an mbox file or a Maildir");
    auto c = std::make_shared<Common>();
    auto from = std::make_shared<std::string>();
    auto folder = std::make_shared<std::string>("INBOX");
    add_common(cmd, *c);
    cmd->add_option("--from", *from, "an mbox file or a Maildir directory")->required();
    cmd->add_option("--folder", *folder, "target folder (default INBOX; created if missing)");
    cmd->callback([c, from, folder, &exit_code] {
      auto m = open_mailbox(*c);
      if (!m) return void(exit_code = report(m.error()));
      ProgressBar bar("importing");
      auto progress = [&](uint64_t d, uint64_t t) { bar.update(d, t); };
      std::error_code ec;
      auto r = std::filesystem::is_directory(*from, ec) ? store::import_maildir(**m, *from, *folder, progress)
                                                        : store::import_mbox(**m, *from, *folder, progress);
      if (!r) return void(exit_code = report(r.error()));
      // Index the imported text now, so the first search does not pay for it.
      auto indexed = (*m)->index_pending();
      if (!indexed) return void(exit_code = report(indexed.error()));
      std::fprintf(stderr, "sealmail: imported %llu messages", static_cast<unsigned long long>(r->messages));
      if (r->skipped > 0) std::fprintf(stderr, ", skipped %llu", static_cast<unsigned long long>(r->skipped));
      std::fputc('\n', stderr);
    });
  }

  // export
  {
    auto* cmd = mailbox->add_subcommand("export", "export as mbox, .eml files, a zip of .eml, or the encrypted file");
    auto c = std::make_shared<Common>();
    auto to = std::make_shared<std::string>();
    auto format = std::make_shared<std::string>("mbox");
    auto folder = std::make_shared<std::string>();
    auto zip_password_file = std::make_shared<std::string>();
    add_common(cmd, *c);
    cmd->add_option("--to", *to, "output file or directory")->required();
    cmd->add_option("--format", *format, "mbox (one file per folder, or --folder's alone), eml, zip, sqlite")
        ->check(CLI::IsMember({"mbox", "eml", "zip", "sqlite"}));
    cmd->add_option("--folder", *folder, "with mbox: export this folder alone into the file --to");
    cmd->add_option("--zip-password-file", *zip_password_file,
                    "with zip: encrypt entries (AES-256) with this password");
    cmd->callback([c, to, format, folder, zip_password_file, &exit_code] {
      auto m = open_mailbox(*c);
      if (!m) return void(exit_code = report(m.error()));
      ProgressBar bar("exporting");
      auto progress = [&](uint64_t d, uint64_t t) { bar.update(d, t); };
      Result<store::ExportStats> r = store::ExportStats{};
      if (*format == "mbox") {
        r = store::export_mbox(**m, *to, folder->empty() ? std::nullopt : std::optional<std::string>(*folder),
                               progress);
      } else if (*format == "eml") {
        r = store::export_eml_dir(**m, *to, progress);
      } else if (*format == "zip") {
        std::optional<crypto::SecretBuffer> pass;
        if (!zip_password_file->empty()) {
          auto p = read_password(*zip_password_file, "");
          if (!p) return void(exit_code = report(p.error()));
          pass = std::move(*p);
        }
        r = store::export_eml_zip(**m, *to, pass ? &*pass : nullptr, progress);
      } else {
        auto snap = (*m)->backup_snapshot(*to);
        if (!snap) return void(exit_code = report(snap.error()));
        std::printf("%s  %s\n", snap->sha256.c_str(), snap->path.c_str());
        return;
      }
      if (!r) return void(exit_code = report(r.error()));
      std::fprintf(stderr, "sealmail: exported %llu messages\n", static_cast<unsigned long long>(r->messages));
    });
  }

  // backup
  {
    auto* cmd = mailbox->add_subcommand("backup", "write a checked, still encrypted snapshot (VACUUM INTO)");
    auto c = std::make_shared<Common>();
    auto to = std::make_shared<std::string>();
    add_common(cmd, *c);
    cmd->add_option("--to", *to, "the snapshot file to write")->required();
    cmd->callback([c, to, &exit_code] {
      auto m = open_mailbox(*c);
      if (!m) return void(exit_code = report(m.error()));
      auto snap = (*m)->backup_snapshot(*to);
      if (!snap) return void(exit_code = report(snap.error()));
      std::printf("%s  %s\n", snap->sha256.c_str(), snap->path.c_str());
    });
  }

  // rekey
  {
    auto* cmd = mailbox->add_subcommand("rekey", "change the mailbox's password (crash-safe)");
    auto c = std::make_shared<Common>();
    auto new_password_file = std::make_shared<std::string>();
    add_common(cmd, *c);
    cmd->add_option("--new-password-file", *new_password_file,
                    std::string("file whose first line is the new password (default: $") + kNewPasswordEnv + ")");
    cmd->callback([c, new_password_file, &exit_code] {
      auto fresh = read_password(*new_password_file, kNewPasswordEnv);
      if (!fresh) return void(exit_code = report(fresh.error()));
      auto m = open_mailbox(*c);
      if (!m) return void(exit_code = report(m.error()));
      auto st = (*m)->rekey(*fresh);
      if (!st) return void(exit_code = report(st.error()));
    });
  }

  // check
  {
    auto* cmd = mailbox->add_subcommand("check", "open with the password and run integrity_check");
    auto c = std::make_shared<Common>();
    add_common(cmd, *c);
    cmd->callback([c, &exit_code] {
      auto m = open_mailbox(*c);
      if (!m) return void(exit_code = report(m.error()));
      auto st = (*m)->check();
      if (!st) return void(exit_code = report(st.error()));
      auto q = (*m)->quota();
      if (!q) return void(exit_code = report(q.error()));
      std::printf("ok: %llu messages, %llu bytes of mail, %llu bytes on disk\n",
                  static_cast<unsigned long long>(q->messages), static_cast<unsigned long long>(q->bytes),
                  static_cast<unsigned long long>(q->file_bytes));
    });
  }

  // delete
  {
    auto* cmd = mailbox->add_subcommand("delete", "unlink the mailbox file, its WAL and its index");
    auto file = std::make_shared<std::string>();
    auto yes = std::make_shared<bool>(false);
    cmd->add_option("file", *file, "the mailbox file")->required();
    cmd->add_flag("--yes", *yes, "do not ask (there is no way back)");
    cmd->callback([file, yes, &exit_code] {
      if (!*yes) {
        if (::isatty(STDIN_FILENO) != 1)
          return void(exit_code = report({Errc::invalid_argument, "refusing to delete without --yes"}));
        std::fprintf(stderr, "Delete %s for good? There is no way back. Type 'yes': ", file->c_str());
        std::string answer;
        std::getline(std::cin, answer);
        if (answer != "yes") return void(exit_code = report({Errc::invalid_argument, "not deleted"}));
      }
      auto st = store::Mailbox::destroy(*file);
      if (!st) return void(exit_code = report(st.error()));
      // A mailbox of a data directory (DATA_DIR/mailboxes/<id>.sqlite) takes its sealed spool
      // with it: nothing else can open what waits there (store/spool.h).
      std::filesystem::path path(*file);
      if (path.parent_path().filename() == "mailboxes" && path.extension() == ".sqlite") {
        auto data_dir = path.parent_path().parent_path();
        st = store::Spool(store::spool_dir(data_dir)).remove_all(path.stem().string());
        if (!st) return void(exit_code = report(st.error()));
      }
    });
  }
}

}  // namespace sealmail::admin
