#include "store/sql_functions.h"

#include <re2/re2.h>
#include <strings.h>

#include <algorithm>
#include <memory>
#include <string_view>
#include <vector>

#include "mime/base_subject.h"
#include "mime/message_info.h"
#include "mime/sort_keys.h"

namespace sealmail::store {

namespace {

RE2::Options regex_options() {
  RE2::Options o;
  o.set_log_errors(false);
  o.set_max_mem(8 << 20);  // bounds the compiled program: a hostile pattern fails instead of growing
  return o;
}

void regexp_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto* re = static_cast<RE2*>(sqlite3_get_auxdata(ctx, 0));
  if (re == nullptr) {
    const char* pattern = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
    if (pattern == nullptr) {
      sqlite3_result_null(ctx);
      return;
    }
    auto compiled = std::make_unique<RE2>(std::string_view(pattern, static_cast<size_t>(sqlite3_value_bytes(argv[0]))),
                                          regex_options());
    if (!compiled->ok()) {
      sqlite3_result_error(ctx, "invalid regular expression", -1);
      return;
    }
    re = compiled.release();
    sqlite3_set_auxdata(ctx, 0, re, [](void* p) { delete static_cast<RE2*>(p); });
    re = static_cast<RE2*>(sqlite3_get_auxdata(ctx, 0));
    if (re == nullptr) {  // SQLite may drop auxdata at once; compile per call then
      RE2 local(pattern, regex_options());
      const char* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[1]));
      sqlite3_result_int(
          ctx, text != nullptr &&
                   RE2::PartialMatch(std::string_view(text, static_cast<size_t>(sqlite3_value_bytes(argv[1]))), local));
      return;
    }
  }
  const char* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[1]));
  if (text == nullptr) {
    sqlite3_result_int(ctx, 0);
    return;
  }
  sqlite3_result_int(ctx,
                     RE2::PartialMatch(std::string_view(text, static_cast<size_t>(sqlite3_value_bytes(argv[1]))), *re));
}

bool contains_ci(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return true;
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i)
    if (strncasecmp(hay.data() + i, needle.data(), needle.size()) == 0) return true;
  return false;
}

// `headers` holds one "Name: value" line per header (mime::MessageInfo::search_headers).
void header_has_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto text = [&](int i) {
    const char* p = reinterpret_cast<const char*>(sqlite3_value_text(argv[i]));
    return p == nullptr ? std::string_view() : std::string_view(p, static_cast<size_t>(sqlite3_value_bytes(argv[i])));
  };
  std::string_view headers = text(0), name = text(1), value = text(2);
  while (!headers.empty()) {
    size_t nl = headers.find('\n');
    std::string_view line = headers.substr(0, nl);
    headers = nl == std::string_view::npos ? std::string_view() : headers.substr(nl + 1);
    if (line.size() > name.size() && line[name.size()] == ':' &&
        strncasecmp(line.data(), name.data(), name.size()) == 0) {
      std::string_view v = line.substr(name.size() + 1);
      if (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      if (contains_ci(v, value)) {
        sqlite3_result_int(ctx, 1);
        return;
      }
    }
  }
  sqlite3_result_int(ctx, 0);
}

void casefold_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const char* p = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  if (p == nullptr) {
    sqlite3_result_null(ctx);
    return;
  }
  std::string folded = mime::fold_for_search(std::string_view(p, static_cast<size_t>(sqlite3_value_bytes(argv[0]))));
  sqlite3_result_text64(ctx, folded.data(), folded.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

// A function of one text argument to text (NULL stays NULL).
template <std::string (*Fn)(std::string_view)>
void text_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const char* p = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  if (p == nullptr) {
    sqlite3_result_null(ctx);
    return;
  }
  std::string out = Fn(std::string_view(p, static_cast<size_t>(sqlite3_value_bytes(argv[0]))));
  sqlite3_result_text64(ctx, out.data(), out.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

std::string sort_subject(std::string_view subject) { return mime::base_subject(subject); }

void body_in_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const auto* set = static_cast<const BodySet*>(sqlite3_value_pointer(argv[0], kBodySetPointer));
  if (set == nullptr) {
    sqlite3_result_error(ctx, "body_in: no set bound", -1);
    return;
  }
  sqlite3_result_int(ctx, set->has(sqlite3_value_int64(argv[1])) ? 1 : 0);
}

}  // namespace

BodySet::BodySet(const std::vector<int64_t>& ids) {
  for (int64_t id : ids) {
    if (id < 0 || id >= kBitmapIds) {
      others.push_back(id);
      continue;
    }
    auto word = static_cast<size_t>(id / 64);
    if (word >= bits.size()) bits.resize(word + 1);
    bits[word] |= uint64_t{1} << (id % 64);
  }
  std::sort(others.begin(), others.end());
}

bool BodySet::has(int64_t id) const {
  if (id < 0 || id >= kBitmapIds) return std::binary_search(others.begin(), others.end(), id);
  auto word = static_cast<size_t>(id / 64);
  return word < bits.size() && (bits[word] >> (id % 64) & 1) != 0;
}

void register_sql_functions(sql::Db& db) {
  int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  if (int rc = sqlite3_create_function_v2(db.get(), "regexp", 2, flags, nullptr, regexp_fn, nullptr, nullptr, nullptr);
      rc != SQLITE_OK)
    db.fail(rc);
  if (int rc =
          sqlite3_create_function_v2(db.get(), "casefold", 1, flags, nullptr, casefold_fn, nullptr, nullptr, nullptr);
      rc != SQLITE_OK)
    db.fail(rc);
  if (int rc =
          sqlite3_create_function_v2(db.get(), "body_in", 2, flags, nullptr, body_in_fn, nullptr, nullptr, nullptr);
      rc != SQLITE_OK)
    db.fail(rc);
  if (int rc = sqlite3_create_function_v2(db.get(), "header_has", 3, flags, nullptr, header_has_fn, nullptr, nullptr,
                                          nullptr);
      rc != SQLITE_OK)
    db.fail(rc);
  struct TextFunction {
    const char* name;
    void (*fn)(sqlite3_context*, int, sqlite3_value**);
  };
  for (auto [name, fn] :
       {TextFunction{"sort_subject", text_fn<sort_subject>}, TextFunction{"sort_mailbox", text_fn<mime::sort_mailbox>},
        TextFunction{"sort_display", text_fn<mime::sort_display>}})
    if (int rc = sqlite3_create_function_v2(db.get(), name, 1, flags, nullptr, fn, nullptr, nullptr, nullptr);
        rc != SQLITE_OK)
      db.fail(rc);
}

bool valid_regex(const std::string& pattern, std::string& error) {
  RE2 re(pattern, regex_options());
  if (!re.ok()) error = re.error();
  return re.ok();
}

}  // namespace sealmail::store
