// A command-line face on the outbound library for the Python tests, which check its output with
// independent implementations (dkimpy, Python's email package):
//
//   outbound_tool keygen rsa|ed25519 <pem-file>    writes a key as `quickstart` does, prints the TXT record
//   outbound_tool sign <pem-file> <domain> <selector> <unix-time>
//                                                  reads a message on stdin, writes the signature
//                                                  field followed by the message on stdout
//   outbound_tool dsn                              reads a DsnRequest as JSON on stdin, writes the
//                                                  report on stdout
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>

#include "crypto/dkim_key.h"
#include "smtp/outbound/dkim_signer.h"
#include "smtp/outbound/dsn.h"

namespace {

using namespace sealmail;

int usage() {
  std::fprintf(stderr, "usage: outbound_tool keygen rsa|ed25519 <pem> | sign <pem> <domain> <selector> <time>\n");
  return 2;
}

std::string read_stdin() {
  std::ios::sync_with_stdio(false);
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

int keygen(std::string_view type, const char* path) {
  auto alg = type == "rsa" ? crypto::DkimAlgorithm::rsa2048 : crypto::DkimAlgorithm::ed25519;
  auto key = crypto::generate_dkim_key(alg);
  if (!key) return std::fprintf(stderr, "%s\n", key.error().message.c_str()), 1;
  std::ofstream(path, std::ios::binary) << key->private_pem;
  std::printf("%s\n", crypto::dkim_txt_record(*key).c_str());
  return 0;
}

int sign(char** argv) {
  auto signer = smtp::outbound::DkimSigner::from_file(argv[0], argv[1], argv[2]);
  if (!signer) return std::fprintf(stderr, "%s\n", signer.error().message.c_str()), 1;
  std::string message = read_stdin();
  auto field = signer->sign(message, std::strtoll(argv[3], nullptr, 10));
  if (!field) return std::fprintf(stderr, "%s\n", field.error().message.c_str()), 1;
  std::cout << *field << message;
  return 0;
}

int dsn() {
  auto j = nlohmann::json::parse(read_stdin());
  smtp::outbound::DsnRequest r;
  r.reporting_mta = j.value("reporting_mta", "");
  r.from = j.value("from", "");
  r.to = j.value("to", "");
  r.envelope_id = j.value("envelope_id", "");
  r.arrival_date = j.value("arrival_date", int64_t{0});
  r.now = j.value("now", int64_t{0});
  r.message_id = j.value("message_id", "");
  r.original = j.value("original", "");
  r.return_headers_only = j.value("headers_only", false);
  for (const auto& jr : j["recipients"]) {
    smtp::outbound::DsnRecipient rc;
    rc.final_recipient = jr.value("final_recipient", "");
    rc.original_recipient = jr.value("original_recipient", "");
    rc.action = jr.value("action", "failed") == "delayed" ? smtp::outbound::DsnAction::delayed
                                                          : smtp::outbound::DsnAction::failed;
    rc.status = jr.value("status", "");
    rc.remote_mta = jr.value("remote_mta", "");
    rc.diagnostic = jr.value("diagnostic", "");
    rc.last_attempt = jr.value("last_attempt", int64_t{0});
    rc.will_retry_until = jr.value("will_retry_until", int64_t{0});
    r.recipients.push_back(std::move(rc));
  }
  std::cout << smtp::outbound::build_dsn(r);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string_view cmd = argv[1];
  if (cmd == "keygen" && argc == 4) return keygen(argv[2], argv[3]);
  if (cmd == "sign" && argc == 6) return sign(argv + 2);
  if (cmd == "dsn" && argc == 2) return dsn();
  return usage();
}
