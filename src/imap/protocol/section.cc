// BODY[section] and BINARY[section] (section.h). Work in progress.
#include "imap/protocol/section.h"

namespace sealmail::imap {

std::optional<std::string> extract_section(std::string_view, const Section&) { return std::nullopt; }

std::variant<std::string, BinaryError> extract_binary(std::string_view, const Section&) {
  return BinaryError::no_such_part;
}

}  // namespace sealmail::imap
