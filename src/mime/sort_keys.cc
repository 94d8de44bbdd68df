#include "mime/sort_keys.h"

#include <gmime/gmime.h>

#include "mime/gmime_ptr.h"
#include "mime/message_info.h"

namespace sealmail::mime {

namespace {

std::string upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

// The key of the list's first address. RFC 5256 §3 and RFC 5957 §3 take "the first address"; when
// that is a group ("Team: a@x, b@y;"), its name is the key, for FROM/TO/CC as for DISPLAYFROM/
// DISPLAYTO: ENVELOPE gives a group's start as (NIL NIL "Team" NIL), the name in the mailbox
// place (RFC 9051 §7.5.2), and Dovecot sorts so (ImapTest "sort-addresses", "sort-display-to").
template <typename F>
std::string with_first_address(std::string_view address_list, F key) {
  if (address_list.find_first_not_of(" \t") == std::string_view::npos) return {};
  init();
  std::string text(address_list.substr(0, address_list.find('\0')));
  detail::GObjectPtr<InternetAddressList> list(internet_address_list_parse(nullptr, text.c_str()));
  if (list == nullptr || internet_address_list_length(list.get()) == 0) return {};
  InternetAddress* a = internet_address_list_get_address(list.get(), 0);
  if (INTERNET_ADDRESS_IS_GROUP(a)) {
    const char* name = internet_address_get_name(a);
    return upper(name != nullptr ? name : "");
  }
  if (!INTERNET_ADDRESS_IS_MAILBOX(a)) return {};
  return upper(key(INTERNET_ADDRESS_MAILBOX(a)));
}

std::string addr_spec(InternetAddressMailbox* m) {
  const char* addr = internet_address_mailbox_get_addr(m);
  return addr != nullptr ? addr : "";
}

}  // namespace

std::string sort_mailbox(std::string_view address_list) {
  return with_first_address(address_list, [](InternetAddressMailbox* m) {
    std::string spec = addr_spec(m);
    return spec.substr(0, spec.rfind('@'));  // the whole of it when it has no domain
  });
}

std::string sort_display(std::string_view address_list) {
  return with_first_address(address_list, [](InternetAddressMailbox* m) {
    const char* name = internet_address_get_name(INTERNET_ADDRESS(m));
    if (name != nullptr && *name != 0) return std::string(name);
    return addr_spec(m);
  });
}

}  // namespace sealmail::mime
