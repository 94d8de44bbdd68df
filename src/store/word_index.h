// The word index beside the trigram one (src/store internal): answers IMAP's case-insensitive
// substring search (RFC 9051 §6.4.4) on body text exactly, without reading any text, when the
// needle is made of ASCII letters and digits only (what people search for: words, names,
// numbers).
//
// Why it is exact: text is split into tokens, the maximal runs of ASCII letters and digits and
// non-ASCII bytes (FTS5's 'ascii' tokenizer). A needle of ASCII letters and digits lies inside one
// token wherever it occurs, so the bodies that contain it are exactly the bodies holding a token
// that contains it. Each distinct token is kept once in a vocabulary with a trigram index of its
// own; a search finds the vocabulary's tokens containing the needle, then the bodies holding any
// of them in the word index (FTS5, detail=none, contentless: no second copy of the text).
// Tokens over kMaxVocabularyToken bytes are kept out of the vocabulary (they bloat it and FTS5
// truncates terms at 32 KiB); their bodies are listed in message_text_long and checked by reading
// their text.
//
// Three characters of ASCII are answered exactly by one more trigram index, of body text alone
// (message_text's own holds headers and body together without telling them apart): the bodies
// holding that trigram are the answer, whatever the characters (a syllable like "ing" is inside
// too many words for the vocabulary to pay).
//
// Tables (all named message_text_*, so the schema check treats them as the full text's own):
//   message_text_body       fts5(body), tokenize trigram, detail none, contentless, deletable
//   message_text_words      fts5(body), tokenize ascii, detail none, contentless, deletable
//   message_text_vocab      (id, word UNIQUE): every token up to kMaxVocabularyToken bytes
//   message_text_vocab_tri  fts5 trigram index over message_text_vocab.word (external content)
//   message_text_long       body ids whose text holds a longer token
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/sqlite.h"

namespace sealmail::store {

inline constexpr size_t kMaxVocabularyToken = 256;

// Creates the word index's tables (empty).
void create_word_index(sql::Db& db);

// Adds bodies' folded text (mime::fold_for_search) to the word index. FTS5 rows are written last
// (see content.h: index_pending).
void add_to_word_index(sql::Db& db, const std::vector<std::pair<int64_t, std::string_view>>& bodies);

// Forgets one body (its vocabulary stays: a token no body holds any more finds nothing).
void remove_from_word_index(sql::Db& db, int64_t body_id);

// Whether the word index answers this folded needle exactly: non-empty, ASCII letters and
// digits only.
bool word_index_answers(std::string_view folded);

// A needle found inside more tokens than this (a letter or two, a common syllable) costs one
// lookup per token: past it, the trigram index and a check of the text answer faster.
inline constexpr size_t kMaxTokensPerSearch = 2000;

// Whether message_text_body answers this folded needle exactly: three printable ASCII characters.
bool body_trigram_answers(std::string_view folded);

// The ids of the bodies whose folded text contains `folded` (body_trigram_answers(folded) must
// hold), sorted.
std::vector<int64_t> bodies_with_trigram(sql::Db& db, std::string_view folded);

// The ids of the bodies whose folded text contains `folded` (word_index_answers(folded) must
// hold), sorted and unique; nullopt when the needle is inside more than kMaxTokensPerSearch
// tokens of the vocabulary.
std::optional<std::vector<int64_t>> bodies_containing(sql::Db& db, std::string_view folded);

}  // namespace sealmail::store
