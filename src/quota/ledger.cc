#include "quota/ledger.h"

#include <functional>

namespace sealmail::quota {

std::shared_ptr<Ledger> Ledger::create(std::filesystem::path data_dir, std::shared_ptr<store::MailboxRegistry> registry,
                                       std::shared_ptr<store::Spool> spool, std::chrono::seconds resync_after) {
  return std::shared_ptr<Ledger>(new Ledger(std::move(data_dir), std::move(registry), std::move(spool), resync_after));
}

Ledger::Ledger(std::filesystem::path data_dir, std::shared_ptr<store::MailboxRegistry> registry,
               std::shared_ptr<store::Spool> spool, std::chrono::seconds resync_after)
    : meter_(std::move(data_dir), std::move(registry), spool), spool_(std::move(spool)), resync_after_(resync_after) {}

void Ledger::observe(store::MailboxRegistry& registry) {
  std::weak_ptr<Ledger> weak = weak_from_this();
  registry.set_open_observer([weak](const std::string& id, store::Mailbox& mailbox) {
    auto self = weak.lock();
    if (!self) return;
    self->update(id, mailbox);  // re-synced at each open: what happened while it was closed counts
    mailbox.subscribe([weak, id](const store::ChangeEvent& e) {
      if (e.kind == store::ChangeEvent::Kind::flags) return;  // flags change no size
      if (auto self = weak.lock()) {
        std::lock_guard lock(self->mutex_);
        self->changed_.insert(id);
      }
    });
  });
}

uint64_t Ledger::spooled(const std::string& mailbox_id) {
  if (!spool_) return 0;
  {
    std::lock_guard lock(mutex_);
    auto it = spooled_.find(mailbox_id);
    if (it != spooled_.end() && Clock::now() - it->second.listed < resync_after_) return it->second.bytes;
  }
  auto listed = Clock::now();
  auto b = spool_->bytes(mailbox_id);
  if (!b) return 0;
  std::lock_guard lock(mutex_);
  spooled_[mailbox_id] = {*b, listed};
  return *b;
}

void Ledger::forget_spooled(const std::string& mailbox_id) {
  std::lock_guard lock(mutex_);
  spooled_.erase(mailbox_id);
}

void Ledger::update(const std::string& mailbox_id, store::Mailbox& mailbox) {
  auto q = mailbox.quota();  // a running count in the store: no sum over the messages
  if (!q) return;
  forget_spooled(mailbox_id);  // opened: its spool is about to be drained
  uint64_t bytes = q->bytes + spooled(mailbox_id);
  std::lock_guard lock(mutex_);
  set_locked(mailbox_id, bytes);
}

void Ledger::refresh(const std::string& mailbox_id) {
  uint64_t bytes = meter_.stored_bytes(mailbox_id) + spooled(mailbox_id);
  std::lock_guard lock(mutex_);
  set_locked(mailbox_id, bytes);
}

void Ledger::sealed(const std::string& mailbox_id, uint64_t entry_bytes) {
  {
    std::lock_guard lock(mutex_);
    // Unknown: the listing in refresh() below finds the entry itself.
    if (auto it = spooled_.find(mailbox_id); it != spooled_.end()) it->second.bytes += entry_bytes;
  }
  refresh(mailbox_id);
}

void Ledger::set_locked(const std::string& mailbox_id, uint64_t bytes) {
  auto [it, fresh] = bytes_.try_emplace(mailbox_id, bytes);
  uint64_t old = fresh ? 0 : it->second;
  it->second = bytes;
  if (fresh || old == bytes) return;  // a mailbox no group holds yet moves no total
  auto groups = groups_of_.find(mailbox_id);
  if (groups == groups_of_.end()) return;
  for (const auto& key : groups->second) {
    auto g = groups_.find(key);
    if (g == groups_.end()) continue;
    g->second.total = g->second.total - old + bytes;
  }
}

uint64_t Ledger::sum_group(const std::string& key, const std::vector<std::string>& ids) {
  // Sizes of mailboxes never seen are read outside the lock (files); the sum itself is taken under
  // it, from the counters, so that a change landing meanwhile is neither lost nor counted twice.
  std::vector<std::pair<std::string, uint64_t>> unseen;
  {
    std::lock_guard lock(mutex_);
    for (const auto& id : ids)
      if (!bytes_.count(id)) unseen.emplace_back(id, 0);
  }
  for (auto& [id, b] : unseen) b = meter_.mailbox_bytes(id);
  std::lock_guard lock(mutex_);
  for (auto& [id, b] : unseen) bytes_.try_emplace(id, b);
  auto& g = groups_[key];
  for (const auto& old : g.members) {
    auto of = groups_of_.find(old);
    if (of != groups_of_.end()) of->second.erase(key);
  }
  g.members = std::set<std::string>(ids.begin(), ids.end());
  g.total = 0;
  for (const auto& id : g.members) {
    g.total += bytes_[id];
    groups_of_[id].insert(key);
  }
  g.summed = Clock::now();
  return g.total;
}

Result<uint64_t> Ledger::group_total(const std::string& key,
                                     const std::function<Result<std::vector<std::string>>()>& list,
                                     const std::string& member) {
  {
    std::lock_guard lock(mutex_);
    auto g = groups_.find(key);
    // A mailbox made since the sum (a new alias) joins the sum again; so does an old total.
    if (g != groups_.end() && Clock::now() - g->second.summed < resync_after_ &&
        (member.empty() || g->second.members.count(member)))
      return g->second.total;
  }
  auto ids = list();
  if (!ids) return ids.error();
  return sum_group(key, *ids);
}

Result<Usage> Ledger::usage(directory::Directory& directory, const directory::Alias& alias) {
  auto limits = directory.quota_for(alias);
  if (!limits) return limits.error();
  const std::string& own = alias.mailbox_id;
  // The mailboxes that committed since the last check: their sizes first (as many as changed,
  // whatever the number of mailboxes counted).
  std::set<std::string> changed;
  {
    std::lock_guard lock(mutex_);
    changed.swap(changed_);
  }
  for (const auto& id : changed) {
    forget_spooled(id);  // a commit may be a drain of its spool
    if (id != own) refresh(id);
  }
  // The alias's own mailbox is read again at each check (one mailbox: its live count or its hint,
  // and its spool), so that what it holds is exact whatever happened to it unseen.
  if (directory::is_mailbox_id(own)) refresh(own);
  Usage out;
  if (limits->alias) {
    std::lock_guard lock(mutex_);
    auto it = bytes_.find(own);
    out.levels.push_back({Scope::alias, it == bytes_.end() ? 0 : it->second, *limits->alias});
  }
  std::string member = directory::is_mailbox_id(own) ? own : std::string();
  if (limits->domain) {
    int64_t id = limits->domain_id;
    auto total = group_total(
        "domain:" + std::to_string(id), [&] { return directory.domain_mailboxes(id); }, member);
    if (!total) return total.error();
    out.levels.push_back({Scope::domain, *total, *limits->domain});
  }
  if (limits->account) {
    int64_t id = limits->account_id;
    auto total = group_total(
        "account:" + std::to_string(id), [&] { return directory.account_mailboxes(id); }, member);
    if (!total) return total.error();
    out.levels.push_back({Scope::account, *total, *limits->account});
  }
  return out;
}

uint64_t Ledger::mailbox_bytes_for_testing(const std::string& mailbox_id) {
  std::lock_guard lock(mutex_);
  auto it = bytes_.find(mailbox_id);
  return it == bytes_.end() ? 0 : it->second;
}

}  // namespace sealmail::quota
