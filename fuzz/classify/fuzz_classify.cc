// libFuzzer target for the junk classifier (src/classify, issue 9): the tokenizer and the model
// file parser, and the scores over what they give. Invariants:
//   1. the tokenizer gives at most max_tokens tokens, none 0, the same for the same text;
//   2. a model file that parses serializes back to the same bytes (one canonical form);
//   3. scores are numbers in [0, 1], whatever the counts.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "classify/bayes.h"
#include "classify/model.h"
#include "classify/tokenizer.h"

namespace {

using namespace sealmail::classify;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_classify: invariant broken: %s\n", what);
  std::abort();
}

bool in_unit(double v) { return std::isfinite(v) && v >= 0.0 && v <= 1.0; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  TokenLimits limits;
  limits.max_tokens = 500;
  std::vector<Token> a, b;
  add_text_tokens("b:", in, a, limits);
  add_text_tokens("b:", in, b, limits);
  if (a.size() > limits.max_tokens) fail("more tokens than the limit");
  if (a != b) fail("tokens differ for the same text");
  for (Token t : a)
    if (t == 0) fail("token 0");
  unique_tokens(a);

  auto model = Model::parse(in);
  if (model && model->serialize() != in) fail("a parsed model does not serialize back to its bytes");
  Model m = model ? std::move(*model) : Model{};
  if (!model) {  // counts made from the bytes, so that scoring sees odd ones too
    for (size_t i = 0; i + 1 < a.size() && i < 64; ++i)
      m.add(std::vector<Token>{a[i]}, static_cast<Category>(static_cast<uint8_t>(in[i % size]) % 3),
            (in[i % size] & 1) ? 1 : -1);
  }
  auto s = score(a, m, &m);
  if (!in_unit(s.spam) || !in_unit(s.adult)) fail("score outside [0, 1]");
  return 0;
}
