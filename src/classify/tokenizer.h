// Words of text as the junk classifier's tokens (issue 9). A token is a 64-bit hash (FNV-1a) of a
// prefix saying where the word was ("s:" subject, "b:" body, "x:" structure) and the word: models
// keep hashes, never words, so a model file or a mailbox's training table holds no readable text.
//
// A word is a run of ASCII letters and digits, '$' and '\'', or bytes of UTF-8 sequences; ASCII is
// lower-cased (mime's text for search is case-folded already). Runs shorter than min_word or longer
// than max_word (base64 left-overs, long URLs) and numbers alone are skipped. Scripts written
// without spaces (CJK) give long runs that are mostly skipped: a known limit of word tokenizers
// (bogofilter has it too).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace sealmail::classify {

using Token = uint64_t;

struct TokenLimits {
  size_t min_word = 2;
  size_t max_word = 40;      // bytes
  size_t max_tokens = 4000;  // per message, before duplicates are removed
};

// FNV-1a of prefix + word; never 0 (0 is the store's row of message totals).
Token token_of(std::string_view prefix, std::string_view word);

// Appends the tokens of `text`'s words to `out` (duplicates included; stops at max_tokens).
void add_text_tokens(std::string_view prefix, std::string_view text, std::vector<Token>& out,
                     const TokenLimits& limits = {});

// Sorts and removes duplicates: a message counts a token once (as bogofilter does).
void unique_tokens(std::vector<Token>& tokens);

}  // namespace sealmail::classify
