// The cost of the screening (issue 9, delivery/screening) where it is paid per recipient or per
// message: a greylist check (one SQLite transaction in a file, per RCPT: new triplets, then
// retries that pass), and with --rspamd URL a /checkv2 round trip to a running rspamd per message
// (bench/mail_corpus.h mail). A DNSBL lookup is one DNS query per client and zone, then the
// resolver cache's; it is not measured here. Prints ms per check (p50, p99) and checks/s on one
// thread. Figures only.
//
//   screening_bench [--count N] [--dir DIR] [--rspamd http://127.0.0.1:11333]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "delivery/screening/greylist.h"
#include "delivery/screening/rspamd_client.h"
#include "mail_corpus.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace sealmail::delivery::screening;

void measure(const char* name, size_t count, const std::function<bool(size_t)>& one) {
  std::vector<double> ms;
  ms.reserve(count);
  size_t failed = 0;
  auto start = Clock::now();
  for (size_t i = 0; i < count; ++i) {
    auto t = Clock::now();
    if (!one(i)) ++failed;
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
  }
  double total = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(ms.begin(), ms.end());
  std::printf("%-28s %10.3f %10.3f %12.0f %8zu\n", name, ms[ms.size() / 2],
              ms[std::min(ms.size() - 1, ms.size() * 99 / 100)], static_cast<double>(count) / total, failed);
}

}  // namespace

int main(int argc, char** argv) {
  size_t count = 2000;
  std::string dir = "/tmp/screening-bench", rspamd;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--count") && i + 1 < argc) {
      count = std::strtoul(argv[++i], nullptr, 10);
    } else if (!std::strcmp(argv[i], "--dir") && i + 1 < argc) {
      dir = argv[++i];
    } else if (!std::strcmp(argv[i], "--rspamd") && i + 1 < argc) {
      rspamd = argv[++i];
    } else {
      std::fprintf(stderr, "usage: screening_bench [--count N] [--dir DIR] [--rspamd URL]\n");
      return 2;
    }
  }
  if (count == 0) count = 1;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto opened = Greylist::open(std::filesystem::path(dir) / "greylist.sqlite", std::string(32, 'k'));
  if (!opened) {
    std::fprintf(stderr, "screening_bench: %s\n", opened.error().message.c_str());
    return 1;
  }
  auto& grey = **opened;
  GreylistTimes times;
  const int64_t t0 = 1'800'000'000;
  auto ip = [](size_t i) {
    return std::to_string(10 + i / 65536 % 200) + "." + std::to_string(i / 256 % 256) + "." + std::to_string(i % 256) +
           ".9";
  };
  std::printf("screening_bench: %zu checks each\n", count);
  std::printf("%-28s %10s %10s %12s %8s\n", "check", "p50 ms", "p99 ms", "checks/s", "odd");
  measure("greylist, new triplet", count, [&](size_t i) {
    auto a = grey.check(ip(i), "sender" + std::to_string(i) + "@example.org", "rcpt@example.com", t0, times);
    return a && a->verdict == GreylistVerdict::wait;
  });
  measure("greylist, retry that passes", count, [&](size_t i) {
    auto a = grey.check(ip(i), "sender" + std::to_string(i) + "@example.org", "rcpt@example.com", t0 + 600, times);
    return a && a->verdict == GreylistVerdict::pass;
  });
  if (!rspamd.empty()) {
    sealmail::bench::MailCorpus corpus(7);
    std::vector<std::string> mail;
    for (size_t i = 0; i < count; ++i)
      mail.push_back(i % 10 == 9 ? corpus.attachment_message(100000 + (i * 7919) % 200000).message
                                 : corpus.text_message(3000 + (i * 7919) % 27000).message);
    RspamdRequest request{"192.0.2.1", "client.example.org", "sender@example.org", "mx.example.com",
                          "",          {"rcpt@example.com"}};
    measure("rspamd /checkv2", count, [&](size_t i) { return rspamd_check(rspamd, 30000, request, mail[i]).ok(); });
  }
  std::filesystem::remove_all(dir);
  return 0;
}
