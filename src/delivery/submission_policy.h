// What submission (RFC 6409) checks and adds before a message leaves: pure functions over the
// directory and the message bytes, apart from the SMTP session and the queue so that unit tests
// reach them directly.
//
// - Who may send as what (issue 8): an alias may use as envelope sender and in From its own
//   address, and any address of a domain that its own domain's account owns (the owner of a
//   domain may send as any of its addresses, as Forward Email lets a domain's admins). Nothing else:
//   550 5.7.1 (RFC 6409 §6.1 lets the MSA refuse a sender the submitter may not use).
// - What is completed (RFC 6409 §8.1, §8.3): Date and Message-ID when the message lacks them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/ascii.h"
#include "core/result.h"
#include "directory/directory.h"

namespace sealmail::delivery {

// May `alias` send as `address`? Blocking (directory lookups); errors are the directory's.
Result<bool> may_send_as(directory::Directory& directory, const directory::Alias& alias, std::string_view address);

// The header fields to put in front of `message` for what it lacks: "Date: ...\r\n" (RFC 5322
// §3.6.1, at `unix_time`) and "Message-ID: <random@id_domain>\r\n" (§3.6.4). Empty when both are there.
std::string missing_headers(std::string_view message, std::string_view id_domain, int64_t unix_time);

}  // namespace sealmail::delivery
