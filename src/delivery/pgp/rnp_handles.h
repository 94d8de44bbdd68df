// Owning wrappers of RNP's C handles (librnp, Debian's librnp-dev), so that every early return
// frees what was made. Internal to delivery/pgp: nothing outside includes RNP.
#pragma once

#include <rnp/rnp.h>
#include <rnp/rnp_err.h>

#include <memory>
#include <string>

namespace sealmail::delivery::pgp::rnp {

struct FfiDeleter {
  void operator()(rnp_ffi_st* p) const { rnp_ffi_destroy(p); }
};
struct InputDeleter {
  void operator()(rnp_input_st* p) const { rnp_input_destroy(p); }
};
struct OutputDeleter {
  void operator()(rnp_output_st* p) const { rnp_output_destroy(p); }
};
struct KeyDeleter {
  void operator()(rnp_key_handle_st* p) const { rnp_key_handle_destroy(p); }
};
struct UidDeleter {
  void operator()(rnp_uid_handle_st* p) const { rnp_uid_handle_destroy(p); }
};
struct EncryptDeleter {
  void operator()(rnp_op_encrypt_st* p) const { rnp_op_encrypt_destroy(p); }
};
struct IteratorDeleter {
  void operator()(rnp_identifier_iterator_st* p) const { rnp_identifier_iterator_destroy(p); }
};

using Ffi = std::unique_ptr<rnp_ffi_st, FfiDeleter>;
using Input = std::unique_ptr<rnp_input_st, InputDeleter>;
using Output = std::unique_ptr<rnp_output_st, OutputDeleter>;
using Key = std::unique_ptr<rnp_key_handle_st, KeyDeleter>;
using Uid = std::unique_ptr<rnp_uid_handle_st, UidDeleter>;
using Encrypt = std::unique_ptr<rnp_op_encrypt_st, EncryptDeleter>;
using Iterator = std::unique_ptr<rnp_identifier_iterator_st, IteratorDeleter>;

// A string RNP allocated (rnp_buffer_destroy), copied out; empty when `p` is null.
inline std::string take_string(char* p) {
  if (!p) return {};
  std::string s(p);
  rnp_buffer_destroy(p);
  return s;
}

// An FFI with empty GPG-format key rings (keys are imported from memory, never from a home dir).
inline Ffi new_ffi() {
  rnp_ffi_t f = nullptr;
  if (rnp_ffi_create(&f, RNP_KEYSTORE_GPG, RNP_KEYSTORE_GPG) != RNP_SUCCESS) return nullptr;
  return Ffi(f);
}

}  // namespace sealmail::delivery::pgp::rnp
