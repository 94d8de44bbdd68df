"""Real IMAP clients from Debian against the server: mbsync (isync) syncing a Maildir both ways,
then finding nothing to do; curl reading messages, searching and listing (plain, STARTTLS, IMAPS).
Needs the Debian packages isync and curl."""
import os
import re
import subprocess

import pytest

from imap_support import append, imap_server, account, message  # noqa: F401 (fixtures)
from imap_wire import fetches, parse


def run(args, **kw):
    return subprocess.run(args, capture_output=True, timeout=120, **kw)


# --- mbsync ---

def mbsync_config(tmp, account, ssl_type):
    server = account.server
    port = server.imaps_port if ssl_type == "IMAPS" else server.imap_port
    maildir = os.path.join(tmp, "Mail")
    os.makedirs(maildir, exist_ok=True)
    rc = os.path.join(tmp, "mbsyncrc")
    with open(rc, "w") as f:
        f.write(f"""IMAPAccount remote
Host 127.0.0.1
Port {port}
User {account.user}
Pass {account.password}
SSLType {ssl_type}
SystemCertificates no
CertificateFile {os.path.join(server.data_dir, "tls", "certificate.pem")}
Timeout 30

IMAPStore remote
Account remote

MaildirStore local
Path {maildir}/
Inbox {maildir}/INBOX
SubFolders Verbatim

Channel sync
Far :remote:
Near :local:
Patterns *
Create Both
Remove None
Expunge Both
Sync All
SyncState *
""")
    return rc, maildir


