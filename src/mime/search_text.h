// Text that the full-text index sees (internal to src/mime): decoded headers and bodies, with HTML
// reduced to its text, capped in size.
#pragma once

#include <gmime/gmime.h>

#include <string>
#include <string_view>

namespace sealmail::mime {

void append_search_text(std::string& out, std::string_view text, bool html, size_t cap);
void append_search_headers(std::string& out, GMimeObject* object, size_t cap);
// Visible text of an HTML document: tags, comments, scripts and styles removed, common entities
// decoded. Not a renderer: enough for substring search.
std::string html_to_text(std::string_view html);

}  // namespace sealmail::mime
