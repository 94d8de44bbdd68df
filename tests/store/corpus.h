// Real-world-shaped test messages, generated (so the repository carries no mail): what clients and
// servers actually send, and the malformed shapes that a store must still return byte-exact.
#pragma once

#include <string>
#include <vector>

namespace sealmail::testing {

struct CorpusMessage {
  std::string name;
  std::string raw;
};

// A deterministic attachment body of `size` bytes (base64 of pseudo-random data, 76-char lines).
std::string base64_blob(size_t size, unsigned seed);

std::string plain_message(const std::string& marker = "plain text body");
std::string html_message();
std::string alternative_message();
// multipart/mixed with one attachment whose base64 body is `attachment` (from base64_blob).
std::string mixed_with_attachment(const std::string& subject, const std::string& attachment,
                                  const std::string& filename = "report.pdf");
std::string nested_rfc822_message();
std::string encoded_words_message();
std::string eight_bit_message();
std::string bare_lf_message();
std::string missing_final_boundary_message();
std::string huge_headers_message();
std::string ten_megabyte_attachment_message();

// Every shape above, named.
std::vector<CorpusMessage> corpus();

}  // namespace sealmail::testing
