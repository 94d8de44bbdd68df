"""Submission (issue 8, RFC 6409): the `submission` (587-style, STARTTLS required before AUTH) and
`submissions` (465-style, implicit TLS, RFC 8314) listeners of the real server, driven by Python's
smtplib, Debian's swaks and raw bytes: AUTH PLAIN and LOGIN with the alias and its password, wrong
passwords refused and throttled like IMAP logins, the sender checks (550 5.7.1), the hourly limits
(450 4.7.1), Date and Message-ID added, DKIM signatures (RSA and Ed25519) checked by dkimpy
against the DNS records `quickstart` printed, delivery to our own mailboxes read back over IMAP,
and the copy in the sender's Sent folder."""
import base64
import email
import os
import re
import smtplib
import socket
import ssl
import subprocess
import time

import dkim
import pytest

from conftest import BINARY, free_port
from imap_support import ImapServer
from smtp_support import Smtp

DOMAIN = "example.com"
OWNER = f"owner@{DOMAIN}"
MESSAGES_PER_HOUR = 3
RECIPIENTS_PER_HOUR = 8


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class SubmissionServer(ImapServer):
    def __init__(self, data_dir):
        super().__init__(data_dir, limits="max_recipients = 5\nfailed_logins_per_address = 4\n",
                         extra_config=f"[submission]\nmessages_per_hour = {MESSAGES_PER_HOUR}\n"
                                      f"recipients_per_hour = {RECIPIENTS_PER_HOUR}\nsave_sent_copies = true\n")
        self.submission_port = free_port()
        self.submissions_port = free_port()
        with open(self.config) as f:
            text = f.read()
        text = text.replace('submission = "off"', f'submission = "127.0.0.1:{self.submission_port}"')
        text = text.replace('submissions = "off"', f'submissions = "127.0.0.1:{self.submissions_port}"')
        with open(self.config, "w") as f:
            f.write(text)

    def folder(self, user, password, name="INBOX"):
        """Every message of folder `name`, byte-exact, with its flags, by UID order."""
        m = self.imaplib()
        m.login(user, password)
        m.select(name, readonly=True)
        typ, data = m.uid("SEARCH", None, "ALL")
        out = []
        for uid in data[0].split():
            typ, d = m.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
            out.append((d[0][1], d[0][0]))
        m.logout()
        return out


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("submission"))
    os.chmod(d, 0o700)
    # quickstart makes the account, the domain, its DKIM keys and the first alias, and prints the
    # DNS records to publish; the test's own config then replaces quickstart's.
    r = subprocess.run([BINARY, "--data-dir", d, "quickstart", OWNER, "--hostname", "mail.test"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    password = re.search(r"^Password: (\S+)$", r.stdout, re.M).group(1)
    records = {}
    for name, value in re.findall(r"^(\S+\._domainkey\.\S+)\.\s+TXT\s+(.*)$", r.stdout, re.M):
        records[name.lower()] = "".join(re.findall(r'"([^"]*)"', value))
    assert len(records) == 2, r.stdout
    s = SubmissionServer(d)
    s.owner_password = password
    s.dkim_records = records
    # Another domain of the same account (the owner may send as its addresses), and a domain
    # of someone else (nobody here may).
    s.cli("domain", "add", "second.test", "--account", OWNER)
    s.cli("domain", "add", "stranger.test", "--account", "someone-else")
    s.start()
    yield s
    code = s.stop()
    assert code == 0, s.read_log()[-4000:]


_counter = [0]


@pytest.fixture
def alias(server, request):
    """(address, password) of a fresh alias with a mailbox in the owner's domain."""
    _counter[0] += 1
    name = re.sub(r"[^a-z0-9]", "", request.node.name.lower())[:30]
    user = f"s{_counter[0]}-{name}@{DOMAIN}"
    return user, server.add_mailbox(user)


def message(sender, to, subject="Hello", extra="", body="Hello there.\r\n"):
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n{extra}\r\n{body}").encode()


def ehlo(c):
    code, lines = c.cmd("EHLO client.example.org")
    assert code == 250, lines
    return [l[4:] for l in lines[1:]]


def plain(user, password):
    return base64.b64encode(f"\0{user}\0{password}".encode()).decode()


def logged_in(server, user, password):
    """A raw session on `submission` after STARTTLS, EHLO and AUTH PLAIN."""
    c = Smtp(server.submission_port)
    ehlo(c)
    c.starttls()
    ehlo(c)
    code, lines = c.cmd(f"AUTH PLAIN {plain(user, password)}")
    assert code == 235, lines
    return c


def test_587_offers_auth_only_after_starttls_and_refuses_mail_before_auth(server, alias):
    user, password = alias
    c = Smtp(server.submission_port)
    assert c.greeting[0] == 220
    ext = ehlo(c)
    assert "STARTTLS" in ext and not any(e.startswith("AUTH") for e in ext), ext
    # RFC 8314 §3.3 / RFC 4954 §4: no password over a cleartext connection.
    assert c.cmd(f"AUTH PLAIN {plain(user, password)}")[1][-1].startswith("530 5.7.0")
    # RFC 6409 §4.3: no mail without a login.
    assert c.cmd("MAIL FROM:<%s>" % user)[1][-1].startswith("530 5.7.0")
    c.starttls()
    ext = ehlo(c)
    for e in ["PIPELINING", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "CHUNKING", "AUTH PLAIN LOGIN"]:
        assert e in ext, ext
    assert any(e.startswith("SIZE ") for e in ext), ext
    assert "STARTTLS" not in ext
    assert c.cmd("MAIL FROM:<%s>" % user)[1][-1].startswith("530 5.7.0")
    assert c.cmd("AUTH CRAM-MD5")[1][-1].startswith("504 5.5.4")
    assert c.cmd("AUTH PLAIN !!!notbase64")[1][-1].startswith("501 5.5.2")
    # A PLAIN exchange without initial response, cancelled with "*" (RFC 4954 §4).
    assert c.cmd("AUTH PLAIN") == (334, ["334 "])
    assert c.cmd("*")[1][-1].startswith("501 5.0.0")
    assert c.cmd("AUTH PLAIN") == (334, ["334 "])
    code, lines = c.cmd(plain(user, password))
    assert code == 235 and lines[-1].startswith("235 2.7.0"), lines
    assert c.cmd(f"AUTH PLAIN {plain(user, password)}")[1][-1].startswith("503 5.5.1")
    assert c.cmd("MAIL FROM:<%s>" % user)[0] == 250
    assert c.cmd("QUIT")[0] == 221


def test_smtplib_587_starttls_auth_plain_delivers_locally(server, alias):
    user, password = alias
    body = message(user, OWNER, subject="over 587", extra="Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
                                                          "Message-ID: <kept.587@example.com>\r\n")
    with smtplib.SMTP("127.0.0.1", server.submission_port, timeout=10) as s:
        s.ehlo("client.example.org")
        s.starttls(context=tls_context())
        s.ehlo("client.example.org")
        s.login(user, password)  # smtplib picks PLAIN among what is offered
        assert s.sendmail(user, [OWNER], body) == {}
    got = [m for m, _ in server.folder(OWNER, server.owner_password) if b"<kept.587@example.com>" in m]
    assert len(got) == 1
    msg = email.message_from_bytes(got[0])
    # The client's Date and Message-ID are kept as they were, once each.
    assert msg.get_all("Message-ID") == ["<kept.587@example.com>"]
    assert msg.get_all("Date") == ["Mon, 23 Nov 2026 10:00:00 +0000"]
    assert got[0].endswith(b"\r\n\r\nHello there.\r\n")


def test_smtplib_465_implicit_tls_auth_login_adds_date_and_message_id(server, alias):
    user, password = alias
    body = message(f"Sender <{user}>", OWNER, subject="over 465 no ids")
    with smtplib.SMTP_SSL("127.0.0.1", server.submissions_port, context=tls_context(), timeout=10) as s:
        s.ehlo("client.example.org")
        assert "auth" in s.esmtp_features and "LOGIN" in s.esmtp_features["auth"].split()
        s.user, s.password = user, password
        code, resp = s.auth("LOGIN", s.auth_login, initial_response_ok=False)
        assert code == 235, resp
        assert s.sendmail(user, [OWNER], body) == {}
    got = [m for m, _ in server.folder(OWNER, server.owner_password) if b"Subject: over 465 no ids" in m]
    assert len(got) == 1
    msg = email.message_from_bytes(got[0])
    assert re.fullmatch(r"<[0-9a-f]{32}@example\.com>", msg["Message-ID"]), msg["Message-ID"]
    date = email.utils.parsedate_to_datetime(msg["Date"])
    assert abs(date.timestamp() - time.time()) < 600


def test_auth_login_with_initial_response_over_raw_wire(server, alias):
    user, password = alias
    # Implicit TLS: the raw client on a socket wrapped before the greeting.
    c = Smtp.__new__(Smtp)
    c.sock = tls_context().wrap_socket(socket.create_connection(("127.0.0.1", server.submissions_port), timeout=10))
    c.buf = b""
    assert c.reply()[0] == 220
    ehlo(c)
    code, lines = c.cmd("AUTH LOGIN " + base64.b64encode(user.encode()).decode())
    assert (code, lines) == (334, ["334 UGFzc3dvcmQ6"])  # "Password:"
    code, lines = c.cmd(base64.b64encode(password.encode()).decode())
    assert code == 235, lines
    assert c.cmd("QUIT")[0] == 221


@pytest.mark.parametrize("port_kind,tls_flag,mech", [("submission", "-tls", "PLAIN"),
                                                      ("submissions", "-tlsc", "LOGIN")])
def test_swaks_submits(server, alias, port_kind, tls_flag, mech):
    user, password = alias
    port = server.submission_port if port_kind == "submission" else server.submissions_port
    subject = f"from swaks {port_kind}"
    r = subprocess.run(["swaks", "--server", f"127.0.0.1:{port}", "--to", OWNER, "--from", user,
                        "--helo", "swaks.example.net", tls_flag, "--auth", mech, "--auth-user", user,
                        "--auth-password", password, "--header", f"Subject: {subject}",
                        "--header", f"From: <{user}>", "--body", "sent by swaks"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "235 2.7.0" in r.stdout
    got = [m for m, _ in server.folder(OWNER, server.owner_password) if f"Subject: {subject}".encode() in m]
    assert len(got) == 1


def test_wrong_password_refused_then_locked_out_shared_with_imap(server, alias):
    user, password = alias
    c = Smtp(server.submission_port)
    ehlo(c)
    c.starttls()
    ehlo(c)
    # failed_logins_per_address = 4: three answered at once, the fourth after a delay, then locked.
    for attempt in range(4):
        code, lines = c.cmd(f"AUTH PLAIN {plain(user, 'not-the-password')}")
        assert code == 535 and lines[-1].startswith("535 5.7.8"), (attempt, lines)
    code, lines = c.cmd(f"AUTH PLAIN {plain(user, password)}")
    assert code == 454 and lines[-1].startswith("454 4.7.0"), lines  # even the right password
    c.cmd("QUIT")
    # The same throttle as IMAP's: the address is locked there too.
    m = server.imaplib()
    with pytest.raises(Exception):
        m.login(user, password)
    m.shutdown()
    assert password not in server.read_log()


def send_raw(c, mail_from, rcpts, data):
    """MAIL, RCPTs, DATA on a logged-in raw session; returns the answer after the final dot."""
    assert c.cmd(f"MAIL FROM:<{mail_from}>")[0] == 250
    for r in rcpts:
        code, lines = c.cmd(f"RCPT TO:<{r}>")
        assert code == 250, lines
    assert c.cmd("DATA")[0] == 354
    c.send(data.replace(b"\r\n.", b"\r\n..") + b".\r\n")
    return c.reply()


def test_sending_as_another_address_is_refused(server, alias):
    user, password = alias
    c = logged_in(server, user, password)
    # Envelope sender of someone else's domain: refused at MAIL, before the message is sent; so
    # is the null reverse-path (only the server's own reports go out with it).
    for sender in ["boss@stranger.test", "", "other@elsewhere.example"]:
        code, lines = c.cmd(f"MAIL FROM:<{sender}>")
        assert code == 550 and lines[-1].startswith("550 5.7.1"), (sender, lines)
    # Our own envelope, someone else in From.
    code, lines = send_raw(c, user, [OWNER], message("Boss <boss@stranger.test>", OWNER, subject="spoof from"))
    assert code == 550 and lines[-1].startswith("550 5.7.1"), lines
    # A second address in From that is not ours is refused as well.
    code, lines = send_raw(c, user, [OWNER], message(f"{user}, boss@stranger.test", OWNER, subject="spoof two"))
    assert code == 550 and lines[-1].startswith("550 5.7.1"), lines
    # Two From fields (RFC 5322 §3.6: exactly one).
    code, lines = send_raw(c, user, [OWNER], message(user, OWNER, subject="two froms", extra=f"From: {user}\r\n"))
    assert code == 550 and lines[-1].startswith("550 5.6.0"), lines
    # Addresses of domains the alias's account owns are the account's to use (issue 8).
    code, lines = send_raw(c, "news@second.test", [OWNER], message("News <news@second.test>", OWNER,
                                                                     subject="as second.test"))
    assert code == 250, lines
    c.cmd("QUIT")
    stored = [m for m, _ in server.folder(OWNER, server.owner_password)]
    assert not any(b"Subject: spoof" in m or b"Subject: two froms" in m for m in stored)
    assert any(b"Subject: as second.test" in m for m in stored)


def test_hourly_recipient_limit(server, alias):
    user, password = alias
    c = logged_in(server, user, password)
    # Recipients: 5 + 3 are the hour's 8; a ninth is refused for now.
    rcpts = [OWNER, user]
    for i in range(3):
        extra = f"s{_counter[0]}-limit-extra{i}@{DOMAIN}"
        server.add_mailbox(extra)
        rcpts.append(extra)
    assert len(rcpts) == 5
    code, lines = send_raw(c, user, rcpts, message(user, OWNER, subject="limit 1"))
    assert code == 250, lines
    code, lines = send_raw(c, user, rcpts[:3], message(user, OWNER, subject="limit 2"))
    assert code == 250, lines
    assert c.cmd(f"MAIL FROM:<{user}>")[0] == 250
    code, lines = c.cmd(f"RCPT TO:<{OWNER}>")
    assert code == 450 and lines[-1].startswith("450 4.7.1"), lines
    assert c.cmd("RSET")[0] == 250
    c.cmd("QUIT")


def test_hourly_message_limit(server, alias):
    user, password = alias
    c = logged_in(server, user, password)
    for i in range(MESSAGES_PER_HOUR):
        code, lines = send_raw(c, user, [OWNER], message(user, OWNER, subject=f"hourly {i}"))
        assert code == 250, lines
    assert c.cmd(f"MAIL FROM:<{user}>")[0] == 250
    code, lines = c.cmd(f"RCPT TO:<{OWNER}>")
    assert code == 450 and lines[-1].startswith("450 4.7.1"), lines
    c.cmd("QUIT")


def test_dkim_signatures_verify_with_published_keys(server):
    subject = "signed by both keys"
    body = message(f"Owner <{OWNER}>", OWNER, subject=subject, body="Signed.\r\n\r\nTwo lines.\r\n")
    with smtplib.SMTP_SSL("127.0.0.1", server.submissions_port, context=tls_context(), timeout=10) as s:
        s.login(OWNER, server.owner_password)
        assert s.sendmail(OWNER, [OWNER], body) == {}
    got = [m for m, _ in server.folder(OWNER, server.owner_password) if f"Subject: {subject}".encode() in m]
    assert len(got) == 1
    stored = got[0]

    def dnsfunc(name, timeout=5):
        key = name.decode() if isinstance(name, bytes) else name
        return server.dkim_records.get(key.rstrip(".").lower(), "").encode()

    d = dkim.DKIM(stored)
    sigs = email.message_from_bytes(stored).get_all("DKIM-Signature")
    assert len(sigs) == 2, sigs
    algorithms = set()
    for idx in range(2):
        assert d.verify(idx=idx, dnsfunc=dnsfunc), (idx, sigs[idx])
        algorithms.add(re.search(r"a=([a-z0-9-]+)", sigs[idx]).group(1))
    assert algorithms == {"rsa-sha256", "ed25519-sha256"}
    for sig in sigs:
        assert f"d={DOMAIN}" in sig and "c=relaxed/relaxed" in sig
    # Changing a signed header breaks both.
    tampered = stored.replace(f"Subject: {subject}".encode(), b"Subject: changed")
    t = dkim.DKIM(tampered)
    assert not t.verify(idx=0, dnsfunc=dnsfunc) and not t.verify(idx=1, dnsfunc=dnsfunc)


def test_sent_copy_is_stored_seen(server, alias):
    user, password = alias
    subject = "keep a copy"
    with smtplib.SMTP_SSL("127.0.0.1", server.submissions_port, context=tls_context(), timeout=10) as s:
        s.login(user, password)
        assert s.sendmail(user, [OWNER], message(user, OWNER, subject=subject)) == {}
    # The copy is appended before the 250, so it is there now.
    sent = server.folder(user, password, "Sent")
    assert len(sent) == 1
    data, flags = sent[0]
    assert f"Subject: {subject}".encode() in data and b"DKIM-Signature:" in data
    assert b"\\Seen" in flags
