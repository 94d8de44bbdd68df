// What the phishing checks read from an HTML body (HTML Living Standard §13.2, tokenization,
// simplified): the links (<a href> with their visible text) and the password fields (<input
// type=password>, in a <form> or not). Comments, <script> and <style> contents are skipped;
// character references (&amp; &#46; &#x2e;) are decoded in text and attribute values.
//
// A tokenizer of our own, no I/O and no allocation beyond its output: it never fails, every byte
// string gives some result, and its output is bounded (kMaxLinks links, kMaxText bytes of text
// each). fuzz/filters/fuzz_html_links.cc feeds it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sealmail::delivery::filters {

struct HtmlLink {
  std::string href;  // as written, references decoded, surrounding spaces trimmed
  std::string text;  // the visible text inside <a>...</a>, spaces collapsed
};

struct HtmlFindings {
  std::vector<HtmlLink> links;
  size_t password_fields = 0;
  size_t forms = 0;
};

inline constexpr size_t kMaxLinks = 10000;
inline constexpr size_t kMaxText = 1024;

HtmlFindings scan_html(std::string_view html);

}  // namespace sealmail::delivery::filters
