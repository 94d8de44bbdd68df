// Ownership of GMime/GLib objects in C++ scopes (internal to src/mime).
#pragma once

#include <glib-object.h>
#include <glib.h>

#include <memory>

namespace sealmail::mime::detail {

struct GObjectUnref {
  void operator()(void* p) const {
    if (p != nullptr) g_object_unref(p);
  }
};
template <typename T>
using GObjectPtr = std::unique_ptr<T, GObjectUnref>;

struct GFree {
  void operator()(void* p) const { g_free(p); }
};
using GCharPtr = std::unique_ptr<char, GFree>;

}  // namespace sealmail::mime::detail
