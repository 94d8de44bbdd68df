// THREAD (RFC 5256 §4): ORDEREDSUBJECT and REFERENCES over the fields the store keeps (subject,
// sent date, Message-ID, In-Reply-To, References), and the base subject (§2.1) they group by.
// No I/O and no SQLite: pure functions, unit-tested on their own.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mime/base_subject.h"
#include "store/types.h"

namespace sealmail::imap {

// RFC 5256 §2.1 (shared with the store's SORT SUBJECT, hence in src/mime).
using mime::base_subject;

// The THREAD response's data: "(1 2)(3 (4)(5))". `messages` are sorted by UID; `number` maps a
// UID to what the client sees (its message number, or the UID itself for UID THREAD).
std::string thread_orderedsubject(const std::vector<store::ThreadFields>& messages,
                                  const std::function<uint32_t(uint32_t)>& number);
std::string thread_references(const std::vector<store::ThreadFields>& messages,
                              const std::function<uint32_t(uint32_t)>& number);

}  // namespace sealmail::imap
