// Splitting a message into a skeleton and attachment bodies, and joining them back, byte-exact.
// The ranges come from the MIME parser (message_info.h); this code only cuts and splices, and
// split() checks its own work by joining before it returns.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mime/message_info.h"

namespace sealmail::mime {

struct SplicePoint {
  size_t skeleton_offset;  // where in the skeleton the body goes back
  std::string_view body;   // for split(): a view into the original message
};

struct SplitMessage {
  std::string skeleton;
  std::vector<SplicePoint> bodies;  // in skeleton order
};

// `ranges` must be sorted and disjoint (as analyze() returns them) and inside `raw`.
SplitMessage split(std::string_view raw, const std::vector<ByteRange>& ranges);
// The inverse: bodies must be in skeleton order with offsets inside the skeleton.
std::string join(std::string_view skeleton, const std::vector<SplicePoint>& bodies);

}  // namespace sealmail::mime
