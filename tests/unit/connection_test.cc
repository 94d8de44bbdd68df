// core/connection.h: a read and a write pending at once keep their own deadlines. In IMAP IDLE the
// session waits for the client's DONE while it writes changes; before each had its own timer, a
// write re-armed and then cancelled the shared one, and the waiting read lost its deadline: a
// client that stayed silent after a notification was never logged out.
#include "core/connection.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <chrono>
#include <memory>
#include <optional>

namespace sealmail::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

// A connected pair on loopback: `server` is ours, `client` the silent peer.
struct Pair {
  asio::io_context io;
  tcp::socket client{io};
  std::shared_ptr<Connection> server;
  Pair() {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    client.connect(acceptor.local_endpoint());
    server = std::make_shared<Connection>(acceptor.accept());
  }
};

asio::awaitable<void> read_once(std::shared_ptr<Connection> c, std::chrono::milliseconds timeout,
                                std::optional<ErrorCode>& result) {
  std::string in;
  auto reading = c->read_some(in, timeout);
  result = co_await std::move(reading);
}

asio::awaitable<void> write_a_few(std::shared_ptr<Connection> c, int count, std::chrono::milliseconds gap,
                                  int& written) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (int i = 0; i < count; ++i) {
    auto writing = c->write("* 1 EXISTS\r\n", 30s);
    auto ec = co_await std::move(writing);
    if (!ec) ++written;
    timer.expires_after(gap);
    auto waiting = timer.async_wait(asio::as_tuple(asio::use_awaitable));
    co_await std::move(waiting);
  }
}

TEST(Connection, ReadTimesOutWhileWritesComeAndGo) {
  Pair p;
  std::optional<ErrorCode> read_result;
  int written = 0;
  asio::co_spawn(p.io, read_once(p.server, 300ms, read_result), asio::detached);
  asio::co_spawn(p.io, write_a_few(p.server, 3, 50ms, written), asio::detached);
  // Long enough for the read's 300 ms many times over; without its own deadline it never ends.
  p.io.run_for(10s);
  ASSERT_TRUE(read_result.has_value()) << "the read lost its deadline";
  EXPECT_EQ(*read_result, asio::error::timed_out);
  EXPECT_EQ(written, 3);
  EXPECT_TRUE(p.server->is_open());  // timed out, not closed: the session may still say BYE
}

TEST(Connection, ReadReturnsDataAndAWriteAloneStillFinishes) {
  Pair p;
  std::optional<ErrorCode> read_result;
  int written = 0;
  asio::co_spawn(p.io, read_once(p.server, 5s, read_result), asio::detached);
  asio::co_spawn(p.io, write_a_few(p.server, 2, 10ms, written), asio::detached);
  asio::write(p.client, asio::buffer(std::string("DONE\r\n")));
  p.io.run_for(2s);
  ASSERT_TRUE(read_result.has_value());
  EXPECT_FALSE(*read_result) << read_result->message();
  EXPECT_EQ(written, 2);
}

}  // namespace
}  // namespace sealmail::net
