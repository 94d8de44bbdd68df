#include "delivery/filters/executables.h"

#include <magic.h>
#include <zip.h>

#include <algorithm>
#include <array>
#include <memory>

#include "core/ascii.h"

namespace sealmail::delivery::filters {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string extension(std::string_view filename) {
  auto slash = filename.find_last_of("/\\");
  if (slash != std::string_view::npos) filename.remove_prefix(slash + 1);
  // "invoice.exe " and "invoice.exe." are run as .exe by Windows.
  while (!filename.empty() && (filename.back() == ' ' || filename.back() == '.')) filename.remove_suffix(1);
  auto dot = filename.rfind('.');
  if (dot == std::string_view::npos) return {};
  return lower(filename.substr(dot + 1));
}

// Names Windows (or a desktop) runs when opened.
std::optional<std::string> dangerous_name(std::string_view filename) {
  static const std::array<std::string_view, 30> kExecutable = {
      "exe", "com", "scr", "pif", "cpl", "dll", "sys", "msi", "msp", "mst", "jar",  "apk", "app", "lnk", "bat",
      "cmd", "vbs", "vbe", "js",  "jse", "wsf", "wsh", "wsc", "hta", "ps1", "psm1", "reg", "sh",  "inf", "scf"};
  auto ext = extension(filename);
  if (ext.empty()) return std::nullopt;
  if (std::find(kExecutable.begin(), kExecutable.end(), ext) != kExecutable.end())
    return "executable file name (." + ext + ")";
  return std::nullopt;
}

// libmagic, one handle per thread (a magic_t is not safe to share), loaded once.
std::string magic_type(std::string_view bytes) {
  struct Handle {
    magic_t m = nullptr;
    Handle() {
      m = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_TAR | MAGIC_ERROR);
      if (m != nullptr && magic_load(m, nullptr) != 0) {
        magic_close(m);
        m = nullptr;
      }
    }
    ~Handle() {
      if (m != nullptr) magic_close(m);
    }
  };
  thread_local Handle handle;
  if (handle.m == nullptr || bytes.empty()) return {};
  // The type is decided by the first bytes; libmagic reads no more than this of a buffer.
  const char* type = magic_buffer(handle.m, bytes.data(), std::min<size_t>(bytes.size(), 1u << 20));
  return type ? lower(type) : std::string();
}

bool contains_utf16le(std::string_view bytes, std::string_view ascii) {
  std::string needle;
  for (char c : ascii) {
    needle.push_back(c);
    needle.push_back('\0');
  }
  return bytes.find(needle) != std::string_view::npos;
}

constexpr std::string_view kOle = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
constexpr std::string_view kZip = "PK\x03\x04";

// The native executable formats, by their headers.
std::optional<std::string> native_format(std::string_view b) {
  if (starts_with(b, "MZ")) {
    // "MZ" alone is two letters; a PE has its "PE\0\0" where e_lfanew (offset 0x3c) points.
    if (b.size() >= 0x40) {
      uint32_t pe = static_cast<uint8_t>(b[0x3c]) | static_cast<uint8_t>(b[0x3d]) << 8 |
                    static_cast<uint8_t>(b[0x3e]) << 16 | static_cast<uint32_t>(static_cast<uint8_t>(b[0x3f])) << 24;
      if (pe <= b.size() - 4 && b.substr(pe, 4) == std::string_view("PE\0\0", 4)) return "executable (PE)";
    }
    return "executable (MS-DOS)";
  }
  if (starts_with(b,
                  "\x7f"
                  "ELF"))
    return "executable (ELF)";
  static const std::array<std::string_view, 4> kMachO = {"\xFE\xED\xFA\xCE", "\xFE\xED\xFA\xCF", "\xCE\xFA\xED\xFE",
                                                         "\xCF\xFA\xED\xFE"};
  for (auto m : kMachO)
    if (starts_with(b, m)) return "executable (Mach-O)";
  // Universal binaries share 0xCAFEBABE with Java classes: both run.
  if (starts_with(b, "\xCA\xFE\xBA\xBE")) return "executable (Mach-O universal or Java class)";
  if (starts_with(b, "#!")) return "script";
  return std::nullopt;
}

