// SORT keys of address headers (RFC 5256 §3, RFC 5957 §3), read from the store's decoded display
// form of an address list ("Zoe Alice <alice@example.org>, bob@example.com"). Keys are ASCII
// upper-cased so that byte order is the i;ascii-casemap order SORT compares with; a missing header
// or address gives "", which sorts first.
#pragma once

#include <string>
#include <string_view>

namespace sealmail::mime {

// FROM, TO, CC: the addr-mailbox (local part) of the first address ("ALICE"); a group first gives
// its name.
std::string sort_mailbox(std::string_view address_list);
// DISPLAYFROM, DISPLAYTO: the display name of the first address, or its addr-spec when it has none
// ("ZOE ALICE", "BOB@EXAMPLE.COM"); a group first gives its name.
std::string sort_display(std::string_view address_list);

}  // namespace sealmail::mime
