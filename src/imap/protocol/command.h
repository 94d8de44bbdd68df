// IMAP commands as parsed values (RFC 3501 §6, RFC 9051 §6) with the syntax of these extensions:
// IDLE (RFC 2177), UIDPLUS (RFC 4315), MOVE (RFC 6851), CONDSTORE/QRESYNC (RFC 7162), ENABLE
// (RFC 5161), SPECIAL-USE/CREATE-SPECIAL-USE (RFC 6154), NAMESPACE (RFC 2342), ID (RFC 2971),
// LITERAL+/LITERAL- (RFC 7888), QUOTA (RFC 9208), ESEARCH (RFC 4731), SEARCHRES (RFC 5182),
// SORT/THREAD (RFC 5256, DISPLAYFROM/DISPLAYTO RFC 5957), UNSELECT (RFC 3691), LIST-EXTENDED
// (RFC 5258), LIST-STATUS (RFC 5819), STATUS=SIZE (RFC 8438), BINARY (RFC 3516), APPENDLIMIT
// (RFC 7889), SASL-IR (RFC 4959), UTF8=ACCEPT (RFC 6855), COMPRESS=DEFLATE (RFC 4978).
//
// Rules kept here:
//   - Command::name is upper case and never includes "UID": "UID FETCH" is {name "FETCH", uid}.
//     Only COPY, MOVE, FETCH, SEARCH, STORE, EXPUNGE, SORT and THREAD take the UID prefix;
//   - each command has one arguments type in the Arguments variant; which one goes with which
//     name is listed beside each type;
//   - mailbox names are raw (see mailbox_name.h): only "INBOX" is normalised;
//   - the parser checks syntax, not state or meaning (whether a mailbox exists, whether a
//     capability was ENABLEd): that is the server's;
//   - LOGIN's password and AUTHENTICATE's initial response are SecretString: wiped when destroyed,
//     never to be logged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "imap/protocol/search_key.h"
#include "imap/protocol/section.h"
#include "imap/protocol/sequence_set.h"

namespace sealmail::imap {

// A std::string that overwrites its bytes when it is destroyed, assigned over, or moved from
// (a moved-from std::string may keep a short value in its inline buffer). Best effort: the
// receiver also zeroes the command bytes it drops; copies the server makes are its own to wipe.
class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string&& value);
  SecretString(const SecretString& other);
  SecretString(SecretString&& other) noexcept;
  SecretString& operator=(const SecretString& other);
  SecretString& operator=(SecretString&& other) noexcept;
  ~SecretString();

  const std::string& str() const { return value_; }
  std::string_view view() const { return value_; }
  bool empty() const { return value_.empty(); }
  void wipe();  // overwrite and clear now
  bool operator==(const SecretString& other) const { return value_ == other.value_; }

 private:
  std::string value_;
};

// Overwrites every byte a std::string owns (its whole capacity), then clears it.
void wipe_string(std::string& s);

// CAPABILITY NOOP LOGOUT STARTTLS CHECK CLOSE UNSELECT IDLE NAMESPACE.
struct NoArgs {
  bool operator==(const NoArgs&) const = default;
};

// LOGIN user password (RFC 9051 §6.2.3): both astrings.
struct LoginArgs {
  std::string user;
  SecretString password;
  bool operator==(const LoginArgs&) const = default;
};

// AUTHENTICATE mechanism [initial-response] (RFC 9051 §6.2.2, RFC 4959 SASL-IR). The initial
// response is the base64 text as sent ("=" stands for an empty response, RFC 4959 §3); the
// server decodes it. Further SASL lines are read with Receiver::next_line().
struct AuthenticateArgs {
  std::string mechanism;  // upper case
  std::optional<SecretString> initial_response;
  bool operator==(const AuthenticateArgs&) const = default;
};

// DELETE SUBSCRIBE UNSUBSCRIBE GETQUOTAROOT, and LSUB's sibling uses ListArgs.
struct MailboxArgs {
  std::string mailbox;
  bool operator==(const MailboxArgs&) const = default;
};

// RFC 7162 §3.2.5: SELECT mailbox (QRESYNC (uidvalidity modseq [known-uids [(seq-match)]])).
struct Qresync {
  uint32_t uidvalidity = 0;
  uint64_t modseq = 0;
  std::optional<SequenceSet> known_uids;
  // (known-sequence-set known-uid-set): message numbers and the UIDs the client has for them.
  std::optional<std::pair<SequenceSet, SequenceSet>> seq_match;
  bool operator==(const Qresync&) const = default;
};

