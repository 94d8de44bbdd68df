// A value that is replaced whole at run time (SIGHUP reload, issue 4) while readers on other
// threads keep using the copy they took: readers call get() once per connection, command or
// message and hold the shared_ptr for as long as they work with it, so one unit of work never
// sees half of an old setting and half of a new one (the model of `doveadm reload` and `postfix
// reload`: new sessions use the new configuration, existing ones keep theirs).
#pragma once

#include <memory>
#include <mutex>
#include <utility>

namespace sealmail {

template <typename T>
class Snapshot {
 public:
  explicit Snapshot(std::shared_ptr<T> value) : value_(std::move(value)) {}
  std::shared_ptr<T> get() const {
    std::lock_guard lock(mutex_);
    return value_;
  }
  // Returns the value it replaced (the caller may compare, or let it go).
  std::shared_ptr<T> set(std::shared_ptr<T> value) {
    std::lock_guard lock(mutex_);
    std::swap(value_, value);
    return value;
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<T> value_;
};

}  // namespace sealmail
