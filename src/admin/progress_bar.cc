#include "admin/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace sealmail::admin {

ProgressBar::ProgressBar(std::string label) : label_(std::move(label)), enabled_(::isatty(STDERR_FILENO) == 1) {}

ProgressBar::~ProgressBar() {
  if (drawn_) std::fputc('\n', stderr);
}

void ProgressBar::update(uint64_t done, uint64_t total) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_ < std::chrono::milliseconds(100) && done != total) return;
  last_ = now;
  drawn_ = true;
  constexpr int kWidth = 30;
  if (total > 0) {
    int filled = static_cast<int>(kWidth * std::min(done, total) / total);
    std::fprintf(stderr, "\r%s [%.*s%*s] %3d%% %llu/%llu", label_.c_str(), filled,
                 "==============================", kWidth - filled, "",
                 static_cast<int>(100 * std::min(done, total) / total), static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(total));
  } else {
    std::fprintf(stderr, "\r%s %llu", label_.c_str(), static_cast<unsigned long long>(done));
  }
  std::fflush(stderr);
}

}  // namespace sealmail::admin
