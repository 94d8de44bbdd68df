#include "store/portability.h"

#include <sys/stat.h>
#include <zip.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <map>
#include <tuple>
#include <vector>

#include "core/fs.h"
#include "mime/mbox.h"

namespace sealmail::store {

namespace {

constexpr size_t kImportBatch = 200;
constexpr size_t kImportBatchBytes = 32u << 20;

// Folder names may hold '/', which becomes a directory level; ".." and "." levels are refused.
Result<std::filesystem::path> folder_path(const std::filesystem::path& base, const std::string& folder) {
  std::filesystem::path p = base;
  size_t start = 0;
  while (start <= folder.size()) {
    size_t slash = folder.find('/', start);
    std::string level = folder.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (level.empty() || level == "." || level == "..")
      return make_error(Errc::invalid_argument, "folder name cannot be written as a path");
    p /= level;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return p;
}

// Walks every message of every folder (or one), in UID order.
template <typename F>
Status for_each_message(Mailbox& mailbox, const std::optional<std::string>& only, const Progress& progress, F&& fn) {
  auto folders = mailbox.list_folders();
  if (!folders) return folders.error();
  uint64_t total = 0, done = 0;
  for (const auto& f : *folders)
    if (!only || f.name == *only) total += f.messages;
  if (only) {
    bool found = false;
    for (const auto& f : *folders) found = found || f.name == *only;
    if (!found) return make_error(Errc::not_found, "no such folder");
  }
  for (const auto& f : *folders) {
    if (only && f.name != *only) continue;
    auto list = mailbox.list_messages(f.name);
    if (!list) return list.error();
    for (const auto& m : *list) {
      auto raw = mailbox.fetch_raw(f.name, m.uid);
      if (!raw) return raw.error();
      SEALMAIL_TRY(fn(f, m, *raw));
      if (progress) progress(++done, total);
    }
  }
  return {};
}

int64_t unix_of(const std::string& iso) {
  std::tm tm{};
  if (strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm) == nullptr) return 0;
  return timegm(&tm);
}

}  // namespace

Result<ExportStats> export_mbox(Mailbox& mailbox, const std::filesystem::path& out,
                                const std::optional<std::string>& folder, const Progress& progress) {
  ExportStats stats;
  std::map<std::string, std::ofstream> files;
  std::error_code ec;
  auto st = for_each_message(mailbox, folder, progress,
                             [&](const FolderInfo& f, const MessageSummary& m, const std::string& raw) -> Status {
                               auto it = files.find(f.name);
                               if (it == files.end()) {
                                 std::filesystem::path target = out;
                                 if (!folder) {
                                   auto p = folder_path(out, f.name);
                                   if (!p) return p.error();
                                   target = *p;
                                   target += ".mbox";
                                   std::filesystem::create_directories(target.parent_path(), ec);
                                 }
                                 std::ofstream file(target, std::ios::binary | std::ios::trunc);
                                 if (!file) return make_error(Errc::io, "cannot write " + target.string());
                                 it = files.emplace(f.name, std::move(file)).first;
                               }
                               std::string chunk;
                               mime::append_mboxrd(chunk, raw, {}, unix_of(m.internal_date));
                               it->second.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
                               if (!it->second) return make_error(Errc::io, "write failed (disk full?)");
                               ++stats.messages;
                               stats.bytes += raw.size();
                               return {};
                             });
  if (!st) return st.error();
  if (folder && files.empty()) {
    std::ofstream empty(out, std::ios::binary | std::ios::trunc);  // an empty folder is an empty mbox
  }
  return stats;
}

Result<ExportStats> export_eml_dir(Mailbox& mailbox, const std::filesystem::path& dir, const Progress& progress) {
  ExportStats stats;
  auto st =
      for_each_message(mailbox, std::nullopt, progress,
                       [&](const FolderInfo& f, const MessageSummary& m, const std::string& raw) -> Status {
                         auto p = folder_path(dir, f.name);
                         if (!p) return p.error();
                         std::error_code ec;
                         std::filesystem::create_directories(*p, ec);
                         std::ofstream file(*p / (std::to_string(m.uid) + ".eml"), std::ios::binary | std::ios::trunc);
                         file.write(raw.data(), static_cast<std::streamsize>(raw.size()));
                         if (!file) return make_error(Errc::io, "cannot write " + p->string());
                         ++stats.messages;
                         stats.bytes += raw.size();
                         return {};
                       });
  if (!st) return st.error();
  return stats;
}

Result<ExportStats> export_eml_zip(Mailbox& mailbox, const std::filesystem::path& zip_file,
                                   const crypto::SecretBuffer* password, const Progress& progress) {
  int err = 0;
  zip_t* zip = zip_open(zip_file.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  if (zip == nullptr) return make_error(Errc::io, "cannot create " + zip_file.string());
  std::string pass;
  if (password != nullptr) pass.assign(password->view());
  // libzip reads the sources at zip_close(): keep every message's bytes alive until then.
  std::vector<std::string> keep;
  ExportStats stats;
  auto st = for_each_message(mailbox, std::nullopt, progress,
                             [&](const FolderInfo& f, const MessageSummary& m, const std::string& raw) -> Status {
                               keep.push_back(raw);
                               zip_source_t* src = zip_source_buffer(zip, keep.back().data(), keep.back().size(), 0);
                               std::string name = f.name + "/" + std::to_string(m.uid) + ".eml";
                               zip_int64_t index =
                                   src != nullptr ? zip_file_add(zip, name.c_str(), src, ZIP_FL_ENC_UTF_8) : -1;
                               if (index < 0) {
                                 if (src != nullptr) zip_source_free(src);
                                 return make_error(Errc::io, std::string("zip: ") + zip_strerror(zip));
                               }
                               // The internal date travels as the entry's time (for any unzip tool; DOS
                               // time keeps 2-second steps in local time) and, exact, as its comment
                               // (import_eml_zip reads it back).
                               if (auto t = unix_of(m.internal_date); t > 0) {
                                 zip_file_set_mtime(zip, static_cast<zip_uint64_t>(index), static_cast<time_t>(t), 0);
                                 zip_file_set_comment(zip, static_cast<zip_uint64_t>(index), m.internal_date.c_str(),
                                                      static_cast<zip_uint16_t>(m.internal_date.size()), 0);
                               }
                               if (password != nullptr && zip_file_set_encryption(zip, static_cast<zip_uint64_t>(index),
                                                                                  ZIP_EM_AES_256, pass.c_str()) != 0)
                                 return make_error(Errc::internal, std::string("zip encryption: ") + zip_strerror(zip));
                               ++stats.messages;
                               stats.bytes += raw.size();
                               return {};
                             });
  if (!st) {
    zip_discard(zip);
    crypto::wipe(pass.data(), pass.size());
    return st.error();
  }
  int rc = zip_close(zip);
  crypto::wipe(pass.data(), pass.size());
  if (rc != 0) {
    std::string msg = zip_strerror(zip);
    zip_discard(zip);
    return make_error(Errc::io, "zip: " + msg);
  }
  return stats;
}

namespace {

// Appends requests in batches (one transaction each): fast, and a crash loses at most the batch
// in flight, which was never acknowledged.
class BatchAppender {
 public:
  BatchAppender(Mailbox& mailbox, ImportStats& stats) : mailbox_(mailbox), stats_(stats) {}
  Status add(AppendRequest r) {
    bytes_ += r.message.size();
    batch_.push_back(std::move(r));
    if (batch_.size() >= kImportBatch || bytes_ >= kImportBatchBytes) return flush();
    return {};
  }
  Status flush() {
    if (batch_.empty()) return {};
    auto r = mailbox_.append_batch(batch_);
    if (!r) return r.error();
    stats_.messages += batch_.size();
    batch_.clear();
    bytes_ = 0;
    return {};
  }

 private:
  Mailbox& mailbox_;
  ImportStats& stats_;
  std::vector<AppendRequest> batch_;
  size_t bytes_ = 0;
};

std::optional<int64_t> parse_asctime(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%a %b %d %H:%M:%S %Y", &tm);
  if (end == nullptr) return std::nullopt;
  return timegm(&tm);
}

Status ensure_folder(Mailbox& mailbox, const std::string& folder) {
  auto f = mailbox.folder(folder);
  if (f) return {};
  if (f.error().code != Errc::not_found) return f.error();
  return mailbox.create_folder(folder);
}

}  // namespace

Result<ImportStats> import_mbox(Mailbox& mailbox, const std::filesystem::path& file, const std::string& folder,
                                const Progress& progress) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return make_error(Errc::not_found, "cannot open " + file.string());
  SEALMAIL_TRY(ensure_folder(mailbox, folder));
  std::error_code ec;
  uint64_t total = std::filesystem::file_size(file, ec);
  uint64_t read = 0;
  ImportStats stats;
  BatchAppender appender(mailbox, stats);
  mime::MboxReader reader;
  std::vector<char> buf(1 << 20);
  auto take = [&](mime::MboxReader::Message&& m) -> Status {
    AppendRequest r;
    r.folder = folder;
    r.message = std::move(m.data);
    r.internal_date = parse_asctime(m.date_text);
    return appender.add(std::move(r));
  };
  bool first = true;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    auto n = static_cast<size_t>(in.gcount());
    if (n == 0) break;
    if (first && std::string_view(buf.data(), std::min<size_t>(n, 5)) != "From ")
      return make_error(Errc::invalid_argument,
                        file.filename().string() + " is not an mbox file (no \"From \" line first)");
    first = false;
    reader.feed({buf.data(), n});
    read += n;
    while (auto m = reader.next()) SEALMAIL_TRY(take(std::move(*m)));
    if (progress) progress(read, total);
  }
  for (auto m = reader.finish(); m; m = reader.next()) SEALMAIL_TRY(take(std::move(*m)));
  SEALMAIL_TRY(appender.flush());
  stats.skipped = reader.oversized();
  return stats;
}

