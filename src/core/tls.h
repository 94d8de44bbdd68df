// TLS for every listener: a server context from a certificate and key (TLS 1.2 and later), and a
// self-signed certificate made on first start when none is configured (ECDSA P-256, the host name
// and loopback as subject alternative names), so a fresh install speaks TLS at once.
#pragma once

#include <boost/asio/ssl.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "core/result.h"

namespace sealmail::net {

using SslContext = boost::asio::ssl::context;

Result<std::shared_ptr<SslContext>> make_server_tls(const std::filesystem::path& certificate,
                                                    const std::filesystem::path& key);
// SIGHUP: loads a new certificate and key for `serving` (a context from make_server_tls). Every
// handshake that starts afterwards presents them; sessions already under TLS keep theirs. The
// context itself is not modified (OpenSSL contexts are not safe to change while handshakes run on
// other threads): each new connection takes the pair in its certificate callback. On error
// nothing changes.
Status reload_server_tls(SslContext& serving, const std::filesystem::path& certificate,
                         const std::filesystem::path& key);
// Writes `certificate` and `key` (0600) unless both exist already.
Status ensure_self_signed(const std::filesystem::path& certificate, const std::filesystem::path& key,
                          const std::string& hostname);

}  // namespace sealmail::net
