#include "delivery/submission_policy.h"

#include <array>

#include "core/ascii.h"
#include "core/hex.h"
#include "core/time.h"
#include "crypto/secret.h"
#include "mime/header_fields.h"

namespace sealmail::delivery {

Result<bool> may_send_as(directory::Directory& directory, const directory::Alias& alias, std::string_view address) {
  if (address.empty()) return false;
  if (lower(address) == lower(alias.address)) return true;
  std::string domain = domain_of(address);
  if (domain.empty() || address.rfind('@') == 0) return false;
  auto target = directory.find_domain(domain);
  if (!target) {
    if (target.error().code == Errc::not_found) return false;
    return target.error();
  }
  auto own = directory.get_domain(alias.domain_id);
  if (!own) return own.error();
  return target->account_id == own->account_id;
}

std::string missing_headers(std::string_view message, std::string_view id_domain, int64_t unix_time) {
  std::string out;
  if (mime::header_field_values(message, "Date").empty()) out += "Date: " + rfc5322_date(unix_time) + "\r\n";
  if (mime::header_field_values(message, "Message-ID").empty()) {
    std::array<uint8_t, 16> random{};
    crypto::random_bytes(random);
    out += "Message-ID: <" + to_hex(random) + "@" + std::string(id_domain) + ">\r\n";
  }
  return out;
}

}  // namespace sealmail::delivery
