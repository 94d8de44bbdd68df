#include "delivery/forwarder.h"

#include <algorithm>
#include <boost/asio/experimental/parallel_group.hpp>
#include <map>

#include "core/ascii.h"
#include "core/log.h"
#include "delivery/address_policy.h"

namespace sealmail::delivery {

namespace asio = boost::asio;
using smtp::client::local_reply;
using smtp::client::Outcome;
using smtp::client::RecipientResult;
using smtp::client::Reply;
using tcp = asio::ip::tcp;

struct Forwarder::Group {
  std::string domain;
  std::vector<std::string> recipients;
};

struct Forwarder::GroupResult {
  std::vector<RecipientResult> recipients;
  bool tls = false;
  size_t attempts = 0;
};

namespace {

// "host:port", "[v6]:port", "host" (then `default_port`).
std::pair<std::string, uint16_t> split_host_port(std::string_view relay, uint16_t default_port) {
  std::string_view host = relay;
  std::string_view port;
  if (!relay.empty() && relay.front() == '[') {
    auto close = relay.find(']');
    host = relay.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1);
    if (close != std::string_view::npos && close + 1 < relay.size() && relay[close + 1] == ':')
      port = relay.substr(close + 2);
  } else if (auto colon = relay.rfind(':'); colon != std::string_view::npos && relay.find(':') == colon) {
    host = relay.substr(0, colon);
    port = relay.substr(colon + 1);
  }
  uint16_t p = default_port;
  if (!port.empty()) {
    unsigned v = 0;
    for (char c : port) v = c >= '0' && c <= '9' && v < 65536 ? v * 10 + static_cast<unsigned>(c - '0') : 70000;
    if (v > 0 && v < 65536) p = static_cast<uint16_t>(v);
  }
  return {std::string(host), p};
}

// The remote's enhanced code when it is of the right class, else ours. Only digits and dots come
// through (Reply::enhanced() checks the form), so no remote text reaches our sender.
std::string enhanced_or(const Reply& reply, char cls, std::string fallback) {
  auto e = reply.enhanced();
  return !e.empty() && e[0] == cls ? e : fallback;
}

// A code that is meaningful as the answer to the end of DATA (RFC 5321 §4.3.2).
int permanent_code(const Reply& reply) {
  return reply.code == 552 || reply.code == 554 || reply.code == 556 ? reply.code : 550;
}

Reply dns_failure_reply(const MxResult& mx) {
  if (mx.failure == DnsFailure::temporary) return local_reply(451, "4.4.3 cannot resolve the forward target");
  if (mx.reason.find("null MX") != std::string::npos)
    return local_reply(556, "5.1.10 the forward target accepts no mail");  // RFC 7505 §4.2
  return local_reply(550, "5.1.2 the forward target's domain has no mail server");
}

}  // namespace

Forwarder::Forwarder(net::Runtime& runtime, ForwardOptions options)
    : runtime_(runtime),
      options_(std::move(options)),
      client_(smtp::client::ClientOptions{
          .helo_name = options_.helo_name.empty() ? std::string("localhost") : options_.helo_name,
          .tls = options_.tls,
          .verify_certificate = options_.verify_certificate,
          .ca_file = options_.ca_file,
          .pipelining = true,
          .connect_timeout = options_.timeouts.connect,
          .command_timeout = options_.timeouts.command,
          .data_timeout = options_.timeouts.data,
      }),
      resolver_(MxResolverOptions{.servers = options_.dns_servers, .timeout = options_.timeouts.dns}),
      memory_(options_.remember_for, options_.remember_capacity) {}

asio::awaitable<MxResult> Forwarder::destinations(const std::string& domain) const {
  if (!options_.relay) {
    auto resolving = resolver_.resolve(domain);
    co_return co_await std::move(resolving);
  }
  auto [host, port] = split_host_port(*options_.relay, options_.port);
  boost::system::error_code ec;
  auto literal = asio::ip::make_address(host, ec);
  if (!ec) {
    MxResult r;
    r.hosts.push_back(MxHost{host, 0, {literal}});
    co_return r;
  }
  auto resolving = resolver_.resolve_host(host);
  co_return co_await std::move(resolving);
}

asio::awaitable<Forwarder::GroupResult> Forwarder::deliver_group(Group group, std::string mail_from,
                                                                 std::shared_ptr<const std::string> message) const {
  GroupResult out;
  const size_t n = group.recipients.size();
  auto looking = destinations(group.domain);
  MxResult mx = co_await std::move(looking);
  if (!mx.ok()) {
    Reply r = dns_failure_reply(mx);
    out.recipients.assign(n, RecipientResult{r.permanent() ? Outcome::permanent : Outcome::temporary, r});
    co_return out;
  }
  const bool relay = options_.relay.has_value();
  const uint16_t port = relay ? split_host_port(*options_.relay, options_.port).second : options_.port;
  out.recipients.assign(
      n, RecipientResult{Outcome::temporary, local_reply(451, "4.4.1 no answer from the forward target")});
  bool any_allowed = false;
  for (const auto& host : mx.hosts) {
    for (const auto& address : host.addresses) {
      if (!relay && !options_.allow_private_addresses && !is_public_address(address)) continue;
      any_allowed = true;
      if (out.attempts >= options_.max_attempts) co_return out;
      ++out.attempts;
      auto sending = client_.send(tcp::endpoint(address, port), host.name, mail_from, group.recipients, message);
      smtp::client::SessionResult session = co_await std::move(sending);
      out.recipients = std::move(session.recipients);
      out.tls = session.tls;
      if (!session.try_another_host) co_return out;
    }
  }
  if (!any_allowed)
    out.recipients.assign(
        n, RecipientResult{Outcome::permanent, local_reply(550, "5.4.4 the forward target is not a public address")});
  co_return out;
}

