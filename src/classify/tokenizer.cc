#include "classify/tokenizer.h"

#include <algorithm>
#include <string>

namespace sealmail::classify {

namespace {

bool word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '$' || c == '\'' ||
         c >= 0x80;
}

bool all_digits(std::string_view w) {
  return std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Token token_of(std::string_view prefix, std::string_view word) {
  uint64_t h = 14695981039346656037ull;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
  };
  mix(prefix);
  mix(word);
  return h == 0 ? 1 : h;
}

void add_text_tokens(std::string_view prefix, std::string_view text, std::vector<Token>& out,
                     const TokenLimits& limits) {
  std::string word;
  size_t i = 0;
  while (i < text.size() && out.size() < limits.max_tokens) {
    while (i < text.size() && !word_byte(static_cast<unsigned char>(text[i]))) ++i;
    size_t start = i;
    while (i < text.size() && word_byte(static_cast<unsigned char>(text[i]))) ++i;
    // Quotes around a word are not part of it ("'free'" and "free" are one word).
    size_t b = start, e = i;
    while (b < e && text[b] == '\'') ++b;
    while (e > b && text[e - 1] == '\'') --e;
    size_t len = e - b;
    if (len < limits.min_word || len > limits.max_word) continue;
    word.assign(text.substr(b, len));
    if (all_digits(word)) continue;
    for (auto& c : word)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    out.push_back(token_of(prefix, word));
  }
}

void unique_tokens(std::vector<Token>& tokens) {
  std::sort(tokens.begin(), tokens.end());
  tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
}

}  // namespace sealmail::classify