// SELECT EXAMINE: mailbox [(CONDSTORE) | (QRESYNC (...))] (RFC 7162 §3.1.8, §3.2.5).
struct SelectArgs {
  std::string mailbox;
  bool condstore = false;
  std::optional<Qresync> qresync;
  bool operator==(const SelectArgs&) const = default;
};

// CREATE mailbox [(USE (\Drafts ...))] (RFC 6154 §3 CREATE-SPECIAL-USE).
struct CreateArgs {
  std::string mailbox;
  std::vector<std::string> special_use;  // "\\Drafts", as written
  bool operator==(const CreateArgs&) const = default;
};

// RENAME from to.
struct RenameArgs {
  std::string from;
  std::string to;
  bool operator==(const RenameArgs&) const = default;
};

// STATUS items (RFC 9051 §6.3.11, RFC 8438 SIZE, RFC 7162 HIGHESTMODSEQ, RFC 7889 APPENDLIMIT,
// RFC 9208 DELETED-STORAGE).
enum class StatusItem {
  messages,
  recent,
  uidnext,
  uidvalidity,
  unseen,
  deleted,
  size,
  highestmodseq,
  appendlimit,
  deleted_storage,
};

// STATUS mailbox (items).
struct StatusArgs {
  std::string mailbox;
  std::vector<StatusItem> items;
  bool operator==(const StatusArgs&) const = default;
};

// LIST and LSUB (RFC 9051 §6.3.9, RFC 5258 LIST-EXTENDED, RFC 5819 LIST-STATUS, RFC 6154):
//   LIST [(selection-options)] reference (pattern | (pattern ...)) [RETURN (return-options)].
// LSUB takes only reference and one pattern.
struct ListArgs {
  std::string reference;
  std::vector<std::string> patterns;  // one or more (raw, may hold "*" and "%")
  bool extended = false;              // selection options, several patterns or RETURN were used
  struct Selection {
    bool subscribed = false;
    bool remote = false;
    bool recursive_match = false;  // RFC 5258 §3.1: never alone (the parser refuses that)
    bool special_use = false;      // RFC 6154 §5.1
    bool operator==(const Selection&) const = default;
  } selection;
  struct Return {
    bool subscribed = false;
    bool children = false;
    bool special_use = false;
    std::optional<std::vector<StatusItem>> status;  // RFC 5819 RETURN (STATUS (...))
    bool operator==(const Return&) const = default;
  } ret;
  bool operator==(const ListArgs&) const = default;
};

// One message of APPEND (RFC 9051 §6.3.12; RFC 3502 MULTIAPPEND gives several; RFC 3516
// literal8; RFC 6855 "UTF8 (literal8)").
struct AppendMessage {
  std::vector<std::string> flags;        // as written, e.g. "\\Seen", "$Forwarded"
  std::optional<std::string> date_text;  // the date-time as written (without quotes)
  std::optional<int64_t> date;           // the same in Unix seconds
  std::string data;                      // the message bytes
  bool binary = false;                   // sent as literal8 ~{n}: may hold NUL (RFC 3516 §4.4)
  bool utf8 = false;                     // sent as UTF8 (~{n}) (RFC 6855 §4)
  bool operator==(const AppendMessage&) const = default;
};

struct AppendArgs {
  std::string mailbox;
  std::vector<AppendMessage> messages;  // at least one
  bool operator==(const AppendArgs&) const = default;
};

// FETCH items (RFC 9051 §6.4.5, RFC 3516 BINARY, RFC 7162 MODSEQ). The macros ALL, FAST and
// FULL are expanded by the parser (RFC 9051 §6.4.5).
struct Partial {
  uint32_t offset = 0;
  uint32_t length = 0;  // nz-number
  bool operator==(const Partial&) const = default;
};

struct FetchItem {
  enum class Kind {
    envelope,
    bodystructure,
    body,            // BODY without a section: the non-extensible BODYSTRUCTURE
    body_section,    // BODY[section]<partial> and BODY.PEEK[...] (peek)
    binary_section,  // BINARY[part]<partial> and BINARY.PEEK[...] (peek)
    binary_size,     // BINARY.SIZE[part]
    rfc822,          // RFC822 (sets \Seen), same as BODY[]
    rfc822_header,   // RFC822.HEADER, same as BODY.PEEK[HEADER]
    rfc822_text,     // RFC822.TEXT, same as BODY[TEXT]
    rfc822_size,
    internaldate,
    flags,
    uid,
    modseq,  // RFC 7162 §3.1.4.1
  };
  Kind kind = Kind::flags;
  bool peek = false;
  Section section;
  std::optional<Partial> partial;
  bool operator==(const FetchItem&) const = default;
};

