#include "admin/quickstart_command.h"

#include <sys/stat.h>

#include <cctype>
#include <cstdio>

#include "admin/admin_api.h"
#include "admin/mail_admin.h"
#include "core/config.h"
#include "core/fs.h"
#include "core/time.h"
#include "core/tls.h"
#include "crypto/dkim_key.h"

namespace sealmail::admin {

namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "sealmail: %s\n", message.c_str());
  return 1;
}

// A selector that changes with each key generation month, so a new key can be published beside
// the old one: "s202611r" (RSA) and "s202611e" (Ed25519).
std::string selector_base() {
  std::string iso = iso8601_utc(unix_now());
  return "s" + iso.substr(0, 4) + iso.substr(5, 2);
}

// What mail clients and sending servers fetch over HTTPS, which sealmail does not serve itself:
// the operator's web server publishes these files (written under DATA/www/).
//   mta-sts.txt      the MTA-STS policy (RFC 8461 §3.2), in "testing" mode until TLS is checked
//   config-v1.1.xml  Thunderbird's autoconfig (also read by other clients): implicit TLS everywhere
std::string mta_sts_policy(const std::string& host) {
  return "version: STSv1\nmode: testing\nmx: " + host + "\nmax_age: 604800\n";
}

std::string autoconfig_xml(const std::string& domain, const std::string& host) {
  auto server = [&](const char* tag, const char* type, int port) {
    return std::string("    <") + tag + " type=\"" + type + "\">\n      <hostname>" + host +
           "</hostname>\n      <port>" + std::to_string(port) +
           "</port>\n      <socketType>SSL</socketType>\n      <username>%EMAILADDRESS%</username>\n"
           "      <authentication>password-cleartext</authentication>\n    </" +
           tag + ">\n";
  };
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<clientConfig version=\"1.1\">\n  <emailProvider id=\"" + domain +
         "\">\n    <domain>" + domain + "</domain>\n    <displayName>" + domain + "</displayName>\n" +
         server("incomingServer", "imap", 993) + server("incomingServer", "pop3", 995) +
         server("outgoingServer", "smtp", 465) + "  </emailProvider>\n</clientConfig>\n";
}

