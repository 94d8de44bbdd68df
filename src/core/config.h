// The server's configuration: embedded defaults (everything on loopback, no external service),
// optionally overridden by a TOML file. Every key is checked: an unknown key or a bad value is one
// clear line naming the key ("config: listen.imap: expected host:port, got 'x'").
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/log.h"
#include "core/result.h"

namespace sealmail {

struct Endpoint {
  std::string host;  // literal address: "127.0.0.1", "::1", "0.0.0.0"
  uint16_t port = 0;
  std::string to_string() const;
};

struct Limits {
  uint64_t max_message_bytes = 50ull << 20;
  uint32_t max_connections_per_ip = 64;
  uint32_t max_recipients = 100;
  uint32_t failed_logins_per_address = 10;  // per 15 minutes, then a growing delay and lockout
  uint32_t failed_logins_per_ip = 30;
  uint32_t aliases_per_domain_per_day = 50;
};

// Where forwarded mail goes (issue 6). Secrets (SRS, webhook signatures) are not here: serve keeps
// them in files of the data directory, made on first start.
struct DeliveryConfig {
  std::optional<Endpoint> relay;         // a smarthost for every forward, instead of MX lookups
  std::vector<std::string> dns_servers;  // "host:port" for MX lookups; empty: /etc/resolv.conf
  uint16_t smtp_port = 25;               // the port of remote MX hosts (tests point it at a sink)
  bool require_tls = false;              // forward only over verified TLS (MTA-STS style)
  uint32_t webhook_timeout_seconds = 30;
  // Forward targets and webhooks on loopback or private addresses are refused (a sender must not
  // make the server reach into its own network) unless this is set: for tests and closed LANs.
  bool allow_private_targets = false;
  // The outbound queue (issue 8): sessions at once to one destination domain, and messages being
  // delivered at once over all of them.
  uint32_t queue_per_destination = 4;
  uint32_t queue_max_deliveries = 64;
  // For tests of the retry schedule: when set, the queue's "now" is the Unix time written in this
  // file (real time while it is missing), so a test moves time forward without waiting five days.
  std::filesystem::path clock_file;
  // Outbound transport security (issue 8). MTA-STS (RFC 8461): a recipient domain's published
  // policy is fetched over HTTPS, cached, and enforced. DANE (RFC 7672): TLSA records of MX hosts
  // whose answers validate under DNSSEC (libunbound, forwarding to dns_servers) are enforced.
  bool mta_sts = true;
  bool dane = true;
  // DS or DNSKEY records (zone file lines) of the DNSSEC trust anchor; empty: Debian's root key
  // (/usr/share/dns/root.key, package dns-root-data) when present, else DANE is off.
  std::filesystem::path dnssec_trust_anchor;
  // Tests: PEM CAs trusted besides the system's, for MTA-STS policy fetches and the certificate
  // checks that MTA-STS and required TLS make; and the HTTPS port of mta-sts.<domain> hosts.
  std::filesystem::path extra_ca_file;
  uint16_t mta_sts_https_port = 443;
  // Connection reuse: messages sent over one SMTP connection to a host before it is closed, and
  // how long an idle connection waits for the next message.
  uint32_t connection_max_messages = 20;
  uint32_t connection_idle_seconds = 5;
};

// Content protections of the MX (issue 9, delivery/filters/content_filter.h); which ones apply is
// chosen per domain and alias in the directory. [protections] in the TOML file.
struct ProtectionConfig {
  std::filesystem::path clamd_socket;  // clamd's LocalSocket; empty: no clamd, virus scans skipped
  uint32_t clamd_timeout_ms = 10000;
  uint64_t clamd_stream_max_bytes = 25ull << 20;  // clamd.conf StreamMaxLength
  bool clamd_unavailable_defer = true;            // clamd_unavailable = "defer" (451) or "accept" (marked)
  std::vector<std::string> shorteners;            // URL shortener hosts; empty: the built-in list
};

// Authentication of inbound mail (issue 9): SPF, DKIM, ARC and DMARC at the MX, each on by
// default; DMARC's reject (550 at DATA) and quarantine (Junk) acted on unless enforce_dmarc is off.
struct AuthenticationConfig {
  bool spf = true, dkim = true, dmarc = true, arc = true;
  bool enforce_dmarc = true;
  std::vector<std::string> dns_servers;       // "host:port"; empty: [delivery] dns_servers
  std::vector<std::string> disabled_domains;  // hosted domains whose mail is not checked at all
};

struct Config {
  std::filesystem::path data_dir;
  std::string hostname = "localhost";
  // Listener name -> address. Names: smtp, submission, submissions, imap, imaps, pop3, pop3s, admin.
  std::map<std::string, Endpoint> listen;
  std::filesystem::path tls_certificate;  // empty: a self-signed one kept in the data directory
  std::filesystem::path tls_key;
  // LOGIN/USER/AUTH before TLS from loopback clients (like Dovecot, which counts localhost as
  // secure); from anywhere else TLS is always required.
  bool plaintext_on_loopback = true;
  Limits limits;
  DeliveryConfig delivery;
  ProtectionConfig protections;
  AuthenticationConfig authentication;
  log::Level log_level = log::Level::info;
  int io_threads = 1;
  int worker_threads = 2;
  // SIGTERM: what is in flight may finish within this; then the server stops harder (issue 4:
  // "within 5 s").
  std::chrono::seconds shutdown_deadline{4};

  std::filesystem::path directory_file() const { return data_dir / "directory.sqlite"; }
  std::filesystem::path mailboxes_dir() const { return data_dir / "mailboxes"; }
  std::filesystem::path admin_token_file() const { return data_dir / "admin-token"; }
};

inline const char* const kListenerNames[] = {"smtp",  "submission", "submissions", "imap",
                                             "imaps", "pop3",       "pop3s",       "admin"};

// Defaults: loopback, SMTP 2525, submission 2587, submissions 2465, IMAP 2143, IMAPS 2993,
// POP3 2110, POP3S 2995, admin HTTP 8080.
Config default_config(const std::filesystem::path& data_dir);
// Defaults overlaid with `file` (TOML). Errors are Errc::invalid_argument with one line.
Result<Config> load_config(const std::filesystem::path& data_dir, const std::optional<std::filesystem::path>& file);
// The TOML text quickstart writes: every default spelled out, commented.
std::string default_config_text(const Config& config);
Result<Endpoint> parse_endpoint(std::string_view text);

}  // namespace sealmail
