// The cost of OpenPGP encryption of inbound mail (issue 9): what the router spends per message for
// an alias with a key (delivery/pgp/message_encryption.h: the "already encrypted" test, RNP's
// encryption to the key, PGP/MIME framing). Keys are made here by RNP: Curve25519 (what
// `gpg --quick-gen-key` makes with future-default) and RSA-3072 (GnuPG 2.2's default).
//
//   pgp_bench [--quick]    prints ms p50/p99 per message for 4 KB and 100 KB messages
#include <rnp/rnp.h>
#include <rnp/rnp_err.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "delivery/pgp/message_encryption.h"
#include "delivery/pgp/public_key.h"

namespace {

using namespace sealmail::delivery::pgp;

std::vector<uint8_t> make_key(const char* json) {
  rnp_ffi_t ffi = nullptr;
  rnp_ffi_create(&ffi, "GPG", "GPG");
  char* results = nullptr;
  if (rnp_generate_key_json(ffi, json, &results) != RNP_SUCCESS) {
    std::fprintf(stderr, "pgp_bench: key generation failed\n");
    std::exit(1);
  }
  rnp_buffer_destroy(results);
  rnp_key_handle_t key = nullptr;
  rnp_locate_key(ffi, "userid", "Bench <bench@example.com>", &key);
  rnp_output_t out = nullptr;
  rnp_output_to_memory(&out, 0);
  rnp_key_export(key, out, RNP_KEY_EXPORT_PUBLIC | RNP_KEY_EXPORT_SUBKEYS);
  uint8_t* buf = nullptr;
  size_t len = 0;
  rnp_output_memory_get_buf(out, &buf, &len, false);
  std::vector<uint8_t> bytes(buf, buf + len);
  rnp_output_destroy(out);
  rnp_key_handle_destroy(key);
  rnp_ffi_destroy(ffi);
  // As the directory keeps it: checked and exported by read_public_key.
  auto checked =
      read_public_key(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), "bench@example.com");
  if (!checked) {
    std::fprintf(stderr, "pgp_bench: %s\n", checked.error().message.c_str());
    std::exit(1);
  }
  return checked->binary;
}

std::string message_of(size_t size) {
  std::string m =
      "From: Alice <alice@example.org>\r\nTo: bench@example.com\r\nSubject: benchmark\r\n"
      "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <bench@example.org>\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n\r\n";
  uint32_t x = 12345;
  while (m.size() < size) {
    for (int i = 0; i < 72; ++i) {
      x = x * 1103515245 + 12345;
      m += static_cast<char>('a' + (x >> 16) % 26);
    }
    m += "\r\n";
  }
  m.resize(size);
  return m;
}

void run(const char* name, const std::vector<uint8_t>& key, size_t size, int rounds) {
  std::string message = message_of(size);
  std::vector<double> ms;
  size_t out_bytes = 0;
  for (int i = 0; i < rounds; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    bool changed = false;
    auto r = encrypt_message(key, message, &changed);
    auto t1 = std::chrono::steady_clock::now();
    if (!r || !changed) {
      std::fprintf(stderr, "pgp_bench: encryption failed\n");
      std::exit(1);
    }
    out_bytes = r->size();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) { return ms[std::min(ms.size() - 1, static_cast<size_t>(p * ms.size()))]; };
  std::printf("%-10s %6zu KB  rounds %4d  p50 %7.3f ms  p99 %7.3f ms  out %zu bytes\n", name, size / 1024, rounds,
              pct(0.50), pct(0.99), out_bytes);
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  int rounds = quick ? 20 : 300;
  auto cv25519 = make_key(R"({"primary":{"type":"EDDSA","userid":"Bench <bench@example.com>","usage":["sign"]},)"
                          R"("sub":{"type":"ECDH","curve":"Curve25519","usage":["encrypt"]}})");
  auto rsa =
      make_key(R"({"primary":{"type":"RSA","length":3072,"userid":"Bench <bench@example.com>","usage":["sign"]},)"
               R"("sub":{"type":"RSA","length":3072,"usage":["encrypt"]}})");
  for (size_t size : {size_t{4096}, size_t{102400}}) {
    run("cv25519", cv25519, size, rounds);
    run("rsa3072", rsa, size, rounds);
  }
  return 0;
}
