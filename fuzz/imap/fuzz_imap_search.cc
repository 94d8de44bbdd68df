// libFuzzer target for the IMAP search-key, SORT and THREAD parsers (src/imap/protocol/
// search_key.h) and the date and sequence-set syntax they use. The input is the text after the
// command name, in the parser's canonical form (literals as "{n}\r\n" + bytes). Invariants:
//   1. parsing never crashes and recursion stays within the limits (ASan catches a stack overflow);
//   2. a parsed tree is well formed: NOT has one child, OR two, AND at least one, and it is no
//      deeper than max_search_depth + max_depth allow; dates are "YYYY-MM-DD"; sets format back;
//   3. the same keys parse the same way in SEARCH, UID SEARCH RETURN, SORT and THREAD;
//   4. date-time text that parses formats back to the same instant.
// A broken invariant prints what broke and aborts, so libFuzzer saves the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "imap/protocol/command_parser.h"
#include "imap/protocol/response.h"

namespace {

using namespace sealmail::imap;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_imap_search: invariant broken: %s\n", what);
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

bool is_date(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

int check_tree(const SearchKey& k, int depth) {
  using K = SearchKey::Kind;
  check(depth < 1000, "search tree depth is bounded");
  switch (k.kind) {
    case K::not_:
      check(k.children.size() == 1, "NOT has one child");
      break;
    case K::or_:
      check(k.children.size() == 2, "OR has two children");
      break;
    case K::and_:
      check(!k.children.empty(), "AND has children");
      break;
    case K::before:
    case K::on:
    case K::since:
    case K::sent_before:
    case K::sent_on:
    case K::sent_since:
      check(is_date(k.value), "dates are YYYY-MM-DD");
      break;
    case K::sequence_set:
    case K::uid: {
      auto again = parse_sequence_set(format_sequence_set(k.set));
      check(again && *again == k.set, "sets format back");
      break;
    }
    default:
      check(k.children.empty(), "only NOT, OR and AND have children");
  }
  int deepest = depth;
  for (const SearchKey& c : k.children) deepest = std::max(deepest, check_tree(c, depth + 1));
  return deepest;
}

const SearchKey* key_of(const Command& c) {
  if (auto* a = std::get_if<SearchArgs>(&c.args)) return &a->key;
  if (auto* a = std::get_if<SortArgs>(&c.args)) return &a->key;
  if (auto* a = std::get_if<ThreadArgs>(&c.args)) return &a->key;
  return nullptr;
}

std::optional<SearchKey> parse(const std::string& text, const Limits& limits) {
  auto r = parse_command(text, limits);
  if (auto* c = std::get_if<Command>(&r)) {
    const SearchKey* k = key_of(*c);
    check(k != nullptr, "search commands carry keys");
    int depth = check_tree(*k, 0);
    check(depth <= limits.max_search_depth + limits.max_depth + 2, "nesting within the limits");
    return *k;
  }
  check(!std::get<Error>(r).text.empty(), "errors have text");
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  std::string data(reinterpret_cast<const char*>(bytes), size);
  Limits limits = Limits::after_login();
  limits.max_search_depth = 40;
  limits.max_arguments = SIZE_MAX;  // the four forms spend different counts before the keys

  auto plain = parse("A1 SEARCH " + data, limits);
  auto ret = parse("A1 UID SEARCH RETURN (MIN MAX COUNT SAVE) CHARSET UTF-8 " + data, limits);
  auto sort = parse("A1 UID SORT (REVERSE DATE SUBJECT) UTF-8 " + data, limits);
  auto thread = parse("A1 THREAD REFERENCES US-ASCII " + data, limits);
  // Keys are keys, whatever command carries them. (A bare charset-like first word changes the
  // meaning of SEARCH only, so compare the forms that always have a charset.)
  check(ret.has_value() == sort.has_value() && sort.has_value() == thread.has_value(), "same keys, same verdict");
  if (ret) check(*ret == *sort && *sort == *thread, "same keys, same tree");
  (void)plain;

  // Dates.
  if (auto t = parse_date_time(data)) {
    std::string text = format_internal_date(*t);
    check(parse_date_time(text.substr(1, text.size() - 2)) == t, "date-time round trip");
  }
  if (auto d = parse_date(data)) check(is_date(*d), "date");
  if (auto s = parse_sequence_set(data)) {
    auto again = parse_sequence_set(format_sequence_set(*s));
    check(again && *again == *s, "sequence set round trip");
  }
  return 0;
}
