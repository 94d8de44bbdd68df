// The junk classifier's model (issue 9): for each token, in how many trained messages of each
// category it was seen, and how many messages of each category were trained. The server's model
// (trained by `sealmail spam train`) lives in one file in the data directory; an owner's own
// training lives inside the encrypted mailbox (store: junk_tokens) and comes back as a Model
// holding only the tokens asked for.
//
// File format, version 1 (little-endian): "SMJUNK1\n", u32 ham, spam, adult message totals, u64 n,
// then n records (u64 token, u32 ham, u32 spam, u32 adult) in ascending token order. Tokens are
// hashes (tokenizer.h): the file holds no word.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "classify/tokenizer.h"
#include "core/result.h"

namespace sealmail::classify {

enum class Category : uint8_t { ham, spam, adult };
const char* to_string(Category c);

struct Counts {
  uint32_t ham = 0, spam = 0, adult = 0;
  uint32_t& of(Category c) { return c == Category::ham ? ham : c == Category::spam ? spam : adult; }
};

class Model {
 public:
  Counts totals;  // messages trained, per category

  Counts find(Token t) const;
  void set(Token t, Counts c);
  // One message of category `c` with these (unique) tokens: delta +1 learns it, -1 forgets it
  // (counts never go below 0).
  void add(std::span<const Token> tokens, Category c, int delta);
  size_t size() const { return tokens_.size(); }

  std::string serialize() const;
  // Checks every length against the bytes it has: a damaged file is an error, never a crash.
  static Result<Model> parse(std::string_view bytes);
  static Result<Model> load(const std::filesystem::path& path);
  Status save(const std::filesystem::path& path) const;  // durably: a crash leaves the old or the new

 private:
  std::unordered_map<Token, Counts> tokens_;
};

}  // namespace sealmail::classify
