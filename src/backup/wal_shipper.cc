#include "backup/wal_shipper.h"

#include <sys/stat.h>

#include <chrono>
#include <deque>
#include <map>
#include <vector>

#include "backup/continuous.h"
#include "backup/wal_segment.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/metrics.h"
#include "store/wal_capture.h"

namespace sealmail::backup {

namespace {

constexpr size_t kSegmentBytes = 16u << 20;  // commits packed into one object, at most

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Generation {
  std::string mailbox_id;
  std::string name;
  std::weak_ptr<store::Mailbox> mailbox;
  int64_t base_ms = 0;
  bool base_uploaded = false;
  bool ended = false;     // its capture is over or replaced: nothing more is queued
  bool broken = false;    // nothing more of it is shipped
  bool released = false;  // the store let go of its sink: no commit can come any more
  uint32_t next_index = 1;
  std::deque<store::WalCommit> queue;
  size_t queued_bytes = 0;
};

}  // namespace

struct WalShipper::Shared {
  std::mutex mutex;
  size_t max_queued = 0;
  size_t queued = 0;
  std::vector<std::shared_ptr<Generation>> generations;
  std::map<std::string, std::shared_ptr<Generation>> current;  // by mailbox id
  Stats stats;

  // With `mutex` held.
  void drop_queue(Generation& g) {
    queued -= g.queued_bytes;
    g.queued_bytes = 0;
    g.queue.clear();
  }
};

Result<std::unique_ptr<WalShipper>> WalShipper::create(std::shared_ptr<store::MailboxRegistry> registry,
                                                       const BackupConfig& config,
                                                       const std::filesystem::path& data_dir) {
  auto target = make_target(config);
  if (!target) return target.error();
  return std::make_unique<WalShipper>(std::move(registry), config, data_dir / "backup-work", std::move(*target));
}

WalShipper::WalShipper(std::shared_ptr<store::MailboxRegistry> registry, const BackupConfig& config,
                       std::filesystem::path work_dir, std::unique_ptr<Target> target)
    : registry_(std::move(registry)),
      config_(config),
      work_dir_(std::move(work_dir)),
      target_(std::move(target)),
      shared_(std::make_shared<Shared>()) {
  shared_->max_queued = size_t{config.continuous_buffer_mb} << 20;
}

WalShipper::~WalShipper() { stop(); }

void WalShipper::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(thread_mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, std::chrono::seconds(config_.ship_seconds), [&] { return stopping_; });
      if (stopping_) break;
      lock.unlock();
      pass(true);
      lock.lock();
    }
    lock.unlock();
    pass(false);  // what the last commits left queued
  });
}

