// `sealmail spam` (issue 9): the server's junk classifier model (delivery/filters/spam_filter.h),
// kept in <data_dir>/spam/model as token hashes and counts.
//
//   sealmail spam train --spam DIR|MBOX --ham DIR|MBOX [--adult DIR|MBOX] [--reset]
//   sealmail spam status
//
// A DIR holds one message per file (a Maildir's cur/ and new/, or any folder of .eml files;
// subfolders are read too); anything else is read as an mbox. Training adds to the model already
// there unless --reset. A running server picks the new model up at its next message (the file is
// replaced by a rename).
#pragma once

#include <CLI/CLI.hpp>

namespace sealmail::admin {

void add_spam_commands(CLI::App& app, std::string& data_dir, int& exit_code);

}  // namespace sealmail::admin
