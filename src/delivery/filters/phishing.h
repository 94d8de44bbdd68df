// Phishing signs in a message's HTML and text parts (issue 9 "Phishing"):
//   - "deceptive link": a link whose visible text shows one domain while its href goes to another
//     (domain_checks.h: same_site);
//   - "mixed-script domain" / "homograph domain": a link's host spoofs another by its letters;
//   - "URL shortener": a link to a known shortener (a configurable list), which hides its target;
//   - "password form": an HTML form asking for a password.
// Reasons only; never the URLs or the text that triggered them.
#pragma once

#include <string>
#include <vector>

#include "delivery/filters/message_parts.h"

namespace sealmail::delivery::filters {

// bit.ly, tinyurl.com, t.co, goo.gl, ...: what `shorteners` holds when the configuration gives none.
const std::vector<std::string>& default_shorteners();

// The distinct reasons found, in a fixed order; empty when none.
std::vector<std::string> phishing_signs(const MessageParts& parts, const std::vector<std::string>& shorteners);

}  // namespace sealmail::delivery::filters
