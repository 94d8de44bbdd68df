// `sealmail queue list|show|retry|delete|inject|history`: the outbound queue (delivery/queue_store.h)
// and its history of finished entries (delivery/queue_history.h) from the command line, on the same
// data directory as a running server. list, show and history read the encrypted entries with the
// queue key; retry leaves a marker the server picks up within a second; delete removes the entry's
// files (a delivery in progress then finds it gone and does not write it back), or a history
// record with its message.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "delivery/queue_history.h"
#include "delivery/queue_store.h"

namespace sealmail::admin {

void add_queue_commands(CLI::App& app, std::string& data_dir, int& exit_code);

// The queue store of a data directory (its key made if missing), for the CLI and the admin API.
Result<std::shared_ptr<delivery::QueueStore>> open_queue(const std::filesystem::path& data_dir);

// The queue history of a data directory, under the same key.
Result<std::shared_ptr<delivery::QueueHistory>> open_queue_history(const std::filesystem::path& data_dir);

// One retired entry as JSON (`queue history --json`, GET /api/queue/history[/<id>]).
nlohmann::json retired_entry_json(const delivery::RetiredEntry& retired, bool recipients);

// One entry as JSON (what `queue show --json` and GET /api/queue/<id> answer); with
// `recipients` false, only the counts (the listing).
nlohmann::json queue_entry_json(const delivery::QueueEntry& entry, bool recipients);

}  // namespace sealmail::admin
