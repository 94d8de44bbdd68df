// Executable content in attachments (issue 9 "Executables"): a part is refused when its real type,
// read from its bytes (libmagic, and our own checks of the headers that matter), or its file name
// is one of
//   - a native executable or library: PE (Windows), ELF, Mach-O;
//   - a script: a "#!" file, shell/Python/Perl/... by libmagic, or a Windows script by its name
//     (.js, .vbs, .ps1, .bat, .hta, .wsf: plain text that libmagic cannot tell apart);
//   - an installer: MSI (an OLE file that libmagic names so), .msi/.msp by name;
//   - a zip archive (also .jar, .apk) that carries any of these, zip in zip included;
//   - an Office document with macros: OOXML with a vbaProject.bin part, or an OLE (Word 97,
//     Excel 97) file with a VBA project stream.
// Rules it keeps: in memory only (libzip reads from our buffer); bounded: archive depth, entry
// count and bytes inflated are limited, and an archive past a limit counts as carrying something
// we could not check (refused), so a zip bomb costs little. The reason names the kind, never
// content.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sealmail::delivery::filters {

struct ExecutableLimits {
  int max_depth = 4;                      // archives inside archives
  size_t max_entries = 10000;             // per archive
  size_t max_inflated_bytes = 64u << 20;  // over all archives of one part
};

// The reason the part is refused ("executable (PE)", "zip archive with executable (ELF)",
// "document with macros"), or none.
std::optional<std::string> executable_content(std::string_view bytes, std::string_view filename,
                                              const ExecutableLimits& limits = {});

}  // namespace sealmail::delivery::filters
