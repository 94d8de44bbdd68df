// The answer to S3's ListObjectsV2 (GET /bucket?list-type=2): object names and sizes, and
// whether another page follows. A parser of bytes from the network, no I/O; it reads only the
// elements it needs, with fixed limits, and refuses anything it cannot read (fuzz/fuzz_s3_list).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "backup/target.h"
#include "core/result.h"

namespace sealmail::backup {

struct ListPage {
  std::vector<ObjectInfo> objects;
  bool truncated = false;
  std::string next_token;  // NextContinuationToken when truncated
};

struct ListLimits {
  size_t max_bytes = 16 << 20;  // the whole answer
  size_t max_objects = 10000;   // S3 sends at most 1000 a page
  size_t max_name = 1024;       // S3's own limit on a key
};

Result<ListPage> parse_list_objects(std::string_view xml, const ListLimits& limits = {});

}  // namespace sealmail::backup
