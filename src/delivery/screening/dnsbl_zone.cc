#include "delivery/screening/dnsbl_zone.h"

#include <arpa/inet.h>

#include <array>
#include <cstring>

namespace sealmail::delivery::screening {

namespace {

std::optional<uint32_t> ipv4(std::string_view text) {
  if (text.empty() || text.size() > 15) return std::nullopt;
  std::string s(text);
  in_addr a{};
  if (inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

}  // namespace

std::vector<AnswerRange> default_answers() { return {AnswerRange{0x7f000002u, 0x7f0000ffu}}; }

Result<AnswerRange> parse_answer_range(std::string_view text) {
  auto dash = text.find('-');
  auto low = ipv4(text.substr(0, dash));
  auto high = dash == std::string_view::npos ? low : ipv4(text.substr(dash + 1));
  if (!low || !high) return make_error(Errc::invalid_argument, "expected an IPv4 address or a range a.b.c.d-e.f.g.h");
  if (*high < *low) return make_error(Errc::invalid_argument, "the range ends before it starts");
  return AnswerRange{*low, *high};
}

Result<std::string> check_zone_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > 200) return make_error(Errc::invalid_argument, "a zone name of 1 to 200 octets");
  std::string out;
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return make_error(Errc::invalid_argument, "empty label in zone name");
      label = 0;
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
      ++label;
    } else if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
      ++label;
    } else {
      return make_error(Errc::invalid_argument, "zone names are letters, digits, '-', '_' and dots");
    }
    if (label > 63) return make_error(Errc::invalid_argument, "a label over 63 octets in zone name");
    out += c;
  }
  if (label == 0) return make_error(Errc::invalid_argument, "empty label in zone name");
  return out;
}

std::optional<std::string> dnsbl_query_name(std::string_view client_ip, std::string_view zone) {
  if (client_ip.empty() || client_ip.size() > 45) return std::nullopt;
  std::string s(client_ip);
  if (s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  in_addr v4{};
  std::array<uint8_t, 16> v6{};
  std::string name;
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    uint32_t a = ntohl(v4.s_addr);
    for (int shift = 0; shift < 32; shift += 8) name += std::to_string((a >> shift) & 0xff) + ".";
  } else if (inet_pton(AF_INET6, s.c_str(), v6.data()) == 1) {
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(v6.data(), mapped, 12) == 0) {
      for (int i = 15; i >= 12; --i) name += std::to_string(v6[i]) + ".";
    } else {
      static const char hex[] = "0123456789abcdef";
      for (int i = 15; i >= 0; --i) {
        name += hex[v6[i] & 0x0f];
        name += '.';
        name += hex[v6[i] >> 4];
        name += '.';
      }
    }
  } else {
    return std::nullopt;
  }
  return name + std::string(zone);
}

bool listed_by(const DnsblZone& zone, const std::vector<std::string>& answers) {
  const auto& ranges = zone.answers.empty() ? default_answers() : zone.answers;
  for (const auto& text : answers) {
    auto a = ipv4(text);
    if (!a) continue;
    for (const auto& r : ranges)
      if (*a >= r.low && *a <= r.high) return true;
  }
  return false;
}

std::string dnsbl_reason(const std::vector<std::string>& txt) {
  if (txt.empty()) return {};
  std::string out;
  for (char c : txt.front()) {
    if (out.size() == 200) break;
    out += (c >= 0x20 && c < 0x7f && c != ';') ? c : ' ';
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

const char* to_string(DnsblAction action) { return action == DnsblAction::refuse ? "refuse" : "junk"; }

}  // namespace sealmail::delivery::screening