namespace {

uint32_t maildir_flags(const std::string& filename) {
  size_t info = filename.rfind(":2,");
  if (info == std::string::npos) return 0;
  uint32_t flags = 0;
  for (char c : filename.substr(info + 3)) {
    switch (c) {
      case 'S':
        flags |= kSeen;
        break;
      case 'R':
        flags |= kAnswered;
        break;
      case 'F':
        flags |= kFlagged;
        break;
      case 'T':
        flags |= kDeleted;
        break;
      case 'D':
        flags |= kDraft;
        break;
      default:
        break;
    }
  }
  return flags;
}

Status import_one_maildir(Mailbox& mailbox, const std::filesystem::path& dir, const std::string& folder,
                          BatchAppender& appender, ImportStats& stats, uint64_t& done, const Progress& progress) {
  SEALMAIL_TRY(ensure_folder(mailbox, folder));
  std::vector<std::filesystem::path> files;
  for (const char* sub : {"cur", "new"}) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir / sub, ec))
      if (e.is_regular_file()) files.push_back(e.path());
  }
  // Maildir names begin with the delivery time: sorting keeps the arrival order.
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    auto data = fs::read_file(p);
    if (!data) {
      ++stats.skipped;
      continue;
    }
    struct stat st {};
    AppendRequest r;
    r.folder = folder;
    r.message = std::move(*data);
    r.flags.system = maildir_flags(p.filename().string());
    if (::stat(p.c_str(), &st) == 0) r.internal_date = st.st_mtime;
    SEALMAIL_TRY(appender.add(std::move(r)));
    if (progress) progress(++done, 0);
  }
  return {};
}

}  // namespace

