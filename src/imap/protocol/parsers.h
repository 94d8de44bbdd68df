// Internal to the parser: one function per command family, each reading the arguments that
// follow the command name (and its SP) from the Reader. Each lives in its own file.
#pragma once

#include <vector>

#include "imap/protocol/command.h"
#include "imap/protocol/reader.h"

namespace sealmail::imap::detail {

// mailbox = "INBOX" / astring (RFC 9051 §9), INBOX normalised.
std::string mailbox(Reader& r);

// list_parser.cc
ListArgs parse_list(Reader& r, bool lsub);
StatusArgs parse_status(Reader& r);
std::vector<StatusItem> parse_status_items(Reader& r);  // "(" item *(SP item) ")"

// fetch_parser.cc
FetchArgs parse_fetch(Reader& r, bool uid);
StoreArgs parse_store(Reader& r);

// search_parser.cc
SearchArgs parse_search(Reader& r);
SortArgs parse_sort(Reader& r);
ThreadArgs parse_thread(Reader& r);

// append_parser.cc
AppendArgs parse_append(Reader& r);
std::vector<std::string> parse_flag_list(Reader& r);  // "(" [flag *(SP flag)] ")"

// select_parser.cc
SelectArgs parse_select(Reader& r);
CreateArgs parse_create(Reader& r);

}  // namespace sealmail::imap::detail
