"""The MX test bench: `sealmail serve` with its `smtp` listener (and IMAP, to read what arrived) on
free loopback ports, a hosted domain, and helpers to send with smtplib or raw bytes. Shared by
tests/server/test_smtp*.py."""
import glob
import json
import os
import re
import socket
import ssl
import time

import pytest

from conftest import free_port
from imap_support import ImapServer

DOMAIN = "example.com"
MAX_MESSAGE = 1048576  # [limits] max_message_bytes of every SmtpServer


class SmtpServer(ImapServer):
    def __init__(self, data_dir, extra_config=""):
        if "dns_servers" not in extra_config:
            # Issue 9: the MX checks SPF/DKIM/DMARC of every sender. A test that brings no DNS server
            # of its own gets a closed loopback port (every lookup fails at once: temperror), never
            # the machine's resolver, whose answers for example.org are not ours to rely on.
            extra_config += f'[authentication]\ndns_servers = ["127.0.0.1:{free_port()}"]\n'
        super().__init__(data_dir, limits=f"max_recipients = 5\n", extra_config=extra_config)
        self.smtp_port = free_port()
        self.pop3_port = free_port()
        with open(self.config) as f:
            text = f.read()
        text = text.replace('smtp = "off"', f'smtp = "127.0.0.1:{self.smtp_port}"')
        text = text.replace('pop3 = "off"', f'pop3 = "127.0.0.1:{self.pop3_port}"')
        text = re.sub(r"max_message_bytes = \d+", f"max_message_bytes = {MAX_MESSAGE}", text)
        with open(self.config, "w") as f:
            f.write(text)

    def add_alias(self, address, *args):
        return self.cli("alias", "add", address, *args).stdout.strip()

    def inbox(self, user, password):
        """Every message of INBOX, byte-exact, by UID order."""
        m = self.imaplib()
        m.login(user, password)
        m.select("INBOX", readonly=True)
        typ, data = m.uid("SEARCH", None, "ALL")
        uids = data[0].split()
        out = []
        for uid in uids:
            typ, d = m.uid("FETCH", uid, "(BODY.PEEK[])")
            out.append(d[0][1])
        m.logout()
        return out


class Smtp:
    """A raw SMTP client: exact bytes out, replies (all lines) in."""

    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        self.greeting = self.reply()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def reply(self):
        """One reply, multi-line joined: (code, [lines])."""
        lines = []
        while True:
            while b"\n" not in self.buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed: " + repr(lines))
                self.buf += chunk
            line, self.buf = self.buf.split(b"\n", 1)
            line = line.rstrip(b"\r").decode()
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return int(line[:3]), lines

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.reply()

    def starttls(self):
        code, _ = self.cmd("STARTTLS")
        assert code == 220
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.sock = ctx.wrap_socket(self.sock)

    def closed(self, timeout=5):
        """True when the server closed the connection (nothing more to read)."""
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except (ConnectionResetError, BrokenPipeError):
            return True

    def close(self):
        self.sock.close()


@pytest.fixture(scope="module")
def smtp_server(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("smtp"))
    os.chmod(d, 0o700)
    s = SmtpServer(d)
    s.add_domain()
    s.start()
    yield s
    code = s.stop()
    assert code == 0, s.read_log()[-4000:]


_counter = [0]


@pytest.fixture
def mailbox(smtp_server, request):
    """(address, password) of a fresh alias with a mailbox."""
    _counter[0] += 1
    name = re.sub(r"[^a-z0-9]", "", request.node.name.lower())[:30]
    user = f"m{_counter[0]}-{name}@{DOMAIN}"
    return user, smtp_server.add_mailbox(user)


def message(subject="Hello", body="Hello there.\r\n", marker=""):
    return (f"From: Alice <alice@example.org>\r\nTo: bob@example.com\r\nSubject: {subject}\r\n"
            f"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{subject.replace(' ', '.')}@example.org>\r\n"
            f"\r\n{body}{marker}").encode()


def strip_trace(stored):
    """The stored message without the Return-Path, Authentication-Results (issue 9), Received and
    X-Sealmail-Scan and X-Sealmail-Spam headers the MX added in front."""
    m = re.match(rb"Return-Path: <[^>]*>\r\n(?:Authentication-Results: mail\.test[^\r]*\r\n(?:[ \t][^\r]*\r\n)*)?"
                 rb"Received: from [^\r]*\r\n\tby mail\.test with [A-Z0-9]+; [^\r]*\r\n"
                 rb"(?:X-Sealmail-Scan: [^\r]*\r\n)?(?:X-Sealmail-Spam: [^\r]*\r\n)?", stored)
    assert m, stored[:300]
    return stored[m.end():]


def sink_received(sink_dir, subject):
    """(envelope, bytes) of every message a test SMTP sink (queue_sink.py, smtp_sink.py: <n>.eml
    beside <n>.json) took whose Subject is `subject`, in arrival order."""
    out = []
    # <n>.json is renamed into place last: its presence means the message is complete (a glob of
    # *.eml could find a message whose .json was not there yet).
    for meta in sorted(glob.glob(os.path.join(sink_dir, "*.json"))):
        with open(meta[:-5] + ".eml", "rb") as f:
            data = f.read()
        if f"Subject: {subject}\r\n".encode() in data:
            with open(meta) as f:
                out.append((json.load(f), data))
    return out


def wait_for(what, timeout=60, interval=0.05):
    """Polls `what` until it returns something true (returned) or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        v = what()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + getattr(what, "__name__", "a condition"))
        time.sleep(interval)
