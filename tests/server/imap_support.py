"""The IMAP test bench: `sealmail serve` with its `imap` (STARTTLS) and `imaps` listeners on free
loopback ports, and mailboxes made with the CLI. Shared by tests/server/test_imap_*.py."""
import hashlib
import imaplib
import os
import re
import subprocess
import time

import pytest

from conftest import BINARY, Server, free_port
from imap_wire import Wire, unverified_context

DOMAIN = "example.com"
APPENDLIMIT = 2097152  # [limits] max_message_bytes of every ImapServer


class ImapServer(Server):
    """A Server whose [listen] table turns on imap and imaps (conftest writes them "off")."""

    def __init__(self, data_dir, plaintext_on_loopback=True, limits="", extra_config=""):
        super().__init__(data_dir)
        self.imap_port = free_port()
        self.imaps_port = free_port()
        with open(self.config) as f:
            text = f.read()
        text = text.replace('imap = "off"', f'imap = "127.0.0.1:{self.imap_port}"')
        text = text.replace('imaps = "off"', f'imaps = "127.0.0.1:{self.imaps_port}"')
        assert f"127.0.0.1:{self.imap_port}" in text and f"127.0.0.1:{self.imaps_port}" in text
        text += f"[tls]\nplaintext_on_loopback = {'true' if plaintext_on_loopback else 'false'}\n"
        # APPENDLIMIT is max_message_bytes: 2 MiB keeps the TOOBIG tests small.
        text += f"[limits]\nmax_message_bytes = {APPENDLIMIT}\n" + limits
        text += extra_config
        with open(self.config, "w") as f:
            f.write(text)

    def cli(self, *args, check=True, password=None):
        env = dict(os.environ)
        env.pop("SEALMAIL_PASSWORD", None)
        if password is not None:
            env["SEALMAIL_PASSWORD"] = password
        r = subprocess.run([BINARY, "--data-dir", self.data_dir, *args], capture_output=True, text=True,
                           env=env, timeout=120)
        if check:
            assert r.returncode == 0, (args, r.stdout, r.stderr)
        return r

    def add_domain(self, domain=DOMAIN):
        self.cli("domain", "add", domain)

    def add_mailbox(self, address, quota=None):
        """Adds an alias with a mailbox; returns its password (printed once by the CLI)."""
        args = ["alias", "add", address, "--mailbox"]
        if quota is not None:
            args += ["--quota", str(quota)]
        out = self.cli(*args).stdout.strip()
        assert re.fullmatch(r"\S{20,}", out), out
        return out

    # --- clients ---
    def wire(self, **kw):
        return Wire(self.imap_port, **kw)

    def wire_tls(self, **kw):
        return Wire(self.imaps_port, tls=True, **kw)

    def imaplib(self):
        return imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=10)

    def imaplib_ssl(self):
        return imaplib.IMAP4_SSL("127.0.0.1", self.imaps_port, ssl_context=unverified_context(), timeout=10)


def folder_status(srv, user, password, folder="INBOX"):
    """(MESSAGES, UIDVALIDITY) of a folder, by a fresh login."""
    m = srv.imaplib()
    m.login(user, password)
    typ, data = m.status(folder, "(MESSAGES UIDVALIDITY)")
    m.logout()
    assert typ == "OK", data
    n, v = re.search(rb"MESSAGES (\d+) UIDVALIDITY (\d+)", data[0]).groups()
    return int(n), int(v)


def fetch_by_subject(srv, user, password, subject, folder="INBOX", deadline=30):
    """The stored message of `folder` whose Subject is `subject`, waiting for it to appear."""
    end = time.monotonic() + deadline
    while True:
        m = srv.imaplib()
        m.login(user, password)
        m.select(folder, readonly=True)
        typ, data = m.uid("SEARCH", None, "HEADER", "Subject", f'"{subject}"')
        uids = data[0].split()
        found = None
        if uids:
            typ, d = m.uid("FETCH", uids[-1], "(BODY.PEEK[])")
            found = d[0][1]
        m.logout()
        if found is not None:
            return found
        assert time.monotonic() < end, f"{subject} not in {folder}"
        time.sleep(0.1)


class Account:
    def __init__(self, server, user, password):
        self.server, self.user, self.password = server, user, password

    def wire(self, select=None, enable=None):
        """A logged-in raw session (optionally with ENABLE and SELECT done)."""
        w = self.server.wire()
        w.login(self.user, self.password)
        if enable:
            w.ok("ENABLE " + enable)
        if select:
            w.ok("SELECT " + select)
        return w

    def imap(self):
        m = self.server.imaplib()
        m.login(self.user, self.password)
        return m


_counter = [0]


@pytest.fixture(scope="module")
def imap_server(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("imap"))
    os.chmod(d, 0o700)
    s = ImapServer(d)
    s.add_domain()
    s.start()
    yield s
    code = s.stop()
    # The server must not have crashed under the tests (a signal gives a negative code).
    assert code == 0, s.read_log()[-4000:]


@pytest.fixture
def account(imap_server, request):
    """A fresh mailbox on the module's server, for one test."""
    _counter[0] += 1
    user = f"u{_counter[0]}-{re.sub(r'[^a-z0-9]', '', request.node.name.lower())[:30]}@{DOMAIN}"
    password = imap_server.add_mailbox(user)
    return Account(imap_server, user, password)


def message(subject="Hello", body="Hello there.\r\n", sender="Alice Example <alice@example.org>",
            to="Bob <bob@example.com>", date="Mon, 7 Feb 1994 21:52:25 -0800", extra=""):
    """A small RFC 5322 message with CRLF line ends."""
    text = (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\n"
            f"Message-ID: <{hashlib.sha1((subject + body + date).encode()).hexdigest()[:16]}@example.org>\r\n{extra}\r\n{body}")
    return text.encode()


def append(w, folder, data, flags="", date=""):
    """APPEND with a synchronizing literal (waits for the continuation); returns the tagged line."""
    tag = w.tag()
    head = f"{tag} APPEND {folder}"
    if flags:
        head += f" ({flags})"
    if date:
        head += f' "{date}"'
    w.send(f"{head} {{{len(data)}}}\r\n")
    cont = w.response()
    assert cont.startswith(b"+"), cont
    w.send(data + b"\r\n")
    untagged, tagged = w.until(tag)
    assert re.match(rb"^T\d+ OK \[APPENDUID \d+ \d+\]", tagged), (untagged, tagged)
    return tagged


def appenduid(tagged):
    m = re.search(rb"\[APPENDUID (\d+) (\d+)\]", tagged)
    return int(m.group(1)), int(m.group(2))
