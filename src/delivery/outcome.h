// What became of a message handed on (forwarded by SMTP or posted to a webhook), worded as the SMTP
// reply our server may give its own client.
#pragma once

#include <string>

namespace sealmail::delivery {

struct ForwardOutcome {
  enum class Kind { delivered, temporary, permanent } kind = Kind::temporary;
  std::string reply;  // "250 2.0.0 ...", "451 4.4.1 ...", "550 5.1.1 ...": never holds an address
};

}  // namespace sealmail::delivery
