#include "delivery/filters/spam_filter.h"

#include <cstdio>

namespace sealmail::delivery::filters {

namespace {

std::string two_places(double v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

bool over(double score, const Protections& p) { return score >= p.junk_threshold; }

}  // namespace

SpamFilter::SpamFilter(std::filesystem::path model_file)
    : file_(std::move(model_file)), model_(std::make_shared<const classify::Model>()) {}

std::filesystem::path SpamFilter::model_file(const std::filesystem::path& data_dir) {
  return data_dir / "spam" / "model";
}

std::shared_ptr<const classify::Model> SpamFilter::model() {
  std::lock_guard lock(mutex_);
  std::error_code ec;
  auto time = std::filesystem::last_write_time(file_, ec);
  uintmax_t size = ec ? 0 : std::filesystem::file_size(file_, ec);
  if (ec) {
    // No model (yet): untrained, every score 0.5.
    if (seen_) model_ = std::make_shared<const classify::Model>();
    seen_ = false;
    return model_;
  }
  if (seen_ && time == seen_time_ && size == seen_size_) return model_;
  auto loaded = classify::Model::load(file_);
  // `sealmail spam train` replaces the file by a rename: a damaged file is not a state it leaves.
  // Should one be there anyway, scoring goes on untrained rather than refusing mail.
  model_ =
      loaded ? std::make_shared<const classify::Model>(std::move(*loaded)) : std::make_shared<const classify::Model>();
  seen_ = true;
  seen_time_ = time;
  seen_size_ = size;
  return model_;
}

std::optional<std::string> SpamFilter::refusal(const classify::Scores& s, const Protections& p) {
  if (p.adult == JunkAction::refuse && s.adult_trained && over(s.adult, p)) return "Message refused: adult content";
  if (p.spam == JunkAction::refuse && s.trained && over(s.spam, p)) return "Message refused: spam";
  return std::nullopt;
}

JunkVerdict SpamFilter::verdict(const classify::Scores& s, const Protections& p) {
  JunkVerdict v;
  std::string reasons;
  auto reason = [&](const char* r) { reasons += (reasons.empty() ? "" : ",") + std::string(r); };
  bool adult = p.adult != JunkAction::off && s.adult_trained && over(s.adult, p);
  bool spam = p.spam != JunkAction::off && s.trained && over(s.spam, p);
  if (adult) reason("adult");
  if (spam) reason("spam");
  if (!s.trained) reason("untrained");
  if (s.personal) reason("personal");
  v.junk = adult || spam;
  std::string value = "score=" + two_places(s.spam);
  if (s.adult_trained) value += " adult=" + two_places(s.adult);
  value += std::string(" verdict=") + (v.junk ? "junk" : "inbox") + " threshold=" + two_places(p.junk_threshold);
  if (!reasons.empty()) value += " reasons=" + reasons;
  v.header = "X-Sealmail-Spam: " + value + "\r\n";
  return v;
}

}  // namespace sealmail::delivery::filters
