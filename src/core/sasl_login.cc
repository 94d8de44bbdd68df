#include "core/sasl_login.h"

#include <algorithm>
#include <optional>

#include "core/base64.h"
#include "core/utf8.h"
#include "core/wipe.h"

namespace sealmail::sasl {

Result<std::string> decode_sasl_login_field(std::string_view base64) {
  std::optional<std::string> decoded = base64_decode(base64);
  if (!decoded) return make_error(Errc::invalid_argument, "SASL LOGIN answer is not valid base64");
  std::string& field = *decoded;
  const char* problem = field.empty()                           ? "SASL LOGIN answer is empty"
                        : field.size() > 255                    ? "SASL LOGIN answer longer than 255 octets"
                        : field.find('\0') != std::string::npos ? "SASL LOGIN answer holds a NUL"
                        : !valid_utf8(field)                    ? "SASL LOGIN answer is not valid UTF-8"
                                                                : nullptr;
  if (problem) {
    wipe(field);
    return make_error(Errc::invalid_argument, problem);
  }
  // On the heap whatever its length (no small-string copy left behind when it is moved).
  std::string out;
  out.reserve(std::max<size_t>(64, field.size()));
  out.assign(field);
  wipe(field);
  return out;
}

}  // namespace sealmail::sasl
