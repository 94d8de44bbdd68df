// SearchKey -> one SQL statement over the indexed columns and the FTS5 trigram index.
// Semantics follow RFC 9051 §6.4.4: string keys are case-insensitive substring matches; BEFORE/ON/
// SINCE compare the internal date (UTC) and SENTBEFORE/SENTON/SENTSINCE the Date header's day as
// written in it, by day.
#include <algorithm>
#include <memory>
#include <variant>

#include "core/time.h"
#include "mime/message_info.h"
#include "store/mailbox_impl.h"
#include "store/sql_functions.h"
#include "store/word_index.h"

namespace sealmail::store {

namespace {

// A set of body ids is bound as a pointer (sqlite3_bind_pointer) for body_in() (sql_functions.h).
using Param = std::variant<int64_t, std::string, const BodySet*>;

// Up to this many bodies found by the word index go into the SQL as a list, which SQLite answers
// by looking each one up; more are checked by body_in() while the folder's messages are read in
// UID order from an index that holds their body ids.
constexpr size_t kListedBodies = 1000;

std::string like_pattern(std::string_view text) {
  std::string p = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') p += '\\';
    p += c;
  }
  p += '%';
  return p;
}

// "YYYY-MM-DD" -> [day start, next day start) as ISO 8601 UTC text.
std::pair<std::string, std::string> day_bounds(const std::string& date) {
  auto t = parse_iso8601_utc(date + "T00:00:00Z");
  if (date.size() != 10 || !t) fail(Errc::invalid_argument, "dates are YYYY-MM-DD");
  return {iso8601_utc(*t), iso8601_utc(*t + 86400)};
}

class Compiler {
 public:
  explicit Compiler(sql::Db& db) : db_(db) {}
  std::vector<Param> params;

  std::string compile(const SearchKey& k) {
    using K = SearchKey::Kind;
    switch (k.kind) {
      case K::all:
        return "1";
      case K::and_:
      case K::or_: {
        if (k.children.empty()) return k.kind == K::and_ ? "1" : "0";
        std::string s = "(";
        for (size_t i = 0; i < k.children.size(); ++i) {
          if (i > 0) s += k.kind == K::and_ ? " AND " : " OR ";
          s += compile(k.children[i]);
        }
        return s + ")";
      }
      case K::not_:
        if (k.children.size() != 1) fail(Errc::invalid_argument, "NOT takes one key");
        return "NOT " + compile(k.children[0]);
      case K::uids: {
        std::vector<int64_t> p;
        std::string s = uid_set_sql(k.uids, p, "m.uid");
        for (auto v : p) params.emplace_back(v);
        return s;
      }
      case K::flag_set:
        params.emplace_back(k.number);
        params.emplace_back(k.number);
        return "(m.flags & ?) = ?";
      case K::flag_unset:
        params.emplace_back(k.number);
        return "(m.flags & ?) = 0";
      case K::keyword:
      case K::unkeyword:
        params.emplace_back(k.text);
        return std::string(k.kind == K::unkeyword ? "NOT " : "") +
               "EXISTS (SELECT 1 FROM message_keywords mk JOIN keywords kw ON kw.id = mk.keyword_id "
               "WHERE mk.message_id = m.id AND kw.name = ?)";
      case K::subject:
        return column_contains("m.subject", k.text);
      case K::from:
        return column_contains("m.from_addr", k.text);
      case K::to:
        return column_contains("m.to_addr", k.text);
      case K::cc:
        return column_contains("m.cc_addr", k.text);
      case K::bcc:
        return column_contains("m.bcc_addr", k.text);
      case K::header:
        return header(k.field, k.text);
      case K::body:
        return full_text(false, k.text);
      case K::text:
        return full_text(true, k.text);
      case K::larger:
        params.emplace_back(k.number);
        return "m.size > ?";
      case K::smaller:
        params.emplace_back(k.number);
        return "m.size < ?";
      case K::before:
        return date_compare("m.internal_date", k.text, '<');
      case K::on:
        return date_compare("m.internal_date", k.text, '=');
      case K::since:
        return date_compare("m.internal_date", k.text, '>');
      case K::sent_before:
        return day_compare("m.sent_day", k.text, '<');
      case K::sent_on:
        return day_compare("m.sent_day", k.text, '=');
      case K::sent_since:
        return day_compare("m.sent_day", k.text, '>');
      case K::modseq_ge:
        params.emplace_back(k.number);
        return "m.modseq >= ?";
      case K::thread:
        params.emplace_back(k.number);
        return "m.thread_id = ?";
      case K::regex:
        return regex(k.field, k.text);
    }
    fail(Errc::invalid_argument, "unknown search key");
  }

