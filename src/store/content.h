// How a message's bytes are kept (src/store internal): a skeleton (the message with large
// attachment bodies cut out) and the attachment bodies, each stored once per SHA-256 with a
// reference count; either may be zstd-compressed (flag column). The heavy work (MIME parse,
// split, hashing, compression) happens in prepare_message(), outside the write lock.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "mime/message_info.h"
#include "store/mailbox.h"
#include "store/sqlite.h"

namespace sealmail::store {

struct PreparedAttachment {
  std::array<uint8_t, 32> sha256;
  size_t size = 0;  // original length
  size_t skeleton_offset = 0;
  std::string stored;  // compressed or original bytes
  bool compressed = false;
};

struct PreparedMessage {
  std::array<uint8_t, 32> sha256;
  size_t size = 0;
  mime::MessageInfo info;
  std::string skeleton;  // compressed or original
  bool skeleton_compressed = false;
  std::vector<PreparedAttachment> attachments;
};

PreparedMessage prepare_message(std::string_view raw, const Options& options);
// Inserts the body and new attachments; returns the body id.
int64_t insert_body(sql::Db& db, const PreparedMessage& message);
// The full-text index is filled lazily, as Dovecot does: an append only records the body in
// pending_text (tokenizing 4 KB into trigrams was 40% of an append's instructions); searches that
// need text, the server when idle, and imports when done call index_pending(). Within one
// transaction, index after every other write: a statement that opens a savepoint (UPDATE ...
// RETURNING, foreign-key checks) makes FTS5 flush its pending terms to a new segment.
// Indexes up to `limit` pending bodies (0: all) inside the caller's transaction; returns how many.
size_t index_pending(sql::Db& db, size_t limit);
std::string load_message(sql::Db& db, int64_t body_id);
void release_body(sql::Db& db, int64_t body_id);

std::array<uint8_t, 32> sha256(std::string_view data);

}  // namespace sealmail::store
