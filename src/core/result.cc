#include "core/result.h"

namespace sealmail {

const char* to_string(Errc code) {
  switch (code) {
    case Errc::wrong_password:
      return "wrong password";
    case Errc::not_found:
      return "not found";
    case Errc::already_exists:
      return "already exists";
    case Errc::invalid_argument:
      return "invalid argument";
    case Errc::quota_exceeded:
      return "quota exceeded";
    case Errc::schema_mismatch:
      return "schema mismatch";
    case Errc::corrupt:
      return "corrupt";
    case Errc::busy:
      return "busy";
    case Errc::io:
      return "i/o error";
    case Errc::internal:
      return "internal error";
  }
  return "unknown error";
}

}  // namespace sealmail
