#include "quota/usage.h"

#include "store/usage_hint.h"

namespace sealmail::quota {

const char* to_string(Scope scope) {
  switch (scope) {
    case Scope::alias:
      return "alias";
    case Scope::domain:
      return "domain";
    case Scope::account:
      return "account";
  }
  return "unknown";
}

bool Usage::fits(uint64_t bytes) const {
  for (const auto& l : levels)
    if (bytes > l.room()) return false;
  return true;
}

bool Usage::could_ever_fit(uint64_t bytes) const {
  for (const auto& l : levels)
    if (bytes > l.limit) return false;
  return true;
}

std::optional<Level> Usage::tightest() const {
  std::optional<Level> out;
  for (const auto& l : levels)
    if (!out || l.room() < out->room()) out = l;
  return out;
}

Meter::Meter(std::filesystem::path data_dir, std::shared_ptr<store::MailboxRegistry> registry,
             std::shared_ptr<store::Spool> spool)
    : data_dir_(std::move(data_dir)), registry_(std::move(registry)), spool_(std::move(spool)) {}

uint64_t Meter::stored_bytes(const std::string& mailbox_id) const {
  if (!directory::is_mailbox_id(mailbox_id)) return 0;
  if (auto open = registry_ ? registry_->find(mailbox_id) : nullptr) {
    if (auto q = open->quota()) return q->bytes;
  }
  // Away: the hint the mailbox left when it last closed; one that has never closed since it was
  // made holds nothing yet.
  return store::read_usage_hint(directory::mailbox_path(data_dir_, mailbox_id)).value_or(0);
}

uint64_t Meter::mailbox_bytes(const std::string& mailbox_id) const {
  if (!directory::is_mailbox_id(mailbox_id)) return 0;
  uint64_t used = stored_bytes(mailbox_id);
  if (spool_) {
    if (auto spooled = spool_->bytes(mailbox_id)) used += *spooled;
  }
  return used;
}

uint64_t Meter::sum(const std::vector<std::string>& mailbox_ids, Counted& counted) const {
  uint64_t total = 0;
  for (const auto& id : mailbox_ids) {
    auto [it, fresh] = counted.try_emplace(id, 0);
    if (fresh) it->second = mailbox_bytes(id);
    total += it->second;
  }
  return total;
}

Result<Usage> Meter::usage(directory::Directory& directory, const directory::Alias& alias) const {
  auto limits = directory.quota_for(alias);
  if (!limits) return limits.error();
  Usage out;
  Counted counted;  // each mailbox is measured once, whatever levels it counts in
  if (limits->alias) out.levels.push_back({Scope::alias, sum({alias.mailbox_id}, counted), *limits->alias});
  if (limits->domain) {
    auto ids = directory.domain_mailboxes(limits->domain_id);
    if (!ids) return ids.error();
    out.levels.push_back({Scope::domain, sum(*ids, counted), *limits->domain});
  }
  if (limits->account) {
    auto ids = directory.account_mailboxes(limits->account_id);
    if (!ids) return ids.error();
    out.levels.push_back({Scope::account, sum(*ids, counted), *limits->account});
  }
  return out;
}

Result<uint64_t> Meter::account_bytes(directory::Directory& directory, int64_t account_id) const {
  auto ids = directory.account_mailboxes(account_id);
  if (!ids) return ids.error();
  Counted counted;
  return sum(*ids, counted);
}

Result<uint64_t> Meter::domain_bytes(directory::Directory& directory, int64_t domain_id) const {
  auto ids = directory.domain_mailboxes(domain_id);
  if (!ids) return ids.error();
  Counted counted;
  return sum(*ids, counted);
}

}  // namespace sealmail::quota
