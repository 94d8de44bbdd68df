// store_bench: what the encrypted mailbox store (src/store) costs, measured from its public API on
// one thread. It prints figures beside the targets we hold ourselves to and never fails on a slow
// number (DESIGN.md: benchmarks are programs, not timed assertions); it exits non-zero only when
// the store returns an error.
//
// What it measures:
//   1. append throughput, 4 KB and 100 KB messages, encrypted vs the same build unencrypted:
//      append_batch of 1000 per transaction (synchronous=NORMAL), and append() one durable
//      transaction each (synchronous=FULL, fsync per commit); then the full-text indexing the
//      appends left pending (index_pending), so that both halves of a message's cost show;
//   2. open time: Mailbox::open (PBKDF2) vs open_with_key (raw key);
//   3. search latency over an encrypted, fully indexed mailbox of --messages 4 KB messages (FTS5
//      trigram body substrings hitting one, few and many messages; a From: search);
//   4. backup_snapshot time, scaled to one GB.
//
// Rules it keeps: the corpus comes from a seeded generator (the seed is printed, --seed repeats a
// run); message generation is never inside a timed region; encrypted and plain stores get the same
// messages, interleaved batch by batch, so that a busy machine slows both alike; wall time is
// steady_clock, and process CPU time is printed beside it because the machine may be shared.
#include <fcntl.h>
#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/fs.h"
#include "crypto/secret.h"
#include "mail_corpus.h"
#include "mime/message_info.h"
#include "store/mailbox.h"

namespace {

using sealmail::bench::MailCorpus;
using sealmail::store::AppendRequest;
using sealmail::store::Mailbox;
using sealmail::store::Options;
using sealmail::store::SearchKey;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------------
// Settings

struct Settings {
  bool quick = false;
  size_t search_messages = 100000;
  uint64_t seed = 20261123;
  std::string dir;  // parent of the data directory; empty: /tmp
  bool keep = false;
  bool runs(const std::string& section) const { return only.empty() || only.count(section) > 0; }
  int pin_cpu = -1;
  std::set<std::string> only;  // sections to run (empty: all), for profiling one of them
  std::string search_db;       // --search-db: the search mailbox's file, kept and reused
  std::string query_filter;    // --query: only the search classes whose name contains this
  bool skip_indexing = false;  // --no-index: appends only (for profiling them)
  // Derived from --quick.
  size_t batch = 1000;
  size_t batch_4k = 20000, batch_100k = 3000;
  size_t durable_4k = 3000, durable_100k = 1000;
  int opens = 20;
  size_t queries = 200;
  double query_budget_s = 300;  // all search classes together
};

constexpr size_t kSmall = 4096;
constexpr size_t kLarge = 100 * 1024;

// Targets (printed beside the figures; never enforced).
constexpr double kTargetBatchMsgs = 10000;
constexpr double kTargetDurableMsgs = 2000;
constexpr double kTargetSearchP50Ms = 20;
constexpr double kTargetRatio = 0.65;

void usage() {
  std::puts(
      "usage: store_bench [--messages N] [--quick] [--dir DIR] [--seed S] [--keep] [--pin CPU]\n"
      "  --messages N  messages in the search mailbox (default 100000; --quick: 1000)\n"
      "  --quick       small sizes for CI (finishes in well under 30 s)\n"
      "  --dir DIR     where the data directory is made (default /tmp); removed at the end\n"
      "  --seed S      corpus seed (default 20261123)\n"
      "  --keep        keep the data directory\n"
      "  --pin CPU     pin the benchmark thread to one CPU\n"
      "  --only LIST   run only these sections (comma-separated): batch4k, batch100k, durable4k,\n"
      "                durable4k-group, durable100k, mime, search (search includes open time and backup)\n"
      "  --no-index    appends only: skip the deferred full-text indexing after them\n"
      "  --search-db F  build the search mailbox in F and keep it; if F exists, reuse it (same\n"
      "                --seed, --messages and --only: the corpus is generated again, not appended)\n"
      "  --queries N   search rounds (default 200; --quick: 30)\n"
      "  --query TEXT  only the search classes whose name contains TEXT (for profiling one; no\n"
      "                backup or open times then)");
}

Settings parse_args(int argc, char** argv) {
  Settings s;
  bool messages_given = false;
  size_t queries = 0;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(std::string(a) + " needs a value");
      return argv[++i];
    };
    if (a == "--quick") {
      s.quick = true;
    } else if (a == "--messages") {
      s.search_messages = std::stoull(value());
      messages_given = true;
    } else if (a == "--dir") {
      s.dir = value();
    } else if (a == "--seed") {
      s.seed = std::stoull(value());
    } else if (a == "--keep") {
      s.keep = true;
    } else if (a == "--search-db") {
      s.search_db = value();
    } else if (a == "--query") {
      s.query_filter = value();
    } else if (a == "--queries") {
      queries = std::stoull(value());
    } else if (a == "--no-index") {
      s.skip_indexing = true;
    } else if (a == "--pin") {
      s.pin_cpu = std::stoi(value());
    } else if (a == "--only") {
      std::string list = value();
      for (size_t at = 0; at <= list.size();) {
        size_t comma = std::min(list.find(',', at), list.size());
        std::string name = list.substr(at, comma - at);
        static const std::set<std::string> kSections = {"batch4k",     "batch100k", "durable4k", "durable4k-group",
                                                        "durable100k", "mime",      "search"};
        if (!kSections.count(name)) throw std::invalid_argument("unknown section '" + name + "'");
        s.only.insert(name);
        at = comma + 1;
      }
    } else if (a == "--help" || a == "-h") {
      usage();
      std::exit(0);
    } else {
      throw std::invalid_argument("unknown argument " + std::string(a));
    }
  }
  if (s.quick) {
    s.batch_4k = 1000;
    s.batch_100k = 100;
    s.durable_4k = 50;
    s.durable_100k = 20;
    s.opens = 5;
    s.queries = 30;
    s.query_budget_s = 5;
    if (!messages_given) s.search_messages = 1000;
  }
  if (queries > 0) s.queries = queries;
  if (s.search_messages == 0) throw std::invalid_argument("--messages must be at least 1");
  return s;
}

