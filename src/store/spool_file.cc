#include "store/spool_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "crypto/sealed_stream.h"
#include "store/spool.h"

namespace sealmail::store::spool_file {

namespace {

constexpr size_t kHeaderBytes = 16;
constexpr char kMagic[7] = {'S', 'M', 'S', 'P', 'O', 'O', 'L'};
constexpr uint8_t kVersion = 1;
constexpr uint8_t kModeBox = 1;
constexpr uint8_t kModeStream = 2;
constexpr size_t kSealBytes = 48;                                   // crypto_box_SEALBYTES
constexpr size_t kKeyBlockBytes = crypto::kStreamKeyBytes + 8 + 8;  // key, internal date, size
// A mode-1 file is written only for small messages; anything far larger is not ours to read.
constexpr uint64_t kBoxFileLimit = 16ull << 20;
constexpr size_t kChunk = Spool::kChunkBytes;

std::array<uint8_t, kHeaderBytes> header(uint8_t mode) {
  std::array<uint8_t, kHeaderBytes> h{};
  std::memcpy(h.data(), kMagic, sizeof kMagic);
  h[7] = kVersion;
  h[8] = mode;
  return h;
}

void put_u64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint64_t get_u64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

Error io_error(const char* what, int err) {
  return make_error(Errc::io, std::string(what) + ": " + std::strerror(err));
}

Status write_all(int fd, const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("write spool entry", errno);
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  return {};
}

// Reads exactly `size` bytes; false at a premature end of file.
Result<bool> read_all(int fd, void* data, size_t size) {
  auto* p = static_cast<uint8_t*>(data);
  while (size > 0) {
    ssize_t n = ::read(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("read spool entry", errno);
    }
    if (n == 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

Error corrupt(const std::string& name, const std::string& why) {
  return make_error(Errc::corrupt, "spool entry " + name + ": " + why);
}

uint64_t chunk_count(uint64_t size) { return size == 0 ? 1 : (size + kChunk - 1) / kChunk; }

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Status write_box(int fd, const std::array<uint8_t, 32>& public_key, std::string_view message, int64_t internal_date) {
  auto h = header(kModeBox);
  // message || date in one buffer: crypto_box_seal takes one plaintext. Small by construction.
  std::string plain;
  plain.reserve(message.size() + 8);
  plain.append(message);
  plain.resize(message.size() + 8);
  put_u64(reinterpret_cast<uint8_t*>(plain.data()) + message.size(), static_cast<uint64_t>(internal_date));
  std::string sealed = crypto::seal(plain, public_key);
  crypto::wipe(plain.data(), plain.size());
  SEALMAIL_TRY(write_all(fd, h.data(), h.size()));
  return write_all(fd, sealed.data(), sealed.size());
}

Status write_stream(int fd, const std::array<uint8_t, 32>& public_key, std::string_view message,
                    int64_t internal_date) {
  auto h = header(kModeStream);
  crypto::StreamEncryptor stream;
  crypto::SecretBuffer block(kKeyBlockBytes);
  std::memcpy(block.data(), stream.key().data(), crypto::kStreamKeyBytes);
  put_u64(block.data() + crypto::kStreamKeyBytes, static_cast<uint64_t>(internal_date));
  put_u64(block.data() + crypto::kStreamKeyBytes + 8, message.size());
  std::string sealed_block = crypto::seal(block.view(), public_key);
  SEALMAIL_TRY(write_all(fd, h.data(), h.size()));
  SEALMAIL_TRY(write_all(fd, sealed_block.data(), sealed_block.size()));
  SEALMAIL_TRY(write_all(fd, stream.header().data(), stream.header().size()));
  std::vector<uint8_t> out(kChunk + crypto::kStreamChunkOverhead);
  const auto* in = reinterpret_cast<const uint8_t*>(message.data());
  const uint64_t chunks = chunk_count(message.size());
  for (uint64_t i = 0; i < chunks; ++i) {
    size_t offset = static_cast<size_t>(i * kChunk);
    size_t n = std::min(kChunk, message.size() - offset);
    std::span<const uint8_t> ad;
    if (i == 0) ad = h;
    stream.push({in + offset, n}, out, i + 1 == chunks, ad);
    SEALMAIL_TRY(write_all(fd, out.data(), n + crypto::kStreamChunkOverhead));
  }
  return {};
}

Result<Opened> read_box(int fd, uint64_t file_size, const std::string& name, const crypto::BoxKeyPair& keys) {
  if (file_size < kHeaderBytes + kSealBytes + 8) return corrupt(name, "truncated");
  if (file_size > kBoxFileLimit) return corrupt(name, "too large for a sealed-box entry");
  std::string sealed(file_size - kHeaderBytes, '\0');
  auto got = read_all(fd, sealed.data(), sealed.size());
  if (!got) return got.error();
  if (!*got) return corrupt(name, "truncated");
  auto plain = crypto::unseal(sealed, keys);
  if (!plain) return corrupt(name, "does not open with this mailbox's key (damaged, or sealed to another key)");
  Opened out;
  auto* tail = reinterpret_cast<uint8_t*>(plain->data()) + plain->size() - 8;
  out.internal_date = static_cast<int64_t>(get_u64(tail));
  crypto::wipe(tail, 8);
  plain->resize(plain->size() - 8);
  out.message = std::move(*plain);
  return out;
}

Result<Opened> read_stream(int fd, uint64_t file_size, const std::string& name, const crypto::BoxKeyPair& keys,
                           const std::array<uint8_t, kHeaderBytes>& h) {
  constexpr size_t kFixed = kHeaderBytes + kSealBytes + kKeyBlockBytes + crypto::kStreamHeaderBytes;
  if (file_size < kFixed + crypto::kStreamChunkOverhead) return corrupt(name, "truncated");
  std::string sealed_block(kSealBytes + kKeyBlockBytes, '\0');
  std::array<uint8_t, crypto::kStreamHeaderBytes> stream_header{};
  auto got = read_all(fd, sealed_block.data(), sealed_block.size());
  if (got && *got) got = read_all(fd, stream_header.data(), stream_header.size());
  if (!got) return got.error();
  if (!*got) return corrupt(name, "truncated");
  auto block = crypto::unseal_secret(sealed_block, keys);
  if (!block || block->size() != kKeyBlockBytes)
    return corrupt(name, "does not open with this mailbox's key (damaged, or sealed to another key)");
  Opened out;
  out.internal_date = static_cast<int64_t>(get_u64(block->data() + crypto::kStreamKeyBytes));
  const uint64_t size = get_u64(block->data() + crypto::kStreamKeyBytes + 8);
  // The sealed size says exactly how long the file must be: a shorter one lost its end.
  const uint64_t chunks = chunk_count(size);
  if (size > (1ull << 40) || file_size != kFixed + size + chunks * crypto::kStreamChunkOverhead)
    return corrupt(name, "truncated or extended (" + std::to_string(file_size) + " bytes on disk, " +
                             std::to_string(kFixed + size + chunks * crypto::kStreamChunkOverhead) + " expected)");
  auto key = crypto::SecretBuffer::from(block->view().substr(0, crypto::kStreamKeyBytes));
  auto stream = crypto::StreamDecryptor::create(key, stream_header);
  if (!stream) return corrupt(name, stream.error().message);
  out.message.resize(static_cast<size_t>(size));
  std::vector<uint8_t> in(kChunk + crypto::kStreamChunkOverhead);
  auto* dst = reinterpret_cast<uint8_t*>(out.message.data());
  for (uint64_t i = 0; i < chunks; ++i) {
    size_t offset = static_cast<size_t>(i * kChunk);
    size_t n = std::min<size_t>(kChunk, static_cast<size_t>(size) - offset);
    auto read = read_all(fd, in.data(), n + crypto::kStreamChunkOverhead);
    if (!read) return read.error();
    if (!*read) return corrupt(name, "truncated");
    std::span<const uint8_t> ad;
    if (i == 0) ad = h;
    auto final = stream->pull({in.data(), n + crypto::kStreamChunkOverhead}, {dst + offset, n}, ad);
    if (!final) {
      crypto::wipe(out.message.data(), out.message.size());
      return corrupt(name, "chunk " + std::to_string(i) + " " + final.error().message);
    }
    if (*final != (i + 1 == chunks)) {
      crypto::wipe(out.message.data(), out.message.size());
      return corrupt(name, "the final chunk is not where the sealed size says (truncated or spliced)");
    }
  }
  return out;
}

}  // namespace

Status write(int fd, const std::array<uint8_t, 32>& public_key, std::string_view message, int64_t internal_date) {
  if (message.size() <= Spool::kBoxMaxBytes) return write_box(fd, public_key, message, internal_date);
  return write_stream(fd, public_key, message, internal_date);
}

Result<Opened> read(const std::filesystem::path& path, const crypto::BoxKeyPair& keys) {
  const std::string name = path.filename().string();
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return io_error(("open spool entry " + name).c_str(), errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return io_error("stat spool entry", errno);
  const auto file_size = static_cast<uint64_t>(st.st_size);
  std::array<uint8_t, kHeaderBytes> h{};
  auto got = read_all(fd.get(), h.data(), h.size());
  if (!got) return got.error();
  if (!*got || std::memcmp(h.data(), kMagic, sizeof kMagic) != 0) return corrupt(name, "not a sealmail spool file");
  if (h[7] != kVersion)
    return corrupt(name, "spool format version " + std::to_string(h[7]) + " is unknown to this sealmail");
  if (h[8] == kModeBox) return read_box(fd.get(), file_size, name, keys);
  if (h[8] == kModeStream) return read_stream(fd.get(), file_size, name, keys, h);
  return corrupt(name, "unknown mode " + std::to_string(h[8]));
}

}  // namespace sealmail::store::spool_file