Result<ImportStats> import_maildir(Mailbox& mailbox, const std::filesystem::path& dir, const std::string& folder,
                                   const Progress& progress) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir / "cur", ec) && !std::filesystem::is_directory(dir / "new", ec))
    return make_error(Errc::invalid_argument, dir.string() + " is not a Maildir (no cur/ or new/)");
  ImportStats stats;
  BatchAppender appender(mailbox, stats);
  uint64_t done = 0;
  SEALMAIL_TRY(import_one_maildir(mailbox, dir, folder, appender, stats, done, progress));
  // Maildir++ subfolders: ".Work.Projects" -> "<folder>/Work/Projects" (INBOX's children at top).
  std::vector<std::filesystem::path> subs;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (e.is_directory() && name.size() > 1 && name[0] == '.' && name != "..") subs.push_back(e.path());
  }
  std::sort(subs.begin(), subs.end());
  for (const auto& s : subs) {
    std::string name = s.filename().string().substr(1);
    std::replace(name.begin(), name.end(), '.', '/');
    std::string target = folder == "INBOX" ? name : folder + "/" + name;
    SEALMAIL_TRY(import_one_maildir(mailbox, s, target, appender, stats, done, progress));
  }
  SEALMAIL_TRY(appender.flush());
  return stats;
}

