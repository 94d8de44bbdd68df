// The content protections of the MX path (issue 9, DESIGN.md point 8): one scan of the message in
// memory before anything is stored or forwarded, with the protections that the recipients' aliases
// (and their domains) have on (settings.h).
//
// What it decides, for the whole SMTP transaction (one reply after DATA serves every recipient, so
// the strictest recipient decides a refusal):
//   - a virus (clamd_client.h) when any recipient has virus on: 554 5.7.1, never stored;
//   - clamd down, slow or the message over its StreamMaxLength: 451 4.7.1 (defer), or accepted with
//     "virus=unscanned" in the header (accept), as configured;
//   - an executable attachment (executables.h) when any recipient has executables on: 554 5.7.1;
//   - phishing signs (phishing.h): 554 5.7.1 when any recipient's phishing is "refuse", else the
//     mailboxes whose phishing is "junk" get the message in Junk.
// What is kept carries an X-Sealmail-Scan header with the results: reasons and a signature name at
// most, never content or addresses. Nothing here logs.
#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "delivery/filters/clamd_client.h"
#include "delivery/filters/settings.h"
#include "directory/directory.h"
#include "smtp/server/delivery.h"

namespace sealmail::delivery::filters {

struct FilterOptions {
  std::optional<ClamdOptions> clamd;  // none: no clamd configured, virus scans are skipped (and said so)
  bool defer_when_clamd_unavailable = true;
  std::vector<std::string> shorteners;  // empty: default_shorteners()
};

struct FilterDecision {
  std::optional<smtp::Reply> refuse;     // 4xx/5xx for the whole message
  std::string header;                    // "X-Sealmail-Scan: ...\r\n", empty when nothing was checked
  std::set<std::string> junk_mailboxes;  // mailbox ids that take the message in Junk
};

// What one message was found to be, before any recipient's choice is applied.
struct ScanResult {
  ClamdVerdict virus;  // kind unavailable with detail "off" when not scanned
  bool virus_scanned = false;
  std::optional<std::string> executable;
  bool executables_checked = false;
  std::vector<std::string> phishing;
  bool phishing_checked = false;
};

class ContentFilter {
 public:
  explicit ContentFilter(FilterOptions options);

  // Blocking (directory reads, clamd, parsing): on the worker pool. `aliases` are the recipients'
  // aliases, each once.
  FilterDecision decide_blocking(directory::Directory& directory, const std::vector<directory::Alias>& aliases,
                                 std::string_view message);

  // The scan alone, with the union of what the recipients want (for tests and the benchmark).
  ScanResult scan(std::string_view message, const Protections& wanted) const;

 private:
  FilterOptions options_;
};

}  // namespace sealmail::delivery::filters
