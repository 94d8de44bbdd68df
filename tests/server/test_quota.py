"""Quotas shared by an account and a domain (issue 4, DESIGN.md point 2): "the account's quota is
shared across its domains and aliases"; per-domain and per-alias quotas may be set. Mail in one
mailbox fills the others of the same account (or domain): the MX answers 452 4.2.2 (552 5.2.2 when
the message alone is over a limit), IMAP APPEND answers NO [OVERQUOTA], GETQUOTA reports the
limit with the least room, and `account list` / `account quota` / the API show the usage."""
import json
import os
import re
import smtplib
import time

import pytest

from imap_support import append, message as imap_message
from smtp_support import Smtp, SmtpServer, message

KB = 1000


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("quota"))
    os.chmod(d, 0o700)
    s = SmtpServer(d)
    s.start()
    yield s
    assert s.stop() == 0, s.read_log()[-4000:]


def send(server, to, msg):
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as c:
        assert c.sendmail("sender@example.org", [to], msg) == {}


def rcpt(server, to, size):
    """The MX's answer to RCPT TO:<to> after MAIL FROM with SIZE=size: (code, first line)."""
    c = Smtp(server.smtp_port)
    assert c.cmd("EHLO client.example.org")[0] == 250
    assert c.cmd(f"MAIL FROM:<sender@example.org> SIZE={size}")[0] == 250
    code, lines = c.cmd(f"RCPT TO:<{to}>")
    c.cmd("QUIT")
    c.close()
    return code, lines[0]


def append_raw(w, data):
    tag = w.tag()
    w.send(f"{tag} APPEND INBOX {{{len(data)}+}}\r\n".encode() + data + b"\r\n")
    return w.until(tag)[1]


def test_an_account_quota_is_shared_by_its_domains_and_aliases(server):
    server.cli("domain", "add", "team-one.test", "--account", "team")
    server.cli("domain", "add", "team-two.test", "--account", "team")
    server.cli("account", "quota", "team", str(60 * KB))
    a, b = "a@team-one.test", "b@team-two.test"
    pa, pb = server.add_mailbox(a), server.add_mailbox(b)  # neither has a limit of its own

    # Both owners are away: each message is sealed in its alias's spool, and counts there.
    send(server, a, message("first", body="x" * (25 * KB) + "\r\n"))
    send(server, b, message("second", body="y" * (25 * KB) + "\r\n"))
    # b holds 25 KB of its own, far from 60 KB; the account holds 50 KB: 20 KB more do not fit.
    code, line = rcpt(server, b, 20 * KB)
    assert code == 452 and line.startswith("452 4.2.2"), line
    assert rcpt(server, b, 5 * KB)[0] == 250  # what still fits is taken
    code, line = rcpt(server, b, 70 * KB)  # over the account's limit alone: never
    assert code == 552 and line.startswith("552 5.2.2"), line

    # b logs in (its spool moves into INBOX): APPEND is refused for the account's sake, and
    # GETQUOTA shows the account's usage and limit, the level with the least room.
    w = server.wire()
    w.login(b, pb)
    untagged, tagged = w.cmd("GETQUOTAROOT INBOX")
    assert tagged.split()[1] == b"OK", tagged
    m = re.fullmatch(rb'\* QUOTA "" \(STORAGE (\d+) 58\)\r\n', untagged[1])
    assert untagged[0] == b'* QUOTAROOT INBOX ""\r\n' and m, untagged
    assert int(m.group(1)) >= 50 * KB // 1024, untagged
    tagged = append_raw(w, imap_message("big", body="z" * (20 * KB) + "\r\n"))
    assert tagged.split()[1:3] == [b"NO", b"[OVERQUOTA]"], tagged
    append(w, "INBOX", imap_message("small", body="s" * 100 + "\r\n"))  # room left for this
    w.ok("LOGOUT")

    # The CLI and the API report what the account uses. The CLI counts b's mailbox by the usage
    # it recorded when it closed, just after the logout.
    deadline = time.monotonic() + 10
    while True:
        out = server.cli("account", "list").stdout
        used = int(re.search(r"^team\s+60000\s+(\d+)$", out, re.M).group(1))
        if used > 50 * KB or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert 50 * KB < used < 60 * KB, out
    out = server.cli("account", "quota", "team").stdout
    assert re.fullmatch(r"team: \d+ bytes used of 60000\n", out), out
    status, body = server.get("/api/accounts", token=server.token())
    [team] = [x for x in json.loads(body) if x["name"] == "team"]
    assert team["quota"] == 60 * KB and 50 * KB < team["used"] < 60 * KB, team

    # Raising the limit makes room at once, for every alias of the account.
    server.cli("account", "quota", "team", str(200 * KB))
    assert rcpt(server, a, 20 * KB)[0] == 250
    assert rcpt(server, b, 20 * KB)[0] == 250


