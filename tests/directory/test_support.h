// A fresh directory file in a temporary folder per test, with a wall clock the test moves.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "directory/directory.h"

namespace sealmail::directory::testing {

class TempFolder {
 public:
  TempFolder() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sealmail-dir-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A wall clock that starts at a fixed date and only moves when told.
class ManualWallClock {
 public:
  std::chrono::system_clock::time_point now() const {
    return std::chrono::system_clock::time_point(std::chrono::seconds(seconds_.load()));
  }
  void advance(std::chrono::seconds s) { seconds_ += s.count(); }
  WallClock fn() {
    return [this] { return now(); };
  }

 private:
  std::atomic<int64_t> seconds_{1767225600};  // 2026-01-01T00:00:00Z
};

class DirectoryTest : public ::testing::Test {
 protected:
  std::filesystem::path file() const { return folder_.path() / "directory.sqlite"; }

  DirectoryOptions options() {
    DirectoryOptions o;
    o.clock = clock_.fn();
    return o;
  }

  std::unique_ptr<Directory> open(DirectoryOptions o) {
    auto r = open_sqlite_directory(file(), std::move(o));
    if (!r) ADD_FAILURE() << r.error().message;
    return r ? std::move(*r) : nullptr;
  }
  std::unique_ptr<Directory> open() { return open(options()); }

  void SetUp() override {
    dir_ = open();
    ASSERT_NE(dir_, nullptr);
  }

  // An account owning example.com, the usual starting point.
  Domain make_domain(const std::string& name = "example.com", const std::string& account = "owner") {
    auto acc = dir_->find_account(account);
    int64_t account_id = acc ? acc->id : dir_->add_account(account)->id;
    NewDomain d;
    d.name = name;
    d.account_id = account_id;
    auto r = dir_->add_domain(d);
    if (!r) ADD_FAILURE() << r.error().message;
    return r ? *r : Domain{};
  }

  Alias make_alias(const std::string& address, bool mailbox = true) {
    NewAlias a;
    a.address = address;
    a.mailbox = mailbox;
    if (!mailbox) a.forwards = {"elsewhere@example.net"};
    auto r = dir_->add_alias(a);
    if (!r) ADD_FAILURE() << address << ": " << r.error().message;
    return r ? *r : Alias{};
  }

  TempFolder folder_;
  ManualWallClock clock_;
  std::unique_ptr<Directory> dir_;
};

}  // namespace sealmail::directory::testing
