// The cost of the MX's content protections per message (issue 9, delivery/filters): the scan that
// runs before a message is stored or forwarded, on generated mail (bench/mail_corpus.h: text,
// multipart/alternative with HTML, and base64 attachments), with each protection alone and all of
// them together. Prints ms per message (p50, p99) and messages/s on one thread. Figures only.
// The junk classifier (src/classify, delivery/filters/spam_filter.h) is measured the same way: the
// server's model alone (tokens and score, as for mail that waits in the spool), and with an owner's
// training read from a real encrypted mailbox (as for live delivery).
//
//   filter_bench [--count N] [--clamd SOCKET]
//
// Without --clamd the virus scan is left out (it is clamd's own time plus one local socket round
// trip); with it, a running clamd scans every message.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "classify/bayes.h"
#include "classify/message_tokens.h"
#include "crypto/secret.h"
#include "delivery/filters/content_filter.h"
#include "mail_corpus.h"
#include "store/mailbox.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace sealmail::delivery::filters;

struct Figures {
  double p50 = 0, p99 = 0, per_second = 0;
};

Figures run(const ContentFilter& filter, const std::vector<std::string>& mail, const Protections& wanted,
            size_t* flagged) {
  std::vector<double> ms;
  ms.reserve(mail.size());
  auto start = Clock::now();
  for (const auto& m : mail) {
    auto t = Clock::now();
    ScanResult r = filter.scan(m, wanted);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
    if (r.executable || !r.phishing.empty() || r.virus.kind == ClamdVerdict::Kind::infected) {
      ++*flagged;
      // What flagged generated mail: a false positive to look at, printed once per reason.
      std::string why = r.executable ? *r.executable : !r.phishing.empty() ? r.phishing.front() : r.virus.detail;
      static std::vector<std::string> seen;
      if (std::find(seen.begin(), seen.end(), why) == seen.end()) {
        seen.push_back(why);
        std::fprintf(stderr, "  flagged: %s\n", why.c_str());
      }
    }
  }
  double total = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(ms.begin(), ms.end());
  Figures f;
  f.p50 = ms[ms.size() / 2];
  f.p99 = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  f.per_second = static_cast<double>(mail.size()) / total;
  return f;
}

template <typename F>
Figures timed(const std::vector<std::string>& mail, F&& each) {
  std::vector<double> ms;
  ms.reserve(mail.size());
  auto start = Clock::now();
  for (const auto& m : mail) {
    auto t = Clock::now();
    each(m);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
  }
  double total = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)],
          static_cast<double>(mail.size()) / total};
}

