#include "directory/connection_pool.h"

#include <algorithm>
#include <utility>

namespace sealmail::directory {

ConnectionPool::ConnectionPool(std::filesystem::path file, size_t max, std::function<void(sql::Db&)> setup)
    : file_(std::move(file)), max_(std::max<size_t>(max, 1)), setup_(std::move(setup)) {}

ConnectionPool::Lease ConnectionPool::acquire() {
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !idle_.empty() || open_ < max_; });
    if (!idle_.empty()) {
      sql::Db db = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(db));
    }
    ++open_;  // reserved; opened below without holding the lock
  }
  try {
    sql::Db db = sql::Db::open(file_, false);
    setup_(db);
    return Lease(this, std::move(db));
  } catch (...) {
    std::lock_guard lock(mu_);
    --open_;
    cv_.notify_one();
    throw;
  }
}

void ConnectionPool::adopt(sql::Db db) {
  std::lock_guard lock(mu_);
  ++open_;
  idle_.push_back(std::move(db));
  cv_.notify_one();
}

void ConnectionPool::release(sql::Db db) {
  std::lock_guard lock(mu_);
  idle_.push_back(std::move(db));
  cv_.notify_one();
}

}  // namespace sealmail::directory
