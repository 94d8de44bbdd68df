// Pieces of the outbound queue without I/O (issue 8): the per-destination slots
// (destination_slots.h: event-driven, first come first served, per domain) and the answer cache
// (answer_cache.h: TTL-bounded, size-bounded).
#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include "delivery/answer_cache.h"
#include "delivery/destination_slots.h"

namespace sealmail::delivery {
namespace {

namespace asio = boost::asio;

// A coroutine function (no capturing coroutine lambdas under co_spawn: GCC 12).
asio::awaitable<void> take(DestinationSlots* slots, std::string domain, std::vector<std::string>* got,
                           std::string name) {
  auto waiting = slots->acquire(domain);
  co_await std::move(waiting);
  got->push_back(std::move(name));
}

// Runs what is ready (restart(): an io_context that ran out of work stays stopped otherwise).
void poll(asio::io_context& io) {
  io.restart();
  io.poll();
}

TEST(DestinationSlots, AtMostPerDestinationAtOnceAndTheNextResumesOnRelease) {
  asio::io_context io;
  DestinationSlots slots(2);
  std::vector<std::string> got;
  for (const char* name : {"a1", "a2", "a3", "a4"})
    asio::co_spawn(io, take(&slots, "a.test", &got, name), asio::detached);
  poll(io);
  EXPECT_EQ(got, (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(slots.held("a.test"), 2u);

  // Another domain has its own slots.
  asio::co_spawn(io, take(&slots, "b.test", &got, "b1"), asio::detached);
  poll(io);
  EXPECT_EQ(got.back(), "b1");

  // A release hands the slot to the first waiter at once: no timer, no polling interval.
  slots.release("a.test");
  poll(io);
  EXPECT_EQ(got.back(), "a3");
  EXPECT_EQ(slots.held("a.test"), 2u);
  slots.release("a.test");
  poll(io);
  EXPECT_EQ(got.back(), "a4");
  slots.release("a.test");
  slots.release("a.test");
  slots.release("b.test");
  EXPECT_EQ(slots.held("a.test"), 0u);
  EXPECT_EQ(slots.held("b.test"), 0u);

  // The domain's entry was dropped with its last user; a new round starts with all slots free.
  for (const char* name : {"c1", "c2", "c3"}) asio::co_spawn(io, take(&slots, "a.test", &got, name), asio::detached);
  poll(io);
  EXPECT_EQ(slots.held("a.test"), 2u);
  EXPECT_EQ(got.back(), "c2");
}

TEST(DestinationSlots, HeldReleasesOnScopeExit) {
  asio::io_context io;
  DestinationSlots slots(1);
  std::vector<std::string> got;
  asio::co_spawn(io, take(&slots, "a.test", &got, "first"), asio::detached);
  poll(io);
  {
    DestinationSlots::Held held(slots, "a.test");  // adopts the slot "first" took
    asio::co_spawn(io, take(&slots, "a.test", &got, "second"), asio::detached);
    poll(io);
    EXPECT_EQ(got.size(), 1u);
  }
  poll(io);
  EXPECT_EQ(got.back(), "second");
}

TEST(AnswerCache, KeepsForTheLeastOfTtlAndMaxAgeAndNothingWithoutTtl) {
  AnswerCache<int> cache(std::chrono::seconds(60), 100);
  cache.put("a.test", 1, std::chrono::seconds(300));
  EXPECT_EQ(cache.get("a.test"), 1);
  cache.put("zero.test", 2, std::chrono::seconds(0));
  EXPECT_FALSE(cache.get("zero.test").has_value());
  EXPECT_FALSE(cache.get("never.test").has_value());
  cache.put("a.test", 3, std::chrono::seconds(10));  // a newer answer replaces the old
  EXPECT_EQ(cache.get("a.test"), 3);

  AnswerCache<int> off(std::chrono::seconds(0), 100);  // max_age 0: a cache that keeps nothing
  off.put("a.test", 1, std::chrono::seconds(300));
  EXPECT_FALSE(off.get("a.test").has_value());
}

TEST(AnswerCache, BoundedInSize) {
  AnswerCache<int> cache(std::chrono::seconds(60), 3);
  for (int i = 0; i < 3; ++i) cache.put("d" + std::to_string(i), i, std::chrono::seconds(60));
  EXPECT_EQ(cache.get("d2"), 2);
  cache.put("d3", 3, std::chrono::seconds(60));  // full of live entries: they all go
  EXPECT_EQ(cache.get("d3"), 3);
  EXPECT_FALSE(cache.get("d0").has_value());
}

}  // namespace
}  // namespace sealmail::delivery
