"""Continuous protection (issue 10): with [backup] continuous = true, serve ships every commit's
encrypted WAL frames to a real S3 server (s3rver on loopback) within seconds, after a base copy of
the encrypted file; `backup restore --at TIME` rebuilds the mailbox as of any commit. Nothing that
was shipped is lost to a kill -9, and no object holds a byte of plaintext."""
import datetime
import os
import re
import signal
import time

from imap_support import DOMAIN, ImapServer, append, folder_status, message
from s3rver_support import S3rver, s3  # noqa: F401 (fixture)

MARKER = "PITR-PLAINTEXT-MARKER-51c9e2"


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def wait_until(cond, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def bodies(srv, user, password, folder="INBOX"):
    m = srv.imaplib()
    m.login(user, password)
    typ, _ = m.select(folder, readonly=True)
    assert typ == "OK"
    typ, data = m.uid("FETCH", "1:*", "(BODY.PEEK[])")
    m.logout()
    if data == [None]:
        return []
    return [body for _, body in (d for d in data if isinstance(d, tuple))]


class Shipped:
    """What the object store holds now, rebuilt to a time by `backup download --at` (the same
    rebuild a restore does) and counted by `mailbox check` with the password."""

    def __init__(self, srv, tmp_path, user, password):
        self.srv, self.dir, self.user, self.password, self.n = srv, tmp_path, user, password, 0

    def messages(self, at="latest"):
        self.n += 1
        f = self.dir / f"shipped-{self.n}.sqlite"
        r = self.srv.cli("backup", "download", self.user, "--at", at, "--to", str(f), check=False)
        if r.returncode != 0:
            assert "no continuous backup" in r.stderr, r.stderr
            return None
        assert MARKER.encode() not in f.read_bytes()
        check = self.srv.cli("mailbox", "check", str(f), password=self.password)
        got = re.match(r"ok: (\d+) messages", check.stdout)
        assert got, check.stdout
        return int(got.group(1))


def test_restore_to_a_point_in_time_with_continuous_protection(tmp_path, s3):
    d = tmp_path / "data"
    d.mkdir()
    os.chmod(d, 0o700)
    config = s3.config(str(tmp_path / "s3-credentials"), keep=5) + "continuous = true\nship_seconds = 1\n"
    srv = ImapServer(str(d), extra_config=config)
    srv.add_domain()
    srv.start()
    try:
        user = f"pitr@{DOMAIN}"
        password = srv.add_mailbox(user)
        shipped = Shipped(srv, tmp_path, user, password)
        first = [message(subject=f"A {i}", body=f"{MARKER} A {i}\r\n") for i in range(3)]
        second = [message(subject=f"B {i}", body=f"{MARKER} B {i}\r\n" + "y" * 20000 + "\r\n") for i in range(2)]

        # A session holds the mailbox open: its generation starts (a base), then each commit ships.
        w = srv.wire()
        w.login(user, password)
        for m in first:
            append(w, "INBOX", m)
        wait_until(lambda: shipped.messages() == 3, "the first messages to be shipped")
        time.sleep(0.02)  # commit times are in milliseconds: the point falls strictly between A and B
        point = utc_now()
        time.sleep(0.02)
        for m in second:
            append(w, "INBOX", m)
        wait_until(lambda: shipped.messages() == 5, "the second messages to be shipped")
        after_b = utc_now()
        assert shipped.messages(point) == 3

        # The server dies without warning, the session still open: nothing shipped is lost.
        srv.stop(sig=signal.SIGKILL)
        w.close()
        objects = s3.objects()
        bases = [n for n in objects if n.endswith("/base.sqlite")]
        segments = [n for n in objects if n.endswith(".seg")]
        assert len(bases) == 1 and segments, sorted(objects)
        for name, data in objects.items():
            assert MARKER.encode() not in data and b"A 0" not in data and user.encode() not in data, name
            assert not data.startswith(b"SQLite format 3"), name

        gens = srv.cli("backup", "generations", user).stdout.strip().splitlines()
        assert gens[0].split()[:3] == ["GENERATION", "BASE", "BASE-BYTES"] and len(gens) == 2, gens

        # Restore to the point between A and B: A is there, B is not, under a new UIDVALIDITY.
        r = srv.cli("backup", "restore", user, "--at", point, password=password)
        assert r.stdout.startswith("restored as of "), r.stdout
        srv.start()
        n, validity_a = folder_status(srv, user, password)
        assert n == 3
        assert bodies(srv, user, password) == first
        srv.stop()

        # Restore to after B (from the same generation; the newer ones begin after that time).
        r = srv.cli("backup", "restore", user, "--at", after_b, password=password)
        assert r.stdout.startswith("restored as of "), r.stdout
        # B came after the base (A was shipped first): it can only come from applied WAL frames.
        applied = re.search(r"(\d+) segments, (\d+) commits", r.stdout)
        assert applied and int(applied.group(1)) >= 1 and int(applied.group(2)) >= 2, r.stdout
        srv.start()
        n, validity_b = folder_status(srv, user, password)
        assert n == 5 and validity_b > validity_a
        assert bodies(srv, user, password) == first + second
        srv.stop()

        # Bad requests: a clear error, nothing changed.
        bad = srv.cli("backup", "restore", user, "--at", "yesterday", password=password, check=False)
        assert bad.returncode != 0 and "--at: expected a UTC time" in bad.stderr, bad.stderr
        bad = srv.cli("backup", "restore", user, "--at", "2001-01-01T00:00:00Z", password=password, check=False)
        assert bad.returncode != 0 and "no continuous backup reaches back to 2001-01-01T00:00:00.000Z" in bad.stderr
        bad = srv.cli("backup", "restore", user, "--at", point, password="wrong password here", check=False)
        assert bad.returncode != 0 and "invalid credentials" in bad.stderr, bad.stderr
        srv.start()
        assert folder_status(srv, user, password)[0] == 5
        # The restored mailbox, opened again, gets a generation of its own: its base is the restored
        # file, and what is written next ships after it.
        w = srv.wire()
        w.login(user, password)
        append(w, "INBOX", message(subject="C", body=f"{MARKER} C\r\n"))
        wait_until(lambda: shipped.messages() == 6, "the message after the restore to be shipped")
        w.ok("LOGOUT")
        w.close()
        # The shipper keeps its settings until a restart; a reload that changes them says so.
        with open(srv.config) as f:
            text = f.read()
        with open(srv.config, "w") as f:
            f.write(text.replace("ship_seconds = 1\n", "ship_seconds = 2\n"))
        srv.proc.send_signal(signal.SIGHUP)
        assert srv.wait_for_log("key=backup.continuous", timeout=30), srv.read_log()[-2000:]
        assert password not in srv.read_log() and user not in srv.read_log()
    finally:
        srv.stop()
