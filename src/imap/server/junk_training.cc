#include "imap/server/junk_training.h"

#include <algorithm>

#include "core/log.h"
#include "imap/server/selected.h"

namespace sealmail::imap {

namespace {

bool is_keyword(const std::string& k, std::string_view name) {
  return k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         });
}

}  // namespace

JunkTraining training_for_copy(std::string_view from_use, std::string_view to_use) {
  bool from_junk = from_use == "\\Junk", to_junk = to_use == "\\Junk";
  if (to_junk && !from_junk) return JunkTraining::junk;
  // Out of Junk into Trash is deleting the spam, not saying it was good mail.
  if (from_junk && !to_junk && to_use != "\\Trash") return JunkTraining::not_junk;
  return JunkTraining::none;
}

JunkTraining training_for_flags(store::FlagMode mode, const store::Flags& flags) {
  if (mode == store::FlagMode::remove) return JunkTraining::none;
  bool junk = std::any_of(flags.keywords.begin(), flags.keywords.end(), [](auto& k) { return is_keyword(k, "$Junk"); });
  bool not_junk =
      std::any_of(flags.keywords.begin(), flags.keywords.end(), [](auto& k) { return is_keyword(k, "$NotJunk"); });
  if (junk == not_junk) return JunkTraining::none;
  return junk ? JunkTraining::junk : JunkTraining::not_junk;
}

void train(store::Mailbox& mailbox, std::string_view folder, const std::vector<uint32_t>& uids, JunkTraining how) {
  if (how == JunkTraining::none || uids.empty()) return;
  std::vector<uint32_t> sorted(uids);
  std::sort(sorted.begin(), sorted.end());
  if (sorted.size() > kMaxTrained) sorted.resize(kMaxTrained);
  auto trained = mailbox.train_junk(folder, SelectedFolder::to_ranges(sorted), how == JunkTraining::junk);
  if (!trained) log::warn("imap: junk training failed", {{"error", trained.error().message}});
}

}  // namespace sealmail::imap