// FETCH set (items) [(CHANGEDSINCE modseq [VANISHED])] (RFC 7162 §3.1.4, §3.2.6).
struct FetchArgs {
  SequenceSet set;
  std::vector<FetchItem> items;
  std::optional<uint64_t> changedsince;
  bool vanished = false;  // only valid with UID FETCH and CHANGEDSINCE (the parser checks)
  bool operator==(const FetchArgs&) const = default;
};

// STORE set [(UNCHANGEDSINCE modseq)] (+|-)FLAGS[.SILENT] (flags) (RFC 9051 §6.4.6, RFC 7162).
enum class StoreMode { replace, add, remove };

struct StoreArgs {
  SequenceSet set;
  StoreMode mode = StoreMode::replace;
  bool silent = false;
  std::vector<std::string> flags;  // as written; whether \Recent may be set is the server's
  std::optional<uint64_t> unchangedsince;
  bool operator==(const StoreArgs&) const = default;
};

// COPY and MOVE set mailbox.
struct CopyArgs {
  SequenceSet set;
  std::string mailbox;
  bool operator==(const CopyArgs&) const = default;
};

// ESEARCH return options (RFC 4731 §3.1, RFC 5182 SAVE). "RETURN ()" means ALL.
struct SearchReturn {
  bool min = false;
  bool max = false;
  bool all = false;
  bool count = false;
  bool save = false;
  bool operator==(const SearchReturn&) const = default;
};

// SEARCH [RETURN (options)] [CHARSET charset] keys (RFC 9051 §6.4.4). The charset, when given, is
// "US-ASCII" or "UTF-8" (upper-cased); others are refused with Error::Kind::bad_charset.
struct SearchArgs {
  std::optional<std::string> charset;
  std::optional<SearchReturn> ret;
  SearchKey key;  // kind and_ of the top-level keys, or the single key
  bool operator==(const SearchArgs&) const = default;
};

// SORT (criteria) charset keys (RFC 5256 §3, RFC 5957).
struct SortCriterion {
  enum class Key { arrival, cc, date, from, size, subject, to, display_from, display_to };
  Key key = Key::arrival;
  bool reverse = false;
  bool operator==(const SortCriterion&) const = default;
};

struct SortArgs {
  std::vector<SortCriterion> criteria;
  std::string charset;  // upper case
  SearchKey key;
  bool operator==(const SortArgs&) const = default;
};

// THREAD algorithm charset keys (RFC 5256 §3). The algorithm is upper case; the server refuses
// the ones it does not announce (ORDEREDSUBJECT, REFERENCES).
struct ThreadArgs {
  std::string algorithm;
  std::string charset;
  SearchKey key;
  bool operator==(const ThreadArgs&) const = default;
};

// EXPUNGE (no set) and UID EXPUNGE set (RFC 4315 §2.1).
struct ExpungeArgs {
  std::optional<SequenceSet> uids;
  bool operator==(const ExpungeArgs&) const = default;
};

// ENABLE capability... (RFC 5161): names upper-cased.
struct EnableArgs {
  std::vector<std::string> capabilities;
  bool operator==(const EnableArgs&) const = default;
};

// ID (field value ...) | ID NIL (RFC 2971 §3.1). nullopt for NIL; values may be NIL.
struct IdArgs {
  std::optional<std::vector<std::pair<std::string, std::optional<std::string>>>> fields;
  bool operator==(const IdArgs&) const = default;
};

// GETQUOTA root (RFC 9208 §4.2).
struct GetQuotaArgs {
  std::string root;
  bool operator==(const GetQuotaArgs&) const = default;
};

// SETQUOTA root (resource limit ...) (RFC 9208 §4.3). Resource names upper-cased.
struct SetQuotaArgs {
  std::string root;
  std::vector<std::pair<std::string, uint64_t>> limits;
  bool operator==(const SetQuotaArgs&) const = default;
};

// COMPRESS mechanism (RFC 4978): upper case ("DEFLATE").
struct CompressArgs {
  std::string mechanism;
  bool operator==(const CompressArgs&) const = default;
};

using Arguments = std::variant<NoArgs, LoginArgs, AuthenticateArgs, MailboxArgs, SelectArgs, CreateArgs, RenameArgs,
                               StatusArgs, ListArgs, AppendArgs, FetchArgs, StoreArgs, CopyArgs, SearchArgs, SortArgs,
                               ThreadArgs, ExpungeArgs, EnableArgs, IdArgs, GetQuotaArgs, SetQuotaArgs, CompressArgs>;

struct Command {
  std::string tag;
  std::string name;  // upper case: "FETCH", "LOGIN", ...
  bool uid = false;  // sent as "UID <name>"
  Arguments args;
  bool operator==(const Command&) const = default;
};

}  // namespace sealmail::imap