void print_dns(const std::string& domain, const std::string& host, const std::string& selector,
               const crypto::DkimKey& rsa, const crypto::DkimKey& ed, const std::filesystem::path& www) {
  auto txt = [](const std::string& value) {
    // Long TXT values are split into strings of at most 255 characters (RFC 1035 §3.3.14).
    std::string out;
    for (size_t i = 0; i < value.size(); i += 255) out += (i ? " \"" : "\"") + value.substr(i, 255) + "\"";
    return out;
  };
  std::string iso = iso8601_utc(unix_now());  // "2026-11-23T10:00:00Z"
  std::string policy_id;
  for (char c : iso)
    if (c >= '0' && c <= '9') policy_id += c;
  std::printf("\nPublish these DNS records (replace 192.0.2.1 / 2001:db8::1 with your server's addresses):\n\n");
  std::printf("%s.  A     192.0.2.1\n", host.c_str());
  std::printf("%s.  AAAA  2001:db8::1\n", host.c_str());
  std::printf("%s.  MX    10 %s.\n", domain.c_str(), host.c_str());
  std::printf("%s.  TXT   %s\n", domain.c_str(), txt("v=spf1 mx -all").c_str());
  std::printf("%sr._domainkey.%s.  TXT   %s\n", selector.c_str(), domain.c_str(), txt(dkim_txt_record(rsa)).c_str());
  std::printf("%se._domainkey.%s.  TXT   %s\n", selector.c_str(), domain.c_str(), txt(dkim_txt_record(ed)).c_str());
  std::printf("_dmarc.%s.  TXT   %s\n", domain.c_str(),
              txt("v=DMARC1; p=reject; rua=mailto:dmarc-reports@" + domain).c_str());
  // RFC 8461 (MTA-STS) and RFC 8460 (TLS-RPT).
  std::printf("_mta-sts.%s.  TXT   %s\n", domain.c_str(), txt("v=STSv1; id=" + policy_id).c_str());
  std::printf("_smtp._tls.%s.  TXT   %s\n", domain.c_str(),
              txt("v=TLSRPTv1; rua=mailto:tls-reports@" + domain).c_str());
  // RFC 6186 and RFC 8314: clients find the servers by SRV; cleartext IMAP and POP3 are "not offered".
  std::printf("_submissions._tcp.%s.  SRV   0 1 465 %s.\n", domain.c_str(), host.c_str());
  std::printf("_submission._tcp.%s.  SRV   10 1 587 %s.\n", domain.c_str(), host.c_str());
  std::printf("_imaps._tcp.%s.  SRV   0 1 993 %s.\n", domain.c_str(), host.c_str());
  std::printf("_pop3s._tcp.%s.  SRV   10 1 995 %s.\n", domain.c_str(), host.c_str());
  std::printf("_imap._tcp.%s.  SRV   0 0 0 .\n", domain.c_str());
  std::printf("_pop3._tcp.%s.  SRV   0 0 0 .\n", domain.c_str());
  // Thunderbird's autoconfig and the MTA-STS policy are fetched over HTTPS from these names.
  std::printf("autoconfig.%s.  CNAME %s.\n", domain.c_str(), host.c_str());
  std::printf("mta-sts.%s.  CNAME %s.\n", domain.c_str(), host.c_str());
  std::printf(
      "\nsealmail does not serve HTTPS for these: copy to a web server with a certificate valid for the\n"
      "names above\n"
      "    %s  as https://mta-sts.%s/.well-known/mta-sts.txt\n"
      "    %s  as https://autoconfig.%s/mail/config-v1.1.xml\n"
      "The MTA-STS policy starts in mode \"testing\"; set \"enforce\" (and a new id) once TLS reports are clean.\n",
      (www / ".well-known" / "mta-sts.txt").c_str(), domain.c_str(), (www / "mail" / "config-v1.1.xml").c_str(),
      domain.c_str());
}

// DATA/www/: public files for the operator's web server (nothing secret, readable by it).
Status write_public_files(const std::filesystem::path& www, const std::string& domain, const std::string& host) {
  std::error_code ec;
  std::filesystem::create_directories(www / ".well-known", ec);
  if (!ec) std::filesystem::create_directories(www / "mail", ec);
  if (ec) return make_error(Errc::io, "cannot create " + www.string() + ": " + ec.message());
  SEALMAIL_TRY(fs::write_file_durably(www / ".well-known" / "mta-sts.txt", mta_sts_policy(host), 0644));
  return fs::write_file_durably(www / "mail" / "config-v1.1.xml", autoconfig_xml(domain, host), 0644);
}