std::optional<std::string> by_magic(const std::string& type) {
  if (type.empty()) return std::nullopt;
  // Not application/x-dosexec: libmagic gives it to any buffer that opens with a jump opcode
  // (0xE9, 0xEB: a DOS .COM guess), which random and compressed data do one time in a hundred
  // (found by bench/filter_bench on generated attachments). A real MZ/PE file is caught by its
  // header above, a .com by its name.
  static const std::array<std::string_view, 7> kExecutables = {"application/x-executable",
                                                               "application/x-pie-executable",
                                                               "application/x-sharedlib",
                                                               "application/x-mach-binary",
                                                               "application/vnd.microsoft.portable-executable",
                                                               "application/x-elf",
                                                               "application/x-coff"};
  for (auto t : kExecutables)
    if (type == t) return "executable (" + type + ")";
  if (type == "application/x-msi" || type == "application/x-ms-installer") return "installer (MSI)";
  if (starts_with(type, "text/x-") &&
      (type == "text/x-shellscript" || type == "text/x-python" || type == "text/x-perl" || type == "text/x-ruby" ||
       type == "text/x-php" || type == "text/x-tcl" || type == "text/x-lua" || type == "text/x-awk" ||
       type == "text/x-msdos-batch"))
    return "script (" + type + ")";
  return std::nullopt;
}

class Checker {
 public:
  explicit Checker(const ExecutableLimits& limits) : limits_(limits) {}

  std::optional<std::string> check(std::string_view bytes, std::string_view filename, int depth) {
    if (auto n = native_format(bytes)) return n;
    if (starts_with(bytes, kOle)) {
      if (contains_utf16le(bytes, "_VBA_PROJECT")) return "document with macros (OLE VBA project)";
    }
    if (auto m = by_magic(magic_type(bytes))) return m;
    if (auto n = dangerous_name(filename)) return n;
    if (starts_with(bytes, kZip) || starts_with(bytes, "PK\x05\x06")) return check_zip(bytes, depth);
    return std::nullopt;
  }

 private:
  struct ZipCloser {
    void operator()(zip_t* z) const { zip_discard(z); }
  };
  struct FileCloser {
    void operator()(zip_file_t* f) const { zip_fclose(f); }
  };

  std::optional<std::string> check_zip(std::string_view bytes, int depth) {
    if (depth >= limits_.max_depth) return "archive nested too deep to check";
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
    if (source == nullptr) {
      zip_error_fini(&error);
      return std::nullopt;
    }
    std::unique_ptr<zip_t, ZipCloser> archive(zip_open_from_source(source, ZIP_RDONLY, &error));
    zip_error_fini(&error);
    if (!archive) {
      zip_source_free(source);
      return std::nullopt;  // not a readable zip: nothing inside to run either
    }
    zip_int64_t count = zip_get_num_entries(archive.get(), 0);
    if (count < 0) return std::nullopt;
    if (static_cast<uint64_t>(count) > limits_.max_entries) return "archive with too many entries to check";
    for (zip_uint64_t i = 0; i < static_cast<zip_uint64_t>(count); ++i) {
      zip_stat_t st;
      zip_stat_init(&st);
      if (zip_stat_index(archive.get(), i, 0, &st) != 0 || (st.valid & ZIP_STAT_NAME) == 0) continue;
      std::string_view name(st.name);
      if (!name.empty() && name.back() == '/') continue;  // a directory
      std::string lname = lower(name);
      if (lname == "word/vbaproject.bin" || lname == "xl/vbaproject.bin" || lname == "ppt/vbaproject.bin" ||
          (lname.size() >= 14 && lname.compare(lname.size() - 14, 14, "vbaproject.bin") == 0))
        return std::string("document with macros (vbaProject.bin)");
      if (auto n = dangerous_name(name)) return "zip archive with " + *n;
      if ((st.valid & ZIP_STAT_SIZE) == 0) continue;
      if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) continue;
      if (st.size > limits_.max_inflated_bytes - std::min(inflated_, limits_.max_inflated_bytes))
        return "archive too large to check";
      std::string content;
      content.resize(static_cast<size_t>(st.size));
      std::unique_ptr<zip_file_t, FileCloser> file(zip_fopen_index(archive.get(), i, 0));
      if (!file) continue;
      zip_int64_t got = zip_fread(file.get(), content.data(), content.size());
      if (got < 0) continue;
      content.resize(static_cast<size_t>(got));
      inflated_ += content.size();
      if (auto inner = check(content, name, depth + 1)) {
        if (starts_with(*inner, "zip archive with ")) return "zip archive with " + inner->substr(17);
        if (starts_with(*inner, "document with macros")) return *inner;
        return "zip archive with " + *inner;
      }
    }
    return std::nullopt;
  }

  const ExecutableLimits& limits_;
  size_t inflated_ = 0;
};

}  // namespace

std::optional<std::string> executable_content(std::string_view bytes, std::string_view filename,
                                              const ExecutableLimits& limits) {
  return Checker(limits).check(bytes, filename, 0);
}

}  // namespace sealmail::delivery::filters
