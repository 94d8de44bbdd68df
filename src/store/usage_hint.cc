#include "store/usage_hint.h"

#include <charconv>
#include <fstream>
#include <string>
#include <system_error>

namespace sealmail::store {

std::filesystem::path usage_hint_path(const std::filesystem::path& mailbox_file) {
  return mailbox_file.string() + ".usage";
}

void write_usage_hint(const std::filesystem::path& mailbox_file, uint64_t bytes) {
  // Written beside, then renamed: a reader never sees half a number. No fsync: a hint lost in a
  // power cut only makes the next quota check less exact until the mailbox closes again.
  auto path = usage_hint_path(mailbox_file);
  auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return;
    out << bytes << '\n';
    if (!out) return;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
}

std::optional<uint64_t> read_usage_hint(const std::filesystem::path& mailbox_file) {
  std::ifstream in(usage_hint_path(mailbox_file));
  std::string text;
  if (!in || !std::getline(in, text)) return std::nullopt;
  uint64_t bytes = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), bytes);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return bytes;
}

}  // namespace sealmail::store
