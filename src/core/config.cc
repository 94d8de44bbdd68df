#include "core/config.h"

#include <toml++/toml.h>

#include <charconv>
#include <set>
#include <sstream>

#include "core/submission_config.h"
#include "core/toml_file.h"

namespace sealmail {

namespace {

Error config_error(const std::string& key, const std::string& problem) {
  return make_error(Errc::invalid_argument, "config: " + key + ": " + problem);
}

std::string where(const toml::node& n) {
  const auto& src = n.source();
  return src.begin.line > 0 ? " (line " + std::to_string(src.begin.line) + ")" : "";
}

template <typename T>
Result<T> integer(const toml::node& n, const std::string& key, int64_t min, int64_t max) {
  auto v = n.value<int64_t>();
  if (!v || !n.is_integer()) return config_error(key, "expected a whole number" + where(n));
  if (*v < min || *v > max)
    return config_error(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) + where(n));
  return static_cast<T>(*v);
}

Result<std::string> text(const toml::node& n, const std::string& key) {
  if (!n.is_string()) return config_error(key, "expected a string" + where(n));
  return std::string(*n.value<std::string>());
}

}  // namespace

std::string Endpoint::to_string() const {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<Endpoint> parse_endpoint(std::string_view t) {
  Endpoint e;
  std::string_view host, port;
  if (!t.empty() && t.front() == '[') {
    size_t close = t.find(']');
    if (close == std::string_view::npos || close + 1 >= t.size() || t[close + 1] != ':')
      return make_error(Errc::invalid_argument, "expected [address]:port, got '" + std::string(t) + "'");
    host = t.substr(1, close - 1);
    port = t.substr(close + 2);
  } else {
    size_t colon = t.rfind(':');
    if (colon == std::string_view::npos || t.find(':') != colon)
      return make_error(Errc::invalid_argument, "expected host:port, got '" + std::string(t) + "'");
    host = t.substr(0, colon);
    port = t.substr(colon + 1);
  }
  unsigned value = 0;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (host.empty() || ec != std::errc() || p != port.data() + port.size() || value > 65535)
    return make_error(Errc::invalid_argument, "expected host:port, got '" + std::string(t) + "'");
  e.host = std::string(host);
  e.port = static_cast<uint16_t>(value);
  return e;
}

Config default_config(const std::filesystem::path& data_dir) {
  Config c;
  c.data_dir = data_dir;
  const std::pair<const char*, uint16_t> ports[] = {{"smtp", 2525},  {"submission", 2587}, {"submissions", 2465},
                                                    {"imap", 2143},  {"imaps", 2993},      {"pop3", 2110},
                                                    {"pop3s", 2995}, {"admin", 8080}};
  for (auto [name, port] : ports) c.listen[name] = Endpoint{"127.0.0.1", port};
  return c;
}

namespace {

Result<SubmissionSettings> submission_settings_from(const toml::node& n) {
  SubmissionSettings out;
  if (!n.is_table()) return config_error("submission", "expected a table");
  for (auto& [k, v] : *n.as_table()) {
    std::string name(k.str()), key = "submission." + name;
    if (name == "messages_per_hour" || name == "recipients_per_hour") {
      auto x = integer<uint32_t>(v, key, 1, 1000000);
      if (!x) return x.error();
      (name == "messages_per_hour" ? out.messages_per_hour : out.recipients_per_hour) = *x;
    } else if (name == "save_sent_copies") {
      if (!v.is_boolean()) return config_error(key, "expected true or false");
      out.save_sent_copies = v.as_boolean()->get();
    } else {
      return config_error(key, "unknown key");
    }
  }
  return out;
}

}  // namespace

Result<SubmissionSettings> load_submission_settings(const std::optional<std::filesystem::path>& file) {
  if (!file) return SubmissionSettings{};
  auto parsed = parse_toml_file(*file);
  if (!parsed) return parsed.error();
  toml::table& root = *parsed;
  if (auto* n = root.get("submission")) return submission_settings_from(*n);
  return SubmissionSettings{};
}

Result<Config> load_config(const std::filesystem::path& data_dir, const std::optional<std::filesystem::path>& file) {
  Config c = default_config(data_dir);
  if (!file) return c;
  auto parsed = parse_toml_file(*file);
  if (!parsed) return parsed.error();
  toml::table& root = *parsed;
  static const std::set<std::string> top_keys = {
      "hostname",   "data_dir", "listen",         "tls",     "limits", "delivery", "log",   "runtime", "protections",
      "submission", "backup",   "authentication", "openpgp", "dnsbl",  "greylist", "rspamd"};
  // [backup] is read and checked by backup/backup_config.h, [authentication] by
  // delivery/auth/inbound_auth.h, [openpgp] by delivery/pgp/wkd.h, [dnsbl], [greylist] and [rspamd]
  // by delivery/screening/screening_config.h.
  // [submission] is read by load_submission_settings (submission_config.h); checked here too, so
  // that a bad key stops the server at start like any other.
  if (auto* n = root.get("submission")) {
    auto checked = submission_settings_from(*n);
    if (!checked) return checked.error();
  }
  for (auto& [k, v] : root) {
    std::string key(k.str());
    if (!top_keys.count(key)) return config_error(key, "unknown key" + where(v));
  }
  if (auto* n = root.get("hostname")) {
    auto s = text(*n, "hostname");
    if (!s) return s.error();
    if (s->empty()) return config_error("hostname", "must not be empty");
    c.hostname = *s;
  }
  if (auto* n = root.get("data_dir")) {
    auto s = text(*n, "data_dir");
    if (!s) return s.error();
    c.data_dir = *s;
  }
  if (auto* n = root.get("listen")) {
    if (!n->is_table()) return config_error("listen", "expected a table of listener = \"host:port\"");
    for (auto& [k, v] : *n->as_table()) {
      std::string key = "listen." + std::string(k.str());
      bool known = false;
      for (const char* name : kListenerNames) known = known || k.str() == name;
      if (!known)
        return config_error(key,
                            "unknown listener (known: smtp, submission, submissions, imap, imaps, pop3, pop3s, admin)");
      auto s = text(v, key);
      if (!s) return s.error();
      if (s->empty() || *s == "off") {
        c.listen.erase(std::string(k.str()));
        continue;
      }
      auto e = parse_endpoint(*s);
      if (!e) return config_error(key, e.error().message);
      c.listen[std::string(k.str())] = *e;
    }
  }
  if (auto* n = root.get("tls")) {
    if (!n->is_table()) return config_error("tls", "expected a table with certificate and key");
    for (auto& [k, v] : *n->as_table()) {
      std::string key = "tls." + std::string(k.str());
      if (k.str() == "plaintext_on_loopback") {
        if (!v.is_boolean()) return config_error(key, "expected true or false");
        c.plaintext_on_loopback = v.as_boolean()->get();
        continue;
      }
      auto s = text(v, key);
      if (!s) return s.error();
      if (k.str() == "certificate")
        c.tls_certificate = *s;
      else if (k.str() == "key")
        c.tls_key = *s;
      else
        return config_error(key, "unknown key");
    }
    if (c.tls_certificate.empty() != c.tls_key.empty()) return config_error("tls", "certificate and key go together");
  }
  if (auto* n = root.get("limits")) {
    if (!n->is_table()) return config_error("limits", "expected a table");
    for (auto& [k, v] : *n->as_table()) {
      std::string name(k.str()), key = "limits." + name;
      if (name == "max_message_bytes") {
        auto x = integer<uint64_t>(v, key, 1024, 1ll << 31);
        if (!x) return x.error();
        c.limits.max_message_bytes = *x;
      } else {
        uint32_t* field = name == "max_connections_per_ip"       ? &c.limits.max_connections_per_ip
                          : name == "max_recipients"             ? &c.limits.max_recipients
                          : name == "failed_logins_per_address"  ? &c.limits.failed_logins_per_address
                          : name == "failed_logins_per_ip"       ? &c.limits.failed_logins_per_ip
                          : name == "aliases_per_domain_per_day" ? &c.limits.aliases_per_domain_per_day
                                                                 : nullptr;
        if (field == nullptr) return config_error(key, "unknown key");
        auto x = integer<uint32_t>(v, key, 1, 1000000);
        if (!x) return x.error();
        *field = *x;
      }
    }
  }
  if (auto* n = root.get("log")) {
    if (!n->is_table()) return config_error("log", "expected a table");
    for (auto& [k, v] : *n->as_table()) {
      std::string key = "log." + std::string(k.str());
      if (k.str() != "level") return config_error(key, "unknown key");
      auto s = text(v, key);
      if (!s) return s.error();
      if (*s == "debug")
        c.log_level = log::Level::debug;
      else if (*s == "info")
        c.log_level = log::Level::info;
      else if (*s == "warn")
        c.log_level = log::Level::warn;
      else if (*s == "error")
        c.log_level = log::Level::error;
      else
        return config_error(key, "expected debug, info, warn or error, got '" + *s + "'");
    }
  }
  if (auto* n = root.get("delivery")) {
    if (!n->is_table()) return config_error("delivery", "expected a table");
    for (auto& [k, v] : *n->as_table()) {
      std::string name(k.str()), key = "delivery." + name;
      if (name == "relay") {
        auto* s = v.as_string();
        if (!s) return config_error(key, "expected \"host:port\"");
        auto e = parse_endpoint(s->get());
        if (!e) return config_error(key, "expected host:port, got '" + s->get() + "'");
        c.delivery.relay = *e;
      } else if (name == "dns_servers") {
        auto* a = v.as_array();
        if (!a) return config_error(key, "expected a list of \"host:port\"");
        for (auto& item : *a) {
          auto* s = item.as_string();
          if (!s || !parse_endpoint(s->get())) return config_error(key, "expected a list of \"host:port\"");
          c.delivery.dns_servers.push_back(s->get());
        }
      } else if (name == "smtp_port") {
        auto x = integer<int>(v, key, 1, 65535);
        if (!x) return x.error();
        c.delivery.smtp_port = static_cast<uint16_t>(*x);
      } else if (name == "require_tls") {
        if (!v.is_boolean()) return config_error(key, "expected true or false");
        c.delivery.require_tls = v.as_boolean()->get();
      } else if (name == "allow_private_targets") {
        if (!v.is_boolean()) return config_error(key, "expected true or false");
        c.delivery.allow_private_targets = v.as_boolean()->get();
      } else if (name == "webhook_timeout_seconds") {
        auto x = integer<int>(v, key, 1, 600);
        if (!x) return x.error();
        c.delivery.webhook_timeout_seconds = static_cast<uint32_t>(*x);
      } else if (name == "queue_per_destination" || name == "queue_max_deliveries") {
        auto x = integer<int>(v, key, 1, 10000);
        if (!x) return x.error();
        (name == "queue_per_destination" ? c.delivery.queue_per_destination : c.delivery.queue_max_deliveries) =
            static_cast<uint32_t>(*x);
      } else if (name == "clock_file") {
        auto* s = v.as_string();
        if (!s || s->get().empty()) return config_error(key, "expected a file name");
        c.delivery.clock_file = s->get();
      } else if (name == "mta_sts" || name == "dane") {
        if (!v.is_boolean()) return config_error(key, "expected true or false");
        (name == "mta_sts" ? c.delivery.mta_sts : c.delivery.dane) = v.as_boolean()->get();
      } else if (name == "dnssec_trust_anchor" || name == "extra_ca_file") {
        auto* s = v.as_string();
        if (!s || s->get().empty()) return config_error(key, "expected a file name");
        (name == "dnssec_trust_anchor" ? c.delivery.dnssec_trust_anchor : c.delivery.extra_ca_file) = s->get();
      } else if (name == "mta_sts_https_port") {
        auto x = integer<int>(v, key, 1, 65535);
        if (!x) return x.error();
        c.delivery.mta_sts_https_port = static_cast<uint16_t>(*x);
      } else if (name == "connection_max_messages") {
        auto x = integer<int>(v, key, 1, 1000);
        if (!x) return x.error();
        c.delivery.connection_max_messages = static_cast<uint32_t>(*x);
      } else if (name == "connection_idle_seconds") {
        auto x = integer<int>(v, key, 0, 300);
        if (!x) return x.error();
        c.delivery.connection_idle_seconds = static_cast<uint32_t>(*x);
      } else {
        return config_error(key, "unknown key");
      }
    }
  }
  if (auto* n = root.get("protections")) {
    if (!n->is_table()) return config_error("protections", "expected a table");
    for (auto& [k, v] : *n->as_table()) {
      std::string name(k.str()), key = "protections." + name;
      if (name == "clamd_socket") {
        auto* s = v.as_string();
        if (!s) return config_error(key, "expected a path");
        c.protections.clamd_socket = s->get();
      } else if (name == "clamd_timeout_ms") {
        auto x = integer<int>(v, key, 100, 600000);
        if (!x) return x.error();
        c.protections.clamd_timeout_ms = static_cast<uint32_t>(*x);
      } else if (name == "clamd_stream_max_bytes") {
        auto x = integer<int64_t>(v, key, 1, int64_t{4} << 30);
        if (!x) return x.error();
        c.protections.clamd_stream_max_bytes = static_cast<uint64_t>(*x);
      } else if (name == "clamd_unavailable") {
        auto* s = v.as_string();
        if (!s || (s->get() != "defer" && s->get() != "accept"))
          return config_error(key, "expected \"defer\" or \"accept\"");
        c.protections.clamd_unavailable_defer = s->get() == "defer";
      } else if (name == "shorteners") {
        auto* a = v.as_array();
        if (!a) return config_error(key, "expected a list of host names");
        for (auto& item : *a) {
          auto* s = item.as_string();
          if (!s || s->get().empty()) return config_error(key, "expected a list of host names");
          c.protections.shorteners.push_back(s->get());
        }
      } else {
        return config_error(key, "unknown key");
      }
    }
  }
  if (auto* n = root.get("authentication")) {
    if (!n->is_table()) return config_error("authentication", "expected a table");
    auto& a = c.authentication;
    for (auto& [k, v] : *n->as_table()) {
      std::string name(k.str()), key = "authentication." + name;
      bool* flag = name == "spf"             ? &a.spf
                   : name == "dkim"          ? &a.dkim
                   : name == "dmarc"         ? &a.dmarc
                   : name == "arc"           ? &a.arc
                   : name == "enforce_dmarc" ? &a.enforce_dmarc
                                             : nullptr;
      if (flag != nullptr) {
        if (!v.is_boolean()) return config_error(key, "expected true or false");
        *flag = v.as_boolean()->get();
      } else if (name == "dns_servers" || name == "disabled_domains") {
        auto* list = v.as_array();
        if (!list) return config_error(key, "expected a list of strings");
        for (auto& item : *list) {
          auto* s = item.as_string();
          if (!s || (name == "dns_servers" && !parse_endpoint(s->get())))
            return config_error(
                key, name == "dns_servers" ? "expected a list of \"host:port\"" : "expected a list of strings");
          std::string value = s->get();
          if (name == "disabled_domains")
            for (auto& ch : value) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
          (name == "dns_servers" ? a.dns_servers : a.disabled_domains).push_back(value);
        }
      } else {
        return config_error(key, "unknown key");
      }
    }
  }
  if (auto* n = root.get("runtime")) {
    if (!n->is_table()) return config_error("runtime", "expected a table");
    for (auto& [k, v] : *n->as_table()) {
      std::string name(k.str()), key = "runtime." + name;
      if (name == "io_threads" || name == "worker_threads") {
        auto x = integer<int>(v, key, 1, 256);
        if (!x) return x.error();
        (name == "io_threads" ? c.io_threads : c.worker_threads) = *x;
      } else if (name == "shutdown_deadline_seconds") {
        auto x = integer<int>(v, key, 1, 3600);
        if (!x) return x.error();
        c.shutdown_deadline = std::chrono::seconds(*x);
      } else {
        return config_error(key, "unknown key");
      }
    }
  }
  return c;
}

std::string default_config_text(const Config& c) {
  std::ostringstream o;
  o << "# sealmail configuration. Every key is optional; these are the defaults.\n"
    << "hostname = \"" << c.hostname << "\"\n\n"
    << "# Listeners: \"host:port\", or \"off\". Public servers listen on 0.0.0.0 / [::] and the\n"
    << "# standard ports (25, 587, 465, 143, 993, 110, 995).\n[listen]\n";
  for (const char* name : kListenerNames) {
    auto it = c.listen.find(name);
    if (it != c.listen.end()) o << name << " = \"" << it->second.to_string() << "\"\n";
  }
  o << "\n# Without these, a self-signed certificate is made on first start and kept in the data\n"
    << "# directory.\n# [tls]\n# certificate = \"/etc/letsencrypt/live/mail.example.com/fullchain.pem\"\n"
    << "# key = \"/etc/letsencrypt/live/mail.example.com/privkey.pem\"\n"
    << "# Passwords in plaintext (before STARTTLS) from loopback clients only, as Dovecot allows.\n"
    << "# plaintext_on_loopback = " << (c.plaintext_on_loopback ? "true" : "false") << "\n\n"
    << "[limits]\nmax_message_bytes = " << c.limits.max_message_bytes << "\n"
    << "max_connections_per_ip = " << c.limits.max_connections_per_ip << "\n"
    << "max_recipients = " << c.limits.max_recipients << "\n"
    << "failed_logins_per_address = " << c.limits.failed_logins_per_address << "\n"
    << "failed_logins_per_ip = " << c.limits.failed_logins_per_ip << "\n"
    << "aliases_per_domain_per_day = " << c.limits.aliases_per_domain_per_day << "\n\n"
    << "# Submission (587/465): messages and recipients per address and hour, and a copy of what is\n"
    << "# sent in the sender's Sent folder (for clients that do not save it over IMAP themselves).\n"
    << "[submission]\nmessages_per_hour = 300\nrecipients_per_hour = 1000\nsave_sent_copies = false\n\n"
    << "# Forwarding: a smarthost instead of MX lookups, DNS servers (\"host:port\") instead of\n"
    << "# /etc/resolv.conf, and whether forwards need verified TLS.\n[delivery]\n"
    << "# relay = \"smtp.example.net:25\"\n# dns_servers = [\"127.0.0.1:53\"]\n"
    << "smtp_port = " << c.delivery.smtp_port << "\nrequire_tls = " << (c.delivery.require_tls ? "true" : "false")
    << "\nwebhook_timeout_seconds = " << c.delivery.webhook_timeout_seconds << "\n"
    << "# MTA-STS (RFC 8461) and DANE (RFC 7672) for the outbound queue; DANE needs a DNSSEC trust\n"
    << "# anchor (default /usr/share/dns/root.key). Messages per connection and its idle seconds.\n"
    << "mta_sts = " << (c.delivery.mta_sts ? "true" : "false") << "\ndane = " << (c.delivery.dane ? "true" : "false")
    << "\n# dnssec_trust_anchor = \"/usr/share/dns/root.key\"\n"
    << "connection_max_messages = " << c.delivery.connection_max_messages
    << "\nconnection_idle_seconds = " << c.delivery.connection_idle_seconds << "\n\n"
    << "# Authentication of inbound mail: SPF, DKIM, ARC and DMARC results in Authentication-Results;\n"
    << "# DMARC p=reject refused at DATA, p=quarantine stored in Junk.\n[authentication]\n"
    << "spf = true\ndkim = true\ndmarc = true\narc = true\nenforce_dmarc = true\n"
    << "# dns_servers = [\"127.0.0.1:53\"]\n# disabled_domains = [\"example.net\"]\n\n"
    << "[log]\nlevel = \"info\"\n\n"
    << "[runtime]\nio_threads = " << c.io_threads << "\nworker_threads = " << c.worker_threads << "\n"
    << "shutdown_deadline_seconds = " << c.shutdown_deadline.count() << "\n";
  return o.str();
}

}  // namespace sealmail
