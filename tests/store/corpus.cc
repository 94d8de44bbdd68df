#include "store/corpus.h"

#include <random>

namespace sealmail::testing {

namespace {
constexpr const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string headers(const std::string& subject, const std::string& content_type, const std::string& extra = "") {
  return "Return-Path: <alice@example.org>\r\n"
         "Received: from mx.example.org (mx.example.org [192.0.2.1])\r\n"
         "\tby mail.example.com with ESMTPS id 4Xyz; Mon, 23 Nov 2026 04:00:00 +0000\r\n"
         "From: Alice Example <alice@example.org>\r\n"
         "To: Bob <bob@example.com>, carol@example.com\r\n"
         "Cc: Dave <dave@example.net>\r\n"
         "Subject: " +
         subject +
         "\r\n"
         "Date: Mon, 23 Nov 2026 04:00:00 +0000\r\n"
         "Message-ID: <" +
         std::to_string(std::hash<std::string>{}(subject)) +
         "@example.org>\r\n"
         "MIME-Version: 1.0\r\n" +
         extra + "Content-Type: " + content_type + "\r\n";
}
}  // namespace

std::string base64_blob(size_t size, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out;
  out.reserve(size + size / 76 * 2);
  size_t col = 0;
  while (out.size() < size) {
    out += kB64[rng() % 64];
    if (++col == 76) {
      out += "\r\n";
      col = 0;
    }
  }
  out.resize(size);
  if (out.back() == '\r') out.back() = 'A';
  return out;
}

std::string plain_message(const std::string& marker) {
  return headers("Plain message", "text/plain; charset=us-ascii", "Content-Transfer-Encoding: 7bit\r\n") +
         "\r\nHello Bob,\r\n\r\n" + marker + "\r\n\r\n-- \r\nAlice\r\n";
}

std::string html_message() {
  return headers("HTML newsletter", "text/html; charset=utf-8", "Content-Transfer-Encoding: quoted-printable\r\n") +
         "\r\n<!DOCTYPE html><html><head><style>p{color:red}</style></head><body>\r\n"
         "<p>Weekly <b>digest</b> &amp; news=3D for you</p><script>var x=1;</script>\r\n"
         "<a href=3D\"https://example.org/unsubscribe\">unsubscribe</a></body></html>\r\n";
}

std::string alternative_message() {
  return headers("Alternative parts", "multipart/alternative; boundary=\"alt-boundary-1\"") +
         "\r\nThis is a multi-part message in MIME format.\r\n"
         "--alt-boundary-1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
         "Plain alternative text\r\n"
         "--alt-boundary-1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
         "<html><body><p>Rich alternative text</p></body></html>\r\n"
         "--alt-boundary-1--\r\n";
}

std::string mixed_with_attachment(const std::string& subject, const std::string& attachment,
                                  const std::string& filename) {
  return headers(subject, "multipart/mixed; boundary=\"mixed-42\"") +
         "\r\n--mixed-42\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease find the report attached.\r\n"
         "--mixed-42\r\nContent-Type: application/pdf; name=\"" +
         filename + "\"\r\nContent-Disposition: attachment; filename=\"" + filename +
         "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + attachment + "\r\n--mixed-42--\r\n";
}

std::string nested_rfc822_message() {
  std::string inner =
      "From: Eve <eve@example.net>\r\nTo: alice@example.org\r\nSubject: Original message\r\n"
      "Date: Sun, 22 Nov 2026 10:00:00 +0100\r\nMessage-ID: <inner@example.net>\r\n"
      "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"inner-b\"\r\n\r\n"
      "--inner-b\r\nContent-Type: text/plain\r\n\r\nInner body text\r\n"
      "--inner-b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"a.bin\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n" +
      base64_blob(6000, 7) + "\r\n--inner-b--\r\n";
  return headers("Fwd: Original message", "multipart/mixed; boundary=\"outer-b\"") +
         "\r\n--outer-b\r\nContent-Type: text/plain\r\n\r\nForwarding this.\r\n"
         "--outer-b\r\nContent-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n" +
         inner + "\r\n--outer-b--\r\n";
}

std::string encoded_words_message() {
  return "From: =?UTF-8?B?w4lsb2TDqWU=?= <elodie@example.fr>\r\n"
         "To: =?ISO-8859-1?Q?J=F6rg_M=FCller?= <joerg@example.de>\r\n"
         "Subject: =?UTF-8?Q?Caf=C3=A9_=E2=98=95_und_Gr=C3=BC=C3=9Fe?= =?UTF-8?B?IOS9oOWlvQ==?=\r\n"
         "Date: Tue, 24 Nov 2026 09:30:00 +0900\r\nMessage-ID: <enc@example.fr>\r\nMIME-Version: 1.0\r\n"
         "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
         "w4dhIHZhIGJpZW4gPyDQn9GA0LjQstC10YIg0LzQuNGAIQ==\r\n";
}

std::string eight_bit_message() {
  return "From: Zoë <zoe@example.org>\r\nTo: bob@example.com\r\nSubject: Ünïcödé without encoding 日本語\r\n"
         "Date: Mon, 23 Nov 2026 04:00:00 +0000\r\nMIME-Version: 1.0\r\n"
         "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
         "Grüße aus Köln — naïve café, Привет мир, こんにちは\r\n\xff\xfe raw high bytes\r\n";
}

std::string bare_lf_message() {
  return "From: unix@example.org\nTo: bob@example.com\nSubject: bare line feeds\nDate: Mon, 23 Nov 2026 04:00:00 "
         "+0000\n"
         "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=lf\n\n--lf\nContent-Type: text/plain\n\n"
         "only LF here\n--lf\nContent-Type: application/zip\nContent-Disposition: attachment; filename=x.zip\n"
         "Content-Transfer-Encoding: base64\n\n" +
         base64_blob(5000, 3) + "\n--lf--\n";
}

std::string missing_final_boundary_message() {
  return headers("Truncated multipart", "multipart/mixed; boundary=\"never-closed\"") +
         "\r\n--never-closed\r\nContent-Type: text/plain\r\n\r\nfirst part\r\n"
         "--never-closed\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"p.png\"\r\n"
         "Content-Transfer-Encoding: base64\r\n\r\n" +
         base64_blob(9000, 11) + "\r\n";  // no closing --never-closed--
}

std::string huge_headers_message() {
  std::string h = headers("Many headers", "text/plain");
  for (int i = 0; i < 2000; ++i) h += "X-Trace-" + std::to_string(i) + ": " + std::string(60, 'a' + i % 26) + "\r\n";
  h += "References:";
  for (int i = 0; i < 500; ++i) h += " <ref" + std::to_string(i) + "@example.org>\r\n";
  return h + "\r\nbody after huge headers\r\n";
}

std::string ten_megabyte_attachment_message() {
  return mixed_with_attachment("Ten megabytes", base64_blob(10 * 1024 * 1024, 99), "big.bin");
}

std::vector<CorpusMessage> corpus() {
  return {
      {"plain", plain_message()},
      {"html", html_message()},
      {"alternative", alternative_message()},
      {"mixed", mixed_with_attachment("Report", base64_blob(20000, 1))},
      {"nested_rfc822", nested_rfc822_message()},
      {"encoded_words", encoded_words_message()},
      {"eight_bit", eight_bit_message()},
      {"bare_lf", bare_lf_message()},
      {"missing_final_boundary", missing_final_boundary_message()},
      {"huge_headers", huge_headers_message()},
      {"ten_megabytes", ten_megabyte_attachment_message()},
  };
}

}  // namespace sealmail::testing
