// Quota checks (issue 4): what one check costs the MX at RCPT and IMAP APPEND for an alias whose
// account owns many mailboxes, measured the old way (quota::Meter: every mailbox of the domain and
// the account measured at each check: live count, usage-hint file, spool directory) and with the
// running counters (quota::Ledger: the limits from the directory, the bytes from memory, the
// alias's own mailbox read again). Prints figures only.
//
//   quota_bench [--mailboxes N] [--open K] [--checks C] [--runs R]
//
// N mailboxes in one domain of one account (each with one message, then closed: their owners are
// away), K of them held open as by logged-in sessions; C checks per run, R runs; medians printed.
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "crypto/secret.h"
#include "directory/directory.h"
#include "quota/ledger.h"
#include "quota/usage.h"
#include "store/registry.h"
#include "store/spool.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace sealmail;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int mailboxes = 200, open = 10, checks = 2000, runs = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    int v = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--mailboxes"))
      mailboxes = v;
    else if (!std::strcmp(argv[i], "--open"))
      open = v;
    else if (!std::strcmp(argv[i], "--checks"))
      checks = v;
    else if (!std::strcmp(argv[i], "--runs"))
      runs = v;
  }
  open = std::min(open, mailboxes);
  std::string tmpl = (std::filesystem::temp_directory_path() / "sealmail-quota-bench-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) return 1;
  std::filesystem::path dir_path = tmpl;
  std::filesystem::create_directories(dir_path / "mailboxes");
  int status = 0;
  {
    auto dir = directory::open_sqlite_directory(dir_path / "directory.sqlite", {0});
    if (!dir) {
      std::fprintf(stderr, "%s\n", dir.error().message.c_str());
      return 1;
    }
    auto account = (*dir)->add_account("owner", 1ull << 40);
    directory::NewDomain nd;
    nd.name = "bench.example";
    nd.account_id = account->id;
    nd.quota_bytes = 1ull << 39;
    (void)(*dir)->add_domain(nd);
    auto registry = std::make_shared<store::MailboxRegistry>();
    auto spool = std::make_shared<store::Spool>(store::spool_dir(dir_path));
    auto ledger = quota::Ledger::create(dir_path, registry, spool);
    ledger->observe(*registry);
    auto password = crypto::SecretBuffer::from("bench password, not a secret");
    std::string message = "From: a@example.org\r\nSubject: bench\r\n\r\n" + std::string(10000, 'x') + "\r\n";
    std::vector<directory::Alias> aliases;
    std::vector<std::shared_ptr<store::Mailbox>> held;
    auto setup_started = Clock::now();
    for (int i = 0; i < mailboxes; ++i) {
      directory::NewAlias na;
      na.address = "user" + std::to_string(i) + "@bench.example";
      na.mailbox = true;
      auto alias = (*dir)->add_alias(na);
      if (!alias) {
        std::fprintf(stderr, "%s\n", alias.error().message.c_str());
        return 1;
      }
      auto file = directory::mailbox_path(dir_path, alias->mailbox_id);
      auto box = registry->acquire(alias->mailbox_id, file, password, true);
      if (!box) return 1;
      (void)(*box)->append({"INBOX", message, {}, {}});
      if (i < open) held.push_back(*box);  // the others close here and leave their usage hint
      aliases.push_back(*alias);
    }
    std::printf("setup: %d mailboxes (%d open) in %.1f s\n", mailboxes, open,
                std::chrono::duration<double>(Clock::now() - setup_started).count());

    quota::Meter meter(dir_path, registry, spool);
    auto run = [&](const char* name, auto&& check) {
      std::vector<double> per_check_us;
      for (int r = 0; r < runs; ++r) {
        auto started = Clock::now();
        for (int c = 0; c < checks; ++c) {
          auto usage = check(aliases[c % aliases.size()]);
          if (!usage || usage->levels.size() != 2) status = 1;
        }
        per_check_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - started).count() / checks);
      }
      std::printf("%-40s median %9.1f us per check (runs:", name, median(per_check_us));
      for (double v : per_check_us) std::printf(" %.1f", v);
      std::printf(")\n");
    };
    run("before: Meter (sums every mailbox)", [&](const directory::Alias& a) { return meter.usage(**dir, a); });
    run("after: Ledger (running counters)", [&](const directory::Alias& a) { return ledger->usage(**dir, a); });
    // Both must agree on what they count.
    auto slow = meter.usage(**dir, aliases[0]);
    auto fast = ledger->usage(**dir, aliases[0]);
    std::printf("account bytes: Meter %llu, Ledger %llu\n", (unsigned long long)slow->levels[1].used,
                (unsigned long long)fast->levels[1].used);
    if (slow->levels[1].used != fast->levels[1].used) status = 1;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_path, ec);
  return status;
}
