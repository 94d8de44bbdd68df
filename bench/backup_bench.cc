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
//
// With --continuous, continuous protection instead (backup/wal_shipper.h, backup/continuous.h):
// the mailbox of --megabytes is filled, then
//   1. the base: the write-lock section of a new generation (checkpoint, byte copy of the file);
//   2. --more-megabytes more mail appended in batches of --batch messages, the shipper's pass run
//      after each batch (a segment each): append rate with the capture on, against the same
//      appends with it off just before; bytes shipped per GB of mail written;
//   3. restore to a point in the middle of those appends and to the latest commit: rebuild (download
//      the base and the segments, apply the frames), then open with the password + full check +
//      put in place (store::restore_mailbox); median of --runs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "backup/backups.h"
#include "backup/continuous.h"
#include "backup/target.h"
#include "backup/wal_shipper.h"
#include "crypto/secret.h"
#include "mail_corpus.h"
#include "store/mailbox.h"
#include "store/registry.h"
#include "store/restore.h"
#include "store/wal_capture.h"

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

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct ContinuousOptions {
  size_t megabytes = 0;
  size_t more_megabytes = 50;
  size_t batch = 20;
  int runs = 3;
};

int run_continuous(const fs::path& dir, const backup::BackupConfig& target_config, const ContinuousOptions& o) {
  auto password = crypto::SecretBuffer::from(std::string_view("bench password, not a secret"));
  auto file = dir / "mailboxes" / "bench.sqlite";
  store::Options options;
  options.durable = false;
  auto registry = std::make_shared<store::MailboxRegistry>(options);
  auto mailbox = check(registry->acquire("bench", file, password, true), "create");
  bench::MailCorpus corpus(42);
  uint64_t mail_bytes = 0;
  size_t n = 0;
  auto next_batch = [&](size_t count) {
    std::vector<store::AppendRequest> batch;
    while (batch.size() < count) {
      auto r = (n % 10 == 9) ? corpus.attachment_message(300 * 1024) : corpus.text_message(6 * 1024);
      mail_bytes += r.message.size();
      ++n;
      batch.push_back(std::move(r));
    }
    return batch;
  };
  while (mail_bytes < (o.megabytes << 20)) check(mailbox->append_batch(next_batch(500)), "append");
  check(mailbox->index_pending(), "index");
  std::printf("backup_bench --continuous: %zu messages, %.1f MB of mail, mailbox file %.1f MB, target %s\n", n,
              mail_bytes / 1e6, fs::file_size(file) / 1e6, target_config.target.c_str());

  // 1. The write-lock section of a base, alone (median of runs).
  std::vector<double> base_times;
  for (int run = 0; run < o.runs; ++run) {
    auto copy = dir / "base-probe";
    fs::remove(copy);
    auto t = Clock::now();
    auto b = check(store::start_wal_capture(*mailbox, copy, [](store::WalCommit&&) { return true; }), "base");
    base_times.push_back(seconds_since(t));
    store::stop_wal_capture(*mailbox);
    fs::remove(copy);
    (void)b;
  }
  std::printf("base (write lock held: checkpoint + byte copy of the %.1f MB file): %.3f s\n", fs::file_size(file) / 1e6,
              median(base_times));

  // 2. The same amount of appends without, then with, the capture.
  auto append_phase = [&](backup::WalShipper* shipper, std::vector<int64_t>* commit_times) {
    uint64_t start_bytes = mail_bytes;
    size_t start_n = n;
    double busy = 0;
    while (mail_bytes - start_bytes < (o.more_megabytes << 20)) {
      auto batch = next_batch(o.batch);
      auto t = Clock::now();
      check(mailbox->append_batch(batch), "append");
      busy += seconds_since(t);
      if (commit_times != nullptr) commit_times->push_back(now_ms());
      if (shipper != nullptr) shipper->pass();
    }
    return std::tuple{busy, n - start_n, mail_bytes - start_bytes};
  };
  auto [off_s, off_n, off_bytes] = append_phase(nullptr, nullptr);
  auto target = check(backup::make_target(target_config), "target");
  backup::BackupConfig config = target_config;
  config.continuous = true;
  config.keep = 1;
  backup::WalShipper shipper(registry, config, dir / "work", std::move(target));
  auto t0 = Clock::now();
  shipper.pass();  // the base
  double first_pass = seconds_since(t0);
  auto base_stats = shipper.stats();
  std::vector<int64_t> times;
  auto [on_s, on_n, on_bytes] = append_phase(&shipper, &times);
  shipper.pass();
  auto st = shipper.stats();
  if (st.queued_bytes != 0 || st.generations != 1) die("the shipper did not ship everything in one generation");
  std::printf("first pass (base copy + SHA-256 + upload of %.1f MB): %.2f s\n", base_stats.base_bytes / 1e6,
              first_pass);
  std::printf("appends, %zu a commit, capture off: %zu messages in %.2f s = %.0f msg/s\n", o.batch, off_n, off_s,
              off_n / off_s);
  std::printf("appends, %zu a commit, capture on:  %zu messages in %.2f s = %.0f msg/s (the WAL hook's copy)\n",
              o.batch, on_n, on_s, on_n / on_s);
  std::printf("shipped: %llu segments, %llu commits, %.1f MB for %.1f MB of mail = %.2f GB per GB written\n",
              static_cast<unsigned long long>(st.segments), static_cast<unsigned long long>(st.commits),
              st.segment_bytes / 1e6, on_bytes / 1e6, static_cast<double>(st.segment_bytes) / on_bytes);

  // 3. Restores: to the middle of the appends, and to the last commit.
  mailbox.reset();  // closes: a restore needs the file free
  auto target2 = check(backup::make_target(target_config), "target");
  for (auto [label, at] : {std::pair{"middle", times[times.size() / 2]}, std::pair{"latest", times.back()}}) {
    std::vector<double> rebuild, full;
    backup::PointInTime last;
    for (int run = 0; run < o.runs; ++run) {
      auto incoming = dir / "mailboxes" / "bench.sqlite.restore";
      auto t = Clock::now();
      last = check(backup::rebuild_at(*target2, config.prefix, "bench", at, incoming, dir / "work"), "rebuild");
      rebuild.push_back(seconds_since(t));
      {
        store::Options check_options;
        check_options.create_default_folders = false;
        auto m = check(store::Mailbox::open(incoming, password, check_options), "open rebuilt");
        check(m->check(), "check rebuilt");
      }
      check(store::restore_mailbox(file, incoming, password), "restore");
      full.push_back(seconds_since(t));
    }
    std::printf(
        "restore to the %s (%zu segments, %zu commits, %.1f MB downloaded): rebuild %.2f s, + open, full check and "
        "put in place %.2f s\n",
        label, last.segments, last.commits, last.downloaded_bytes / 1e6, median(rebuild), median(full));
  }
  fs::remove_all(dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  size_t megabytes = 200;
  int runs = 3;
  bool continuous = false;
  size_t more_megabytes = 50, commit_messages = 20;
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
    else if (a == "--continuous")
      continuous = true;
    else if (a == "--more-megabytes")
      more_megabytes = std::stoul(next());
    else if (a == "--batch")
      commit_messages = std::stoul(next());
    else
      die("unknown option " + a +
          " (--megabytes N --runs N --dir D --quick --folder-target D "
          "--s3-endpoint URL --bucket B --continuous --more-megabytes N --batch N)");
  }
  if (runs < 1) runs = 1;
  fs::remove_all(dir);
  fs::create_directories(dir / "mailboxes");
  if (config.folder.empty()) config.folder = dir / "target";
  if (continuous) return run_continuous(dir, config, {megabytes, more_megabytes, commit_messages == 0 ? 1 : commit_messages, runs});
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
