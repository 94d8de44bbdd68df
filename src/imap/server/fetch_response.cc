#include "imap/server/fetch_response.h"

#include "core/time.h"
#include "imap/protocol/response.h"
#include "imap/protocol/section.h"
#include "imap/server/body_structure.h"
#include "imap/server/envelope_utf8.h"
#include "imap/server/session.h"

namespace sealmail::imap {

namespace {

struct NamedFlag {
  const char* name;
  uint32_t bit;
};
constexpr NamedFlag kSystemFlags[] = {
    {"\\Seen", store::kSeen},       {"\\Answered", store::kAnswered}, {"\\Flagged", store::kFlagged},
    {"\\Deleted", store::kDeleted}, {"\\Draft", store::kDraft},
};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

void append_literal(std::string& out, std::string_view bytes, bool binary) {
  bool has_nul = binary && bytes.find('\0') != std::string_view::npos;
  out += has_nul ? "~{" : "{";
  out += std::to_string(bytes.size());
  out += "}\r\n";
  out += bytes;
}

std::string_view slice(std::string_view data, const std::optional<Partial>& partial) {
  if (!partial) return data;
  if (partial->offset >= data.size()) return {};
  return data.substr(partial->offset, partial->length);
}

}  // namespace

std::string flags_text(const store::Flags& flags, bool recent) {
  std::string out = recent ? "(\\Recent" : "(";
  for (auto& f : kSystemFlags) {
    if ((flags.system & f.bit) == 0) continue;
    if (out.size() > 1) out += ' ';
    out += f.name;
  }
  for (auto& k : flags.keywords) {
    if (out.size() > 1) out += ' ';
    out += k;
  }
  return out + ")";
}

store::Flags parse_flags(const std::vector<std::string>& flags) {
  store::Flags out;
  for (auto& f : flags) {
    if (!f.empty() && f[0] == '\\') {
      bool known = false;
      for (auto& s : kSystemFlags)
        if (iequals(f, s.name)) {
          out.system |= s.bit;
          known = true;
        }
      // RFC 9051 §2.3.2: other system flags cannot be set; \Recent is the server's.
      if (!known) bad("unknown system flag " + f.substr(0, 40));
      continue;
    }
    bool seen = false;
    for (auto& k : out.keywords) seen = seen || iequals(k, f);
    if (!seen) out.keywords.push_back(f);
  }
  return out;
}

bool needs_body(const std::vector<FetchItem>& items) {
  for (auto& i : items)
    switch (i.kind) {
      case FetchItem::Kind::body_section:
      case FetchItem::Kind::binary_section:
      case FetchItem::Kind::binary_size:
      case FetchItem::Kind::rfc822:
      case FetchItem::Kind::rfc822_header:
      case FetchItem::Kind::rfc822_text:
        return true;
      default:
        break;
    }
  return false;
}

bool needs_structure(const std::vector<FetchItem>& items) {
  for (auto& i : items)
    if (i.kind == FetchItem::Kind::envelope || i.kind == FetchItem::Kind::bodystructure ||
        i.kind == FetchItem::Kind::body)
      return true;
  return false;
}

bool sets_seen(const std::vector<FetchItem>& items) {
  for (auto& i : items)
    if (((i.kind == FetchItem::Kind::body_section || i.kind == FetchItem::Kind::binary_section) && !i.peek) ||
        i.kind == FetchItem::Kind::rfc822 || i.kind == FetchItem::Kind::rfc822_text)
      return true;
  return false;
}

bool write_fetch(std::string& out, uint32_t seq, const store::MessageSummary& m, std::string_view raw,
                 const std::vector<FetchItem>& items, const FetchContext& context, std::string& error) {
  // Written straight into `out` (bodies can be large); taken back on error.
  size_t start = out.size();
  std::string& line = out;
  line += "* " + std::to_string(seq) + " FETCH (";
  bool first = true;
  auto item = [&](std::string_view name) {
    if (!first) line += ' ';
    first = false;
    line += name;
    line += ' ';
  };
  bool uid_written = false, modseq_written = false;
  for (auto& i : items) {
    switch (i.kind) {
      case FetchItem::Kind::uid:
        if (uid_written) break;
        item("UID");
        line += std::to_string(m.uid);
        uid_written = true;
        break;
      case FetchItem::Kind::flags:
        item("FLAGS");
        line += flags_text(m.flags, context.folder != nullptr && context.folder->is_recent(m.uid));
        break;
      case FetchItem::Kind::internaldate:
        item("INTERNALDATE");
        line += format_internal_date(parse_iso8601_utc(m.internal_date).value_or(0));
        break;
      case FetchItem::Kind::rfc822_size:
        item("RFC822.SIZE");
        line += std::to_string(m.size);
        break;
      case FetchItem::Kind::envelope:
        item("ENVELOPE");
        line += context.utf8 ? envelope_for_utf8(m.envelope) : m.envelope;
        break;
      case FetchItem::Kind::bodystructure:
        item("BODYSTRUCTURE");
        line += context.utf8 ? bodystructure_for_utf8(m.bodystructure) : m.bodystructure;
        break;
      case FetchItem::Kind::body:
        item("BODY");
        line += non_extensible_body(context.utf8 ? bodystructure_for_utf8(m.bodystructure) : m.bodystructure);
        break;
      case FetchItem::Kind::modseq:
        if (modseq_written) break;
        item("MODSEQ");
        line += "(" + std::to_string(m.modseq) + ")";
        modseq_written = true;
        break;
      case FetchItem::Kind::rfc822:
        item("RFC822");
        append_literal(line, raw, false);
        break;
      case FetchItem::Kind::rfc822_header: {
        item("RFC822.HEADER");
        Section header;
        header.specifier = Section::Specifier::header;
        auto bytes = extract_section(raw, header);
        append_literal(line, bytes ? bytes->bytes() : std::string_view(), false);
        break;
      }
      case FetchItem::Kind::rfc822_text: {
        item("RFC822.TEXT");
        Section text;
        text.specifier = Section::Specifier::text;
        auto bytes = extract_section(raw, text);
        append_literal(line, bytes ? bytes->bytes() : std::string_view(), false);
        break;
      }
      case FetchItem::Kind::body_section: {
        item(fetch_item_name(i));
        auto data = extract_section(raw, i.section);
        append_literal(line, slice(data ? data->bytes() : std::string_view(), i.partial), false);
        break;
      }
      case FetchItem::Kind::binary_section:
      case FetchItem::Kind::binary_size: {
        auto data = extract_binary(raw, i.section);
        if (auto* e = std::get_if<BinaryError>(&data)) {
          if (*e == BinaryError::unknown_cte) {
            error = "UNKNOWN-CTE";
            out.resize(start);
            return false;
          }
          item(fetch_item_name(i));
          line += i.kind == FetchItem::Kind::binary_size ? "0" : "NIL";
          break;
        }
        auto& bytes = std::get<std::string>(data);
        item(fetch_item_name(i));
        if (i.kind == FetchItem::Kind::binary_size)
          line += std::to_string(bytes.size());
        else
          append_literal(line, slice(bytes, i.partial), true);
        break;
      }
    }
  }
  if ((context.uid_command || context.with_modseq) && !uid_written) {
    item("UID");
    line += std::to_string(m.uid);
  }
  if (context.with_modseq && !modseq_written) {
    item("MODSEQ");
    line += "(" + std::to_string(m.modseq) + ")";
  }
  line += ")\r\n";
  return true;
}

}  // namespace sealmail::imap
