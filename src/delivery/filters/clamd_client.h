// A ClamAV scan over clamd's unix socket with INSTREAM (clamd(8), "INSTREAM"): the message goes
// from memory in chunks, each prefixed with its length as 4 bytes in network order, ended by a
// zero-length chunk; clamd answers "stream: OK", "stream: <signature> FOUND" or "... ERROR".
//
// Rules it keeps:
// - Nothing touches disk on our side; clamd scans the stream in its own memory/temp as configured.
// - One deadline for the whole exchange (connect, send, answer): a clamd that is slow counts as
//   unavailable, never as clean.
// - A message over clamd's StreamMaxLength (stream_max_bytes here, clamd's default 25 MiB) is
//   not sent: clamd would cut it off ("INSTREAM size limit exceeded"), and a scan of a prefix is
//   not a scan. It is reported unavailable, so the caller's choice for a missing clamd applies.
// - The verdict holds the signature name only, never content.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

namespace sealmail::delivery::filters {

struct ClamdOptions {
  std::filesystem::path socket;  // clamd's LocalSocket
  std::chrono::milliseconds timeout{10000};
  size_t stream_max_bytes = 25u << 20;  // clamd.conf StreamMaxLength
  size_t chunk_bytes = 64u << 10;
};

struct ClamdVerdict {
  enum class Kind { clean, infected, unavailable } kind = Kind::unavailable;
  std::string detail;  // infected: the signature name; unavailable: why (no content, no address)
};

// Blocking: run it on the worker pool.
ClamdVerdict clamd_scan(const ClamdOptions& options, std::string_view message);

// Parses clamd's answer to INSTREAM (without its terminating NUL). Exposed for tests and fuzzing.
ClamdVerdict parse_clamd_answer(std::string_view answer);

}  // namespace sealmail::delivery::filters
