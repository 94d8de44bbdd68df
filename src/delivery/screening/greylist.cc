#include "delivery/screening/greylist.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstring>

#include "core/ascii.h"
#include "core/wipe.h"

namespace sealmail::delivery::screening {

Result<std::unique_ptr<Greylist>> Greylist::open(const std::filesystem::path& file, std::string secret) {
  if (secret.size() < 16) return make_error(Errc::invalid_argument, "greylist: the secret is too short");
  std::unique_ptr<Greylist> g(new Greylist());
  try {
    g->db_ = sql::Db::open(file, true);
    g->db_.exec("PRAGMA journal_mode=WAL");
    g->db_.exec("PRAGMA synchronous=NORMAL");
    g->db_.exec("PRAGMA busy_timeout=5000");
    g->db_.exec(
        "CREATE TABLE IF NOT EXISTS triplets (key BLOB PRIMARY KEY, first_seen INTEGER NOT NULL, "
        "last_seen INTEGER NOT NULL, passed INTEGER NOT NULL) WITHOUT ROWID");
    g->db_.exec("CREATE INDEX IF NOT EXISTS triplets_last_seen ON triplets(last_seen)");
  } catch (const sql::Error& e) {
    return make_error(Errc::io, "greylist: " + e.message);
  }
  g->secret_ = std::move(secret);
  return g;
}

Greylist::~Greylist() { sasl::wipe(secret_); }

std::string Greylist::network_of(std::string_view client_ip) {
  if (client_ip.empty() || client_ip.size() > 45) return {};
  std::string s(client_ip);
  in_addr v4{};
  std::array<uint8_t, 16> v6{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    uint32_t a = ntohl(v4.s_addr) & 0xffffff00u;
    return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 0xff) + "." + std::to_string((a >> 8) & 0xff) +
           ".0/24";
  }
  if (inet_pton(AF_INET6, s.c_str(), v6.data()) != 1) return {};
  static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(v6.data(), mapped, 12) == 0)
    return std::to_string(v6[12]) + "." + std::to_string(v6[13]) + "." + std::to_string(v6[14]) + ".0/24";
  std::fill(v6.begin() + 8, v6.end(), 0);
  char text[INET6_ADDRSTRLEN];
  if (!inet_ntop(AF_INET6, v6.data(), text, sizeof text)) return {};
  return std::string(text) + "/64";
}

std::string Greylist::key_of(std::string_view network, std::string_view sender, std::string_view recipient) const {
  // Addresses compared without case (a retry may spell them otherwise); NULs separate the parts.
  std::string triplet = std::string(network) + '\0' + lower(sender) + '\0' + lower(recipient);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()), reinterpret_cast<const uint8_t*>(triplet.data()),
       triplet.size(), mac, &len);
  sasl::wipe(triplet);
  return std::string(reinterpret_cast<const char*>(mac), len);
}

Result<GreylistAnswer> Greylist::check(std::string_view client_ip, std::string_view sender, std::string_view recipient,
                                       int64_t now, const GreylistTimes& times) {
  std::string network = network_of(client_ip);
  if (network.empty()) return make_error(Errc::invalid_argument, "greylist: not an IP address");
  std::string key = key_of(network, sender, recipient);
  std::lock_guard lock(mutex_);
  try {
    return sql::transaction(db_, [&]() -> Result<GreylistAnswer> {
      // Now and then, forget what is past its age (postgrey's maintenance, without a timer).
      if (++checks_ % 1000 == 1)
        db_.query("DELETE FROM triplets WHERE last_seen < ?")->bind(1, now - times.max_age).run();
      auto q = db_.query("SELECT first_seen, last_seen, passed FROM triplets WHERE key = ?");
      q->bind_blob(1, std::string_view(key));
      bool found = q->step();
      int64_t first = found ? q->int64(0) : 0, last = found ? q->int64(1) : 0;
      bool passed = found && q->int64(2) != 0;
      q->reset();
      bool fresh = !found || (passed && now - last > times.max_age) || (!passed && now - first > times.retry_window);
      if (fresh) {
        db_.query("INSERT OR REPLACE INTO triplets (key, first_seen, last_seen, passed) VALUES (?, ?, ?, 0)")
            ->bind_blob(1, std::string_view(key))
            .bind(2, now)
            .bind(3, now)
            .run();
        return GreylistAnswer{GreylistVerdict::wait, times.delay};
      }
      if (!passed && now - first < times.delay) {
        db_.query("UPDATE triplets SET last_seen = ? WHERE key = ?")
            ->bind(1, now)
            .bind_blob(2, std::string_view(key))
            .run();
        return GreylistAnswer{GreylistVerdict::wait, times.delay - (now - first)};
      }
      db_.query("UPDATE triplets SET last_seen = ?, passed = 1 WHERE key = ?")
          ->bind(1, now)
          .bind_blob(2, std::string_view(key))
          .run();
      return GreylistAnswer{GreylistVerdict::pass, 0};
    });
  } catch (const sql::Error& e) {
    return make_error(Errc::io, "greylist: " + e.message);
  }
}

size_t Greylist::size() {
  std::lock_guard lock(mutex_);
  try {
    auto q = db_.query("SELECT count(*) FROM triplets");
    return q->step() ? static_cast<size_t>(q->int64(0)) : 0;
  } catch (const sql::Error&) {
    return 0;
  }
}

}  // namespace sealmail::delivery::screening
