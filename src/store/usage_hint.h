// How many bytes of messages a mailbox holds, readable without its key: the MX checks quotas while
// the owner is away, when the encrypted file cannot be opened (issue 6). A small file beside the
// mailbox (`<id>.sqlite.usage`, decimal), written when the mailbox closes. It tells no more than
// the encrypted file's own size does. Best effort: a missing or unreadable hint reads as none, a
// stale one (after a crash) is corrected at the next close.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

namespace sealmail::store {

std::filesystem::path usage_hint_path(const std::filesystem::path& mailbox_file);
void write_usage_hint(const std::filesystem::path& mailbox_file, uint64_t bytes);
std::optional<uint64_t> read_usage_hint(const std::filesystem::path& mailbox_file);

}  // namespace sealmail::store
