#include "classify/model.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/fs.h"

namespace sealmail::classify {

namespace {

constexpr std::string_view kMagic = "SMJUNK1\n";
constexpr size_t kHeader = 8 + 12 + 8;
constexpr size_t kRecord = 8 + 12;

void put32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t get(std::string_view b, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(b[at + i])) << (8 * i);
  return v;
}

uint32_t saturating(uint32_t v, int delta) {
  if (delta < 0) return v >= static_cast<uint32_t>(-delta) ? v + delta : 0;
  return v > UINT32_MAX - static_cast<uint32_t>(delta) ? UINT32_MAX : v + delta;
}

}  // namespace

const char* to_string(Category c) {
  switch (c) {
    case Category::ham:
      return "ham";
    case Category::spam:
      return "spam";
    case Category::adult:
      return "adult";
  }
  return "ham";
}

Counts Model::find(Token t) const {
  auto it = tokens_.find(t);
  return it == tokens_.end() ? Counts{} : it->second;
}

void Model::set(Token t, Counts c) {
  if (c.ham == 0 && c.spam == 0 && c.adult == 0)
    tokens_.erase(t);
  else
    tokens_[t] = c;
}

void Model::add(std::span<const Token> tokens, Category c, int delta) {
  totals.of(c) = saturating(totals.of(c), delta);
  for (Token t : tokens) {
    Counts n = find(t);
    n.of(c) = saturating(n.of(c), delta);
    set(t, n);
  }
}

std::string Model::serialize() const {
  std::vector<std::pair<Token, Counts>> sorted(tokens_.begin(), tokens_.end());
  std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::string out(kMagic);
  out.reserve(kHeader + sorted.size() * kRecord);
  put32(out, totals.ham);
  put32(out, totals.spam);
  put32(out, totals.adult);
  put64(out, sorted.size());
  for (auto& [t, c] : sorted) {
    put64(out, t);
    put32(out, c.ham);
    put32(out, c.spam);
    put32(out, c.adult);
  }
  return out;
}

Result<Model> Model::parse(std::string_view b) {
  if (b.size() < kHeader || b.substr(0, kMagic.size()) != kMagic)
    return make_error(Errc::corrupt, "not a sealmail junk model (version 1)");
  Model m;
  m.totals = {static_cast<uint32_t>(get(b, 8, 4)), static_cast<uint32_t>(get(b, 12, 4)),
              static_cast<uint32_t>(get(b, 16, 4))};
  uint64_t n = get(b, 20, 8);
  if (n > (b.size() - kHeader) / kRecord || kHeader + n * kRecord != b.size())
    return make_error(Errc::corrupt, "junk model: record count does not match the file's size");
  m.tokens_.reserve(n);
  Token previous = 0;
  for (uint64_t i = 0; i < n; ++i) {
    size_t at = kHeader + i * kRecord;
    Token t = get(b, at, 8);
    if (t <= previous) return make_error(Errc::corrupt, "junk model: tokens out of order");
    previous = t;
    m.tokens_.emplace(t, Counts{static_cast<uint32_t>(get(b, at + 8, 4)), static_cast<uint32_t>(get(b, at + 12, 4)),
                                static_cast<uint32_t>(get(b, at + 16, 4))});
  }
  return m;
}

Result<Model> Model::load(const std::filesystem::path& path) {
  auto bytes = fs::read_file(path);
  if (!bytes) return bytes.error();
  return parse(*bytes);
}

Status Model::save(const std::filesystem::path& path) const {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return make_error(Errc::io, "cannot create " + path.parent_path().string() + ": " + ec.message());
  return fs::write_file_durably(path, serialize());
}

}  // namespace sealmail::classify
