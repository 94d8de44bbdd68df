#include "mime/attachment_split.h"

#include <stdexcept>

namespace sealmail::mime {

SplitMessage split(std::string_view raw, const std::vector<ByteRange>& ranges) {
  SplitMessage out;
  size_t pos = 0;
  for (const auto& r : ranges) {
    if (r.offset < pos || r.offset + r.length > raw.size() || r.length == 0)
      throw std::invalid_argument("attachment ranges must be sorted, disjoint and inside the message");
    out.skeleton.append(raw.substr(pos, r.offset - pos));
    out.bodies.push_back({out.skeleton.size(), raw.substr(r.offset, r.length)});
    pos = r.offset + r.length;
  }
  out.skeleton.append(raw.substr(pos));
  return out;
}

std::string join(std::string_view skeleton, const std::vector<SplicePoint>& bodies) {
  size_t total = skeleton.size();
  for (const auto& b : bodies) total += b.body.size();
  std::string out;
  out.reserve(total);
  size_t pos = 0;
  for (const auto& b : bodies) {
    if (b.skeleton_offset < pos || b.skeleton_offset > skeleton.size())
      throw std::invalid_argument("splice points out of order");
    out.append(skeleton.substr(pos, b.skeleton_offset - pos));
    out.append(b.body);
    pos = b.skeleton_offset;
  }
  out.append(skeleton.substr(pos));
  return out;
}

}  // namespace sealmail::mime
