// File system steps that durability depends on: fsync of files and of the directory that holds a
// renamed file, so that a crash after a rename never leaves the old name pointing nowhere.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sealmail::fs {

Status fsync_file(const std::filesystem::path& path);
Status fsync_directory(const std::filesystem::path& dir);
// rename(2) then fsync of the parent directory.
Status durable_rename(const std::filesystem::path& from, const std::filesystem::path& to);
Result<std::string> read_file(const std::filesystem::path& path);
// Writes to a temporary name beside `path`, fsyncs, renames over `path`, fsyncs the directory.
Status write_file_durably(const std::filesystem::path& path, std::string_view content, int mode = 0600);
// Removes a file if it exists; a missing file is not an error.
Status remove_if_exists(const std::filesystem::path& path);
Result<std::string> sha256_file_hex(const std::filesystem::path& path);

}  // namespace sealmail::fs