// The junk classifier: a server model trained on 2 x `count` generated messages, then each message
// tokenized and scored; then the same with an owner's training of 400 messages in a mailbox.
void bench_classifier(const std::vector<std::string>& mail, size_t count) {
  namespace classify = sealmail::classify;
  classify::Model model;
  for (uint64_t seed : {7, 8}) {
    sealmail::bench::MailCorpus corpus(seed);
    for (size_t i = 0; i < count; ++i)
      model.add(classify::message_tokens(corpus.text_message(3000 + (i * 7919) % 27000).message),
                seed == 7 ? classify::Category::ham : classify::Category::spam, 1);
  }
  double junk = 0;
  Figures f = timed(mail, [&](const std::string& m) {
    auto tokens = classify::message_tokens(m);
    junk += classify::score(tokens, model, nullptr).spam >= 0.9;
  });
  std::printf("%-22s %10.3f %10.3f %12.0f %8.0f   (model: %zu tokens)\n", "classifier", f.p50, f.p99, f.per_second,
              junk, model.size());

  auto dir = std::filesystem::temp_directory_path() / ("filter_bench_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto password = sealmail::crypto::SecretBuffer::from("correct horse battery staple");
  auto box = sealmail::store::Mailbox::create(dir / "owner.db", password);
  if (!box) {
    std::fprintf(stderr, "filter_bench: %s\n", box.error().message.c_str());
    return;
  }
  sealmail::bench::MailCorpus corpus(9);
  for (int i = 0; i < 400; ++i) {
    auto request = corpus.text_message(3000 + (i * 7919) % 27000);
    request.folder = i % 2 ? "Junk" : "INBOX";
    if (!(*box)->append(request)) return;
  }
  (void)(*box)->train_junk("Junk", sealmail::store::all_uids(), true);
  (void)(*box)->train_junk("INBOX", sealmail::store::all_uids(), false);
  junk = 0;
  f = timed(mail, [&](const std::string& m) {
    auto tokens = classify::message_tokens(m);
    auto personal = (*box)->junk_model(tokens);
    junk += classify::score(tokens, model, personal ? &*personal : nullptr).spam >= 0.9;
  });
  std::printf("%-22s %10.3f %10.3f %12.0f %8.0f\n", "classifier+owner", f.p50, f.p99, f.per_second, junk);
  box->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
  size_t count = 2000;
  std::string clamd;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--count") && i + 1 < argc) {
      count = std::strtoul(argv[++i], nullptr, 10);
    } else if (!std::strcmp(argv[i], "--clamd") && i + 1 < argc) {
      clamd = argv[++i];
    } else {
      std::fprintf(stderr, "usage: filter_bench [--count N] [--clamd SOCKET]\n");
      return 2;
    }
  }
  if (count == 0) count = 1;
  sealmail::crypto::init();
  // Each case scans its own mail (a seed per case): clamd remembers the hashes of clean files it
  // has scanned, and a second pass over the same bytes would measure its cache.
  auto generate = [count](uint64_t seed, size_t* bytes) {
    sealmail::bench::MailCorpus corpus(seed);
    std::vector<std::string> mail;
    for (size_t i = 0; i < count; ++i) {
      // Nine in ten text (3-30 KB), one in ten with an attachment (100-300 KB), as an MX sees.
      auto r = i % 10 == 9 ? corpus.attachment_message(100000 + (i * 7919) % 200000)
                           : corpus.text_message(3000 + (i * 7919) % 27000);
      *bytes += r.message.size();
      mail.push_back(std::move(r.message));
    }
    return mail;
  };
  size_t bytes = 0;
  std::vector<std::string> mail = generate(42, &bytes);
  FilterOptions options;
  if (!clamd.empty()) {
    ClamdOptions c;
    c.socket = clamd;
    options.clamd = c;
  }
  ContentFilter filter(options);
  std::printf("filter_bench: %zu messages, %.1f KB on average%s\n", mail.size(),
              static_cast<double>(bytes) / static_cast<double>(mail.size()) / 1024.0,
              clamd.empty() ? ", no clamd" : ", clamd on its socket");
  struct Case {
    const char* name;
    Protections p;
  };
  std::vector<Case> cases = {
      {"none", {false, false, PhishingAction::off}},
      {"executables", {false, true, PhishingAction::off}},
      {"phishing", {false, false, PhishingAction::junk}},
      {"executables+phishing", {false, true, PhishingAction::junk}},
  };
  if (!clamd.empty()) {
    cases.push_back({"virus", {true, false, PhishingAction::off}});
    cases.push_back({"all", {true, true, PhishingAction::junk}});
  }
  std::printf("%-22s %10s %10s %12s %8s\n", "protections", "p50 ms", "p99 ms", "msg/s", "flagged");
  uint64_t seed = 100;
  for (const auto& c : cases) {
    size_t flagged = 0, ignored = 0;
    Figures f = run(filter, generate(seed++, &ignored), c.p, &flagged);
    std::printf("%-22s %10.3f %10.3f %12.0f %8zu\n", c.name, f.p50, f.p99, f.per_second, flagged);
  }
  size_t ignored = 0;
  bench_classifier(generate(seed++, &ignored), count);
  return 0;
}
