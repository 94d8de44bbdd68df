// Message sizes as POP3 gives them (RFC 1939 §11: "the POP3 server can calculate the size of each
// message in octets when it opens the maildrop"; a line ending counts as CRLF whatever the store
// holds), remembered between sessions so that a client polling every few minutes does not make
// the server read its whole maildrop at each login.
//
// Why a cache: the store records each message's size as stored (byte-exact, possibly with bare
// LF line endings, e.g. from an mbox import), and STAT and LIST must give the size as RETR sends
// it. Counting needs the message's text, that is reading and decrypting every message. This is
// what Dovecot does too (the "virtual size" in its index). Messages never change once stored, so a
// size known for (uidvalidity, uid) stays right.
//
// Rules this class keeps:
// - It holds numbers only (UIDs and sizes) by mailbox id (random, never the address): no content,
//   no key. It lives in memory and nothing of it survives a restart.
// - Bounded: past `max_entries` in all, the least recently used mailboxes are forgotten.
// - A lookup for another UIDVALIDITY than the one recorded misses entirely. Thread-safe.
#pragma once

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace sealmail::pop3 {

class SizeCache {
 public:
  explicit SizeCache(size_t max_entries = 2'000'000) : max_entries_(max_entries) {}

  // For each of `uids` (ascending), the size recorded for it, or nothing.
  std::vector<std::optional<uint64_t>> lookup(const std::string& mailbox_id, uint32_t uidvalidity,
                                              const std::vector<uint32_t>& uids);
  // Replaces what is recorded for the mailbox by these sizes (ascending UIDs, one size each):
  // the maildrop as it is now, so that expunged messages are forgotten.
  void store(const std::string& mailbox_id, uint32_t uidvalidity, std::vector<uint32_t> uids,
             std::vector<uint64_t> sizes);

  size_t entries();

 private:
  struct Entry {
    uint32_t uidvalidity = 0;
    std::vector<uint32_t> uids;  // ascending
    std::vector<uint64_t> sizes;
    std::list<std::string>::iterator age;
  };
  void erase_locked(std::unordered_map<std::string, Entry>::iterator it);

  size_t max_entries_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> order_;  // least recently used first
  size_t total_ = 0;
};

}  // namespace sealmail::pop3
