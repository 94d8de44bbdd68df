// A real authoritative DNS server for tests: NSD from Debian, on a loopback port, serving the zones
// the test writes. A zone listed with an empty text has no file, and NSD answers SERVFAIL for it.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "support/outbound.h"

namespace sealmail::testing {

class DnsServer {
 public:
  // zones: name -> zone file text ("" for a zone that fails to load).
  // Another test may take the port between our choice and NSD's bind (tests run in parallel): NSD
  // then exits, and a fresh port is tried.
  explicit DnsServer(const std::map<std::string, std::string>& zones) {
    std::string failure;
    for (int attempt = 0; attempt < 5; ++attempt) {
      if (start(zones, failure)) return;
      process_.reset();
    }
    throw std::runtime_error("nsd did not start: " + failure);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  bool start(const std::map<std::string, std::string>& zones, std::string& failure) {
    port_ = free_udp_and_tcp_port();
    std::string dir = dir_.path().string();
    std::string conf =
        "server:\n"
        "  ip-address: 127.0.0.1@" +
        std::to_string(port_) +
        "\n"
        "  port: " +
        std::to_string(port_) +
        "\n"
        "  username: \"\"\n  chroot: \"\"\n  database: \"\"\n  do-ip6: no\n  server-count: 1\n"
        "  zonesdir: \"" +
        dir +
        "\"\n"
        "  zonelistfile: \"" +
        dir +
        "/zone.list\"\n"
        "  pidfile: \"" +
        dir +
        "/nsd.pid\"\n"
        "  xfrdfile: \"" +
        dir +
        "/xfrd.state\"\n"
        "  xfrdir: \"" +
        dir +
        "\"\n"
        "  logfile: \"" +
        dir +
        "/nsd.log\"\n"
        "remote-control:\n  control-enable: no\n";
    for (const auto& [name, text] : zones) {
      conf += "zone:\n  name: " + name + "\n  zonefile: " + name + ".zone\n";
      if (!text.empty()) std::ofstream(dir_.path() / (name + ".zone")) << text;
    }
    std::ofstream(dir_.path() / "nsd.conf") << conf;
    process_.emplace(std::vector<std::string>{"/usr/sbin/nsd", "-d", "-c", dir + "/nsd.conf"},
                     std::vector<std::string>{}, dir + "/nsd.stderr");
    // NSD opens its UDP and TCP sockets together: TCP accepting means it answers (unless NSD
    // has already ended, and what accepts is someone else's listener).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      if (process_->exited()) break;
      if (wait_for_tcp(port_, std::chrono::milliseconds(100)) && !process_->exited()) return true;
    }
    failure = read_file(dir_.path() / "nsd.stderr") + read_file(dir_.path() / "nsd.log");
    return false;
  }

  TempDir dir_;
  int port_ = 0;
  std::optional<ChildProcess> process_;
};

}  // namespace sealmail::testing
