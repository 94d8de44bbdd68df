// The CLI's way to a running `sealmail serve` on the same data directory. Some commands must end an
// alias's IMAP and POP3 sessions first (a password change re-keys the mailbox, a removal deletes
// it), and only the server can end its own sessions: those commands ask it through its admin API,
// with the token from the data directory, and work on the files themselves when no server answers.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sealmail::admin {

struct ApiReply {
  int status = 0;
  nlohmann::json body;
};

// nullopt when no server runs on `data_dir` (serve_lock.h) or it has no admin listener; otherwise
// the server's answer, or why the call failed.
std::optional<Result<ApiReply>> call_running_server(const std::filesystem::path& data_dir, std::string_view method,
                                                    const std::string& target, const nlohmann::json& body);

// The API's error statuses back into the error codes the CLI reports (admin_api.cc maps them out).
Error api_error(const ApiReply& reply);

// An address as one path segment of the API (percent-encoded: '@', '+', '/' and anything unusual).
std::string path_segment(std::string_view text);

}  // namespace sealmail::admin
