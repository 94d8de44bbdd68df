// Hex encoding for ids, hashes and the raw key form that SQLite3 Multiple Ciphers takes.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sealmail {

std::string to_hex(std::span<const uint8_t> bytes);
// Writes the lowercase hex of `bytes` into `out`, which must hold 2 * bytes.size() chars.
void to_hex(std::span<const uint8_t> bytes, char* out);
std::optional<std::vector<uint8_t>> from_hex(std::string_view hex);

}  // namespace sealmail