void WalShipper::stop() {
  {
    std::lock_guard lock(thread_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

WalShipper::Stats WalShipper::stats() {
  std::lock_guard lock(shared_->mutex);
  auto s = shared_->stats;
  s.queued_bytes = shared_->queued;
  return s;
}

void WalShipper::pass(bool start_new) {
  auto& failed = metrics::global().counter("sealmail_wal_ship_failures_total",
                                           "Uploads of continuous protection that failed (tried again).");
  auto shared = shared_;
  std::error_code ec;
  std::filesystem::create_directories(work_dir_, ec);
  ::chmod(work_dir_.c_str(), 0700);

  // Queued commits, in order, packed into segments: before new generations start (a generation
  // that ended ships its last commits before the new base prunes it), and after.
  auto flush = [&] {
    std::vector<std::shared_ptr<Generation>> gens;
    {
      std::lock_guard lock(shared->mutex);
      gens = shared->generations;
    }
    for (auto& g : gens) {
      for (;;) {
        std::vector<store::WalCommit> batch;
        size_t bytes = 0;
        {
          std::lock_guard lock(shared->mutex);
          if (!g->base_uploaded || g->broken) break;
          while (!g->queue.empty() && (batch.empty() || bytes + g->queue.front().frames.size() <= kSegmentBytes)) {
            bytes += g->queue.front().frames.size();
            batch.push_back(std::move(g->queue.front()));
            g->queue.pop_front();
          }
        }
        if (batch.empty()) break;
        std::string object;
        for (const auto& c : batch) append_segment_commit(object, c.page_size, c.unix_ms, c.frames);
        auto file = work_dir_ / (g->mailbox_id + ".seg");
        auto st = fs::write_file_durably(file, object);
        std::string sha;
        if (st) {
          auto h = fs::sha256_file_hex(file);
          if (h)
            sha = *h;
          else
            st = h.error();
        }
        if (st)
          st = target_->put(
              segment_object(config_.prefix, g->mailbox_id, g->name, g->next_index, batch.front().unix_ms), file, sha);
        (void)fs::remove_if_exists(file);
        std::lock_guard lock(shared->mutex);
        if (!st) {
          failed.add();
          log::warn("wal_segment_upload_failed", {{"mailbox", g->mailbox_id}, {"reason", st.error().message}});
          for (auto it = batch.rbegin(); it != batch.rend(); ++it) g->queue.push_front(std::move(*it));
          break;  // kept in order; tried again at the next pass
        }
        ++g->next_index;
        g->queued_bytes -= bytes;
        shared->queued -= bytes;
        ++shared->stats.segments;
        shared->stats.segment_bytes += object.size();
        shared->stats.commits += batch.size();
      }
    }
  };
  flush();

  // A generation for every open mailbox whose capture is not running (new, reopened, or ended).
  if (start_new) {
    for (auto& slot : registry_->open_mailboxes()) {
      auto mailbox = std::move(slot);  // let go once the capture runs: the upload keeps no key in memory
      std::string id = mailbox->path().stem().string();
      std::shared_ptr<Generation> cur;
      {
        std::lock_guard lock(shared->mutex);
        if (auto it = shared->current.find(id); it != shared->current.end()) cur = it->second;
      }
      bool same = cur && cur->mailbox.lock() == mailbox && store::wal_capture_active(*mailbox);
      if (same && now_ms() - cur->base_ms < int64_t{config_.generation_seconds} * 1000) continue;
      if (same) store::stop_wal_capture(*mailbox);  // old enough: the next one starts from a new base
      if (cur) {
        std::lock_guard lock(shared->mutex);
        cur->ended = true;
      }
      auto g = std::make_shared<Generation>();
      g->mailbox_id = id;
      g->mailbox = mailbox;
      // The store drops the sink when the capture ends (the mailbox closed: its last commits, e.g.
      // PRAGMA optimize, come from the destructor). Until then the generation must stay listed.
      struct Release {
        std::shared_ptr<Shared> shared;
        std::shared_ptr<Generation> g;
        ~Release() {
          std::lock_guard lock(shared->mutex);
          g->released = true;
        }
      };
      std::shared_ptr<Release> release(new Release{shared, g});  // no temporary: its destructor would release
      auto sink = [shared, g, release](store::WalCommit&& c) {
        std::lock_guard lock(shared->mutex);
        if (g->broken || g->ended) return false;
        if (shared->queued + c.frames.size() > shared->max_queued) {
          g->broken = true;  // the buffer is full: the next generation's base holds all of it
          shared->drop_queue(*g);
          return false;
        }
        shared->queued += c.frames.size();
        g->queued_bytes += c.frames.size();
        g->queue.push_back(std::move(c));
        return true;
      };
      auto base_file = work_dir_ / (id + ".base");
      (void)fs::remove_if_exists(base_file);
      auto base = store::start_wal_capture(*mailbox, base_file, sink, shared->max_queued);
      if (!base) {
        (void)fs::remove_if_exists(base_file);
        if (base.error().code != Errc::busy)
          log::warn("wal_generation_failed", {{"mailbox", id}, {"reason", base.error().message}});
        continue;  // tried again at the next pass
      }
      g->base_ms = base->unix_ms;
      g->name = new_generation_name(base->unix_ms);
      {
        std::lock_guard lock(shared->mutex);
        shared->generations.push_back(g);
        shared->current[id] = g;
      }
      mailbox.reset();
      auto sha = fs::sha256_file_hex(base_file);
      Status st = sha ? target_->put(base_object(config_.prefix, id, g->name), base_file, *sha) : Status(sha.error());
      (void)fs::remove_if_exists(base_file);
      if (!st) {
        failed.add();
        log::warn("wal_base_upload_failed", {{"mailbox", id}, {"reason", st.error().message}});
        if (auto m = g->mailbox.lock()) store::stop_wal_capture(*m);
        std::lock_guard lock(shared->mutex);
        g->broken = true;
        shared->drop_queue(*g);
        continue;
      }
      {
        std::lock_guard lock(shared->mutex);
        g->base_uploaded = true;
        ++shared->stats.generations;
        shared->stats.base_bytes += base->bytes;
      }
      log::info("wal_generation_started", {{"mailbox", id}, {"bytes", std::to_string(base->bytes)}});
      auto pruned = prune_generations(*target_, config_.prefix, id, config_.keep, g->name);
      if (!pruned) log::warn("wal_prune_failed", {{"mailbox", id}, {"reason", pruned.error().message}});
    }
  }

  flush();

  // Generations whose capture is over for good and whose queue is empty.
  std::lock_guard lock(shared->mutex);
  std::erase_if(shared->generations, [&](const std::shared_ptr<Generation>& g) {
    if (!g->released || !g->queue.empty()) return false;
    if (auto it = shared->current.find(g->mailbox_id); it != shared->current.end() && it->second == g)
      shared->current.erase(it);
    return true;
  });
}

}  // namespace sealmail::backup
