// The junk classifier's tokens of a whole message (issue 9): the words of the decoded subject and
// of the text bodies (text/plain, and text/html reduced to its text: src/mime's text for search),
// plus a few tokens of form: an attachment, no subject, a subject in capitals, the sender's
// domain, how many links. In memory only; the result is hashes (tokenizer.h).
#pragma once

#include <string_view>
#include <vector>

#include "classify/tokenizer.h"

namespace sealmail::classify {

// Sorted, each token once.
std::vector<Token> message_tokens(std::string_view raw, const TokenLimits& limits = {});

}  // namespace sealmail::classify
