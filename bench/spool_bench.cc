// Sealed spool (store/spool.h): what a durable append costs the MX (seal, write, fsync, rename,
// directory fsync) and how long a login waits to drain what piled up. Prints figures only.
//
//   spool_bench [--dir DIR] [--count N] [--size BYTES] [--large BYTES]
//
// DIR should be on the disk the server's data directory uses (fsync cost is the disk's).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "crypto/secret.h"
#include "store/mailbox.h"
#include "store/spool.h"

namespace {

using Clock = std::chrono::steady_clock;
using sealmail::store::Mailbox;
using sealmail::store::Spool;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

std::string make_message(size_t size, int n) {
  std::string m = "From: a@example.org\r\nTo: b@example.com\r\nSubject: bench " + std::to_string(n) +
                  "\r\nMessage-ID: <" + std::to_string(n) + "@bench>\r\n\r\n";
  uint32_t x = static_cast<uint32_t>(n) * 2654435761u + 1;
  while (m.size() < size) {
    x = x * 1103515245 + 12345;
    m += static_cast<char>('a' + (x >> 16) % 26);
    if (m.size() % 78 == 76) m += "\r\n";
  }
  m.resize(size);
  return m;
}

int fail(const std::string& what) {
  std::fprintf(stderr, "spool_bench: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("spool-bench-" + std::to_string(::getpid()));
  int count = 1000;
  size_t size = 10 * 1024, large = 20u << 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--dir")
      dir = argv[i + 1];
    else if (a == "--count")
      count = std::atoi(argv[i + 1]);
    else if (a == "--size")
      size = std::strtoull(argv[i + 1], nullptr, 10);
    else if (a == "--large")
      large = std::strtoull(argv[i + 1], nullptr, 10);
    else
      return fail("unknown option " + a);
  }
  std::filesystem::create_directories(dir);
  const std::string id = "0123456789abcdef01234567";
  auto mailbox = Mailbox::create(dir / "bench.sqlite", sealmail::crypto::SecretBuffer::from("bench password"));
  if (!mailbox) return fail(mailbox.error().message);
  auto keys = (*mailbox)->box_key_pair();
  if (!keys) return fail(keys.error().message);
  Spool spool(dir / "spool");

  std::vector<std::string> messages;
  for (int i = 0; i < count; ++i) messages.push_back(make_message(size, i));
  std::vector<double> times;
  auto all = Clock::now();
  for (int i = 0; i < count; ++i) {
    auto t = Clock::now();
    auto st = spool.append(id, keys->public_key, messages[static_cast<size_t>(i)], 1700000000 + i);
    if (!st) return fail(st.error().message);
    times.push_back(ms_since(t));
  }
  double total = ms_since(all);
  std::sort(times.begin(), times.end());
  std::printf("append %d x %zu B (durable, one at a time): median %.3f ms, p99 %.3f ms, total %.0f ms\n", count, size,
              times[times.size() / 2], times[times.size() * 99 / 100], total);
  std::printf("spool on disk: %llu bytes for %llu of messages\n", static_cast<unsigned long long>(*spool.bytes(id)),
              static_cast<unsigned long long>(static_cast<uint64_t>(count) * size));

  auto t = Clock::now();
  auto moved = spool.drain(id, **mailbox);
  if (!moved) return fail(moved.error().message);
  std::printf("drain %zu messages into INBOX: %.0f ms (%.3f ms per message)\n", *moved, ms_since(t),
              ms_since(t) / static_cast<double>(std::max<size_t>(*moved, 1)));

  std::string big = make_message(large, -1);
  t = Clock::now();
  auto st = spool.append(id, keys->public_key, big, 1700000000);
  if (!st) return fail(st.error().message);
  double big_append = ms_since(t);
  t = Clock::now();
  moved = spool.drain(id, **mailbox);
  if (!moved) return fail(moved.error().message);
  std::printf("large message %zu B: append %.1f ms, drain %.1f ms\n", large, big_append, ms_since(t));

  mailbox->reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
