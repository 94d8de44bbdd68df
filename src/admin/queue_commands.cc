#include "admin/queue_commands.h"

#include <cstdio>

#include "core/config.h"
#include "core/fs.h"
#include "core/time.h"

namespace sealmail::admin {

namespace {

using nlohmann::json;

int report(const Error& e) {
  std::fprintf(stderr, "sealmail: %s\n", e.message.c_str());
  return 1;
}

std::string when(int64_t t) { return t == 0 ? "-" : iso8601_utc(t); }

// The queue's clock as the server reads it (delivery.clock_file when configured, for tests).
std::optional<int64_t> clock_now(const std::string& data_dir) {
  auto config = load_config(data_dir, std::filesystem::exists(std::filesystem::path(data_dir) / "config.toml")
                                          ? std::optional(std::filesystem::path(data_dir) / "config.toml")
                                          : std::nullopt);
  if (config && !config->delivery.clock_file.empty()) {
    auto text = fs::read_file(config->delivery.clock_file);
    if (text) {
      try {
        return std::stoll(*text);
      } catch (const std::exception&) {
      }
    }
  }
  return unix_now();
}

}  // namespace

Result<std::shared_ptr<delivery::QueueStore>> open_queue(const std::filesystem::path& data_dir) {
  std::error_code ec;
  if (!std::filesystem::exists(data_dir, ec))
    return make_error(Errc::not_found, "no data directory " + data_dir.string());
  auto key = delivery::load_or_create_queue_key(delivery::QueueStore::key_file_in(data_dir));
  if (!key) return key.error();
  return delivery::QueueStore::open(delivery::QueueStore::dir_in(data_dir), std::move(*key));
}

Result<std::shared_ptr<delivery::QueueHistory>> open_queue_history(const std::filesystem::path& data_dir) {
  auto q = open_queue(data_dir);
  if (!q) return q.error();
  return delivery::QueueHistory::open(delivery::QueueHistory::dir_in(data_dir), (*q)->sealer());
}

json retired_entry_json(const delivery::RetiredEntry& r, bool recipients) {
  auto j = queue_entry_json(r.entry, recipients);
  j.erase("next_attempt");
  j.erase("pending");
  size_t delivered = 0;
  for (const auto& x : r.entry.recipients) delivered += x.state == delivery::RecipientState::delivered;
  j["delivered"] = delivered;
  j["retired_at"] = when(r.retired_at);
  j["redact_at"] = when(r.redact_at);
  j["forget_at"] = when(r.forget_at);
  j["redacted"] = r.redacted;
  return j;
}

json queue_entry_json(const delivery::QueueEntry& e, bool recipients) {
  json j = {{"id", e.id},
            {"size", e.size},
            {"queued_at", when(e.queued_at)},
            {"next_attempt", e.pending() > 0 ? when(e.next_attempt) : "-"},
            {"last_attempt", when(e.last_attempt)},
            {"attempts", e.attempts},
            {"pending", e.pending()},
            {"recipients_total", e.recipients.size()},
            {"dsn", e.mail_from.empty()}};
  if (!recipients) return j;
  j["mail_from"] = e.mail_from;
  j["sender_alias"] = e.sender_alias;
  json list = json::array();
  for (const auto& r : e.recipients) {
    json x = {{"address", r.address}, {"state", delivery::to_string(r.state)}};
    if (!r.action.empty()) {
      x["action"] = r.action;
      x["category"] = r.category;
      x["code"] = r.last_code;
      x["enhanced"] = r.last_enhanced;
      x["reply"] = r.last_reply;
      x["host"] = r.last_host;
    }
    list.push_back(std::move(x));
  }
  j["recipients"] = std::move(list);
  return j;
}

void add_queue_commands(CLI::App& app, std::string& data_dir, int& exit_code) {
  auto* queue = app.add_subcommand("queue", "the outbound queue: messages waiting for remote servers");
  queue->require_subcommand(1);
  {
    auto* cmd = queue->add_subcommand("list", "list queued messages, oldest first");
    auto as_json = std::make_shared<bool>(false);
    cmd->add_flag("--json", *as_json, "one JSON array");
    cmd->callback([=, &data_dir, &exit_code] {
      auto q = open_queue(data_dir);
      if (!q) {
        exit_code = report(q.error());
        return;
      }
      json all = json::array();
      if (!*as_json)
        std::printf("%-26s %10s %-20s %-20s %8s %s\n", "ID", "SIZE", "QUEUED", "NEXT", "ATTEMPTS", "PENDING");
      for (const auto& id : (*q)->ids()) {
        auto e = (*q)->load(id);
        if (!e) {
          if (e.error().code == Errc::not_found) continue;  // delivered while we listed
          std::fprintf(stderr, "sealmail: %s\n", e.error().message.c_str());
          exit_code = 1;
          continue;
        }
        auto j = queue_entry_json(*e, false);
        if (*as_json) {
          all.push_back(std::move(j));
        } else {
          std::printf("%-26s %10llu %-20s %-20s %8d %zu/%zu\n", e->id.c_str(), static_cast<unsigned long long>(e->size),
                      j["queued_at"].get<std::string>().c_str(), j["next_attempt"].get<std::string>().c_str(),
                      e->attempts, e->pending(), e->recipients.size());
        }
      }
      if (*as_json) std::printf("%s\n", all.dump().c_str());
    });
  }
  {
    auto* cmd = queue->add_subcommand(
        "show", "one queued (or finished) message: its envelope and each recipient's last outcome");
    auto id = std::make_shared<std::string>();
    auto as_json = std::make_shared<bool>(false);
    auto body = std::make_shared<bool>(false);
    cmd->add_option("id", *id, "queue id")->required();
    cmd->add_flag("--json", *as_json, "as JSON");
    cmd->add_flag("--message", *body, "print the message itself instead");
    cmd->callback([=, &data_dir, &exit_code] {
      auto q = open_queue(data_dir);
      if (!q) {
        exit_code = report(q.error());
        return;
      }
      auto h = open_queue_history(data_dir);
      if (!h) {
        exit_code = report(h.error());
        return;
      }
      if (*body) {
        auto m = (*q)->message(*id);
        if (!m && m.error().code == Errc::not_found) m = (*h)->message(*id);
        if (!m) {
          exit_code = report(m.error());
          return;
        }
        std::fwrite(m->data(), 1, m->size(), stdout);
        return;
      }
      auto e = (*q)->load(*id);
      if (!e && e.error().code == Errc::not_found) {  // delivered: its record in the history
        auto r = (*h)->load(*id);
        if (!r) {
          exit_code = report(r.error());
          return;
        }
        if (*as_json) {
          std::printf("%s\n", retired_entry_json(*r, true).dump().c_str());
          return;
        }
        auto j = retired_entry_json(*r, true);
        std::printf("id: %s\nsize: %llu\nfrom: <%s>\nqueued: %s\nretired: %s\n%s: %s\nattempts: %d\n",
                    r->entry.id.c_str(), static_cast<unsigned long long>(r->entry.size), r->entry.mail_from.c_str(),
                    j["queued_at"].get<std::string>().c_str(), j["retired_at"].get<std::string>().c_str(),
                    r->redacted ? "redacted" : "redact at", j["redact_at"].get<std::string>().c_str(),
                    r->entry.attempts);
        for (const auto& x : r->entry.recipients) {
          std::printf("to: <%s> %s", x.address.c_str(), delivery::to_string(x.state));
          if (!x.action.empty())
            std::printf(" (%s, %s: %d %s %s)", x.action.c_str(), x.category.c_str(), x.last_code,
                        x.last_enhanced.c_str(), x.last_reply.c_str());
          std::printf("\n");
        }
        return;
      }
      if (!e) {
        exit_code = report(e.error());
        return;
      }
      auto j = queue_entry_json(*e, true);
      if (*as_json) {
        std::printf("%s\n", j.dump().c_str());
        return;
      }
      std::printf("id: %s\nsize: %llu\nfrom: <%s>\nqueued: %s\nlast attempt: %s\nnext attempt: %s\nattempts: %d\n",
                  e->id.c_str(), static_cast<unsigned long long>(e->size), e->mail_from.c_str(),
                  j["queued_at"].get<std::string>().c_str(), j["last_attempt"].get<std::string>().c_str(),
                  j["next_attempt"].get<std::string>().c_str(), e->attempts);
      for (const auto& r : e->recipients) {
        std::printf("to: <%s> %s", r.address.c_str(), delivery::to_string(r.state));
        if (!r.action.empty())
          std::printf(" (%s, %s: %d %s %s)", r.action.c_str(), r.category.c_str(), r.last_code, r.last_enhanced.c_str(),
                      r.last_reply.c_str());
        std::printf("\n");
      }
    });
  }
  {
    auto* cmd = queue->add_subcommand("retry", "try queued messages now instead of at their next attempt");
    auto ids = std::make_shared<std::vector<std::string>>();
    auto all = std::make_shared<bool>(false);
    cmd->add_option("id", *ids, "queue ids");
    cmd->add_flag("--all", *all, "every queued message");
    cmd->callback([=, &data_dir, &exit_code] {
      auto q = open_queue(data_dir);
      if (!q) {
        exit_code = report(q.error());
        return;
      }
      auto targets = *all ? (*q)->ids() : *ids;
      if (targets.empty() && !*all) {
        std::fprintf(stderr, "sealmail: name a queue id or --all\n");
        exit_code = 2;
        return;
      }
      for (const auto& id : targets)
        if (auto st = (*q)->request_retry(id); !st) exit_code = report(st.error());
    });
  }
  {
    // The local pickup, as Postfix's sendmail(1) into its maildrop: a message made on this host
    // (a script, a re-send of a saved .eml) goes out through the queue like submitted mail. It is
    // sent as given (no DKIM signature is added: the submission listener is the way for users).
    auto* cmd = queue->add_subcommand("inject", "queue a message file (RFC 5322, '-' for stdin) for delivery");
    auto from = std::make_shared<std::string>();
    auto to = std::make_shared<std::vector<std::string>>();
    auto file = std::make_shared<std::string>();
    auto notify = std::make_shared<std::string>();
    cmd->add_option("--from", *from, "envelope sender ('' for none)")->required();
    cmd->add_option("--notify", *notify,
                    "RFC 3461 NOTIFY for every recipient (FAILURE,DELAY or NEVER; default FAILURE)");
    cmd->add_option("--to", *to, "envelope recipients")->required();
    cmd->add_option("file", *file, "the message")->required();
    cmd->callback([=, &data_dir, &exit_code] {
      auto q = open_queue(data_dir);
      if (!q) {
        exit_code = report(q.error());
        return;
      }
      std::string bytes;
      if (*file == "-") {
        char buf[65536];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) bytes.append(buf, n);
      } else {
        auto r = fs::read_file(*file);
        if (!r) {
          exit_code = report(r.error());
          return;
        }
        bytes = std::move(*r);
      }
      delivery::QueueEntry e;
      e.mail_from = *from;
      for (const auto& t : *to) {
        if (t.find('@') == std::string::npos || t.find_first_of("<> \r\n") != std::string::npos) {
          exit_code = report(make_error(Errc::invalid_argument, "not an address: " + t));
          return;
        }
        e.recipients.push_back(delivery::QueuedRecipient{.address = t, .notify = *notify});
      }
      e.queued_at = *clock_now(data_dir);
      e.next_attempt = e.queued_at;
      for (char c : bytes) e.eight_bit = e.eight_bit || static_cast<unsigned char>(c) >= 0x80;
      auto id = (*q)->add(std::move(e), bytes);
      if (!id) {
        exit_code = report(id.error());
        return;
      }
      std::printf("%s\n", id->c_str());
    });
  }
  {
    auto* cmd = queue->add_subcommand(
        "delete", "remove queued messages without delivering them (no DSN is sent), or history records");
    auto ids = std::make_shared<std::vector<std::string>>();
    cmd->add_option("id", *ids, "queue ids")->required();
    cmd->callback([=, &data_dir, &exit_code] {
      auto q = open_queue(data_dir);
      if (!q) {
        exit_code = report(q.error());
        return;
      }
      auto h = open_queue_history(data_dir);
      if (!h) {
        exit_code = report(h.error());
        return;
      }
      for (const auto& id : *ids) {
        auto st = (*q)->remove(id);
        if (!st && st.error().code == Errc::not_found) st = (*h)->remove(id);
        if (!st) exit_code = report(st.error());
      }
    });
  }
  {
    auto* cmd = queue->add_subcommand(
        "history", "finished messages: where they went, and when their copy is (or was) redacted; oldest first");
    auto as_json = std::make_shared<bool>(false);
    cmd->add_flag("--json", *as_json, "one JSON array");
    cmd->callback([=, &data_dir, &exit_code] {
      auto h = open_queue_history(data_dir);
      if (!h) {
        exit_code = report(h.error());
        return;
      }
      json all = json::array();
      if (!*as_json)
        std::printf("%-26s %10s %-20s %-20s %-9s %-20s\n", "ID", "SIZE", "QUEUED", "RETIRED", "DELIVERED",
                    "REDACTED/REDACT AT");
      for (const auto& id : (*h)->ids()) {
        auto r = (*h)->load(id);
        if (!r) {
          if (r.error().code == Errc::not_found) continue;  // forgotten while we listed
          std::fprintf(stderr, "sealmail: %s\n", r.error().message.c_str());
          exit_code = 1;
          continue;
        }
        auto j = retired_entry_json(*r, false);
        if (*as_json) {
          all.push_back(std::move(j));
          continue;
        }
        auto delivered =
            std::to_string(j["delivered"].get<size_t>()) + "/" + std::to_string(r->entry.recipients.size());
        std::printf("%-26s %10llu %-20s %-20s %-9s %s%s\n", id.c_str(), static_cast<unsigned long long>(r->entry.size),
                    j["queued_at"].get<std::string>().c_str(), j["retired_at"].get<std::string>().c_str(),
                    delivered.c_str(), r->redacted ? "redacted " : "", j["redact_at"].get<std::string>().c_str());
      }
      if (*as_json) std::printf("%s\n", all.dump().c_str());
    });
  }
}

}  // namespace sealmail::admin
