#include "store/wal_capture.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "store/mailbox_impl.h"

namespace sealmail::store {

// SQLite's WAL format (https://sqlite.org/fileformat2.html#walformat): a 32-byte header (magic,
// version, page size, checkpoint sequence, salt-1, salt-2, checksums), then frames of a 24-byte
// header (page number, database size in pages after a commit or 0, salt-1, salt-2, checksums)
// and the page. All big-endian.
namespace {

constexpr size_t kWalHeader = 32;
constexpr size_t kFrameHeader = 24;

uint32_t be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool read_exact(int fd, void* buf, size_t n, off_t offset) {
  auto* p = static_cast<char*>(buf);
  while (n > 0) {
    ssize_t got = ::pread(fd, p, n, offset);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    p += got;
    n -= static_cast<size_t>(got);
    offset += got;
  }
  return true;
}

Status copy_file(const std::filesystem::path& from, const std::filesystem::path& to, uint64_t& bytes) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return make_error(Errc::io, "cannot read the mailbox file for a base copy");
  int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0) {
    ::close(in);
    return make_error(Errc::io, "cannot create the base copy");
  }
  std::string buf(1 << 20, '\0');
  Status st;
  bytes = 0;
  for (;;) {
    ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      st = make_error(Errc::io, "cannot read the mailbox file for a base copy");
      break;
    }
    if (n == 0) break;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(out, buf.data() + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        st = make_error(Errc::io, "cannot write the base copy");
        break;
      }
      done += w;
    }
    if (!st) break;
    bytes += static_cast<uint64_t>(n);
  }
  ::close(in);
  if (::close(out) != 0 && st) st = make_error(Errc::io, "cannot write the base copy");
  return st;
}

}  // namespace

struct Mailbox::Impl::WalCaptureState {
  WalSink sink;
  size_t max_commit_bytes = 0;
  uint32_t page_size = 0;
  int wal_fd = -1;
  bool have_salts = false;
  uint32_t salt1 = 0, salt2 = 0;
  uint32_t next_frame = 1;  // the first frame not yet handed to the sink
  int64_t last_ms = 0;

  ~WalCaptureState() {
    if (wal_fd >= 0) ::close(wal_fd);
  }
};

// Called with the write lock held (the writer's WAL hook), right after a commit that left
// `frames` frames in the log.
void capture_wal_commit(Mailbox::Impl& impl, int frames) {
  auto* c = impl.wal_capture.get();
  if (c == nullptr) return;
  auto stop = [&] {
    impl.wal_capturing = false;
    impl.wal_capture.reset();
  };
  if (c->wal_fd < 0) {
    c->wal_fd = ::open(sibling(impl.path, "-wal").c_str(), O_RDONLY | O_CLOEXEC);
    if (c->wal_fd < 0) return stop();
  }
  unsigned char header[kWalHeader];
  if (!read_exact(c->wal_fd, header, sizeof header, 0)) return stop();
  uint32_t magic = be32(header);
  if ((magic != 0x377f0682 && magic != 0x377f0683) || be32(header + 8) != c->page_size) return stop();
  uint32_t s1 = be32(header + 16), s2 = be32(header + 20);
  if (!c->have_salts || s1 != c->salt1 || s2 != c->salt2) {
    // The writer restarted the log, which it does only once every frame was copied into the file:
    // the new log starts at frame 1 with salt-1 one higher. Two restarts since the last commit we
    // saw mean another process wrote in between, and its commits are lost to us.
    if (c->have_salts && s1 != c->salt1 + 1) return stop();
    c->have_salts = true;
    c->salt1 = s1;
    c->salt2 = s2;
    c->next_frame = 1;
  }
  if (frames < 0 || static_cast<uint32_t>(frames) + 1 < c->next_frame) return stop();
  if (static_cast<uint32_t>(frames) + 1 == c->next_frame) return;  // nothing new
  size_t frame_size = kFrameHeader + c->page_size;
  size_t count = static_cast<uint32_t>(frames) + 1 - c->next_frame;
  if (count > c->max_commit_bytes / frame_size) return stop();
  WalCommit commit;
  commit.page_size = c->page_size;
  commit.frames.resize(count * frame_size);
  off_t offset = static_cast<off_t>(kWalHeader + (c->next_frame - 1) * frame_size);
  if (!read_exact(c->wal_fd, commit.frames.data(), commit.frames.size(), offset)) return stop();
  for (size_t i = 0; i < count; ++i) {
    auto* f = reinterpret_cast<const unsigned char*>(commit.frames.data()) + i * frame_size;
    if (be32(f) == 0 || be32(f + 8) != s1 || be32(f + 12) != s2) return stop();
    if (i + 1 == count && be32(f + 4) == 0) return stop();  // the last frame must be a commit frame
  }
  commit.unix_ms = std::max(now_ms(), c->last_ms);
  c->last_ms = commit.unix_ms;
  c->next_frame = static_cast<uint32_t>(frames) + 1;
  if (!c->sink(std::move(commit))) return stop();
}

Result<WalBase> start_wal_capture(Mailbox& mailbox, const std::filesystem::path& dest, WalSink sink,
                                  size_t max_commit_bytes) {
  auto* impl = &impl_of(mailbox);
  return guarded<Result<WalBase>>([&]() -> Result<WalBase> {
    std::lock_guard lock(impl->write_mutex);
    if (impl->wal_capture) return make_error(Errc::already_exists, "the log is captured already");
    auto held = impl->checkpoints->hold();  // no background checkpoint writes the file meanwhile
    int log = -1, copied = -1;
    int rc = sqlite3_wal_checkpoint_v2(impl->writer.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    // A reader still inside an older snapshot keeps some frames out of the file.
    if (rc != SQLITE_OK || log < 0 || copied != log)
      return make_error(Errc::busy, "a reader kept the checkpoint from finishing");
    auto state = std::make_shared<Mailbox::Impl::WalCaptureState>();
    state->sink = std::move(sink);
    state->max_commit_bytes = max_commit_bytes;
    {
      auto s = impl->writer.prepare("PRAGMA page_size");
      s.step();
      state->page_size = static_cast<uint32_t>(s.int64(0));
    }
    state->next_frame = static_cast<uint32_t>(log) + 1;
    if (log > 0) {
      // Later frames of this log carry its salts; the next restart shows as new ones.
      state->wal_fd = ::open(sibling(impl->path, "-wal").c_str(), O_RDONLY | O_CLOEXEC);
      unsigned char header[kWalHeader];
      if (state->wal_fd < 0 || !read_exact(state->wal_fd, header, sizeof header, 0))
        return make_error(Errc::io, "cannot read the mailbox's log");
      state->have_salts = true;
      state->salt1 = be32(header + 16);
      state->salt2 = be32(header + 20);
    }
    WalBase base;
    base.page_size = state->page_size;
    base.unix_ms = now_ms();
    state->last_ms = base.unix_ms;
    SEALMAIL_TRY(copy_file(impl->path, dest, base.bytes));
    impl->wal_capture = std::move(state);
    impl->wal_capturing = true;
    return base;
  });
}

void stop_wal_capture(Mailbox& mailbox) {
  auto* impl = &impl_of(mailbox);
  std::lock_guard lock(impl->write_mutex);
  impl->wal_capturing = false;
  impl->wal_capture.reset();
}

bool wal_capture_active(const Mailbox& mailbox) { return impl_of(mailbox).wal_capturing.load(); }

}  // namespace sealmail::store