int quickstart(const std::filesystem::path& data_dir, const std::string& address, std::string hostname) {
  size_t at = address.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 >= address.size())
    return fail("'" + address + "' is not an address like you@example.com");
  std::string domain = address.substr(at + 1);
  for (char& c : domain) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (hostname.empty()) hostname = "mail." + domain;

  std::error_code ec;
  for (const char* existing : {"config.toml", "directory.sqlite"})
    if (std::filesystem::exists(data_dir / existing, ec))
      return fail(data_dir.string() + " already holds a sealmail setup (" + existing +
                  "); quickstart never overwrites one");
  std::filesystem::create_directories(data_dir / "mailboxes", ec);
  if (ec) return fail("cannot create " + data_dir.string() + ": " + ec.message());
  for (auto dir : {data_dir, data_dir / "mailboxes"}) ::chmod(dir.c_str(), 0700);

  Config config = default_config(data_dir);
  config.hostname = hostname;
  if (auto st = fs::write_file_durably(data_dir / "config.toml", default_config_text(config), 0600); !st)
    return fail(st.error().message);

  auto dir = open_directory(data_dir);
  if (!dir) return fail(dir.error().message);
  auto& d = **dir;
  auto account = d.add_account(address, 0);
  if (!account) return fail(account.error().message);
  directory::NewDomain nd;
  nd.name = domain;
  nd.account_id = account->id;
  nd.dkim_selector = selector_base();
  auto dom = d.add_domain(nd);
  if (!dom) return fail(dom.error().message);

  // DKIM keys: private halves in 0600 files, public halves in DNS.
  auto rsa = crypto::generate_dkim_key(crypto::DkimAlgorithm::rsa2048);
  auto ed = crypto::generate_dkim_key(crypto::DkimAlgorithm::ed25519);
  if (!rsa || !ed) return fail("DKIM key generation failed");
  auto dkim_dir = data_dir / "dkim" / domain;
  std::filesystem::create_directories(dkim_dir, ec);
  ::chmod((data_dir / "dkim").c_str(), 0700);
  ::chmod(dkim_dir.c_str(), 0700);
  for (auto* key : {&*rsa, &*ed}) {
    std::string name = nd.dkim_selector + (key == &*rsa ? "r" : "e") + ".pem";
    auto st = fs::write_file_durably(dkim_dir / name, key->private_pem, 0600);
    crypto::wipe(key->private_pem.data(), key->private_pem.size());
    if (!st) return fail(st.error().message);
  }

  directory::NewAlias na;
  na.address = address;
  na.mailbox = true;
  auto created = create_alias(d, data_dir, na);
  if (!created) return fail(created.error().message);

  auto token = load_or_create_admin_token(config.admin_token_file());
  if (!token) return fail(token.error().message);
  std::filesystem::create_directories(data_dir / "tls", ec);
  ::chmod((data_dir / "tls").c_str(), 0700);
  if (auto st = net::ensure_self_signed(data_dir / "tls" / "certificate.pem", data_dir / "tls" / "key.pem", hostname);
      !st)
    return fail(st.error().message);

  std::printf("sealmail is set up in %s for %s.\n\n", data_dir.c_str(), domain.c_str());
  std::printf("Login:    %s\nPassword: ", address.c_str());
  std::fwrite(created->password->data(), 1, created->password->size(), stdout);
  std::printf(
      "\n\nThis password is shown once and is the only key to the mailbox: sealmail keeps only a hash of it.\n"
      "Lost, it cannot be recovered; `sealmail alias password %s --reset` then starts an empty mailbox.\n",
      address.c_str());
  auto www = data_dir / "www";
  if (auto st = write_public_files(www, domain, hostname); !st) return fail(st.error().message);
  print_dns(domain, hostname, nd.dkim_selector, *rsa, *ed, www);
  std::printf(
      "\nStart the server:\n\n    sealmail --data-dir %s serve\n\n"
      "It listens on loopback until config.toml says otherwise: SMTP 2525, submission 2587 and 2465,\n"
      "IMAP 2143 and 2993, POP3 2110 and 2995, admin HTTP 8080 (token in %s).\n",
      data_dir.c_str(), config.admin_token_file().c_str());
  return 0;
}

}  // namespace

void add_quickstart_command(CLI::App& app, std::string& data_dir, int& exit_code) {
  auto* cmd =
      app.add_subcommand("quickstart", "set up a data directory for your first address and print what to publish");
  auto address = std::make_shared<std::string>();
  auto hostname = std::make_shared<std::string>();
  cmd->add_option("address", *address, "your first address, e.g. you@example.com")->required();
  cmd->add_option("--hostname", *hostname, "the server's host name (default: mail.<domain>)");
  cmd->callback([=, &data_dir, &exit_code] { exit_code = quickstart(data_dir, *address, *hostname); });
}

}  // namespace sealmail::admin