def test_a_domain_quota_is_shared_by_its_aliases_only(server):
    server.cli("domain", "add", "shared.test", "--account", "owner")
    server.cli("domain", "add", "other.test", "--account", "owner")
    server.cli("domain", "quota", "shared.test", str(40 * KB))
    c, d, e = "c@shared.test", "d@shared.test", "e@other.test"
    for x in (c, d, e):
        server.add_mailbox(x)
    send(server, c, message("fills the domain", body="c" * (30 * KB) + "\r\n"))
    code, line = rcpt(server, d, 15 * KB)  # d's domain is full, although d holds nothing
    assert code == 452 and line.startswith("452 4.2.2"), line
    assert rcpt(server, e, 15 * KB)[0] == 250  # another domain of the same account: no limit
    out = server.cli("domain", "list").stdout
    used = int(re.search(r"^shared\.test\s+owner\s+40000\s+(\d+)\s", out, re.M).group(1))
    assert 30 * KB < used < 40 * KB, out
    # An alias's own limit still applies inside a roomy domain.
    server.cli("domain", "quota", "shared.test", "0")
    assert rcpt(server, d, 15 * KB)[0] == 250
    server.cli("alias", "quota", d, str(10 * KB))
    code, line = rcpt(server, d, 15 * KB)
    assert code == 552 and line.startswith("552 5.2.2"), line


def status(w, folder):
    """STATUS MESSAGES and SIZE of `folder` as a pair of ints."""
    untagged = w.ok(f"STATUS {folder} (MESSAGES SIZE)")
    m = re.search(rb"\(MESSAGES (\d+) SIZE (\d+)\)", untagged[0])
    return int(m.group(1)), int(m.group(2))


def test_copy_is_held_to_the_quota_and_move_is_not(server):
    # COPY adds the copies' bytes, so it is refused whole over the quota with NO [OVERQUOTA]
    # (RFC 5530 §3, RFC 9208) and leaves both folders as they were. MOVE adds nothing (it stays
    # in the one mailbox): it is allowed even over the quota, so that mail can still go to Trash.
    server.cli("domain", "add", "copy-quota.test")
    a = "f@copy-quota.test"
    pa = server.add_mailbox(a)
    w = server.wire()
    w.login(a, pa)
    for n in range(3):
        append(w, "INBOX", imap_message(f"m{n}", body=str(n) * (8 * KB) + "\r\n"))
    w.ok("SELECT INBOX")
    server.cli("alias", "quota", a, str(40 * KB))  # 24 KB used: one more copy fits, not three
    w.ok("COPY 1 Archive")
    assert status(w, "Archive")[0] == 1
    untagged, tagged = w.cmd("COPY 1:3 Archive")
    assert tagged.split()[1:3] == [b"NO", b"[OVERQUOTA]"], tagged
    untagged, tagged = w.cmd("UID COPY 1:* Archive")
    assert tagged.split()[1:3] == [b"NO", b"[OVERQUOTA]"], tagged
    assert status(w, "Archive")[0] == 1 and status(w, "INBOX")[0] == 3
    untagged, tagged = w.cmd("FETCH 1:* (FLAGS)")
    assert len(untagged) == 3 and tagged.split()[1] == b"OK", (untagged, tagged)

    # Now over the quota (32 KB used of 10 KB): COPY of even one message is refused, MOVE works.
    server.cli("alias", "quota", a, str(10 * KB))
    untagged, tagged = w.cmd("COPY 3 Trash")
    assert tagged.split()[1:3] == [b"NO", b"[OVERQUOTA]"], tagged
    assert status(w, "Trash")[0] == 0
    inbox_before = status(w, "INBOX")
    untagged = w.ok("MOVE 3 Trash")
    assert any(re.fullmatch(rb"\* 3 EXPUNGE\r\n", u) for u in untagged), untagged
    (trash, trash_size), (inbox, inbox_size) = status(w, "Trash"), status(w, "INBOX")
    assert (trash, inbox) == (1, 2) and trash_size + inbox_size == inbox_before[1]
    w.ok("LOGOUT")
