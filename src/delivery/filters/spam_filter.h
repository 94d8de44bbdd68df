// The embedded junk classifier at the MX (issue 9; the maths and tokens are src/classify): no
// external service. Two models score a message:
//   - the server's, trained by the operator with `sealmail spam train` and kept in
//     <data_dir>/spam/model (token hashes and counts only), read again when the file changes;
//   - the owner's, trained by moving mail into and out of Junk over IMAP (store: junk_tokens, inside
//     the encrypted mailbox), which can only be read while the mailbox is open: when the owner is
//     online, the MX adds it for that mailbox's copy. Mail that waits in the sealed spool is filed
//     by the server's model, then again at the owner's login (delivery/junk_refile.h).
// Per alias (settings.h): spam and adult (refuse | junk | off) and junk_threshold. A refusal is
// decided on the server's model alone, at DATA, for the whole message (the strictest recipient).
// What is stored carries "X-Sealmail-Spam: score=0.97 adult=0.01 verdict=junk reasons=spam": scores
// and reason names only, never a word of the message. Nothing here logs.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "classify/bayes.h"
#include "classify/model.h"
#include "delivery/filters/settings.h"

namespace sealmail::delivery::filters {

struct JunkVerdict {
  bool junk = false;
  std::string header;  // "X-Sealmail-Spam: ...\r\n"
};

class SpamFilter {
 public:
  explicit SpamFilter(std::filesystem::path model_file);
  static std::filesystem::path model_file(const std::filesystem::path& data_dir);  // <data_dir>/spam/model

  // The server's model as the file holds it now (an empty model when there is none or it does not
  // read). Blocking (a stat, and a read when it changed); thread-safe.
  std::shared_ptr<const classify::Model> model();

  // The reply refusing the message for a recipient with these protections, on the server's scores.
  static std::optional<std::string> refusal(const classify::Scores& scores, const Protections& p);
  // Where one mailbox's copy goes and the header it carries.
  static JunkVerdict verdict(const classify::Scores& scores, const Protections& p);

 private:
  std::filesystem::path file_;
  std::mutex mutex_;
  std::shared_ptr<const classify::Model> model_;
  std::filesystem::file_time_type seen_time_{};
  uintmax_t seen_size_ = 0;
  bool seen_ = false;
};

}  // namespace sealmail::delivery::filters
