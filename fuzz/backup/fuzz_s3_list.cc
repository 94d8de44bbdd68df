// libFuzzer target for the S3 ListObjectsV2 parser (src/backup/s3_list.h), which reads bytes an
// object store sends. Invariants:
//   1. limits hold: never more objects than max_objects, no name empty or longer than max_name,
//      a truncated page always has a continuation token;
//   2. round trip: a page that parsed, written back as XML (names escaped), parses to the same page.
// A broken invariant prints what broke and aborts, so libFuzzer saves the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "backup/s3_list.h"

namespace {

using namespace sealmail;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_s3_list: invariant broken: %s\n", what);
  std::abort();
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  backup::ListLimits limits;
  limits.max_objects = 50;
  limits.max_name = 200;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto page = backup::parse_list_objects(in, limits);
  if (!page) return 0;
  if (page->objects.size() > limits.max_objects) fail("too many objects");
  for (const auto& o : page->objects)
    if (o.name.empty() || o.name.size() > limits.max_name) fail("a name of a bad length");
  if (page->truncated && page->next_token.empty()) fail("truncated without a token");

  std::string xml = "<?xml version=\"1.0\"?><ListBucketResult><IsTruncated>";
  xml += page->truncated ? "true" : "false";
  xml += "</IsTruncated>";
  if (page->truncated) xml += "<NextContinuationToken>" + escape(page->next_token) + "</NextContinuationToken>";
  for (const auto& o : page->objects)
    xml += "<Contents><Key>" + escape(o.name) + "</Key><Size>" + std::to_string(o.bytes) + "</Size></Contents>";
  xml += "</ListBucketResult>";
  auto again = backup::parse_list_objects(xml, limits);
  if (!again) fail("a written page does not parse");
  if (again->objects.size() != page->objects.size() || again->truncated != page->truncated ||
      again->next_token != page->next_token)
    fail("round trip changed the page");
  for (size_t i = 0; i < page->objects.size(); ++i)
    if (again->objects[i].name != page->objects[i].name || again->objects[i].bytes != page->objects[i].bytes)
      fail("round trip changed an object");
  return 0;
}
