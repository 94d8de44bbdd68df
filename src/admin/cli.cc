#include "admin/cli.h"

#include <CLI/CLI.hpp>
#include <cstdio>

#include "admin/backup_commands.h"
#include "admin/directory_commands.h"
#include "admin/mailbox_commands.h"
#include "admin/pgp_key_commands.h"
#include "admin/portability_commands.h"
#include "admin/protection_commands.h"
#include "admin/queue_commands.h"
#include "admin/quickstart_command.h"
#include "admin/serve_command.h"
#include "admin/spam_commands.h"
#include "crypto/secret.h"

namespace sealmail::admin {

int run(int argc, char** argv) {
  crypto::init();
  CLI::App app{"sealmail: a privacy-first mail server; every mailbox an encrypted SQLite file"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "sealmail 0.1.0");
  int exit_code = 0;
  std::string data_dir = "data";
  app.add_option("--data-dir", data_dir, "the data directory (default ./data)")->envname("SEALMAIL_DATA_DIR");
  // `sealmail serve --data-dir DIR` (as issue 4 and most tools spell it) as well as
  // `sealmail --data-dir DIR serve`: subcommands hand options they do not know to the top.
  app.fallthrough();
  add_mailbox_commands(app, exit_code);
  add_serve_command(app, data_dir, exit_code);
  add_quickstart_command(app, data_dir, exit_code);
  add_directory_commands(app, data_dir, exit_code);
  add_protection_commands(app, data_dir, exit_code);
  add_pgp_key_commands(app, data_dir, exit_code);
  add_spam_commands(app, data_dir, exit_code);
  add_queue_commands(app, data_dir, exit_code);
  add_backup_commands(app, data_dir, exit_code);
  add_portability_commands(app, data_dir, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One clear line instead of CLI11's multi-line report.
    std::fprintf(stderr, "sealmail: %s (see --help)\n", e.what());
    return e.get_exit_code() == 0 ? 2 : e.get_exit_code();
  }
  return exit_code;
}

}  // namespace sealmail::admin
