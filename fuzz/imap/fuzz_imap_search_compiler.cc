// libFuzzer target for the IMAP search compiler (src/imap/server/search_compiler.h): whatever the
// client's search keys, compiling them against a session's view (message numbers -> UIDs, the
// saved result) never crashes and gives a well-formed store query: every UID range has
// first <= last, NOT has one child, AND/OR at least one, and the tree is no deeper than the
// parsed one. The first input byte shapes the session's view; the rest is the SEARCH text.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "imap/protocol/command_parser.h"
#include "imap/server/search_compiler.h"

namespace {

using namespace sealmail;

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_imap_search_compiler: invariant broken: %s\n", what);
  std::abort();
}

int check_tree(const store::SearchKey& k) {
  using K = store::SearchKey::Kind;
  int depth = 0;
  if (k.kind == K::not_) check(k.children.size() == 1, "NOT has one child");
  if (k.kind == K::and_ || k.kind == K::or_) check(!k.children.empty(), "AND/OR have children");
  if (k.kind == K::uids) {
    check(!k.uids.empty(), "a UID key names some range");
    for (auto& r : k.uids) check(r.first <= r.last && r.first > 0, "UID ranges are ordered and non-zero");
  }
  for (auto& c : k.children) depth = std::max(depth, check_tree(c));
  return depth + 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // The session's view: n messages with UIDs spaced by `gap` (0..255 messages).
  uint32_t n = data[0];
  uint32_t gap = 1 + (data[0] % 7);
  std::vector<uint32_t> uids, saved;
  for (uint32_t i = 0; i < n; ++i) uids.push_back(1 + i * gap);
  for (uint32_t i = 0; i < n; i += 3) saved.push_back(uids[i]);
  std::string text = "A1 SEARCH " + std::string(reinterpret_cast<const char*>(data + 1), size - 1);
  auto parsed = imap::parse_command(text, imap::Limits::after_login());
  auto* command = std::get_if<imap::Command>(&parsed);
  if (command == nullptr) return 0;
  auto* args = std::get_if<imap::SearchArgs>(&command->args);
  if (args == nullptr) return 0;
  try {
    auto compiled = imap::compile_search(args->key, imap::SearchContext{&uids, &saved});
    check(check_tree(compiled) < 10000, "compiled tree depth is bounded");
  } catch (const imap::SearchCompileError&) {
    // A key we refuse (OLDER/YOUNGER): answered with BAD.
  }
  return 0;
}
