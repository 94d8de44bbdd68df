// Internal to the parser: the tokenizer over one command's canonical text (command_parser.h),
// with the grammar's lexical rules (RFC 9051 §9: atom, astring, quoted, literal, literal8,
// number, nz-number, mod-sequence-value, sequence-set, flag) and the limits on nesting and on the
// number of arguments. Errors are thrown as ParseError and turned into Error values by
// parse_command() before they leave the library; Incomplete means the text ended at a literal
// whose bytes have not arrived (prefix checks only).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "imap/protocol/receiver.h"
#include "imap/protocol/sequence_set.h"

namespace sealmail::imap::detail {

struct ParseError {
  std::string text;
  Error::Kind kind = Error::Kind::bad;
  bool empties_saved_result = false;  // see Error
};
struct Incomplete {};

[[noreturn]] void fail(std::string text);

bool is_atom_char(unsigned char c);     // ATOM-CHAR
bool is_astring_char(unsigned char c);  // ATOM-CHAR / "]"
bool is_list_char(unsigned char c);     // ATOM-CHAR / "%" / "*" / "]"
std::string to_upper(std::string_view s);
bool iequals(std::string_view a, std::string_view b);

class Reader {
 public:
  Reader(std::string_view text, const Limits& limits, bool prefix) : text_(text), limits_(limits), prefix_(prefix) {}

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  size_t pos() const { return pos_; }
  const Limits& limits() const { return limits_; }

  bool try_char(char c);
  void expect(char c, const char* what);
  void sp();          // exactly one SP
  bool try_sp();      // an SP if there is one
  void expect_end();  // nothing may follow

  // A case-insensitive keyword: matches when the next atom-ish run equals `word`; consumes it.
  bool try_keyword(std::string_view word);
  // The next run of ATOM-CHARs (may be empty when the next byte is not one).
  std::string_view peek_atom() const;

  std::string atom();  // 1*ATOM-CHAR
  std::string tag();   // 1*<ASTRING-CHAR except "+">
  std::string astring();
  std::string string();  // quoted / literal
  std::optional<std::string> nstring();
  // astring that may also be a literal8 (APPEND data); *binary tells which.
  std::string string_or_literal8(bool* binary);
  std::string list_mailbox();  // 1*list-char / string
  std::string flag();          // "\" atom / atom
  std::string charset();       // atom / quoted (RFC 9051 §9 charset)
  uint32_t number();           // 0..4294967295
  uint32_t nz_number();
  uint64_t number64();  // mod-sequence-value: 0..2^63-1 (RFC 7162)
  uint64_t nz_number64();
  SequenceSet sequence_set();

  void open_paren();  // "(" with the nesting limit
  void close_paren();
  void count_argument();

 private:
  std::string quoted();
  std::string literal(bool allow_binary, bool* binary);

  std::string_view text_;
  size_t pos_ = 0;
  const Limits& limits_;
  bool prefix_;
  int depth_ = 0;
  size_t arguments_ = 0;
};

}  // namespace sealmail::imap::detail
