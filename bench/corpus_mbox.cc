// corpus_mbox: writes store_bench's realistic generated mail (bench/mail_corpus.h) as an mboxrd
// file, so that the IMAP benchmark (bench/imap_bench.py) imports the same kind of mail through
// `sealmail mailbox import` instead of repeating one made-up message. Beside the mbox it writes
// OUT.words: search material drawn from what it generated, one "kind word" per line (kinds: rare,
// common), so the benchmark can search for words it knows are there.
//
// Usage: corpus_mbox COUNT OUT.mbox [--seed S]
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "mail_corpus.h"
#include "mime/mbox.h"

namespace {

constexpr size_t kSmall = 4096;  // the size store_bench's search mailbox uses
constexpr int kWordsPerKind = 5;
constexpr int64_t kFirstDate = 1763884800;  // 2025-11-23, one message a minute after it

int usage() {
  std::fprintf(stderr, "usage: corpus_mbox COUNT OUT.mbox [--seed S]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && argc != 5) return usage();
  char* end = nullptr;
  unsigned long long count = std::strtoull(argv[1], &end, 10);
  if (*end != '\0' || count == 0) return usage();
  std::string out_path = argv[2];
  uint64_t seed = 20261123;
  if (argc == 5) {
    if (std::string_view(argv[3]) != "--seed") return usage();
    seed = std::strtoull(argv[4], &end, 10);
    if (*end != '\0') return usage();
  }

  sealmail::bench::MailCorpus corpus(seed);
  std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
  if (!out) {
    std::fprintf(stderr, "corpus_mbox: cannot write %s\n", out_path.c_str());
    return 1;
  }
  std::string chunk;
  for (unsigned long long i = 0; i < count; ++i) {
    auto request = corpus.text_message(kSmall);
    sealmail::mime::append_mboxrd(chunk, request.message, "", kFirstDate + static_cast<int64_t>(i) * 60);
    if (chunk.size() > (1 << 20)) {
      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      chunk.clear();
    }
  }
  out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  out.close();
  if (!out) {
    std::fprintf(stderr, "corpus_mbox: writing %s failed\n", out_path.c_str());
    return 1;
  }

  std::ofstream words(out_path + ".words", std::ios::trunc);
  for (int i = 0; i < kWordsPerKind; ++i) words << "rare " << corpus.rare_word_query() << "\n";
  for (int i = 0; i < kWordsPerKind; ++i) words << "common " << corpus.common_word_query() << "\n";
  if (!words) {
    std::fprintf(stderr, "corpus_mbox: writing %s.words failed\n", out_path.c_str());
    return 1;
  }
  std::printf("corpus_mbox: %llu messages (seed %llu) in %s\n", count, static_cast<unsigned long long>(seed),
              out_path.c_str());
  return 0;
}
