#include "crypto/mailbox_key.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/hex.h"

namespace sealmail::crypto {

MailboxKey MailboxKey::derive(const SecretBuffer& password, const Salt& salt) {
  SecretBuffer key(kMailboxKeySize);
  if (PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(password.data()), static_cast<int>(password.size()), salt.data(),
                        static_cast<int>(salt.size()), kMailboxKdfIterations, EVP_sha256(),
                        static_cast<int>(kMailboxKeySize), key.data()) != 1)
    throw std::runtime_error("PBKDF2 failed");
  return MailboxKey(std::move(key), salt);
}

MailboxKey MailboxKey::clone() const { return MailboxKey(key_.clone(), salt_); }

SecretBuffer MailboxKey::raw_key_string() const {
  SecretBuffer out(4 + 2 * kMailboxKeySize + 2 * kMailboxSaltSize);
  std::memcpy(out.data(), "raw:", 4);
  to_hex(key_.bytes(), reinterpret_cast<char*>(out.data()) + 4);
  to_hex(salt_, reinterpret_cast<char*>(out.data()) + 4 + 2 * kMailboxKeySize);
  return out;
}

Salt random_salt() {
  Salt s;
  random_bytes(s);
  return s;
}

Result<Salt> read_salt(const std::filesystem::path& database_file) {
  int fd = ::open(database_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return make_error(Errc::not_found, "no mailbox file " + database_file.filename().string());
    return make_error(Errc::io, "open " + database_file.filename().string() + ": " + std::strerror(errno));
  }
  Salt s{};
  ssize_t n = ::pread(fd, s.data(), s.size(), 0);
  ::close(fd);
  if (n != static_cast<ssize_t>(s.size()))
    return make_error(Errc::wrong_password, "wrong password or not a sealmail mailbox");
  return s;
}

}  // namespace sealmail::crypto
