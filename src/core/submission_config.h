// The [submission] table of config.toml (issue 8), kept apart from Config so that the settings of
// one listener family do not make every file that includes config.h depend on them:
//
//   [submission]
//   messages_per_hour = 300      # per address, over the last hour; past it 450 4.7.1
//   recipients_per_hour = 1000   # the same for recipients
//   save_sent_copies = false     # a copy of what is sent in the sender's Sent folder
//
// load_config() checks the table too, so a bad key stops `serve` at start with one clear line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "core/result.h"

namespace sealmail {

struct SubmissionSettings {
  uint32_t messages_per_hour = 300;
  uint32_t recipients_per_hour = 1000;
  // Most clients save sent mail over IMAP themselves: off by default. On, a submission login
  // opens the sender's mailbox (as an IMAP login does) so that the copy can be appended.
  bool save_sent_copies = false;
};

// The settings from `file` (defaults when there is none, or no [submission] table).
Result<SubmissionSettings> load_submission_settings(const std::optional<std::filesystem::path>& file);

}  // namespace sealmail
