// Result type for calls that can fail in expected ways (wrong password, missing folder, quota).
// STYLE.md: store calls return a result with an error enum, mapped to protocol codes in one place;
// exceptions are only for the unexpected. GCC 12 has no std::expected, so this is a small one.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace sealmail {

enum class Errc {
  wrong_password,    // wrong password or not a sealmail mailbox
  not_found,         // folder, message or file does not exist
  already_exists,    // folder or file already exists
  invalid_argument,  // bad name, bad range, malformed input
  quota_exceeded,
  schema_mismatch,  // live schema differs from the expected one in a way we cannot repair
  corrupt,          // integrity or quick_check failed
  busy,             // lock not obtained within the busy timeout
  io,               // the file system said no
  internal,
};

const char* to_string(Errc code);

struct Error {
  Errc code;
  std::string message;  // one clear line for a human; never holds secrets or addresses
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

// Result of a call that returns nothing on success.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)
  static Status success() { return {}; }
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_{Errc::internal, {}};
  bool ok_ = true;
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

}  // namespace sealmail

// Propagates the error of a Result or Status expression out of the current function.
#define SEALMAIL_TRY(expr)                                \
  do {                                                    \
    auto&& sealmail_try_r_ = (expr);                      \
    if (!sealmail_try_r_) return sealmail_try_r_.error(); \
  } while (0)