Result<ImportStats> import_eml_zip(Mailbox& mailbox, const std::filesystem::path& zip_file, const std::string& folder,
                                   const crypto::SecretBuffer* password, uint64_t max_message_bytes,
                                   const Progress& progress) {
  int err = 0;
  zip_t* zip = zip_open(zip_file.c_str(), ZIP_RDONLY, &err);
  if (zip == nullptr) return make_error(Errc::invalid_argument, zip_file.filename().string() + " is not a zip file");
  struct Closer {
    zip_t* z;
    ~Closer() { zip_discard(z); }
  } closer{zip};
  std::string pass;
  if (password != nullptr) {
    pass.assign(password->view());
    zip_set_default_password(zip, pass.c_str());
  }
  struct Wiper {
    std::string& s;
    ~Wiper() { crypto::wipe(s.data(), s.size()); }
  } wiper{pass};
  zip_int64_t count = zip_get_num_entries(zip, 0);
  if (count < 0) return make_error(Errc::invalid_argument, "cannot read the zip's directory");
  // Entries in name order by folder, then by the number export gave them (the UID): arrival order.
  struct Entry {
    zip_uint64_t index;
    std::string folder;
    uint64_t number;
    std::string name;
    zip_uint64_t size;
    time_t mtime;
  };
  std::vector<Entry> entries;
  ImportStats stats;
  for (zip_int64_t i = 0; i < count; ++i) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zip, static_cast<zip_uint64_t>(i), 0, &st) != 0 || (st.valid & ZIP_STAT_NAME) == 0) {
      ++stats.skipped;
      continue;
    }
    std::string name = st.name;
    if (name.empty() || name.back() == '/') continue;  // a directory entry
    if (!name.ends_with(".eml") || (st.valid & ZIP_STAT_SIZE) == 0 || st.size > max_message_bytes) {
      ++stats.skipped;
      continue;
    }
    auto slash = name.rfind('/');
    std::string sub = slash == std::string::npos ? "" : name.substr(0, slash);
    std::string base = name.substr(slash == std::string::npos ? 0 : slash + 1);
    std::string target = sub.empty() ? folder : folder == "INBOX" ? sub : folder + "/" + sub;
    uint64_t number = 0;
    for (char c : base.substr(0, base.size() - 4)) number = c >= '0' && c <= '9' ? number * 10 + (c - '0') : ~0ull;
    time_t when = (st.valid & ZIP_STAT_MTIME) ? st.mtime : 0;
    zip_uint32_t comment_len = 0;
    const char* comment = zip_file_get_comment(zip, static_cast<zip_uint64_t>(i), &comment_len, 0);
    if (comment != nullptr && comment_len == 20) {  // "1994-02-08T05:52:25Z", as export_eml_zip writes it
      if (auto t = unix_of(std::string(comment, comment_len)); t > 0) when = static_cast<time_t>(t);
    }
    entries.push_back({static_cast<zip_uint64_t>(i), target, number, name, st.size, when});
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.folder, a.number, a.name) < std::tie(b.folder, b.number, b.name);
  });
  BatchAppender appender(mailbox, stats);
  std::string last_folder;
  uint64_t done = 0;
  for (const auto& e : entries) {
    if (e.folder != last_folder) {
      SEALMAIL_TRY(appender.flush());
      SEALMAIL_TRY(ensure_folder(mailbox, e.folder));
      last_folder = e.folder;
    }
    zip_file_t* f = zip_fopen_index(zip, e.index, 0);
    if (f == nullptr) {
      if (zip_error_code_zip(zip_get_error(zip)) == ZIP_ER_WRONGPASSWD ||
          zip_error_code_zip(zip_get_error(zip)) == ZIP_ER_NOPASSWD)
        return make_error(Errc::wrong_password, "the zip needs its password (or this one is wrong)");
      ++stats.skipped;
      continue;
    }
    AppendRequest r;
    r.folder = e.folder;
    r.message.resize(e.size);
    zip_int64_t n = zip_fread(f, r.message.data(), e.size);
    bool complete = n == static_cast<zip_int64_t>(e.size);
    zip_fclose(f);
    if (!complete) {
      if (zip_error_code_zip(zip_get_error(zip)) == ZIP_ER_WRONGPASSWD)
        return make_error(Errc::wrong_password, "the zip's password is wrong");
      ++stats.skipped;
      continue;
    }
    if (e.mtime > 0) r.internal_date = e.mtime;
    SEALMAIL_TRY(appender.add(std::move(r)));
    if (progress) progress(++done, entries.size());
  }
  SEALMAIL_TRY(appender.flush());
  return stats;
}

}  // namespace sealmail::store
