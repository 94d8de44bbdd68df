#include "pop3/protocol/capabilities.h"

#include "pop3/protocol/response.h"

namespace sealmail::pop3 {

void append_capa(std::string& out, const Capabilities& caps) {
  append_ok(out, "Capability list follows");
  auto line = [&](std::string_view text) {
    out += text;
    out += "\r\n";
  };
  if (caps.top) line("TOP");
  if (caps.user) line("USER");
  if (!caps.sasl.empty()) {
    out += "SASL";
    for (const auto& mech : caps.sasl) {
      out += ' ';
      out += mech;
    }
    out += "\r\n";
  }
  if (caps.resp_codes) line("RESP-CODES");
  if (caps.login_delay) line("LOGIN-DELAY " + std::to_string(*caps.login_delay));
  if (caps.pipelining) line("PIPELINING");
  if (!caps.expire.empty()) line("EXPIRE " + caps.expire);
  if (caps.uidl) line("UIDL");
  if (!caps.implementation.empty()) line("IMPLEMENTATION " + caps.implementation);
  if (caps.stls) line("STLS");
  if (caps.auth_resp_code) line("AUTH-RESP-CODE");
  if (caps.utf8) line(caps.utf8_user ? "UTF8 USER" : "UTF8");
  out += kEndOfMultiline;
}

}  // namespace sealmail::pop3
