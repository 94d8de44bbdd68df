// COMPRESS DEFLATE (RFC 4978): the OK goes out uncompressed, then both directions are DEFLATE.
// Bytes the client sent after the command are already compressed: they are inflated and fed back.
#include "imap/protocol/response.h"
#include "imap/server/commands/handlers.h"

namespace sealmail::imap::commands {

Result compress(Session& s, Command& c) {
  auto& args = std::get<CompressArgs>(c.args);
  if (args.mechanism != "DEFLATE") bad("only DEFLATE is supported");
  if (s.connection().compressed()) no("COMPRESSIONACTIVE", "compression is already active");
  if (s.receiver().buffered() > 0) bad("nothing may follow COMPRESS in the same packet");
  s.out() += status_response(c.tag, "OK", "", "DEFLATE active");
  bool flushed = co_await s.flush();
  if (!flushed || !s.connection().start_deflate()) s.close_after_command();
  Completion done;
  done.skip_tagged = true;
  done.skip_report = true;
  co_return done;
}

}  // namespace sealmail::imap::commands
