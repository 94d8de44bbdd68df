// Which network addresses an outbound connection (a forward to an MX, a webhook POST) may reach on
// behalf of a user. A domain owner controls its MX records and webhook URLs: without this check a
// record pointing at 127.0.0.1 or 10.0.0.5 would make the server talk to itself or to the private
// network behind it (SSRF). Loopback, private (RFC 1918, RFC 4193), shared (RFC 6598), link-local,
// unspecified, multicast and reserved ranges are refused unless the operator allows them (tests,
// private relays).
#pragma once

#include <boost/asio/ip/address.hpp>

namespace sealmail::delivery {

bool is_public_address(const boost::asio::ip::address& address);

}  // namespace sealmail::delivery