// ---------------------------------------------------------------------------------------------
// Measurement helpers

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Nearest-rank percentile of an unsorted sample (p in [0, 100]).
double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

std::string grouped(double value) {
  auto n = static_cast<long long>(std::llround(value));
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

template <typename T>
T must(sealmail::Result<T> r, const std::string& what) {
  if (!r) throw std::runtime_error(what + ": " + sealmail::to_string(r.error().code) + ": " + r.error().message);
  return std::move(r).value();
}

void must(const sealmail::Status& s, const std::string& what) {
  if (!s) throw std::runtime_error(what + ": " + sealmail::to_string(s.error().code) + ": " + s.error().message);
}

// Bytes this process moved through read and write system calls (/proc/self/io rchar and wchar):
// SQLite's page reads and writes, WAL and checkpoints included, whether or not the disk saw them.
struct IoBytes {
  uint64_t read = 0, written = 0;
};

IoBytes io_bytes() {
  IoBytes io;
  std::ifstream in("/proc/self/io");
  std::string name;
  uint64_t value = 0;
  while (in >> name >> value) {
    if (name == "rchar:") io.read = value;
    if (name == "wchar:") io.written = value;
  }
  return io;
}

uint64_t file_size_or_zero(const fs::path& p) {
  std::error_code ec;
  auto n = fs::file_size(p, ec);
  return ec ? 0 : n;
}

uint64_t mailbox_bytes(const fs::path& db) {
  return file_size_or_zero(db) + file_size_or_zero(fs::path(db.string() + "-wal"));
}

// ---------------------------------------------------------------------------------------------
// Report

struct Verdict {
  std::string what, measured, target;
  bool meets;
};

struct Report {
  std::vector<Verdict> verdicts;
  void check(std::string what, double value, double target, bool at_least, const std::string& shown,
             const std::string& target_text) {
    verdicts.push_back({std::move(what), shown, target_text, at_least ? value >= target : value <= target});
  }
};

void section(const char* title) { std::printf("\n== %s ==\n", title); }

// ---------------------------------------------------------------------------------------------
// Append throughput

struct AppendStats {
  size_t messages = 0;
  uint64_t bytes = 0;
  double wall = 0, cpu = 0;
  uint64_t io_read = 0, io_written = 0;
  double msgs_per_s() const { return wall > 0 ? static_cast<double>(messages) / wall : 0; }
  double mb_per_s() const { return wall > 0 ? static_cast<double>(bytes) / 1e6 / wall : 0; }
  double cpu_us_per_msg() const { return messages ? cpu * 1e6 / static_cast<double>(messages) : 0; }
  double kb_per_msg(uint64_t io) const {
    return messages ? static_cast<double>(io) / 1e3 / static_cast<double>(messages) : 0;
  }
};

struct Store {
  std::unique_ptr<Mailbox> mailbox;
  fs::path path;
  AppendStats stats;  // the appends
  AppendStats index;  // index_pending() afterwards: the full-text indexing the appends deferred
};

// Runs `fn` and adds its wall time, CPU time and I/O to `stats`.
template <typename F>
void measure(AppendStats& stats, F&& fn) {
  IoBytes io0 = io_bytes();
  double c0 = cpu_seconds();
  auto t0 = Clock::now();
  fn();
  stats.wall += seconds_since(t0);
  stats.cpu += cpu_seconds() - c0;
  IoBytes io1 = io_bytes();
  stats.io_read += io1.read - io0.read;
  stats.io_written += io1.written - io0.written;
}

struct AppendCase {
  AppendStats enc, plain, enc_index, plain_index;
};

Store make_store(const fs::path& dir, const std::string& name, const sealmail::crypto::SecretBuffer& password,
                 Options options) {
  Store s;
  s.path = dir / name;
  s.mailbox = must(Mailbox::create(s.path, password, options), "create " + name);
  return s;
}

void close_and_destroy(Store& s) {
  s.mailbox.reset();
  must(Mailbox::destroy(s.path), "destroy " + s.path.filename().string());
}

// Appends `total` messages of `size` to an encrypted and a plain store, in batches (one transaction
// each) or one durable append() per message, then indexes what the appends left pending.
AppendCase bench_append(const fs::path& dir, const sealmail::crypto::SecretBuffer& password, MailCorpus& corpus,
                        size_t size, size_t total, bool durable, size_t batch, bool skip_indexing) {
  std::string tag = std::string(size == kSmall ? "4k" : "100k") + (durable ? "-durable" : "-batch");
  Store stores[2] = {
      make_store(dir, "append-" + tag + "-enc.db", password, Options{.durable = durable}),
      make_store(dir, "append-" + tag + "-plain.db", password, Options{.durable = durable, .encrypted = false})};
  size_t per_txn = durable ? 1 : batch;
  std::vector<AppendRequest> requests;
  for (size_t done = 0, round = 0; done < total; done += per_txn, ++round) {
    requests.clear();
    uint64_t bytes = 0;
    for (size_t i = 0; i < std::min(per_txn, total - done); ++i) {
      requests.push_back(size == kSmall ? corpus.text_message(size) : corpus.attachment_message(size));
      bytes += requests.back().message.size();
    }
    // Alternate which store goes first, so neither always meets a warmer cache or a busier disk.
    for (int k = 0; k < 2; ++k) {
      Store& s = stores[(round + static_cast<size_t>(k)) % 2];
      measure(s.stats, [&] {
        if (durable)
          (void)must(s.mailbox->append(requests.front()), "append");
        else
          (void)must(s.mailbox->append_batch(requests), "append_batch");
      });
      s.stats.messages += requests.size();
      s.stats.bytes += bytes;
    }
  }
  for (auto& s : stores) {
    if (skip_indexing) break;
    measure(s.index, [&] { s.index.messages += must(s.mailbox->index_pending(), "index_pending"); });
    s.index.bytes = s.stats.bytes;
  }
  AppendCase out{stores[0].stats, stores[1].stats, stores[0].index, stores[1].index};
  for (auto& s : stores) close_and_destroy(s);
  return out;
}

void print_append_row(const char* size, const char* mode, const char* store, const AppendStats& s,
                      const std::string& target) {
  std::printf("%-7s %-20s %-10s %6zu %8s %7s %10s %9s %9s   %s\n", size, mode, store, s.messages,
              grouped(s.msgs_per_s()).c_str(), fixed(s.mb_per_s(), 1).c_str(), grouped(s.cpu_us_per_msg()).c_str(),
              grouped(s.kb_per_msg(s.io_written)).c_str(), grouped(s.kb_per_msg(s.io_read)).c_str(), target.c_str());
}

void run_appends(const Settings& st, const fs::path& dir, const sealmail::crypto::SecretBuffer& password,
                 MailCorpus& corpus, Report& report) {
  section("Append throughput (one thread; MB = 10^6 bytes of raw message; KB wr/rd = bytes through write/read calls)");
  std::printf("%-7s %-20s %-10s %6s %8s %7s %10s %9s %9s   %s\n", "size", "mode", "store", "msgs", "msg/s", "MB/s",
              "CPU us/msg", "KB wr/msg", "KB rd/msg", "target");
  struct Case {
    const char* name;
    size_t size;
    bool durable;
    size_t total;
  };
  const Case cases[] = {{"batch4k", kSmall, false, st.batch_4k},
                        {"batch100k", kLarge, false, st.batch_100k},
                        {"durable4k", kSmall, true, st.durable_4k},
                        {"durable100k", kLarge, true, st.durable_100k}};
  struct Indexed {
    size_t size;
    bool durable;
    AppendCase r;
  };
  std::vector<Indexed> indexed;
  for (const auto& c : cases) {
    if (!st.runs(c.name)) continue;
    AppendCase r = bench_append(dir, password, corpus, c.size, c.total, c.durable, st.batch, st.skip_indexing);
    const AppendStats& enc = r.enc;
    const AppendStats& plain = r.plain;
    indexed.push_back({c.size, c.durable, r});
    const char* size = c.size == kSmall ? "4 KB" : "100 KB";
    std::string mode = c.durable ? "durable, 1 msg/txn" : "batch, " + std::to_string(st.batch) + "/txn";
    std::string target;
    if (c.size == kSmall) {
      double t = c.durable ? kTargetDurableMsgs : kTargetBatchMsgs;
      target = ">= " + grouped(t) + " msg/s";
      report.check("append 4 KB encrypted, " + mode, enc.msgs_per_s(), t, true, grouped(enc.msgs_per_s()) + " msg/s",
                   target);
    }
    print_append_row(size, mode.c_str(), "encrypted", enc, target);
    print_append_row(size, mode.c_str(), "plain", plain, "");
    double ratio = plain.msgs_per_s() > 0 ? enc.msgs_per_s() / plain.msgs_per_s() : 0;
    std::printf("%-7s %-20s %-10s %6s %8s %7s %10s %9s %9s   >= %.2f\n", size, mode.c_str(), "enc/plain", "",
                fixed(ratio, 2).c_str(), "", "", "", "", kTargetRatio);
    report.check(std::string("enc/plain ratio ") + size + ", " + mode, ratio, kTargetRatio, true, fixed(ratio, 2),
                 ">= " + fixed(kTargetRatio, 2));
    std::fflush(stdout);
  }
  if (indexed.empty() || st.skip_indexing) return;

  // Appends leave the full-text indexing to later (store/content.h): a search that needs text, an
  // idle server or an import pays it. Both halves together are what a message costs.
  section("Deferred full-text indexing (index_pending() after the appends above)");
  std::printf("%-7s %-20s %-10s %6s %9s %10s %9s %9s   %s\n", "size", "appended", "store", "msgs", "index/s",
              "CPU us/msg", "KB wr/msg", "KB rd/msg", "append+index msg/s");
  for (const auto& x : indexed) {
    const char* size = x.size == kSmall ? "4 KB" : "100 KB";
    const char* mode = x.durable ? "durable, 1 msg/txn" : "in batches";
    auto total_rate = [](const AppendStats& a, const AppendStats& i) {
      double wall = a.wall + i.wall;
      return wall > 0 ? static_cast<double>(a.messages) / wall : 0;
    };
    for (int k = 0; k < 2; ++k) {
      const AppendStats& i = k == 0 ? x.r.enc_index : x.r.plain_index;
      const AppendStats& a = k == 0 ? x.r.enc : x.r.plain;
      std::printf("%-7s %-20s %-10s %6zu %9s %10s %9s %9s   %s\n", size, mode, k == 0 ? "encrypted" : "plain",
                  i.messages, grouped(i.msgs_per_s()).c_str(), grouped(i.cpu_us_per_msg()).c_str(),
                  grouped(i.kb_per_msg(i.io_written)).c_str(), grouped(i.kb_per_msg(i.io_read)).c_str(),
                  grouped(total_rate(a, i)).c_str());
    }
    double ratio_index =
        x.r.plain_index.msgs_per_s() > 0 ? x.r.enc_index.msgs_per_s() / x.r.plain_index.msgs_per_s() : 0;
    double plain_total = total_rate(x.r.plain, x.r.plain_index);
    double ratio_total = plain_total > 0 ? total_rate(x.r.enc, x.r.enc_index) / plain_total : 0;
    std::printf("%-7s %-20s %-10s %6s %9s %10s %9s %9s   %s\n", size, mode, "enc/plain", "",
                fixed(ratio_index, 2).c_str(), "", "", "", fixed(ratio_total, 2).c_str());
  }
  std::fflush(stdout);
}

// What one thread's durable appends are bound by: how long this disk takes to make 4 KB durable
// (pwrite + fdatasync of a new file in `dir`), median of 100.
double fsync_ms(const fs::path& dir) {
  fs::path probe = dir / "fsync-probe";
  int fd = ::open(probe.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return 0;
  std::vector<double> ms;
  std::string page(4096, 'x');
  for (int i = 0; i < 100; ++i) {
    auto t0 = Clock::now();
    if (::pwrite(fd, page.data(), page.size(), static_cast<off_t>(i) * 4096) < 0 || ::fdatasync(fd) != 0) break;
    ms.push_back(seconds_since(t0) * 1e3);
  }
  ::close(fd);
  std::error_code ec;
  fs::remove(probe, ec);
  return percentile(ms, 50);
}

// Durable appends from many threads into one encrypted mailbox, as concurrent deliveries make
// them: each append returns only after the commit holding it is fsynced, and appends that wait at
// the same time share that commit (group commit, messages.cc). With --pin every thread runs on
// that one CPU (threads inherit the affinity), the checkpoint thread too.
void run_durable_group(const Settings& st, const fs::path& dir, const sealmail::crypto::SecretBuffer& password,
                       MailCorpus& corpus, Report& report) {
  section("Durable appends from concurrent threads (group commit; every append returns after its fsync)");
  const size_t threads = st.quick ? 8 : 50, each = st.quick ? 5 : 60;
  std::vector<std::vector<AppendRequest>> work(threads);
  for (auto& w : work)
    for (size_t i = 0; i < each; ++i) w.push_back(corpus.text_message(kSmall));
  Store s = make_store(dir, "append-4k-group-enc.db", password, Options{.durable = true});
  measure(s.stats, [&] {
    std::vector<std::thread> pool;
    for (auto& w : work)
      pool.emplace_back([&s, &w] {
        for (const auto& r : w) (void)must(s.mailbox->append(r), "append");
      });
    for (auto& t : pool) t.join();
  });
  for (const auto& w : work)
    for (const auto& r : w) s.stats.bytes += r.message.size();
  s.stats.messages = threads * each;
  std::printf("%-7s %-20s %-10s %6s %8s %7s %10s %9s %9s   %s\n", "size", "mode", "store", "msgs", "msg/s", "MB/s",
              "CPU us/msg", "KB wr/msg", "KB rd/msg", "target");
  std::string mode = "durable, " + std::to_string(threads) + " threads";
  std::string target = ">= " + grouped(kTargetDurableMsgs) + " msg/s";
  print_append_row("4 KB", mode.c_str(), "encrypted", s.stats, target);
  report.check("append 4 KB encrypted, " + mode, s.stats.msgs_per_s(), kTargetDurableMsgs, true,
               grouped(s.stats.msgs_per_s()) + " msg/s", target);
  std::printf(
      "disk: 4 KB write + fdatasync, median of 100: %.2f ms (one thread's durable appends cannot beat 1/that)\n",
      fsync_ms(dir));
  close_and_destroy(s);
  std::fflush(stdout);
}

// What MIME parsing alone costs: append runs mime::analyze without the search text, and indexing
// runs it again with the text (decoded, HTML stripped, case-folded).
void run_mime_cost(const Settings& st, MailCorpus& corpus) {
  section("Diagnostic: MIME analysis alone (mime::analyze: as append runs it / as indexing runs it)");
  for (size_t size : {kSmall, kLarge}) {
    size_t n = size == kSmall ? (st.quick ? 300 : 3000) : (st.quick ? 30 : 300);
    std::vector<AppendRequest> msgs;
    for (size_t i = 0; i < n; ++i)
      msgs.push_back(size == kSmall ? corpus.text_message(size) : corpus.attachment_message(size));
    double us[2] = {0, 0};
    size_t text = 0;
    for (int with_text = 0; with_text < 2; ++with_text) {
      sealmail::mime::AnalyzeOptions options;
      options.search_text = with_text == 1;
      auto t0 = Clock::now();
      for (const auto& m : msgs) text += sealmail::mime::analyze(m.message, options).search_body.size();
      us[with_text] = seconds_since(t0) * 1e6 / static_cast<double>(n);
    }
    std::printf("%-7s %6zu msgs  %8s us/msg without text  %8s us/msg with text (%s bytes of body text each)\n",
                size == kSmall ? "4 KB" : "100 KB", n, fixed(us[0], 1).c_str(), fixed(us[1], 1).c_str(),
                grouped(static_cast<double>(text) / static_cast<double>(n)).c_str());
  }
}

// ---------------------------------------------------------------------------------------------
// Search, backup and open time: all on one encrypted mailbox of --messages 4 KB messages.

struct QueryClass {
  const char* name;
  std::function<SearchKey()> make;
  bool fts;  // answered by the trigram index (the p50 target applies)
  std::vector<double> ms;
  std::vector<double> hits;
};

void run_search_mailbox(const Settings& st, const fs::path& dir, const sealmail::crypto::SecretBuffer& password,
                        MailCorpus& corpus, Report& report) {
  const size_t n = st.search_messages;
  section("Search mailbox: build (encrypted, append_batch, synchronous=NORMAL, then index_pending())");
  fs::path path = st.search_db.empty() ? dir / "search.db" : fs::path(st.search_db);
  corpus.reset_samples();
  double build_wall = 0, build_cpu = 0;
  uint64_t bytes = 0, io_written = 0;
  std::vector<double> batch_seconds;  // per append_batch call: does appending slow as the mailbox grows?
  if (!st.search_db.empty() && fs::exists(path)) {
    // Reused: the same messages are generated again (so the queries sample what the file holds),
    // not appended.
    for (size_t i = 0; i < n; ++i) bytes += corpus.text_message(kSmall).message.size();
    std::printf("reusing %s (%s messages generated again, not appended)\n", path.c_str(),
                grouped(static_cast<double>(n)).c_str());
  } else {
    auto mb = must(Mailbox::create(path, password, Options{.durable = false}), "create search mailbox");
    std::vector<AppendRequest> batch;
    for (size_t done = 0; done < n; done += batch.size()) {
      batch.clear();
      for (size_t i = 0; i < std::min(st.batch, n - done); ++i) {
        batch.push_back(corpus.text_message(kSmall));
        bytes += batch.back().message.size();
      }
      IoBytes io0 = io_bytes();
      double c0 = cpu_seconds();
      auto t0 = Clock::now();
      (void)must(mb->append_batch(batch), "append_batch (search mailbox)");
      batch_seconds.push_back(seconds_since(t0));
      build_wall += batch_seconds.back();
      build_cpu += cpu_seconds() - c0;
      io_written += io_bytes().written - io0.written;
      if (!st.quick && (done / st.batch) % 10 == 9)
        std::fprintf(stderr, "  built %zu/%zu messages (%.0f msg/s)\n", done + batch.size(), n,
                     static_cast<double>(done + batch.size()) / build_wall);
    }
    AppendStats index;
    measure(index, [&] { index.messages = must(mb->index_pending(), "index_pending (search mailbox)"); });
    std::printf("messages            %s (%s MB raw, mean %s bytes)\n", grouped(static_cast<double>(n)).c_str(),
                fixed(static_cast<double>(bytes) / 1e6, 1).c_str(),
                grouped(static_cast<double>(bytes) / static_cast<double>(n)).c_str());
    std::printf("append time         %s s   (%s msg/s, %s MB/s, CPU %s us/msg)\n", fixed(build_wall, 2).c_str(),
                grouped(static_cast<double>(n) / build_wall).c_str(),
                fixed(static_cast<double>(bytes) / 1e6 / build_wall, 1).c_str(),
                grouped(build_cpu * 1e6 / static_cast<double>(n)).c_str());
    if (batch_seconds.size() >= 10) {
      std::string tenths;
      for (size_t t = 0; t < 10; ++t) {
        size_t from = batch_seconds.size() * t / 10, to = batch_seconds.size() * (t + 1) / 10;
        double secs = 0;
        for (size_t b = from; b < to; ++b) secs += batch_seconds[b];
        size_t msgs = std::min(to * st.batch, n) - from * st.batch;
        tenths += (t ? " " : "") + grouped(static_cast<double>(msgs) / secs);
      }
      std::printf("append msg/s        by tenth of the mailbox: %s\n", tenths.c_str());
    }
    std::printf("index time          %s s   (%s msg/s, CPU %s us/msg; %s messages indexed by index_pending())\n",
                fixed(index.wall, 2).c_str(), grouped(index.msgs_per_s()).c_str(),
                grouped(index.cpu_us_per_msg()).c_str(), grouped(static_cast<double>(index.messages)).c_str());
    std::printf("build time          %s s   (append + index: %s msg/s)\n", fixed(build_wall + index.wall, 2).c_str(),
                grouped(static_cast<double>(n) / (build_wall + index.wall)).c_str());
    io_written += index.io_written;
    std::printf("written             %s MB through write calls, append + index (%.1fx the raw mail)\n",
                fixed(static_cast<double>(io_written) / 1e6, 1).c_str(),
                static_cast<double>(io_written) / static_cast<double>(bytes));
    std::printf("file before close   %s MB (database + WAL)\n",
                fixed(static_cast<double>(mailbox_bytes(path)) / 1e6, 1).c_str());
  }
  uint64_t file_bytes = mailbox_bytes(path);
  std::printf("file size           %s MB (%s bytes per message; %.2fx the raw mail)\n",
              fixed(static_cast<double>(file_bytes) / 1e6, 1).c_str(),
              grouped(static_cast<double>(file_bytes) / static_cast<double>(n)).c_str(),
              static_cast<double>(file_bytes) / static_cast<double>(bytes));

  // Open with the password once to get the key; searches run on a mailbox as a login leaves it.
  auto mb = must(Mailbox::open(path, password), "open search mailbox");
  auto key = mb->key().clone();

  section("Search latency (encrypted; folder INBOX; results sorted by UID)");
  using K = SearchKey::Kind;
  std::vector<QueryClass> classes;
  classes.push_back(
      {"BODY ticket ref (1 hit)", [&] { return SearchKey::of(K::body, corpus.reference_query()); }, true});
  classes.push_back({"BODY rare word (few)", [&] { return SearchKey::of(K::body, corpus.rare_word_query()); }, true});
  classes.push_back(
      {"BODY common word (many)", [&] { return SearchKey::of(K::body, corpus.common_word_query()); }, true});
  classes.push_back({"BODY 3-char (most)", [&] { return SearchKey::of(K::body, corpus.trigram_query()); }, true});
  classes.push_back({"FROM name (header)", [&] { return SearchKey::of(K::from, corpus.from_query()); }, false});
  if (!st.query_filter.empty())
    std::erase_if(classes,
                  [&](const QueryClass& c) { return std::string(c.name).find(st.query_filter) == std::string::npos; });
  for (auto& c : classes)  // warm-up: reader connection and first pages; not counted
    for (int i = 0; i < 2; ++i) (void)must(mb->search("INBOX", c.make()), "search");
  auto budget_start = Clock::now();
  size_t rounds = 0;
  for (; rounds < st.queries && seconds_since(budget_start) < st.query_budget_s; ++rounds) {
    for (auto& c : classes) {
      SearchKey key_q = c.make();
      auto t0 = Clock::now();
      auto uids = must(mb->search("INBOX", key_q), "search");
      c.ms.push_back(seconds_since(t0) * 1e3);
      c.hits.push_back(static_cast<double>(uids.size()));
    }
  }
  std::printf("%-26s %7s %9s %9s %9s %11s   %s\n", "query", "queries", "p50 ms", "p99 ms", "max ms", "mean hits",
              "target");
  for (auto& c : classes) {
    double p50 = percentile(c.ms, 50), p99 = percentile(c.ms, 99);
    std::string target = c.fts ? "p50 <= " + fixed(kTargetSearchP50Ms, 0) + " ms @100k" : "";
    std::printf("%-26s %7zu %9s %9s %9s %11s   %s\n", c.name, c.ms.size(), fixed(p50, 2).c_str(), fixed(p99, 2).c_str(),
                fixed(percentile(c.ms, 100), 2).c_str(), grouped(mean(c.hits)).c_str(), target.c_str());
    if (c.fts)
      report.check(std::string("search p50, ") + c.name + " (" + grouped(static_cast<double>(n)) + " msgs)", p50,
                   kTargetSearchP50Ms, false, fixed(p50, 2) + " ms", "<= " + fixed(kTargetSearchP50Ms, 0) + " ms");
  }
  if (rounds < st.queries)
    std::printf("(query time budget of %.0f s reached after %zu rounds)\n", st.query_budget_s, rounds);
  if (n != 100000)
    std::printf("(the search target is for 100,000 messages; this mailbox has %s)\n",
                grouped(static_cast<double>(n)).c_str());
  std::fflush(stdout);

  if (!st.query_filter.empty()) return;  // profiling searches: no backup, no open times

  section("Backup snapshot (VACUUM INTO + reopen quick_check + fsync + SHA-256; encrypted)");
  {
    fs::path dest = dir / "search-backup.db";
    auto t0 = Clock::now();
    auto snap = must(mb->backup_snapshot(dest), "backup_snapshot");
    double s = seconds_since(t0);
    double gb = static_cast<double>(snap.bytes) / 1e9;
    std::printf("snapshot            %s MB in %s s  =  %s MB/s  =  %s s per GB\n",
                fixed(static_cast<double>(snap.bytes) / 1e6, 1).c_str(), fixed(s, 2).c_str(),
                fixed(static_cast<double>(snap.bytes) / 1e6 / s, 1).c_str(), fixed(s / gb, 2).c_str());
    (void)sealmail::fs::remove_if_exists(dest);
  }
  mb.reset();

  section("Open time (the search mailbox; median of alternating opens; close not timed)");
  std::vector<double> with_password, with_key;
  for (int i = 0; i < st.opens; ++i) {
    for (int k = 0; k < 2; ++k) {
      bool by_password = (i + k) % 2 == 0;
      auto t0 = Clock::now();
      auto m = by_password ? must(Mailbox::open(path, password), "open")
                           : must(Mailbox::open_with_key(path, key.clone()), "open_with_key");
      (by_password ? with_password : with_key).push_back(seconds_since(t0) * 1e3);
    }
  }
  std::printf("%-34s %6s %10s %10s %10s\n", "call", "opens", "median ms", "min ms", "p90 ms");
  for (auto* v : {&with_password, &with_key})
    std::printf("%-34s %6zu %10s %10s %10s\n",
                v == &with_password ? "Mailbox::open (password, PBKDF2)" : "Mailbox::open_with_key (raw key)",
                v->size(), fixed(percentile(*v, 50), 3).c_str(), fixed(percentile(*v, 0), 3).c_str(),
                fixed(percentile(*v, 90), 3).c_str());
  std::fflush(stdout);
  if (st.search_db.empty()) must(Mailbox::destroy(path), "destroy search mailbox");
}

// ---------------------------------------------------------------------------------------------

std::string first_line_of(const char* file, const char* prefix) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(prefix, 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

// The data directory: made fresh, removed at the end unless --keep.
struct DataDir {
  fs::path path;
  bool keep = false;
  explicit DataDir(const Settings& s) : keep(s.keep) {
    std::string tmpl = (fs::path(s.dir.empty() ? "/tmp" : s.dir) / "store_bench.XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("cannot create a directory from " + tmpl);
    path = tmpl;
  }
  ~DataDir() {
    std::error_code ec;
    if (!keep) fs::remove_all(path, ec);
  }
  DataDir(const DataDir&) = delete;
  DataDir& operator=(const DataDir&) = delete;
};

}  // namespace

int main(int argc, char** argv) {
  Settings st;
  try {
    st = parse_args(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "store_bench: %s\n", e.what());
    usage();
    return 2;
  }
  if (st.pin_cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(st.pin_cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) std::perror("sched_setaffinity");
  }
  sealmail::crypto::init();
  auto started = Clock::now();
  try {
    DataDir dir(st);
    utsname u{};
    uname(&u);
    std::printf("store_bench — sealmail store, one thread%s\n", st.quick ? " (--quick)" : "");
    std::printf("seed %llu | search mailbox %s messages | data %s\n", static_cast<unsigned long long>(st.seed),
                grouped(static_cast<double>(st.search_messages)).c_str(), dir.path.c_str());
    std::printf("cpu %s | %ld online | %s %s | load %s\n", first_line_of("/proc/cpuinfo", "model name").c_str(),
                sysconf(_SC_NPROCESSORS_ONLN), u.sysname, u.release, load_average().c_str());
    std::printf(
        "encrypted = the store's cipher (sqleet ChaCha20-Poly1305 pages); plain = Options{.encrypted = false}\n");
    std::printf("in the same build. CPU = process CPU time: wall figures suffer when the machine is shared.\n");
    std::fflush(stdout);

    auto password = sealmail::crypto::SecretBuffer::from("correct horse battery staple");
    MailCorpus corpus(st.seed);
    Report report;
    if (st.runs("batch4k") || st.runs("batch100k") || st.runs("durable4k") || st.runs("durable100k"))
      run_appends(st, dir.path, password, corpus, report);
    if (st.runs("durable4k-group")) run_durable_group(st, dir.path, password, corpus, report);
    if (st.runs("mime")) run_mime_cost(st, corpus);
    if (st.runs("search")) run_search_mailbox(st, dir.path, password, corpus, report);

    section("Targets (printed, never enforced)");
    for (const auto& v : report.verdicts)
      std::printf("%-58s %16s   %-14s %s\n", v.what.c_str(), v.measured.c_str(), v.target.c_str(),
                  v.meets ? "meets" : "MISSES");
    std::printf("\ntotal %.1f s | load %s\n", seconds_since(started), load_average().c_str());
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "store_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
