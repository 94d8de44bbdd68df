// cipher_bench: what page encryption costs on inserts, plain SQLite vs stock chacha20 vs
// sealchacha20, in the same build. A program that prints figures (DESIGN.md: benchmarks are never
// timed assertions); it exits non-zero only when SQLite fails.
//
// Each run inserts rows of one size into a fresh database: journal_mode=WAL, synchronous=NORMAL,
// 1000 rows per transaction, automatic checkpoints left on (so pages are encrypted into the WAL,
// read back and encrypted again into the database, as in production). Encrypted databases use the
// raw key form sealmail opens mailboxes with. Row bodies are random (incompressible) and made
// before the clock starts. The three modes run interleaved, run after run, so that a busy machine
// slows them alike; the figures are medians over the runs, with process CPU time beside wall time.
//
//   cipher_bench [--runs 5] [--rows4k 5000] [--rows100k 1000] [--page-sizes 4096,8192,...]
//                [--dir /path] [--modes plain,chacha20,sealchacha20-noreuse,sealchacha20]
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cipher_support.h"
#include "store/sqlite.h"

namespace {

using sealmail::cipher_test::Conn;
using sealmail::cipher_test::open_db;
using sealmail::cipher_test::TempDir;
using Clock = std::chrono::steady_clock;

struct Settings {
  int runs = 5;
  int rows_4k = 5000;
  int rows_100k = 1000;
  std::vector<int> page_sizes = {4096};
  std::vector<std::string> modes = {"plain", "chacha20", "sealchacha20-noreuse", "sealchacha20"};
  std::string dir;
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(item);
  return out;
}

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Sample {
  double rows_per_s;
  double cpu_per_row_us;
};

// Inserts `rows` bodies (cycling through `bodies`) in batches of 1000.
Sample run_once(const std::filesystem::path& file, const std::string& mode, int page_size,
                const std::vector<std::vector<uint8_t>>& bodies, int rows) {
  // "sealchacha20-noreuse": sealchacha20 with checkpoint_reuse off (a fresh nonce per write).
  const bool no_reuse = mode == "sealchacha20-noreuse";
  const char* cipher = mode == "plain" ? nullptr : no_reuse ? "sealchacha20" : mode.c_str();
  std::vector<std::pair<const char*, int>> params;
  if (no_reuse) params.emplace_back("checkpoint_reuse", 0);
  Conn c = open_db(file, cipher, sealmail::cipher_test::raw_key(11, 12), params);
  c.must("PRAGMA page_size = " + std::to_string(page_size));
  c.must("PRAGMA journal_mode = WAL");
  c.must("PRAGMA synchronous = NORMAL");
  c.must("CREATE TABLE t(id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(c.get(), "INSERT INTO t(body) VALUES (?)", -1, &s, nullptr) != SQLITE_OK)
    throw std::runtime_error(sqlite3_errmsg(c.get()));
  const double cpu0 = cpu_seconds();
  const auto t0 = Clock::now();
  for (int i = 0; i < rows; i++) {
    if (i % 1000 == 0) c.must("BEGIN IMMEDIATE");
    const auto& body = bodies[static_cast<size_t>(i) % bodies.size()];
    sqlite3_bind_blob(s, 1, body.data(), static_cast<int>(body.size()), SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(c.get()));
    sqlite3_reset(s);
    if (i % 1000 == 999 || i == rows - 1) c.must("COMMIT");
  }
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
  sqlite3_finalize(s);
  return {rows / wall, cpu / rows * 1e6};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  Settings st;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--runs")
      st.runs = std::stoi(v);
    else if (a == "--rows4k")
      st.rows_4k = std::stoi(v);
    else if (a == "--rows100k")
      st.rows_100k = std::stoi(v);
    else if (a == "--dir")
      st.dir = v;
    else if (a == "--modes")
      st.modes = split(v);
    else if (a == "--page-sizes") {
      st.page_sizes.clear();
      for (const auto& p : split(v)) st.page_sizes.push_back(std::stoi(p));
    } else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  sealmail::store::sql::init();  // zeroing allocator, as the store runs; registers sealchacha20
  if (sqlite3mc_cipher_index("sealchacha20") <= 0) {
    std::fprintf(stderr, "sealchacha20 is not registered\n");
    return 1;
  }
  std::printf("cipher_bench: %s, %d runs (medians), WAL, synchronous=NORMAL, 1000 rows per transaction\n",
              sqlite3mc_version(), st.runs);

  std::mt19937 rng(42);
  try {
    for (int page_size : st.page_sizes) {
      for (auto [size, rows] : {std::pair{4096, st.rows_4k}, std::pair{102400, st.rows_100k}}) {
        if (rows <= 0) continue;
        std::vector<std::vector<uint8_t>> bodies(32, std::vector<uint8_t>(static_cast<size_t>(size)));
        for (auto& b : bodies)
          for (auto& x : b) x = static_cast<uint8_t>(rng());
        std::vector<std::vector<double>> rate(st.modes.size()), cpu(st.modes.size());
        for (int r = 0; r < st.runs; r++) {
          for (size_t m = 0; m < st.modes.size(); m++) {
            std::unique_ptr<TempDir> tmp = std::make_unique<TempDir>();
            std::filesystem::path file =
                st.dir.empty() ? *tmp / "bench.db" : std::filesystem::path(st.dir) / ("bench-" + st.modes[m] + ".db");
            for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + suffix);
            Sample s = run_once(file, st.modes[m], page_size, bodies, rows);
            for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + suffix);
            rate[m].push_back(s.rows_per_s);
            cpu[m].push_back(s.cpu_per_row_us);
          }
        }
        double base = median(rate[0]);
        for (size_t m = 0; m < st.modes.size(); m++) {
          std::printf("page %5d  rows %6d B x %5d  %-20s %9.0f rows/s  %8.1f us CPU/row  ratio %.3f  (runs:", page_size,
                      size, rows, st.modes[m].c_str(), median(rate[m]), median(cpu[m]), median(rate[m]) / base);
          for (double x : rate[m]) std::printf(" %.0f", x);
          std::printf(")\n");
        }
        std::fflush(stdout);
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cipher_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
