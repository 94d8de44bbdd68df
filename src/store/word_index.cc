#include "store/word_index.h"

#include <algorithm>
#include <string>
#include <unordered_set>

namespace sealmail::store {

namespace {

// FTS5's 'ascii' tokenizer: ASCII letters and digits and every byte of a non-ASCII character are
// token characters; ASCII letters fold to lower case.
bool token_char(unsigned char c) {
  return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Calls fn(token) for each token of `text`, folded as the tokenizer folds it.
template <typename Fn>
void for_each_token(std::string_view text, Fn&& fn) {
  std::string token;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !token_char(static_cast<unsigned char>(text[i]))) ++i;
    size_t start = i;
    while (i < text.size() && token_char(static_cast<unsigned char>(text[i]))) ++i;
    if (i == start) break;
    token.assign(text.substr(start, i - start));
    for (char& c : token)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    fn(token);
  }
}

}  // namespace

void create_word_index(sql::Db& db) {
  db.exec(
      "CREATE VIRTUAL TABLE message_text_words USING fts5(body, tokenize = 'ascii', detail = none, content = '', "
      "contentless_delete = 1)");
  db.exec("CREATE TABLE message_text_vocab (id INTEGER PRIMARY KEY, word TEXT NOT NULL UNIQUE)");
  db.exec(
      "CREATE VIRTUAL TABLE message_text_vocab_tri USING fts5(word, tokenize = 'trigram', detail = none, "
      "content = 'message_text_vocab', content_rowid = 'id')");
  db.exec("CREATE TABLE message_text_long (body_id INTEGER PRIMARY KEY)");
  db.exec(
      "CREATE VIRTUAL TABLE message_text_body USING fts5(body, tokenize = 'trigram', detail = none, content = '', "
      "contentless_delete = 1)");
}

void add_to_word_index(sql::Db& db, const std::vector<std::pair<int64_t, std::string_view>>& bodies) {
  // Distinct tokens of the whole batch first: most are in the vocabulary already, and each is
  // looked up once per batch instead of once per body.
  std::unordered_set<std::string> tokens;
  std::vector<int64_t> long_bodies;
  for (const auto& [id, text] : bodies) {
    bool has_long = false;
    for_each_token(text, [&](const std::string& t) {
      if (t.size() > kMaxVocabularyToken)
        has_long = true;
      else
        tokens.insert(t);
    });
    if (has_long) long_bodies.push_back(id);
  }
  std::vector<std::pair<int64_t, const std::string*>> new_words;
  for (const auto& t : tokens) {
    db.cached("INSERT OR IGNORE INTO message_text_vocab(word) VALUES (?)").bind(1, std::string_view(t)).run();
    if (db.changes() > 0) new_words.emplace_back(db.last_insert_rowid(), &t);
  }
  for (int64_t id : long_bodies)
    db.cached("INSERT OR IGNORE INTO message_text_long(body_id) VALUES (?)").bind(1, id).run();
  // FTS5 rows last.
  for (const auto& [id, text] : bodies) {
    db.cached("INSERT INTO message_text_words(rowid, body) VALUES (?, ?)").bind(1, id).bind(2, text).run();
    db.cached("INSERT INTO message_text_body(rowid, body) VALUES (?, ?)").bind(1, id).bind(2, text).run();
  }
  for (const auto& [id, word] : new_words)
    db.cached("INSERT INTO message_text_vocab_tri(rowid, word) VALUES (?, ?)")
        .bind(1, id)
        .bind(2, std::string_view(*word))
        .run();
}

void remove_from_word_index(sql::Db& db, int64_t body_id) {
  db.cached("DELETE FROM message_text_long WHERE body_id = ?").bind(1, body_id).run();
  db.cached("DELETE FROM message_text_words WHERE rowid = ?").bind(1, body_id).run();
  db.cached("DELETE FROM message_text_body WHERE rowid = ?").bind(1, body_id).run();
}

// The folded text is case-folded by GLib, so it holds no upper-case ASCII letter and neither of
// the two characters that FTS5's own folding would turn into ASCII (U+0130, U+212A): a trigram of
// ASCII characters in the index is that trigram in the text.
bool body_trigram_answers(std::string_view folded) {
  return folded.size() == 3 && std::all_of(folded.begin(), folded.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

std::vector<int64_t> bodies_with_trigram(sql::Db& db, std::string_view folded) {
  std::string phrase = "\"";
  for (char c : folded) {
    phrase += c;
    if (c == '"') phrase += '"';
  }
  phrase += '"';
  std::vector<int64_t> ids;
  auto& s = db.cached("SELECT rowid FROM message_text_body WHERE message_text_body MATCH ?");
  s.bind(1, std::string_view(phrase));
  while (s.step()) ids.push_back(s.int64(0));
  s.reset();
  if (!std::is_sorted(ids.begin(), ids.end())) std::sort(ids.begin(), ids.end());  // FTS5 gives rowid order
  return ids;
}

bool word_index_answers(std::string_view folded) {
  return !folded.empty() && std::all_of(folded.begin(), folded.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x80 && token_char(u);
  });
}

std::optional<std::vector<int64_t>> bodies_containing(sql::Db& db, std::string_view folded) {
  // The vocabulary's tokens that contain the needle: by their trigrams (a LIKE checks each
  // candidate; the needle holds no wildcard), or, under three characters, by reading them all.
  std::vector<std::string> words;
  {
    auto& s = folded.size() >= 3 ? db.cached("SELECT word FROM message_text_vocab_tri WHERE word LIKE ?")
                                 : db.cached("SELECT word FROM message_text_vocab WHERE instr(word, ?) > 0");
    if (folded.size() >= 3)
      s.bind(1, "%" + std::string(folded) + "%");
    else
      s.bind(1, folded);
    while (s.step()) {
      if (words.size() == kMaxTokensPerSearch) {
        s.reset();
        return std::nullopt;
      }
      words.emplace_back(s.text(0));
    }
    s.reset();
  }
  // A bitmap over body ids, not a list of every posting: a short needle inside many common words
  // can have millions of postings.
  std::vector<uint64_t> bits;
  std::vector<int64_t> odd;  // ids past the bitmap (64 million bodies), kept in a list
  auto add = [&](int64_t id) {
    if (id < 0 || id >= (int64_t{1} << 26)) {  // at most 8 MiB of bitmap
      odd.push_back(id);
      return;
    }
    auto word = static_cast<size_t>(id / 64);
    if (word >= bits.size()) bits.resize(word + 1 + bits.size() / 2);
    bits[word] |= uint64_t{1} << (id % 64);
  };
  auto& match = db.cached("SELECT rowid FROM message_text_words WHERE message_text_words MATCH ?");
  for (const auto& w : words) {
    match.bind(1, "\"" + w + "\"");  // a token holds no '"'
    while (match.step()) add(match.int64(0));
    match.reset();
  }
  auto& long_text = db.cached(
      "SELECT rowid FROM message_text WHERE rowid IN (SELECT body_id FROM message_text_long) AND instr(body, ?) > 0");
  long_text.bind(1, folded);
  while (long_text.step()) add(long_text.int64(0));
  long_text.reset();

  std::vector<int64_t> ids;
  for (size_t w = 0; w < bits.size(); ++w)
    for (uint64_t b = bits[w]; b != 0; b &= b - 1)
      ids.push_back(static_cast<int64_t>(w * 64 + static_cast<size_t>(__builtin_ctzll(b))));
  if (!odd.empty()) {
    ids.insert(ids.end(), odd.begin(), odd.end());
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  }
  return ids;
}

}  // namespace sealmail::store