 private:
  // ASCII needles: LIKE, whose case folding covers ASCII exactly. Others: the Unicode fold of both
  // sides (casefold() is registered by sql_functions.cc).
  std::string column_contains(const char* column, const std::string& text) {
    bool ascii = std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (ascii) {
      params.emplace_back(like_pattern(text));
      return std::string(column) + " LIKE ? ESCAPE '\\'";
    }
    params.emplace_back(mime::fold_for_search(text));
    return "instr(casefold(" + std::string(column) + "), ?) > 0";
  }

  // The index holds folded text. A LIKE pattern (the needle's own % and _ left in: LIKE with an
  // ESCAPE clause cannot use the index) finds candidate rows by their trigrams, and SQLite checks
  // the LIKE on each candidate's text (FTS5 never marks a pattern constraint as answered). Both
  // sides are folded, so that check is the exact substring match unless the needle holds a LIKE
  // wildcard (or a NUL, where LIKE stops): only then does instr() check again (measured: 2-10%
  // off searches with thousands of candidates). Needles under three characters make FTS5 scan
  // its text.
  std::string text_in(const char* column, const std::string& folded) {
    params.emplace_back("%" + folded + "%");
    std::string sql = std::string("m.body_id IN (SELECT rowid FROM message_text WHERE ") + column + " LIKE ?";
    if (folded.find_first_of(std::string_view("%_\0", 3)) != std::string::npos) {
      params.emplace_back(folded);
      sql += std::string(" AND instr(") + column + ", ?) > 0";
    }
    return sql + ")";
  }

  // Body text: three ASCII characters are answered by the body's own trigram index, a needle of
  // ASCII letters and digits by the word index, both exactly and without reading text
  // (word_index.h); others, and needles inside too many words, by the trigram index and a check
  // of each candidate's text.
  std::string body_text(const std::string& folded) {
    std::vector<int64_t> ids;
    if (body_trigram_answers(folded)) {
      ids = bodies_with_trigram(db_, folded);
    } else {
      if (!word_index_answers(folded)) return text_in("body", folded);
      auto found = bodies_containing(db_, folded);
      if (!found) return text_in("body", folded);
      ids = std::move(*found);
    }
    if (ids.empty()) return "0";
    if (ids.size() <= kListedBodies) {
      std::string s = "m.body_id IN (";
      for (size_t i = 0; i < ids.size(); ++i) {
        if (i > 0) s += ',';
        s += std::to_string(ids[i]);
      }
      return s + ")";
    }
    sets_.push_back(std::make_unique<BodySet>(ids));
    params.emplace_back(sets_.back().get());
    return "body_in(?, m.body_id)";
  }

  std::string full_text(bool headers_too, const std::string& text) {
    if (text.empty()) return "1";
    std::string folded = mime::fold_for_search(text);
    if (!headers_too) return body_text(folded);
    return "(" + text_in("headers", folded) + " OR " + body_text(folded) + ")";
  }

  std::string header(const std::string& field, const std::string& text) {
    if (field.empty()) fail(Errc::invalid_argument, "HEADER needs a field name");
    for (char c : field)
      if (static_cast<unsigned char>(c) <= 0x20 || c == ':' || static_cast<unsigned char>(c) >= 0x7f)
        fail(Errc::invalid_argument, "bad header field name");
    std::string folded = mime::fold_for_search(text);
    std::string s = "m.body_id IN (SELECT rowid FROM message_text WHERE ";
    if (!folded.empty()) {
      params.emplace_back("%" + folded + "%");
      s += "headers LIKE ? AND ";
    }
    params.emplace_back(mime::fold_for_search(field));
    params.emplace_back(folded);
    return s + "header_has(headers, ?, ?))";
  }

  std::string date_compare(const char* column, const std::string& date, char op) {
    auto [start, end] = day_bounds(date);
    std::string c(column);
    if (op == '<') {
      params.emplace_back(start);
      return c + " < ?";
    }
    if (op == '>') {
      params.emplace_back(start);
      return c + " >= ?";
    }
    params.emplace_back(start);
    params.emplace_back(end);
    return "(" + c + " >= ? AND " + c + " < ?)";
  }

  // The day as written in the Date header, "disregarding time and timezone" (RFC 9051 §6.4.4):
  // "YYYY-MM-DD" text compares in date order.
  std::string day_compare(const char* column, const std::string& date, char op) {
    day_bounds(date);  // validates
    params.emplace_back(date);
    return std::string(column) + (op == '<' ? " < ?" : op == '>' ? " >= ?" : " = ?");
  }

