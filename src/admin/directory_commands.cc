#include "admin/directory_commands.h"

#include <cstdio>

#include "admin/mail_admin.h"
#include "admin/running_server.h"
#include "admin/secrets_input.h"
#include "quota/usage.h"
#include "store/spool.h"

namespace sealmail::admin {

namespace {

int report(const Error& e) {
  std::fprintf(stderr, "sealmail: %s\n", e.message.c_str());
  return 1;
}

void print_secret(const crypto::SecretBuffer& s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

std::string quota_text(std::optional<uint64_t> q) { return q && *q > 0 ? std::to_string(*q) : "-"; }

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s.empty() ? "-" : s;
}

// Usage as the server last left it: the CLI holds no mailbox open, so each counts by the usage
// hint it wrote when it last closed (a mailbox open in the server now may have grown since), plus
// its spool.
quota::Meter usage_meter(const std::string& data_dir) {
  return quota::Meter(data_dir, nullptr, std::make_shared<store::Spool>(store::spool_dir(data_dir)));
}

// Runs `fn` with the directory opened, turning any error into the exit code.
template <typename F>
void with_directory(const std::string& data_dir, int& exit_code, F&& fn) {
  auto dir = open_directory(data_dir);
  if (!dir) {
    exit_code = report(dir.error());
    return;
  }
  Status st = fn(**dir);
  if (!st) exit_code = report(st.error());
}

}  // namespace

void add_directory_commands(CLI::App& app, std::string& data_dir, int& exit_code) {
  // ---- account
  auto* account = app.add_subcommand("account", "accounts: owners whose quota is shared by their domains and aliases");
  account->require_subcommand(1);
  {
    auto* cmd = account->add_subcommand("add", "add an account");
    auto name = std::make_shared<std::string>();
    auto quota = std::make_shared<uint64_t>(0);
    cmd->add_option("name", *name, "account name")->required();
    cmd->add_option("--quota", *quota, "storage quota in bytes, shared by everything it owns (0: none)");
    cmd->callback([=, &data_dir, &exit_code] {
      with_directory(data_dir, exit_code, [&](directory::Directory& d) -> Status {
        auto a = d.add_account(*name, *quota);
        if (!a) return a.error();
        return {};
      });
    });
  }
  {
    auto* cmd = account->add_subcommand("list", "list accounts with their quota and the bytes they use");
    cmd->callback([&data_dir, &exit_code] {
      with_directory(data_dir, exit_code, [&](directory::Directory& d) -> Status {
        auto list = d.list_accounts();
        if (!list) return list.error();
        auto meter = usage_meter(data_dir);
        std::printf("%-30s %14s %14s\n", "ACCOUNT", "QUOTA", "USED");
        for (const auto& a : *list) {
          auto used = meter.account_bytes(d, a.id);
          if (!used) return used.error();
          std::printf("%-30s %14s %14llu\n", a.name.c_str(), quota_text(a.quota_bytes).c_str(),
                      static_cast<unsigned long long>(*used));
        }
        return {};
      });
    });
  }
  {
    auto* cmd = account->add_subcommand(
        "password", "generate the account's own password (its owner's login to the account web page), print it once");
    auto name = std::make_shared<std::string>();
    cmd->add_option("name", *name, "account name")->required();
    cmd->callback([=, &data_dir, &exit_code] {
      with_directory(data_dir, exit_code, [&](directory::Directory& d) -> Status {
        auto p = generate_account_password(d, *name);
        if (!p) return p.error();
        print_secret(*p);
        std::fprintf(stderr, "sealmail: this password is shown once\n");
        return {};
      });
    });
  }
  {
    auto* cmd = account->add_subcommand("quota", "show an account's quota and usage, or set the quota");
    auto name = std::make_shared<std::string>();
    auto quota = std::make_shared<uint64_t>(0);
    cmd->add_option("name", *name, "account name")->required();
    auto* given = cmd->add_option("bytes", *quota, "new quota in bytes (0: none); without it, only show");
    cmd->callback([=, &data_dir, &exit_code] {
      with_directory(data_dir, exit_code, [&](directory::Directory& d) -> Status {
        auto a = d.find_account(*name);
        if (!a) return a.error();
        if (given->count() > 0) {
          SEALMAIL_TRY(d.set_account_quota(a->id, *quota));
          a->quota_bytes = *quota;
        }
        auto used = usage_meter(data_dir).account_bytes(d, a->id);
        if (!used) return used.error();
        std::printf("%s: %llu bytes used of %s\n", a->name.c_str(), static_cast<unsigned long long>(*used),
                    a->quota_bytes > 0 ? std::to_string(a->quota_bytes).c_str() : "no limit");
        return {};
      });
    });
  }

  // ---- domain
  auto* domain = app.add_subcommand("domain", "the domains this server hosts");
  domain->require_subcommand(1);
  {
    auto* cmd = domain->add_subcommand("add", "host a domain");
    auto name = std::make_shared<std::string>();
    auto owner = std::make_shared<std::string>();
    auto quota = std::make_shared<uint64_t>(0);
    cmd->add_option("name", *name, "the domain, e.g. example.com")->required();
    cmd->add_option("--account", *owner, "owning account (created when missing; default: the domain's name)");
    cmd->add_option("--quota", *quota, "storage quota in bytes for the domain (0: none)");
    cmd->callback([=, &data_dir, &exit_code] {
      with_directory(data_dir, exit_code, [&](directory::Directory& d) -> Status {
        std::string account_name = owner->empty() ? *name : *owner;
        auto a = d.find_account(account_name);
        if (!a && a.error().code == Errc::not_found) a = d.add_account(account_name, 0);
        if (!a) return a.error();
        directory::NewDomain nd;
        nd.name = *name;
        nd.account_id = a->id;
        if (*quota > 0) nd.quota_bytes = *quota;
        auto r = d.add_domain(nd);
        if (!r) return r.error();
        return {};
      });
    });
  }
  {
    auto* cmd = domain->add_subcommand("list", "list domains");
    cmd->callback([&data_dir, &exit_code] {
      with_directory(data_dir, exit_code, [&](directory::Directory& d) -> Status {
        auto list = d.list_domains();
        if (!list) return list.error();
        auto meter = usage_meter(data_dir);
        std::printf("%-30s %-20s %14s %14s %10s\n", "DOMAIN", "ACCOUNT", "QUOTA", "USED", "RETENTION");
        for (const auto& dom : *list) {
          auto a = d.get_account(dom.account_id);
          auto used = meter.domain_bytes(d, dom.id);
          if (!used) return used.error();
          std::printf("%-30s %-20s %14s %14llu %9dd\n", dom.name.c_str(), a ? a->name.c_str() : "?",
                      quota_text(dom.quota_bytes).c_str(), static_cast<unsigned long long>(*used), dom.retention_days);
        }
        return {};
      });
    });
  }
  {
    auto* cmd = domain->add_subcommand("quota", "set a domain's quota, shared by its aliases");
    auto name = std::make_shared<std::string>();
    auto quota = std::make_shared<uint64_t>(0);
    cmd->add_option("name", *name, "the domain")->required();
    cmd->add_option("bytes", *quota, "quota in bytes (0: none)")->required();
    cmd->callback([=, &data_dir, &exit_code] {
      with_directory(data_dir, exit_code, [&](directory::Directory& d) -> Status {
        auto dom = d.find_domain(*name);
        if (!dom) return dom.error();
        return d.set_domain_quota(dom->id, *quota);
      });
    });
  }
  {
    // Sent mail's copy in the queue history is redacted after this many days (issue 8,
    // delivery/queue_history.h); applies to messages retired from now on.
    auto* cmd =
        domain->add_subcommand("retention", "show or set how many days sent messages are kept before redaction");
    auto name = std::make_shared<std::string>();
    auto days = std::make_shared<std::optional<int>>();
    cmd->add_option("name", *name, "the domain")->required();
    cmd->add_option("days", *days, "days (1 to 36500; default 30)");
    cmd->callback([=, &data_dir, &exit_code] {
      with_directory(data_dir, exit_code, [&](directory::Directory& d) -> Status {
        auto dom = d.find_domain(*name);
        if (!dom) return dom.error();
        if (!*days) {
          std::printf("%d\n", dom->retention_days);
          return {};
        }
        return d.set_retention_days(dom->id, **days);
      });
    });
  }
  {
    auto* cmd = domain->add_subcommand("remove", "stop hosting a domain");
    auto name = std::make_shared<std::string>();
    auto cascade = std::make_shared<bool>(false);
    cmd->add_option("name", *name, "the domain")->required();
    cmd->add_flag("--with-aliases", *cascade, "also remove its aliases and delete their mailboxes");
    cmd->callback([=, &data_dir, &exit_code] {
      with_directory(data_dir, exit_code,
                     [&](directory::Directory& d) -> Status { return remove_domain(d, data_dir, *name, *cascade); });
    });
  }

  // ---- alias
  auto* alias = app.add_subcommand("alias", "addresses: mailbox, forwarding, webhooks");
  alias->require_subcommand(1);
  {
    auto* cmd = alias->add_subcommand("add", "add an address (with --mailbox, its password is printed once)");
    auto address = std::make_shared<std::string>();
    auto mailbox = std::make_shared<bool>(false);
    auto forwards = std::make_shared<std::vector<std::string>>();
    auto webhooks = std::make_shared<std::vector<std::string>>();
    auto quota = std::make_shared<uint64_t>(0);
    cmd->add_option("address", *address, "local@domain, *@domain (catch-all) or /regex/@domain")->required();
    cmd->add_flag("--mailbox", *mailbox, "store mail in an encrypted mailbox");
    cmd->add_option("--forward", *forwards, "forward to this address (repeatable)");
    cmd->add_option("--webhook", *webhooks, "POST mail as JSON to this URL (repeatable)");
    cmd->add_option("--quota", *quota, "storage quota in bytes for this alias (0: none)");
    cmd->callback([=, &data_dir, &exit_code] {
      with_directory(data_dir, exit_code, [&](directory::Directory& d) -> Status {
        directory::NewAlias na;
        na.address = *address;
        na.mailbox = *mailbox;
        na.forwards = *forwards;
        na.webhooks = *webhooks;
        if (*quota > 0) na.quota_bytes = *quota;
        auto r = create_alias(d, data_dir, na);
        if (!r) return r.error();
        if (r->password) {
          print_secret(*r->password);
          std::fprintf(stderr, "sealmail: this password is shown once; it is the only key to the mailbox\n");
        }
        return {};
      });
    });
  }
  {
    auto* cmd = alias->add_subcommand("list", "list addresses");
    auto domain_name = std::make_shared<std::string>();
    cmd->add_option("--domain", *domain_name, "only this domain");
    cmd->callback([=, &data_dir, &exit_code] {
      with_directory(data_dir, exit_code, [&](directory::Directory& d) -> Status {
        Result<std::vector<directory::Alias>> list = std::vector<directory::Alias>{};
        if (domain_name->empty()) {
          list = d.list_aliases();
        } else {
          auto dom = d.find_domain(*domain_name);
          if (!dom) return dom.error();
          list = d.list_aliases(dom->id);
        }
        if (!list) return list.error();
        std::printf("%-40s %-9s %-7s %-30s %s\n", "ADDRESS", "KIND", "MAILBOX", "FORWARD", "WEBHOOK");
        for (const auto& a : *list)
          std::printf("%-40s %-9s %-7s %-30s %s\n", a.address.c_str(), directory::to_string(a.kind),
                      a.has_mailbox ? "yes" : "no", join(a.forwards).c_str(), join(a.webhooks).c_str());
        return {};
      });
    });
  }
  {
    auto* cmd = alias->add_subcommand("quota", "set an address's own quota");
    auto address = std::make_shared<std::string>();
    auto quota = std::make_shared<uint64_t>(0);
    cmd->add_option("address", *address, "the address as it was added")->required();
    cmd->add_option("bytes", *quota, "quota in bytes (0: none)")->required();
    cmd->callback([=, &data_dir, &exit_code] {
      with_directory(data_dir, exit_code, [&](directory::Directory& d) -> Status {
        auto a = d.find_alias(*address);
        if (!a) return a.error();
        return d.set_alias_quota(a->id, *quota);
      });
    });
  }
  {
    auto* cmd = alias->add_subcommand("remove", "remove an address and delete its mailbox");
    auto address = std::make_shared<std::string>();
    cmd->add_option("address", *address, "the address as it was added")->required();
    cmd->callback([=, &data_dir, &exit_code] {
      // A running server ends the alias's sessions before the mailbox goes.
      if (auto answer = call_running_server(data_dir, "DELETE", "/api/aliases/" + path_segment(*address), {})) {
        if (!*answer)
          exit_code = report(answer->error());
        else if ((*answer)->status != 200)
          exit_code = report(api_error(**answer));
        return;
      }
      with_directory(data_dir, exit_code,
                     [&](directory::Directory& d) -> Status { return remove_alias(d, data_dir, *address); });
    });
  }
  {
    auto* cmd = alias->add_subcommand("password",
                                      "generate a new password, print it once (with a mailbox: re-keys it, which needs "
                                      "the current password; or --reset deletes the mailbox)");
    auto address = std::make_shared<std::string>();
    auto current_file = std::make_shared<std::string>();
    auto reset = std::make_shared<bool>(false);
    cmd->add_option("address", *address, "the address")->required();
    cmd->add_option("--current-password-file", *current_file,
                    "file whose first line is the current password (default: $SEALMAIL_PASSWORD)");
    cmd->add_flag("--reset", *reset, "delete the mailbox and start empty: there is no way back without the password");
    cmd->callback([=, &data_dir, &exit_code] {
      with_directory(data_dir, exit_code, [&](directory::Directory& d) -> Status {
        std::optional<crypto::SecretBuffer> current;
        if (!*reset) {
          auto c = read_password(*current_file, "SEALMAIL_PASSWORD");
          if (c)
            current = std::move(*c);
          else if (!current_file->empty())
            return c.error();
        } else {
          std::fprintf(stderr, "sealmail: --reset: the mailbox of %s and all its mail are deleted\n", address->c_str());
        }
        // A running server ends the alias's sessions first (only it can), then re-keys or resets.
        nlohmann::json request = {{"reset", *reset}};
        if (current) request["current_password"] = std::string(current->view());
        auto answer =
            call_running_server(data_dir, "POST", "/api/aliases/" + path_segment(*address) + "/password", request);
        if (current) crypto::wipe(request["current_password"].get_ref<std::string&>().data(), current->size());
        if (answer) {
          if (!*answer) return answer->error();
          if ((*answer)->status != 200) return api_error(**answer);
          auto& given = (*answer)->body["password"];
          if (!given.is_string()) return make_error(Errc::internal, "the running server sent no password");
          auto& text = given.get_ref<std::string&>();
          print_secret(crypto::SecretBuffer::from(text));
          crypto::wipe(text.data(), text.size());
          return {};
        }
        auto p = change_alias_password(d, data_dir, *address, current ? &*current : nullptr,
                                       *reset ? PasswordChange::reset : PasswordChange::rekey);
        if (!p) return p.error();
        print_secret(*p);
        return {};
      });
    });
  }
}

}  // namespace sealmail::admin
