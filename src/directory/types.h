// What the directory holds (DESIGN.md point 2): accounts, the domains they own, and the aliases of
// those domains. Metadata only: a mailbox is named by a random id and lives in its own encrypted
// file (mailbox_path), never in the directory.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sealmail::directory {

// An owner. quota_bytes is shared by every domain and alias it owns; 0 means unlimited.
struct Account {
  int64_t id = 0;
  std::string name;  // unique, compared case-insensitively
  uint64_t quota_bytes = 0;
  std::string created_at;  // ISO 8601 UTC
};

inline constexpr int kDefaultRetentionDays = 30;

struct Domain {
  int64_t id = 0;
  std::string name;  // lowercased (ASCII letters; an IDN is kept in UTF-8 as given)
  int64_t account_id = 0;
  std::optional<uint64_t> quota_bytes;         // none: only the account's limit applies
  std::string dkim_selector;                   // may be empty until a DKIM key is made
  int retention_days = kDefaultRetentionDays;  // sent copies are redacted after this many days
  std::string created_at;
};

struct NewDomain {
  std::string name;
  int64_t account_id = 0;
  std::optional<uint64_t> quota_bytes;  // 0 is the same as none
  std::string dkim_selector;
  int retention_days = kDefaultRetentionDays;
};

enum class AliasKind {
  exact,      // local@domain
  catch_all,  // *@domain: whatever no other alias of the domain takes
  regex,      // /RE2/@domain: the pattern must match the whole local part, case-insensitively
};

const char* to_string(AliasKind kind);

struct Alias {
  int64_t id = 0;
  std::string address;  // as entered ("Hello@Example.com", "*@example.com", "/^sales-.*$/@example.com")
  AliasKind kind = AliasKind::exact;
  // exact: the local part lowercased (the lookup key); catch_all: "*"; regex: the pattern as written.
  std::string local_part;
  int64_t domain_id = 0;
  std::string domain;  // the domain's (lowercased) name
  bool has_mailbox = false;
  // 24 random hex characters, never derived from the address; assigned when the alias is made,
  // whether or not it has a mailbox yet. The mailbox file is mailbox_path(data_dir, mailbox_id).
  std::string mailbox_id;
  std::vector<std::string> forwards;  // addresses
  std::vector<std::string> webhooks;  // http:// or https:// URLs
  std::optional<uint64_t> quota_bytes;
  std::string password_hash;            // Argon2id string (crypto/password_hash.h), or empty
  std::vector<uint8_t> box_public_key;  // X25519 public key for the spool: empty or 32 bytes
  std::string created_at;               // ISO 8601 UTC

  bool has_password() const { return !password_hash.empty(); }
};

struct NewAlias {
  std::string address;  // "local@domain", "*@domain" or "/regex/@domain"; the domain must be hosted
  bool mailbox = false;
  std::vector<std::string> forwards;
  std::vector<std::string> webhooks;
  std::optional<uint64_t> quota_bytes;  // 0 is the same as none
};

// The limits that apply to an alias's mailbox; none means "no limit at that level". Usage is
// accounted elsewhere: the account's limit covers the sum over all its mailboxes, the domain's
// the sum over the domain's, the alias's its own mailbox.
struct QuotaLimits {
  int64_t account_id = 0;
  int64_t domain_id = 0;
  std::optional<uint64_t> alias;
  std::optional<uint64_t> domain;
  std::optional<uint64_t> account;

  // The smallest of the three, or none when none is set.
  std::optional<uint64_t> effective() const;
};

}  // namespace sealmail::directory
