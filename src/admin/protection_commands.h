// `sealmail domain protections` and `sealmail alias protections` (issue 9): show and set the
// content protections of a domain or an alias (delivery/filters/settings.h). Changes apply to the
// next message, without a restart.
//
//   sealmail domain protections example.com                       what applies, and where it is set
//   sealmail domain protections example.com --set phishing=refuse
//   sealmail alias protections hello@example.com --set virus=off --unset phishing
#pragma once

#include <CLI/CLI.hpp>

namespace sealmail::admin {

// Adds "protections" under the existing "domain" and "alias" commands.
void add_protection_commands(CLI::App& app, std::string& data_dir, int& exit_code);

}  // namespace sealmail::admin
