#include "core/sasl_plain.h"

#include <algorithm>
#include <optional>

#include "core/base64.h"
#include "core/utf8.h"
#include "core/wipe.h"

namespace sealmail::sasl {
namespace {

constexpr size_t kMaxField = 255;

// Wipes the decoded bytes however the function returns.
struct WipeOnExit {
  std::string& s;
  ~WipeOnExit() { wipe(s); }
};

std::string secret_copy(std::string_view bytes) {
  std::string out;
  out.reserve(std::max<size_t>(64, bytes.size()));  // on the heap, see command.h on secrets
  out.assign(bytes);
  return out;
}

Error invalid(std::string message) { return make_error(Errc::invalid_argument, std::move(message)); }

}  // namespace

void PlainCredentials::wipe() {
  sasl::wipe(authzid);
  sasl::wipe(authcid);
  sasl::wipe(password);
}

Result<PlainCredentials> decode_sasl_plain(std::string_view base64) {
  std::optional<std::string> decoded = base64_decode(base64);
  if (!decoded) return invalid("SASL PLAIN response is not valid base64");
  WipeOnExit guard{*decoded};
  std::string_view message = *decoded;

  size_t nul1 = message.find('\0');
  size_t nul2 = nul1 == std::string_view::npos ? nul1 : message.find('\0', nul1 + 1);
  if (nul2 == std::string_view::npos || message.find('\0', nul2 + 1) != std::string_view::npos)
    return invalid("SASL PLAIN response must be authzid NUL authcid NUL password");
  std::string_view authzid = message.substr(0, nul1);
  std::string_view authcid = message.substr(nul1 + 1, nul2 - nul1 - 1);
  std::string_view password = message.substr(nul2 + 1);

  if (authcid.empty()) return invalid("SASL PLAIN user name is empty");
  if (password.empty()) return invalid("SASL PLAIN password is empty");
  if (authzid.size() > kMaxField || authcid.size() > kMaxField || password.size() > kMaxField)
    return invalid("SASL PLAIN field longer than 255 octets");
  if (!valid_utf8(authzid) || !valid_utf8(authcid) || !valid_utf8(password))
    return invalid("SASL PLAIN field is not valid UTF-8");
  if (!authzid.empty() && authzid != authcid)
    return invalid("SASL PLAIN authorization identity must be empty or the user name");

  PlainCredentials out;
  out.authzid = secret_copy(authzid);
  out.authcid = secret_copy(authcid);
  out.password = secret_copy(password);
  return out;
}

}  // namespace sealmail::sasl
