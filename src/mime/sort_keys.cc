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

// The first mailbox of the list, looking into groups ("Team: a@x, b@y;" gives a@x): RFC 5256 asks
// for "the first address", and a group's name is not one.
InternetAddressMailbox* first_mailbox(InternetAddressList* list, int depth = 0) {
  if (list == nullptr || depth > 1) return nullptr;
  for (int i = 0; i < internet_address_list_length(list); ++i) {
    InternetAddress* a = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_MAILBOX(a)) return INTERNET_ADDRESS_MAILBOX(a);
    if (INTERNET_ADDRESS_IS_GROUP(a))
      if (auto* m = first_mailbox(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)), depth + 1)) return m;
  }
  return nullptr;
}

template <typename F>
std::string with_first_mailbox(std::string_view address_list, F key) {
  if (address_list.find_first_not_of(" \t") == std::string_view::npos) return {};
  init();
  std::string text(address_list.substr(0, address_list.find('\0')));
  detail::GObjectPtr<InternetAddressList> list(internet_address_list_parse(nullptr, text.c_str()));
  InternetAddressMailbox* m = first_mailbox(list.get());
  if (m == nullptr) return {};
  return upper(key(m));
}

std::string addr_spec(InternetAddressMailbox* m) {
  const char* addr = internet_address_mailbox_get_addr(m);
  return addr != nullptr ? addr : "";
}

}  // namespace

std::string sort_mailbox(std::string_view address_list) {
  return with_first_mailbox(address_list, [](InternetAddressMailbox* m) {
    std::string spec = addr_spec(m);
    return spec.substr(0, spec.rfind('@'));  // the whole of it when it has no domain
  });
}

std::string sort_display(std::string_view address_list) {
  return with_first_mailbox(address_list, [](InternetAddressMailbox* m) {
    const char* name = internet_address_get_name(INTERNET_ADDRESS(m));
    if (name != nullptr && *name != 0) return std::string(name);
    return addr_spec(m);
  });
}

}  // namespace sealmail::mime
