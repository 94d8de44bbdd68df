// Parsing what a browser sends to the account web page: HTML form bodies and query strings
// (application/x-www-form-urlencoded, WHATWG URL §5.1) and the Cookie header (RFC 6265 §5.4).
// No I/O; every count and length is bounded by FormLimits, and anything malformed is an error
// (Errc::invalid_argument, one line naming no value): a form never half-parses.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sealmail::admin::web {

struct FormLimits {
  size_t max_fields = 32;
  size_t max_name = 64;       // bytes, after decoding
  size_t max_value = 65536;   // bytes, after decoding (an armored OpenPGP key fits)
  size_t max_total = 262144;  // bytes of the encoded input
};

// name -> value, percent-decoded ('+' is a space). Names are [A-Za-z0-9_-]; values must be UTF-8
// without control characters other than tab, CR and LF. A name given twice is an error.
using Form = std::map<std::string, std::string>;
Result<Form> parse_form(std::string_view encoded, const FormLimits& limits = {});

// The value of cookie `name` in a Cookie header ("a=1; b=2"); none when absent or when the header
// is malformed or longer than 4096 bytes.
std::optional<std::string> cookie_value(std::string_view header, std::string_view name);

// Wipes every value (forms carry passwords), then clears the map.
void wipe(Form& form);

}  // namespace sealmail::admin::web
