#include "store/content.h"

#include <openssl/evp.h>
#include <zstd.h>

#include <stdexcept>

#include "mime/attachment_split.h"
#include "store/mailbox_impl.h"
#include "store/word_index.h"

namespace sealmail::store {

namespace {

constexpr int kZstdLevel = 3;

// One compression and one decompression context per thread, kept for the thread's life: the
// one-shot ZSTD_compress/ZSTD_decompress allocate and set up a fresh context on every call, which
// measured here as half the time of compressing or decompressing a 10 KB message (a POP3 RETR
// loop spent 15% of its time there).
struct ZstdContexts {
  ZSTD_CCtx* compress = ZSTD_createCCtx();
  ZSTD_DCtx* decompress = ZSTD_createDCtx();
  ZstdContexts() {
    if (compress == nullptr || decompress == nullptr) throw std::bad_alloc();
  }
  ~ZstdContexts() {
    ZSTD_freeCCtx(compress);
    ZSTD_freeDCtx(decompress);
  }
  ZstdContexts(const ZstdContexts&) = delete;
  ZstdContexts& operator=(const ZstdContexts&) = delete;
};

ZstdContexts& zstd_contexts() {
  thread_local ZstdContexts contexts;
  return contexts;
}

// Compresses when it saves at least an eighth; returns false (and leaves `out` empty) otherwise.
bool compress(std::string_view in, std::string& out) {
  out.resize(ZSTD_compressBound(in.size()));
  size_t n = ZSTD_compressCCtx(zstd_contexts().compress, out.data(), out.size(), in.data(), in.size(), kZstdLevel);
  if (ZSTD_isError(n) || n > in.size() - in.size() / 8) {
    out.clear();
    return false;
  }
  out.resize(n);
  return true;
}

std::string decompress(std::string_view in, size_t expected) {
  std::string out(expected, '\0');
  size_t n = ZSTD_decompressDCtx(zstd_contexts().decompress, out.data(), out.size(), in.data(), in.size());
  if (ZSTD_isError(n) || n != expected) fail(Errc::corrupt, "stored message does not decompress");
  return out;
}

std::string decompress_unknown(std::string_view in) {
  unsigned long long size = ZSTD_getFrameContentSize(in.data(), in.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (1ull << 31))
    fail(Errc::corrupt, "stored message has a bad compressed frame");
  return decompress(in, static_cast<size_t>(size));
}

}  // namespace

std::array<uint8_t, 32> sha256(std::string_view data) {
  std::array<uint8_t, 32> out{};
  unsigned len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

PreparedMessage prepare_message(std::string_view raw, const Options& options) {
  PreparedMessage m;
  m.size = raw.size();
  m.sha256 = sha256(raw);
  mime::AnalyzeOptions ao;
  ao.min_attachment_size = options.min_attachment_size;
  ao.search_text = false;  // indexed later (index_pending)
  m.info = mime::analyze(raw, ao);

  mime::SplitMessage split = mime::split(raw, m.info.attachments);
  // The split must give back the very same bytes; if it ever would not, keep the message whole.
  if (mime::join(split.skeleton, split.bodies) != raw) {
    split.skeleton.assign(raw);
    split.bodies.clear();
  }
  for (const auto& b : split.bodies) {
    PreparedAttachment a;
    a.sha256 = sha256(b.body);
    a.size = b.body.size();
    a.skeleton_offset = b.skeleton_offset;
    if (b.body.size() >= options.compress_threshold && compress(b.body, a.stored))
      a.compressed = true;
    else
      a.stored.assign(b.body);
    m.attachments.push_back(std::move(a));
  }
  if (split.skeleton.size() >= options.compress_threshold && compress(split.skeleton, m.skeleton)) {
    m.skeleton_compressed = true;
  } else {
    m.skeleton = std::move(split.skeleton);
  }
  return m;
}

int64_t insert_body(sql::Db& db, const PreparedMessage& m) {
  auto& body = db.cached(
      "INSERT INTO bodies(refcount, size, sha256, compressed, skeleton, envelope, bodystructure) "
      "VALUES (1, ?, ?, ?, ?, ?, ?)");
  body.bind(1, static_cast<int64_t>(m.size))
      .bind_blob(2, std::span<const uint8_t>(m.sha256))
      .bind(3, m.skeleton_compressed ? 1 : 0)
      .bind_blob(4, m.skeleton)
      .bind(5, std::string_view(m.info.imap_envelope))
      .bind(6, std::string_view(m.info.imap_bodystructure))
      .run();
  int64_t body_id = db.last_insert_rowid();
  db.cached("INSERT INTO pending_text(body_id) VALUES (?)").bind(1, body_id).run();

  int seq = 0;
  for (const auto& a : m.attachments) {
    auto& find = db.cached("UPDATE attachments SET refcount = refcount + 1 WHERE sha256 = ? RETURNING id");
    find.bind_blob(1, std::span<const uint8_t>(a.sha256));
    int64_t attachment_id;
    if (find.step()) {
      attachment_id = find.int64(0);
      find.reset();
    } else {
      auto& ins = db.cached("INSERT INTO attachments(sha256, refcount, size, compressed, data) VALUES (?, 1, ?, ?, ?)");
      ins.bind_blob(1, std::span<const uint8_t>(a.sha256))
          .bind(2, static_cast<int64_t>(a.size))
          .bind(3, a.compressed ? 1 : 0)
          .bind_blob(4, a.stored)
          .run();
      attachment_id = db.last_insert_rowid();
    }
    auto& part = db.cached("INSERT INTO body_parts(body_id, seq, skeleton_offset, attachment_id) VALUES (?, ?, ?, ?)");
    part.bind(1, body_id).bind(2, seq++).bind(3, static_cast<int64_t>(a.skeleton_offset)).bind(4, attachment_id).run();
  }

  return body_id;
}

size_t index_pending(sql::Db& db, size_t limit) {
  std::vector<int64_t> ids;
  auto list = db.prepare("SELECT body_id FROM pending_text ORDER BY body_id LIMIT ?");
  list.bind(1, limit == 0 ? INT64_MAX : static_cast<int64_t>(limit));
  while (list.step()) ids.push_back(list.int64(0));
  list = {};
  std::vector<std::pair<std::string, std::string>> texts;
  texts.reserve(ids.size());
  for (int64_t id : ids) {
    auto info = mime::analyze(load_message(db, id));
    texts.emplace_back(std::move(info.search_headers), std::move(info.search_body));
  }
  for (size_t i = 0; i < ids.size(); ++i) db.cached("DELETE FROM pending_text WHERE body_id = ?").bind(1, ids[i]).run();
  // FTS5 rows last (see content.h): the word index writes its vocabulary, then its FTS5 rows.
  std::vector<std::pair<int64_t, std::string_view>> bodies;
  bodies.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) bodies.emplace_back(ids[i], texts[i].second);
  add_to_word_index(db, bodies);
  for (size_t i = 0; i < ids.size(); ++i) {
    auto& text = db.cached("INSERT INTO message_text(rowid, headers, body) VALUES (?, ?, ?)");
    text.bind(1, ids[i]).bind(2, std::string_view(texts[i].first)).bind(3, std::string_view(texts[i].second)).run();
  }
  return ids.size();
}

std::string load_message(sql::Db& db, int64_t body_id) {
  auto& b = db.cached("SELECT compressed, skeleton, size FROM bodies WHERE id = ?");
  b.bind(1, body_id);
  if (!b.step()) fail(Errc::not_found, "message body missing");
  std::string skeleton = b.int64(0) != 0 ? decompress_unknown(b.blob(1)) : std::string(b.blob(1));
  auto size = static_cast<size_t>(b.int64(2));
  b.reset();

  auto& parts = db.cached(
      "SELECT p.skeleton_offset, a.compressed, a.data, a.size FROM body_parts p "
      "JOIN attachments a ON a.id = p.attachment_id WHERE p.body_id = ? ORDER BY p.seq");
  parts.bind(1, body_id);
  std::vector<std::string> datas;
  std::vector<size_t> offsets;
  while (parts.step()) {
    offsets.push_back(static_cast<size_t>(parts.int64(0)));
    auto asize = static_cast<size_t>(parts.int64(3));
    datas.push_back(parts.int64(1) != 0 ? decompress(parts.blob(2), asize) : std::string(parts.blob(2)));
  }
  parts.reset();
  if (datas.empty()) {
    if (skeleton.size() != size) fail(Errc::corrupt, "stored message has the wrong size");
    return skeleton;
  }
  std::vector<mime::SplicePoint> points;
  for (size_t i = 0; i < datas.size(); ++i) points.push_back({offsets[i], datas[i]});
  std::string out;
  try {
    out = mime::join(skeleton, points);
  } catch (const std::invalid_argument&) {
    fail(Errc::corrupt, "stored message parts are out of order");
  }
  if (out.size() != size) fail(Errc::corrupt, "stored message has the wrong size");
  return out;
}

void release_body(sql::Db& db, int64_t body_id) {
  auto& dec = db.cached("UPDATE bodies SET refcount = refcount - 1 WHERE id = ? RETURNING refcount");
  dec.bind(1, body_id);
  if (!dec.step()) return;
  int64_t left = dec.int64(0);
  dec.reset();
  if (left > 0) return;
  // One reference per body part (the same attachment may appear twice in one message).
  std::vector<int64_t> attachment_ids;
  auto& parts = db.cached("SELECT attachment_id FROM body_parts WHERE body_id = ?");
  parts.bind(1, body_id);
  while (parts.step()) attachment_ids.push_back(parts.int64(0));
  parts.reset();
  db.cached("DELETE FROM body_parts WHERE body_id = ?").bind(1, body_id).run();
  for (int64_t id : attachment_ids) {
    auto& a = db.cached("UPDATE attachments SET refcount = refcount - 1 WHERE id = ? RETURNING refcount");
    a.bind(1, id);
    bool gone = a.step() && a.int64(0) <= 0;
    a.reset();
    if (gone) db.cached("DELETE FROM attachments WHERE id = ?").bind(1, id).run();
  }
  db.cached("DELETE FROM pending_text WHERE body_id = ?").bind(1, body_id).run();
  db.cached("DELETE FROM message_text WHERE rowid = ?").bind(1, body_id).run();
  remove_from_word_index(db, body_id);
  db.cached("DELETE FROM bodies WHERE id = ?").bind(1, body_id).run();
}

}  // namespace sealmail::store
