// backup_bench: what a backup and a restore cost (src/backup, issue 10), on a mailbox of realistic
// generated mail (bench/mail_corpus.h). Prints figures; never fails on a slow number, exits
// non-zero only on an error.
//
// For a mailbox of --megabytes of mail (a mix of text and attachment messages), median of --runs:
//   1. backup of a changed mailbox: snapshot (write lock, checkpoint, VACUUM INTO), reopen and
//      quick_check, content digest, upload to the target; seconds, and per GB of mail;
//   2. backup of an unchanged mailbox: the same snapshot and digest, no upload;
//   3. bytes uploaded per GB of mail (the snapshot is the encrypted file, compacted);
//   4. restore: download, reopen and check with the password, new UIDVALIDITY, rename.
// The target is a folder (--folder-target DIR, default under --dir), or S3 with --s3-endpoint URL
// and --bucket NAME (credentials from $AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "backup/backups.h"
#include "backup/target.h"
#include "crypto/secret.h"
#include "mail_corpus.h"
#include "store/mailbox.h"
#include "store/restore.h"

namespace {

using namespace sealmail;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "backup_bench: %s\n", what.c_str());
  std::exit(1);
}

template <typename T>
T check(Result<T> r, const char* what) {
  if (!r) die(std::string(what) + ": " + r.error().message);
  return std::move(*r);
}

void check(Status s, const char* what) {
  if (!s) die(std::string(what) + ": " + s.error().message);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

int main(int argc, char** argv) {
  size_t megabytes = 200;
  int runs = 3;
  fs::path dir = fs::temp_directory_path() / "sealmail-backup-bench";
  backup::BackupConfig config;
  config.target = "folder";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value after " + a);
      return argv[++i];
    };
    if (a == "--megabytes")
      megabytes = std::stoul(next());
    else if (a == "--runs")
      runs = std::stoi(next());
    else if (a == "--dir")
      dir = next();
    else if (a == "--quick")
      megabytes = 20, runs = 3;
    else if (a == "--folder-target")
      config.folder = next();
    else if (a == "--s3-endpoint")
      config.target = "s3", config.endpoint = next();
    else if (a == "--bucket")
      config.bucket = next();
    else
      die("unknown option " + a +
          " (--megabytes N --runs N --dir D --quick --folder-target D "
          "--s3-endpoint URL --bucket B)");
  }
  if (runs < 1) runs = 1;
  fs::remove_all(dir);
  fs::create_directories(dir / "mailboxes");
  if (config.folder.empty()) config.folder = dir / "target";
  auto target = check(backup::make_target(config), "target");

  auto password = crypto::SecretBuffer::from(std::string_view("bench password, not a secret"));
  auto file = dir / "mailboxes" / "bench.sqlite";
  store::Options options;
  options.durable = false;
  auto mailbox = check(store::Mailbox::create(file, password, options), "create");
  bench::MailCorpus corpus(42);
  uint64_t mail_bytes = 0;
  size_t n = 0;
  std::vector<store::AppendRequest> batch;
  auto add = [&](size_t until) {
    while (mail_bytes < until) {
      auto r = (n % 10 == 9) ? corpus.attachment_message(300 * 1024) : corpus.text_message(6 * 1024);
      mail_bytes += r.message.size();
      ++n;
      batch.push_back(std::move(r));
      if (batch.size() == 500) {
        check(mailbox->append_batch(batch), "append");
        batch.clear();
      }
    }
    if (!batch.empty()) check(mailbox->append_batch(batch), "append");
    batch.clear();
  };
  add(megabytes << 20);
  check(mailbox->index_pending(), "index");
  std::printf("backup_bench: %zu messages, %.1f MB of mail, mailbox file %.1f MB, target %s, median of %d runs\n", n,
              mail_bytes / 1e6, fs::file_size(file) / 1e6, config.target.c_str(), runs);

  std::vector<double> changed, unchanged, restore, uploaded_bytes;
  for (int run = 0; run < runs; ++run) {
    add(mail_bytes + 64 * 1024);  // a small change: one more message or so
    auto t = Clock::now();
    auto r = check(backup::run_backup(*mailbox, *target, "bench", "bench", 1, dir / "work"), "backup");
    changed.push_back(seconds_since(t));
    if (!r.uploaded) die("a changed mailbox was not uploaded");
    uploaded_bytes.push_back(static_cast<double>(r.latest.bytes));

    t = Clock::now();
    auto same = check(backup::run_backup(*mailbox, *target, "bench", "bench", 1, dir / "work"), "backup");
    unchanged.push_back(seconds_since(t));
    if (same.uploaded) die("an unchanged mailbox was uploaded again");
  }
  // Restore needs the file free: close the mailbox, restore, reopen for the next run.
  mailbox.reset();
  for (int run = 0; run < runs; ++run) {
    auto t = Clock::now();
    auto incoming = dir / "mailboxes" / "bench.sqlite.restore";
    check(backup::download_backup(*target, "bench", "bench", "", incoming), "download");
    check(store::restore_mailbox(file, incoming, password), "restore");
    restore.push_back(seconds_since(t));
  }
  double gb = mail_bytes / 1e9;
  double c = median(changed), u = median(unchanged), rs = median(restore), b = median(uploaded_bytes);
  std::printf("backup, changed mailbox (snapshot + check + digest + upload): %.2f s  = %.1f s per GB of mail\n", c,
              c / gb);
  std::printf("backup, unchanged mailbox (snapshot + check + digest, no upload): %.2f s  = %.1f s per GB of mail\n", u,
              u / gb);
  std::printf("uploaded: %.1f MB  = %.2f GB per GB of mail (encrypted, compacted file)\n", b / 1e6, b / 1e9 / gb);
  std::printf("restore (download + open with password + check + new UIDVALIDITY + rename): %.2f s  = %.1f s per GB\n",
              rs, rs / gb);
  fs::remove_all(dir);
  return 0;
}
