// kill -9 at any moment: every append that returned success is there after reopen, and a rekey
// leaves a mailbox that opens with exactly one of the two passwords and holds everything.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "store/corpus.h"
#include "store/mailbox.h"
#include "store/test_support.h"

namespace sealmail::store {
namespace {

using testing::TempDir;

const std::string kPassword = "first password";
const std::string kNewPassword = "second password";

std::string numbered_message(uint32_t n) {
  std::string body = "message number " + std::to_string(n);
  if (n % 5 == 0) return testing::mixed_with_attachment(body, testing::base64_blob(6000 + n, n));
  return testing::plain_message(body);
}

// Reads a little-endian uint32 from a pipe; false at end of stream.
bool read_u32(int fd, uint32_t& v) {
  size_t got = 0;
  auto* p = reinterpret_cast<char*>(&v);
  while (got < sizeof v) {
    ssize_t n = ::read(fd, p + got, sizeof v - got);
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

TEST(StoreCrash, EveryAcknowledgedAppendSurvivesKill9) {
  unsigned seed = std::random_device{}();
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  TempDir dir;
  auto file = dir / "crash.sqlite";
  ASSERT_TRUE(Mailbox::create(file, testing::secret(kPassword)).ok());
  for (int round = 0; round < 4; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      auto m = Mailbox::open(file, testing::secret(kPassword));  // durable: synchronous=FULL
      if (!m.ok()) ::_exit(2);
      for (uint32_t n = 0;; ++n) {
        AppendRequest r;
        r.message = numbered_message(n);
        auto res = (*m)->append(r);
        if (!res.ok()) ::_exit(3);
        // Only after append() returned: this is the "250" the server would answer.
        uint32_t uid = res->uid;
        if (::write(fds[1], &uid, sizeof uid) != sizeof uid) ::_exit(4);
        if (::write(fds[1], &n, sizeof n) != sizeof n) ::_exit(4);
      }
    }
    ::close(fds[1]);
    uint32_t acks_wanted = 20 + rng() % 120;
    std::vector<std::pair<uint32_t, uint32_t>> acked;
    uint32_t uid = 0, n = 0;
    while (acked.size() < acks_wanted && read_u32(fds[0], uid) && read_u32(fds[0], n)) acked.emplace_back(uid, n);
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    // Anything already in the pipe was acknowledged too.
    while (read_u32(fds[0], uid) && read_u32(fds[0], n)) acked.emplace_back(uid, n);
    ::close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with " << WEXITSTATUS(status);

    auto m = Mailbox::open(file, testing::secret(kPassword));
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_TRUE((*m)->check().ok());
    for (auto [u, num] : acked) {
      auto raw = (*m)->fetch_raw("INBOX", u);
      ASSERT_TRUE(raw.ok()) << "round " << round << ": acknowledged uid " << u << " lost";
      EXPECT_TRUE(*raw == numbered_message(num)) << "uid " << u;
    }
    std::printf("round %d: %zu acknowledged appends all present\n", round, acked.size());
    // The next round appends with new numbers; clear INBOX so numbering restarts cleanly.
    ASSERT_TRUE((*m)->store_flags("INBOX", all_uids(), FlagMode::add, {kDeleted, {}}).ok());
    ASSERT_TRUE((*m)->expunge("INBOX").ok());
  }
}

TEST(StoreCrash, RekeyKilledAtManyPointsLeavesOneWorkingPassword) {
  unsigned seed = std::random_device{}();
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  TempDir dir;
  auto file = dir / "rekey.sqlite";
  std::vector<std::string> messages;
  {
    auto m = Mailbox::create(file, testing::secret(kPassword));
    ASSERT_TRUE(m.ok());
    std::vector<AppendRequest> batch;
    for (uint32_t n = 0; n < 300; ++n) {
      messages.push_back(numbered_message(n));
      batch.push_back({"INBOX", messages.back(), {}, {}});
    }
    ASSERT_TRUE((*m)->append_batch(batch).ok());
  }
  // How long one rekey takes here, to spread the kills over all of it.
  auto t0 = std::chrono::steady_clock::now();
  {
    auto m = Mailbox::open(file, testing::secret(kPassword));
    ASSERT_TRUE((*m)->rekey(testing::secret(kNewPassword)).ok());
    ASSERT_TRUE((*m)->rekey(testing::secret(kPassword)).ok());
  }
  auto full_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count() / 2;
  std::printf("one rekey takes about %lld us\n", static_cast<long long>(full_us));

  int old_key = 0, new_key = 0;
  std::string current = kPassword, other = kNewPassword;
  for (int round = 0; round < 40; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      auto m = Mailbox::open(file, testing::secret(current));
      if (!m.ok()) ::_exit(2);
      char go = 'g';
      if (::write(fds[1], &go, 1) != 1) ::_exit(4);
      auto st = (*m)->rekey(testing::secret(other));
      ::_exit(st.ok() ? 0 : 3);
    }
    ::close(fds[1]);
    char go = 0;
    ASSERT_EQ(::read(fds[0], &go, 1), 1);
    ::close(fds[0]);
    auto delay = std::chrono::microseconds(rng() % static_cast<uint64_t>(full_us * 12 / 10 + 1));
    std::this_thread::sleep_for(delay);
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);

    auto with_current = Mailbox::open(file, testing::secret(current));
    auto with_other = Mailbox::open(file, testing::secret(other));
    ASSERT_NE(with_current.ok(), with_other.ok()) << "round " << round << ": exactly one password must open it";
    auto& m = with_current.ok() ? *with_current : *with_other;
    EXPECT_TRUE(m->check().ok());
    auto list = m->list_messages("INBOX");
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), messages.size()) << "round " << round;
    for (uint32_t u : {1u, 150u, 300u}) EXPECT_TRUE(m->fetch_raw("INBOX", u).value() == messages[u - 1]);
    if (with_other.ok()) {
      ++new_key;
      std::swap(current, other);
    } else {
      ++old_key;
    }
  }
  std::printf("after kill -9: %d rounds kept the old password, %d had switched to the new one\n", old_key, new_key);
}

}  // namespace
}  // namespace sealmail::store