def mbsync(rc):
    r = run(["mbsync", "-c", rc, "-a"])
    assert r.returncode == 0, (r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace"))
    assert b"error" not in r.stderr.lower(), r.stderr
    return r


def maildir_messages(folder):
    """{flags: content} ... as a list of (flags, bytes) of every message in a Maildir folder."""
    out = []
    for sub in ("new", "cur"):
        d = os.path.join(folder, sub)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            flags = name.split(":2,")[1] if ":2," in name else ""
            with open(os.path.join(d, name), "rb") as f:
                # mbsync tags what it stores with an X-TUID header (its own bookkeeping).
                out.append((flags, re.sub(rb"(?m)^X-TUID: \S+\n", b"", f.read())))
    return out


def snapshot(maildir):
    """Every file under the Maildir with its size and mtime (a sync that changes nothing keeps all)."""
    state = {}
    for root, _, files in os.walk(maildir):
        for name in files:
            if name.startswith(".mbsyncstate") or name == ".uidvalidity" or name.startswith(".isyncuidmap"):
                continue
            p = os.path.join(root, name)
            st = os.stat(p)
            state[os.path.relpath(p, maildir)] = (st.st_size, st.st_mtime_ns)
    return state


def server_state(w):
    folders = [parse(r[2:])[3] for r in w.ok('LIST "" "*"')]
    state = {}
    for name in folders:
        name = name.decode() if isinstance(name, bytes) else str(name)
        p = parse(w.ok(f'STATUS "{name}" (MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ)')[0][2:])
        state[name] = p[2]
    return state


def lf(data):
    return data.replace(b"\r\n", b"\n")


@pytest.mark.parametrize("ssl_type", ["IMAPS", "STARTTLS"])
def test_mbsync_both_ways_then_nothing_to_do(account, tmp_path, ssl_type):
    w = account.wire()
    m1 = message("from the server 1", body="one\r\n")
    m2 = message("from the server 2", body="two\r\n")
    m3 = message("from the server 3", body="three\r\n")
    append(w, "INBOX", m1, flags="\\Seen")
    append(w, "INBOX", m2, flags="\\Flagged")
    append(w, "INBOX", m3)
    w.ok("CREATE Projects/Alpha")
    m4 = message("alpha", body="project alpha\r\n")
    append(w, "Projects/Alpha", m4)

    rc, maildir = mbsync_config(str(tmp_path), account, ssl_type)
    # 1. Pull.
    mbsync(rc)
    inbox = maildir_messages(os.path.join(maildir, "INBOX"))
    assert sorted(c for _, c in inbox) == sorted(lf(m) for m in (m1, m2, m3)), inbox
    flags = {c: f for f, c in inbox}
    assert flags[lf(m1)] == "S" and flags[lf(m2)] == "F" and flags[lf(m3)] == ""
    assert [c for _, c in maildir_messages(os.path.join(maildir, "Projects", "Alpha"))] == [lf(m4)]
    for special in ("Drafts", "Sent", "Junk", "Trash", "Archive"):
        assert os.path.isdir(os.path.join(maildir, special, "cur")), special

    # 2. Push: a new local message, a new local folder, a flag changed locally.
    local = b"From: Me <me@example.com>\nTo: You <you@example.com>\nSubject: written offline\n\nlocal body\n"
    with open(os.path.join(maildir, "INBOX", "new", "1700000000.1.local"), "wb") as f:
        f.write(local)
    os.makedirs(os.path.join(maildir, "Offline", "new"))
    os.makedirs(os.path.join(maildir, "Offline", "cur"))
    os.makedirs(os.path.join(maildir, "Offline", "tmp"))
    with open(os.path.join(maildir, "Offline", "cur", "1700000000.2.local:2,S"), "wb") as f:
        f.write(local.replace(b"written offline", b"in a new folder"))
    cur = os.path.join(maildir, "INBOX", "cur")
    [src] = [os.path.join(maildir, "INBOX", sub, n) for sub in ("new", "cur")
             for n in os.listdir(os.path.join(maildir, "INBOX", sub))
             if re.sub(rb"(?m)^X-TUID: \S+\n", b"", open(os.path.join(maildir, "INBOX", sub, n), "rb").read())
             == lf(m3)]
    os.rename(src, os.path.join(cur, os.path.basename(src).split(":2,")[0] + ":2,RS"))  # replied and read
    mbsync(rc)
    w.ok("SELECT INBOX")
    got = {i["BODY[]"]: i["FLAGS"] for _, i in fetches(w.ok("FETCH 1:* (FLAGS BODY.PEEK[])"))}
    assert len(got) == 4, got
    pushed = [b for b in got if b"written offline" in b]
    assert len(pushed) == 1, got
    # What mbsync uploads is the local file with CRLF line ends (plus its X-TUID, if any).
    assert b"\r\n" in pushed[0] and re.sub(rb"(?m)^X-TUID: \S+\n", b"", lf(pushed[0])) == local, pushed
    assert set(got[m3]) == {"\\Answered", "\\Seen"}, got[m3]
    assert parse(w.ok("STATUS Offline (MESSAGES UNSEEN)")[0][2:])[2] == ["MESSAGES", 1, "UNSEEN", 0]

    # 3. Changes on the server come back: an expunge and a flag.
    w.ok("UID STORE 1 +FLAGS.SILENT (\\Deleted)")
    w.ok("UID EXPUNGE 1")
    w.ok("UID STORE 2 +FLAGS (\\Answered)")
    w.ok("UNSELECT")
    mbsync(rc)
    inbox = maildir_messages(os.path.join(maildir, "INBOX"))
    contents = [c for _, c in inbox]
    assert lf(m1) not in contents and len(inbox) == 3, inbox
    assert {c: f for f, c in inbox}[lf(m2)] == "FR"

    # 4. Nothing left to do: neither side changes.
    before_local, before_server = snapshot(maildir), server_state(w)
    mbsync(rc)
    assert snapshot(maildir) == before_local
    assert server_state(w) == before_server


# --- curl ---

def curl(account, url, *extra):
    r = run(["curl", "--silent", "--show-error", "--max-time", "30", "--user",
             f"{account.user}:{account.password}", *extra, url])
    assert r.returncode == 0, (url, r.stderr.decode(errors="replace"))
    return r.stdout


def test_curl_reads_searches_and_lists(account):
    w = account.wire()
    data = message("for curl", body="Read by curl.\r\nSecond line.\r\n")
    other = message("something else")
    append(w, "INBOX", data)
    append(w, "INBOX", other)
    port, tls = account.server.imap_port, account.server.imaps_port
    assert curl(account, f"imap://127.0.0.1:{port}/INBOX;UID=1") == data
    assert curl(account, f"imap://127.0.0.1:{port}/INBOX;UID=2") == other
    assert curl(account, f"imap://127.0.0.1:{port}/INBOX;UID=1;SECTION=TEXT") == b"Read by curl.\r\nSecond line.\r\n"
    assert curl(account, f"imap://127.0.0.1:{port}/INBOX;UID=1;SECTION=HEADER.FIELDS%20(SUBJECT)") == \
        b"Subject: for curl\r\n\r\n"
    assert curl(account, f"imaps://127.0.0.1:{tls}/INBOX;UID=1", "--insecure") == data
    assert curl(account, f"imap://127.0.0.1:{port}/INBOX;UID=1", "--ssl-reqd", "--insecure") == data  # STARTTLS
    assert curl(account, f"imap://127.0.0.1:{port}/INBOX?SUBJECT%20curl") == b"* SEARCH 1\r\n"
    listing = curl(account, f"imap://127.0.0.1:{port}/")
    assert re.search(rb'^\* LIST \([^)]*\) "/" "?INBOX"?\r$', listing, re.M), listing
    assert len(re.findall(rb"^\* LIST ", listing, re.M)) == 6, listing
    # A custom command.
    out = curl(account, f"imap://127.0.0.1:{port}/", "--request", "STATUS INBOX (MESSAGES)")
    assert out == b"* STATUS INBOX (MESSAGES 2)\r\n", out
    # Wrong password: curl fails with a login error (67).
    r = run(["curl", "--silent", "--user", f"{account.user}:wrong", f"imap://127.0.0.1:{port}/INBOX;UID=1"])
    assert r.returncode == 67, r
