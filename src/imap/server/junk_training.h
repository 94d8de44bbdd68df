// Training the owner's junk classifier from what the owner does over IMAP (issue 9): moving or
// copying mail into the Junk folder (special-use \Junk, RFC 6154) teaches "junk", out of it into
// any folder but Trash teaches "not junk"; setting the keyword $Junk or $NotJunk (as Thunderbird
// and Apple Mail do) teaches the same. The store keeps only token hashes and counts, inside the
// encrypted mailbox (Mailbox::train_junk); the message text is read and dropped.
//
// Training runs in the command's blocking step, on the worker pool, after the change is
// committed: it never fails the command (a failure is logged with its error only). At most
// kMaxTrained messages per command are read, so that moving a whole folder stays quick.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "store/mailbox.h"

namespace sealmail::imap {

enum class JunkTraining { none, junk, not_junk };

inline constexpr size_t kMaxTrained = 500;

// COPY or MOVE from a folder with special-use `from_use` to one with `to_use`.
JunkTraining training_for_copy(std::string_view from_use, std::string_view to_use);
// STORE of flags: $Junk set teaches junk, $NotJunk set teaches not junk (removing either teaches
// nothing; both at once teach nothing).
JunkTraining training_for_flags(store::FlagMode mode, const store::Flags& flags);

// Blocking. `uids` of `folder`, at most kMaxTrained of them (the first).
void train(store::Mailbox& mailbox, std::string_view folder, const std::vector<uint32_t>& uids, JunkTraining how);

}  // namespace sealmail::imap