asio::awaitable<ForwardOutcome> Forwarder::forward(std::string mail_from, std::vector<std::string> targets,
                                                   std::shared_ptr<const std::string> message) {
  const Digest print = sha256(*message);
  // Group what is still to be sent by domain, in the order targets were given.
  std::vector<Group> groups;
  std::map<std::string, size_t> group_of;
  size_t already = 0;
  for (const auto& t : targets) {
    if (memory_.contains(print, t)) {
      ++already;  // accepted on an earlier attempt
      continue;
    }
    // With a relay every target has the same destination: one session carries them all.
    auto domain = options_.relay ? std::string("relay") : domain_of(t);
    auto [it, fresh] = group_of.emplace(domain, groups.size());
    if (fresh) groups.push_back(Group{domain, {}});
    auto& rcpts = groups[it->second].recipients;
    if (std::find(rcpts.begin(), rcpts.end(), t) == rcpts.end()) rcpts.push_back(t);
  }

  std::vector<GroupResult> results(groups.size());
  if (groups.size() == 1) {
    auto sending = deliver_group(groups.front(), mail_from, message);
    results.front() = co_await std::move(sending);
  } else if (groups.size() > 1) {
    // Every domain at once: our sender is waiting for one answer about all of them.
    auto executor = co_await asio::this_coro::executor;
    using Op = decltype(asio::co_spawn(executor, std::declval<asio::awaitable<GroupResult>>(), asio::deferred));
    std::vector<Op> ops;
    ops.reserve(groups.size());
    for (const auto& g : groups)
      ops.push_back(asio::co_spawn(executor, deliver_group(g, mail_from, message), asio::deferred));
    auto all = asio::experimental::make_parallel_group(std::move(ops))
                   .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
    auto [order, errors, values] = co_await std::move(all);
    for (size_t i = 0; i < groups.size(); ++i) {
      if (errors[i]) {
        // Unexpected (an exception in the client): say nothing was delivered there.
        results[i].recipients.assign(groups[i].recipients.size(),
                                     RecipientResult{Outcome::temporary, local_reply(451, "4.3.0 forwarding failed")});
        log::error("forward.exception", {{"to", log::redact_address(groups[i].domain)}});
      } else {
        results[i] = std::move(values[i]);
      }
    }
  }

  size_t delivered = 0, temporary = 0, permanent = 0;
  const Reply* first_temporary = nullptr;
  const Reply* first_permanent = nullptr;
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto& res = results[g];
    size_t counts[3] = {0, 0, 0};
    for (size_t i = 0; i < groups[g].recipients.size() && i < res.recipients.size(); ++i) {
      const auto& r = res.recipients[i];
      ++counts[static_cast<int>(r.outcome)];
      if (r.outcome == Outcome::delivered) {
        memory_.remember(print, groups[g].recipients[i]);
        ++delivered;
      } else if (r.outcome == Outcome::temporary) {
        ++temporary;
        if (first_temporary == nullptr) first_temporary = &r.reply;
      } else {
        ++permanent;
        if (first_permanent == nullptr) first_permanent = &r.reply;
      }
    }
    // Counts and codes only: the domain is hashed, remote texts may name addresses.
    log::info("forward", {{"to", log::redact_address(groups[g].domain)},
                          {"delivered", std::to_string(counts[0])},
                          {"temporary", std::to_string(counts[1])},
                          {"permanent", std::to_string(counts[2])},
                          {"attempts", std::to_string(res.attempts)},
                          {"tls", res.tls ? "yes" : "no"}});
  }

  ForwardOutcome outcome;
  if (temporary > 0) {
    outcome.kind = ForwardOutcome::Kind::temporary;
    outcome.reply = "451 " + enhanced_or(*first_temporary, '4', "4.4.1") + " forward target temporarily unreachable";
  } else if (permanent > 0) {
    outcome.kind = ForwardOutcome::Kind::permanent;
    std::string head =
        std::to_string(permanent_code(*first_permanent)) + " " + enhanced_or(*first_permanent, '5', "5.0.0");
    outcome.reply = delivered + already > 0 ? head + " some forward targets rejected the message"
                                            : head + " forward target rejected the message";
  } else {
    outcome.kind = ForwardOutcome::Kind::delivered;
    outcome.reply = "250 2.0.0 forwarded";
  }
  co_return outcome;
}

}  // namespace sealmail::delivery
