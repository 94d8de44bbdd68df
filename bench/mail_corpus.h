// Generated mail for the store benchmark: what a mailbox really receives, so that the store's
// costs (MIME analysis, trigram indexing, attachment storage) are measured on realistic input
// while the repository carries no mail.
//
// - Headers as they arrive at an MX: Return-Path, two Received, DKIM-Signature,
//   Authentication-Results, From/To/Cc, Subject, Date, Message-ID, and In-Reply-To/References for
//   the three in ten messages that answer a recent one (so threads form).
// - Text bodies of words drawn from a Zipf distribution (s = 1.07) over 50,000 words: a few
//   hundred real words of business mail at the head, made-up pronounceable words in the tail. A
//   quarter of the text messages are multipart/alternative with an HTML copy.
// - One unique ticket reference ("TKT-" and ten base32 characters) per text message.
// - Large messages carry a base64 attachment of random bytes: it never dedups and zstd saves only
//   the base64 overhead.
// Everything comes from one seeded generator: the same seed gives the same mail.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "store/types.h"

namespace sealmail::bench {

class MailCorpus {
 public:
  explicit MailCorpus(uint64_t seed);
  ~MailCorpus();
  MailCorpus(const MailCorpus&) = delete;
  MailCorpus& operator=(const MailCorpus&) = delete;

  // About `target` bytes (within a sentence): headers and a text body.
  store::AppendRequest text_message(size_t target);
  // About `target` bytes: headers, a short text and a base64 attachment of random bytes.
  store::AppendRequest attachment_message(size_t target);

  // Search material drawn from what was generated since the last reset_samples():
  std::string reference_query();    // a ticket reference (hits one message)
  std::string rare_word_query();    // a word from the tail of the distribution (hits few)
  std::string common_word_query();  // a word of five letters or more near the head (hits many)
  std::string trigram_query();      // three letters that nearly every message contains
  std::string from_query();         // a correspondent's mailbox name, picked as often as they write
  void reset_samples();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sealmail::bench
