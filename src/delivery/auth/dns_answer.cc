#include "delivery/auth/dns_answer.h"

#include <ares.h>
#include <arpa/inet.h>

namespace sealmail::delivery::auth {

namespace {

struct Reader {
  const unsigned char* base;
  size_t size;
  size_t pos = 0;
  bool u16(uint16_t& v) {
    if (pos + 2 > size) return false;
    v = static_cast<uint16_t>(base[pos] << 8 | base[pos + 1]);
    pos += 2;
    return true;
  }
  bool u32(uint32_t& v) {
    if (pos + 4 > size) return false;
    v = static_cast<uint32_t>(base[pos]) << 24 | static_cast<uint32_t>(base[pos + 1]) << 16 |
        static_cast<uint32_t>(base[pos + 2]) << 8 | base[pos + 3];
    pos += 4;
    return true;
  }
  // Skips or reads a (possibly compressed) name at `at`; returns its encoded length.
  std::optional<std::string> name(size_t at, long& encoded) const {
    if (at >= size) return std::nullopt;
    char* out = nullptr;
    if (ares_expand_name(base + at, base, static_cast<int>(size), &out, &encoded) != ARES_SUCCESS) return std::nullopt;
    std::string s(out);
    ares_free_string(out);
    return s;
  }
};

}  // namespace

std::optional<DnsRecordSet> parse_dns_answer(const std::vector<unsigned char>& reply, int type) {
  Reader r{reply.data(), reply.size()};
  uint16_t id, flags, qd, an, ns, ar;
  if (!r.u16(id) || !r.u16(flags) || !r.u16(qd) || !r.u16(an) || !r.u16(ns) || !r.u16(ar)) return std::nullopt;
  for (uint16_t i = 0; i < qd; ++i) {
    long len = 0;
    if (!r.name(r.pos, len)) return std::nullopt;
    r.pos += static_cast<size_t>(len) + 4;
    if (r.pos > r.size) return std::nullopt;
  }
  DnsRecordSet set;
  bool any = false;
  for (uint16_t i = 0; i < an && set.values.size() < 64; ++i) {
    long len = 0;
    if (!r.name(r.pos, len)) return std::nullopt;
    r.pos += static_cast<size_t>(len);
    uint16_t rtype, rclass, rdlen;
    uint32_t ttl;
    if (!r.u16(rtype) || !r.u16(rclass) || !r.u32(ttl) || !r.u16(rdlen)) return std::nullopt;
    if (r.pos + rdlen > r.size) return std::nullopt;
    size_t rdata = r.pos;
    r.pos += rdlen;
    if (rtype != type || rclass != 1) continue;  // CNAMEs on the way, other classes
    std::string value;
    if (type == kDnsTxt) {
      // One or more <character-string>s, concatenated (RFC 7208 §3.3, RFC 6376 §3.6.2.2).
      size_t p = rdata;
      while (p < rdata + rdlen) {
        size_t n = reply[p];
        if (p + 1 + n > rdata + rdlen) return std::nullopt;
        value.append(reinterpret_cast<const char*>(reply.data() + p + 1), n);
        p += 1 + n;
      }
    } else if (type == kDnsA || type == kDnsAaaa) {
      size_t want = type == kDnsA ? 4 : 16;
      if (rdlen != want) return std::nullopt;
      char text[INET6_ADDRSTRLEN];
      if (inet_ntop(type == kDnsA ? AF_INET : AF_INET6, reply.data() + rdata, text, sizeof text) == nullptr)
        return std::nullopt;
      value = text;
    } else if (type == kDnsMx) {
      if (rdlen < 3) return std::nullopt;
      long nlen = 0;
      auto exchange = r.name(rdata + 2, nlen);
      if (!exchange || rdata + 2 + static_cast<size_t>(nlen) > rdata + rdlen) return std::nullopt;
      value = *exchange;
    } else {
      return std::nullopt;
    }
    set.ttl = any ? std::min(set.ttl, ttl) : ttl;
    any = true;
    set.values.push_back(std::move(value));
  }
  return set;
}

}  // namespace sealmail::delivery::auth
