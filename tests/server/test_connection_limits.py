"""The per-IP connection limit ([limits] max_connections_per_ip, counted per listener) on the
implicit-TLS POP3 and SMTP listeners (issue 4's rate limits): a client over it is told why in its
own protocol after the TLS handshake, instead of a bare close that reaches it as a reset; a
newcomer gets in again once a held connection ends. (Plain pop3 and smtp: test_serve.py; IMAP's:
test_imap_tls.py.)"""
import os
import time

import pytest

from conftest import free_port
from imap_support import ImapServer
from imap_wire import greeting


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("connlimit"))
    os.chmod(d, 0o700)
    s = ImapServer(d, limits="max_connections_per_ip = 2\n")
    s.ports = {name: free_port() for name in ("submissions", "pop3s")}
    with open(s.config) as f:
        text = f.read()
    for name, port in s.ports.items():
        text = text.replace(f'{name} = "off"', f'{name} = "127.0.0.1:{port}"')
        assert f"127.0.0.1:{port}" in text, name
    with open(s.config, "w") as f:
        f.write(text)
    s.add_domain()
    s.start()
    yield s
    code = s.stop()
    assert code == 0, s.read_log()[-4000:]


@pytest.mark.parametrize("listener,tls,welcome,refusal", [
    ("pop3s", True, b"+OK", b"-ERR [SYS/TEMP] Too many connections from your address\r\n"),
    ("submissions", True, b"220 ", b"421 4.7.0 Too many connections from your address\r\n"),
])
def test_a_client_over_the_limit_is_told_why(server, listener, tls, welcome, refusal):
    port = server.ports[listener]
    held = [greeting(port, tls), greeting(port, tls)]
    assert all(g.startswith(welcome) for _, g in held), held
    sock, line = greeting(port, tls)
    sock.close()
    assert line == refusal, line
    held[0][0].close()
    # The server frees the place on its own time: poll for a welcome.
    deadline = time.monotonic() + 30
    while True:
        sock, line = greeting(port, tls)
        sock.close()
        if line.startswith(welcome) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert line.startswith(welcome), line
    held[1][0].close()