  std::string regex(const std::string& field, const std::string& pattern) {
    std::string error;
    if (!valid_regex(pattern, error)) fail(Errc::invalid_argument, "invalid regular expression: " + error);
    params.emplace_back(pattern);
    if (field == "body" || field.empty()) return "m.body_id IN (SELECT rowid FROM message_text WHERE regexp(?, body))";
    if (field == "headers") return "m.body_id IN (SELECT rowid FROM message_text WHERE regexp(?, headers))";
    if (field == "subject") return "regexp(?, m.subject)";
    if (field == "from") return "regexp(?, m.from_addr)";
    if (field == "to") return "regexp(?, m.to_addr)";
    if (field == "cc") return "regexp(?, m.cc_addr)";
    fail(Errc::invalid_argument, "regular expressions search body, headers, subject, from, to or cc");
  }

  sql::Db& db_;
  std::vector<std::unique_ptr<BodySet>> sets_;  // bound by pointer: live until the query ends
};

const char* sort_column(SortKey k) {
  switch (k) {
    case SortKey::uid:
      return "m.uid";
    case SortKey::arrival:
      return "m.internal_date";
    case SortKey::date:
      return "coalesce(m.sent_date, m.internal_date)";
    case SortKey::size:
      return "m.size";
    // The keys are upper-cased by the functions (i;ascii-casemap, RFC 5256 §2.1, RFC 4790 §9.2).
    case SortKey::subject:
      return "sort_subject(m.subject)";
    case SortKey::from:
      return "sort_mailbox(m.from_addr)";
    case SortKey::to:
      return "sort_mailbox(m.to_addr)";
    case SortKey::cc:
      return "sort_mailbox(m.cc_addr)";
    case SortKey::display_from:
      return "sort_display(m.from_addr)";
    case SortKey::display_to:
      return "sort_display(m.to_addr)";
  }
  return "m.uid";
}

bool needs_text(const SearchKey& k) {
  using K = SearchKey::Kind;
  switch (k.kind) {
    case K::body:
    case K::text:
    case K::header:
      return true;
    case K::regex:
      return k.field.empty() || k.field == "body" || k.field == "headers";
    default:
      for (const auto& c : k.children)
        if (needs_text(c)) return true;
      return false;
  }
}

constexpr size_t kIndexBatch = 500;

}  // namespace

Result<size_t> Mailbox::index_pending(size_t limit) {
  return guarded<Result<size_t>>([&]() -> Result<size_t> {
    size_t total = 0;
    for (;;) {
      size_t want = limit == 0 ? kIndexBatch : std::min(kIndexBatch, limit - total);
      if (want == 0) break;
      std::lock_guard lock(impl_->write_mutex);
      size_t n = sql::transaction(impl_->writer, [&] { return store::index_pending(impl_->writer, want); });
      total += n;
      if (n < want) break;
    }
    return total;
  });
}

Result<std::vector<uint32_t>> Mailbox::search(std::string_view folder, const SearchKey& key,
                                              const SearchOptions& options) {
  return guarded<Result<std::vector<uint32_t>>>([&]() -> Result<std::vector<uint32_t>> {
    if (needs_text(key)) {
      auto indexed = index_pending();
      if (!indexed) return indexed.error();
    }
    auto r = impl_->reader();
    auto& db = r.db();
    return sql::transaction_read(db, [&] {
      // Compiled inside the read transaction: the word index is read while compiling.
      Compiler c(db);
      std::string where = c.compile(key);
      FolderRow f = require_folder(db, folder);
      std::string sql = "SELECT m.uid FROM messages m WHERE m.folder_id = ? AND " + where + " ORDER BY ";
      for (const auto& [k, reverse] : options.sort) {
        sql += sort_column(k);
        sql += reverse ? " DESC, " : ", ";
      }
      sql += "m.uid";
      if (options.limit > 0) sql += " LIMIT " + std::to_string(options.limit);
      auto s = db.prepare(sql);
      s.bind(1, f.id);
      int i = 2;
      for (const auto& p : c.params) {
        if (std::holds_alternative<int64_t>(p)) {
          s.bind(i++, std::get<int64_t>(p));
        } else if (std::holds_alternative<std::string>(p)) {
          s.bind(i++, std::string_view(std::get<std::string>(p)));
        } else if (int rc = sqlite3_bind_pointer(s.get(), i++, const_cast<BodySet*>(std::get<2>(p)), kBodySetPointer,
                                                 nullptr);
                   rc != SQLITE_OK) {
          db.fail(rc);
        }
      }
      std::vector<uint32_t> uids;
      while (s.step()) uids.push_back(static_cast<uint32_t>(s.int64(0)));
      return uids;
    });
  });
}

}  // namespace sealmail::store
