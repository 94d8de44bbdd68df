"""Backups to a real S3 server (s3rver on loopback) and take-your-mail-and-leave (issue 10): a
backup is uploaded once per change, holds no plaintext, keeps N, restores with a new UIDVALIDITY
that IMAP shows; serve backs up an open mailbox on its schedule and on request; export and import
round trips are byte-exact, and the zip opens in 7z with the password."""
import json
import os
import re
import shutil
import subprocess
import time

from imap_support import DOMAIN, ImapServer, append, folder_status, appenduid, message
from s3rver_support import S3rver, s3  # noqa: F401 (fixture)

MARKER = "PLAINTEXT-MARKER-8f3a1c"


def start(tmp_path, extra_config):
    d = tmp_path / "data"
    d.mkdir()
    os.chmod(d, 0o700)
    srv = ImapServer(str(d), extra_config=extra_config)
    srv.add_domain()
    srv.start()
    return srv


def put(acct_server, user, password, msgs, folder="INBOX", flags=""):
    w = acct_server.wire()
    w.login(user, password)
    uids = [appenduid(append(w, folder, m, flags=flags, date="07-Feb-1994 21:52:25 -0800"))[1] for m in msgs]
    w.ok("LOGOUT")
    w.close()
    return uids


def bodies(srv, user, password, folder="INBOX"):
    """(INTERNALDATE, bytes) of every message of a folder, by UID."""
    m = srv.imaplib()
    m.login(user, password)
    typ, _ = m.select(folder, readonly=True)
    assert typ == "OK"
    typ, dates = m.uid("FETCH", "1:*", "(INTERNALDATE)")
    assert typ == "OK"
    typ, data = m.uid("FETCH", "1:*", "(BODY.PEEK[])")
    m.logout()
    if data == [None]:
        return []
    when = [re.search(rb'INTERNALDATE "([^"]+)"', d).group(1) for d in dates if d]
    raw = [body for _, body in (d for d in data if isinstance(d, tuple))]
    assert len(when) == len(raw)
    return list(zip(when, raw))


def wait_until(cond, what, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def backup_list(srv, user):
    out = srv.cli("backup", "list", user).stdout.strip().splitlines()
    assert out[0].split() == ["TIME", "BYTES", "CONTENT-SHA256"], out
    return [line.split() for line in out[1:]]


def test_backup_uploads_once_per_change_keeps_n_and_restores_with_new_uidvalidity(tmp_path, s3):
    srv = start(tmp_path, s3.config(str(tmp_path / "s3-credentials"), keep=2))
    try:
        user = f"restore@{DOMAIN}"
        password = srv.add_mailbox(user)
        first = [message(subject=f"first {i}", body=f"{MARKER} {i}\r\n") for i in range(3)]
        put(srv, user, password, first)

        r = srv.cli("backup", "run", user, password=password)
        assert r.stdout.startswith("uploaded "), r.stdout
        assert len(s3.objects()) == 1
        # Unchanged (the cipher's fresh nonces make a new file, but the content is the same).
        r = srv.cli("backup", "run", user, password=password)
        assert r.stdout.startswith("unchanged "), r.stdout
        assert len(s3.objects()) == 1
        listed = backup_list(srv, user)
        assert len(listed) == 1
        oldest_time = listed[0][0]

        # What the object store holds is ciphertext: no marker, no subject, no address.
        for name, data in s3.objects().items():
            assert MARKER.encode() not in data and b"first 0" not in data and user.encode() not in data, name
            assert not data.startswith(b"SQLite format 3"), name
        # The download is the encrypted file itself, which opens with the alias password alone.
        dl = tmp_path / "download.sqlite"
        srv.cli("backup", "download", user, "--to", str(dl))
        assert MARKER.encode() not in dl.read_bytes()
        check = srv.cli("mailbox", "check", str(dl), password=password)
        assert check.stdout.startswith("ok: 3 messages"), check.stdout
        wrong = srv.cli("mailbox", "check", str(dl), password="not the password", check=False)
        assert wrong.returncode != 0

        # Keep 2: a third backup removes the first.
        put(srv, user, password, [message(subject="second", body=f"{MARKER} second\r\n")])
        assert srv.cli("backup", "run", user, password=password).stdout.startswith("uploaded ")
        time.sleep(0.01)  # backups are named by the millisecond
        put(srv, user, password, [message(subject="third", body=f"{MARKER} third\r\n")])
        r = srv.cli("backup", "run", user, password=password)
        assert r.stdout.startswith("uploaded ") and "removed 1 older" in r.stdout, r.stdout
        listed = backup_list(srv, user)
        assert len(listed) == 2 and oldest_time not in [row[0] for row in listed]
        assert len(s3.objects()) == 2

        # Restore the older of the two (4 messages); IMAP sees it, under a new UIDVALIDITY.
        before_count, before_validity = folder_status(srv, user, password)
        assert before_count == 5
        expected = bodies(srv, user, password)[:4]
        r = srv.cli("backup", "restore", user, "--time", listed[0][0], password=password)
        assert r.stdout.startswith("restored "), r.stdout
        after_count, after_validity = folder_status(srv, user, password)
        assert after_count == 4
        assert after_validity > before_validity
        assert bodies(srv, user, password) == expected
        # Every folder got a new UIDVALIDITY, not only INBOX.
        assert folder_status(srv, user, password, "Sent")[1] != before_validity
        # Credentials the store refuses: a clear error, nothing changed.
        with open(tmp_path / "s3-credentials", "w") as f:
            f.write("NOT-A-KEY\nsecret\n")
        bad = srv.cli("backup", "list", user, check=False)
        assert bad.returncode != 0 and "S3 list: HTTP 403 InvalidAccessKeyId" in bad.stderr, bad.stderr
        with open(tmp_path / "s3-credentials", "w") as f:
            f.write("S3RVER\nS3RVER\n")
        # A wrong password restores nothing.
        bad = srv.cli("backup", "restore", user, password="wrong password here", check=False)
        assert bad.returncode != 0 and "invalid credentials" in bad.stderr, bad.stderr
        assert folder_status(srv, user, password)[0] == 4
    finally:
        srv.stop()


def test_serve_backs_up_open_mailboxes_on_schedule_and_on_request(tmp_path, s3):
    srv = start(tmp_path, s3.config(str(tmp_path / "s3-credentials"), keep=1, interval=3600, check=1))
    token = srv.token()
    try:
        user = f"sched@{DOMAIN}"
        password = srv.add_mailbox(user)
        quoted = user.replace("@", "%40")
        # While a session holds the key, the schedule finds the mailbox overdue (no backup yet).
        w = srv.wire()
        w.login(user, password)
        append(w, "INBOX", message(subject="scheduled", body=f"{MARKER}\r\n"))
        w.ok("SELECT INBOX")

        def listed():
            code, body = srv.get(f"/api/aliases/{quoted}/backups", token=token)
            assert code == 200, body
            return json.loads(body)["backups"]

        first = wait_until(lambda: listed(), "the scheduled backup")
        assert len(first) == 1
        # On request, with the session still open. The background indexer may have filled the
        # full-text index since the scheduled backup (a change); a second request right after finds
        # nothing changed and uploads nothing.
        w.ok('UID SEARCH BODY "scheduled"')  # indexes what is pending first
        code, body = srv.get(f"/api/aliases/{quoted}/backup", token=token, method="POST", body=b"{}")
        assert code == 200, body
        code, body = srv.get(f"/api/aliases/{quoted}/backup", token=token, method="POST", body=b"{}")
        assert code == 200 and json.loads(body)["uploaded"] is False, body
        append(w, "INBOX", message(subject="more"))
        w.ok('UID SEARCH BODY "Hello"')  # the index catches up now, not after the next backup
        code, body = srv.get(f"/api/aliases/{quoted}/backup", token=token, method="POST", body=b"{}")
        assert code == 200 and json.loads(body)["uploaded"] is True, body
        assert json.loads(body)["removed"] >= 1
        assert len(listed()) == 1 and len(s3.objects()) == 1
        w.ok("LOGOUT")
        w.close()

        # Once the owner has gone, the key is gone: a request must bring the password.
        def closed():
            code, body = srv.get(f"/api/aliases/{quoted}/backup", token=token, method="POST", body=b"{}")
            return code == 409 and "password" in body
        wait_until(closed, "the mailbox to close")
        code, body = srv.get(f"/api/aliases/{quoted}/backup", token=token, method="POST",
                             body=json.dumps({"password": "wrong"}).encode())
        assert code == 403, body
        code, body = srv.get(f"/api/aliases/{quoted}/backup", token=token, method="POST",
                             body=json.dumps({"password": password}).encode())
        assert code == 200 and json.loads(body)["uploaded"] is False, body
        assert password not in srv.read_log() and user not in srv.read_log()
    finally:
        srv.stop()


def test_purge_removes_mailbox_spool_and_backups(tmp_path, s3):
    srv = start(tmp_path, s3.config(str(tmp_path / "s3-credentials")))
    try:
        user = f"leaving@{DOMAIN}"
        password = srv.add_mailbox(user)
        other = srv.add_mailbox(f"staying@{DOMAIN}")
        put(srv, user, password, [message(subject="bye")])
        srv.cli("backup", "run", user, password=password)
        srv.cli("backup", "run", f"staying@{DOMAIN}", password=other)
        assert len(s3.objects()) == 2
        mailboxes = os.path.join(srv.data_dir, "mailboxes")
        files_before = set(os.listdir(mailboxes))
        refused = srv.cli("purge", user, check=False)
        assert refused.returncode != 0 and len(s3.objects()) == 2
        r = wait_until(lambda: (lambda r: r if r.returncode == 0 else None)(srv.cli("purge", user, "--yes", check=False)),
                       "the purge")
        assert "1 backups" in r.stdout, r.stdout
        assert len(s3.objects()) == 1
        assert len(set(os.listdir(mailboxes))) < len(files_before)
        assert srv.cli("backup", "list", user, check=False).returncode != 0
        assert len(backup_list(srv, f"staying@{DOMAIN}")) == 1
    finally:
        srv.stop()


def test_alias_remove_deletes_its_backups_too(tmp_path, s3):
    """DESIGN.md point 2: deleting a mailbox unlinks its files and its backups, whichever way it is
    removed (here `alias remove`, through the running server); other mailboxes' backups stay."""
    srv = start(tmp_path, s3.config(str(tmp_path / "s3-credentials")))
    try:
        user = f"removed@{DOMAIN}"
        password = srv.add_mailbox(user)
        other = srv.add_mailbox(f"kept@{DOMAIN}")
        put(srv, user, password, [message(subject="going")])
        srv.cli("backup", "run", user, password=password)
        srv.cli("backup", "run", f"kept@{DOMAIN}", password=other)
        assert len(s3.objects()) == 2
        wait_until(lambda: srv.cli("alias", "remove", user, check=False).returncode == 0, "the removal")
        assert len(s3.objects()) == 1
        assert len(backup_list(srv, f"kept@{DOMAIN}")) == 1
    finally:
        srv.stop()


def test_folder_target_keeps_one_by_default(tmp_path):
    folder = tmp_path / "backups"
    srv = start(tmp_path, f'[backup]\ntarget = "folder"\nfolder = "{folder}"\n')
    try:
        user = f"local@{DOMAIN}"
        password = srv.add_mailbox(user)
        assert srv.cli("backup", "run", user, password=password).stdout.startswith("uploaded ")
        put(srv, user, password, [message(subject="changed")])
        assert srv.cli("backup", "run", user, password=password).stdout.startswith("uploaded ")
        files = [os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs]
        assert len(files) == 1 and files[0].endswith(".sqlite"), files
        assert oct(os.stat(files[0]).st_mode & 0o777) == "0o600"
    finally:
        srv.stop()


def test_export_import_round_trips_are_byte_exact_and_zip_opens_in_7z(tmp_path):
    srv = start(tmp_path, "")
    try:
        user = f"export@{DOMAIN}"
        password = srv.add_mailbox(user)
        msgs = [message(subject=f"export {i}", body=f"line {i}\r\n" + "x" * (i * 5000) + "\r\n") for i in range(4)]
        msgs.append(b"From: lf@example.org\nSubject: bare LF\n\nFrom the start\n>From quoted\nno final newline")
        put(srv, user, password, msgs[:3])
        put(srv, user, password, msgs[3:], folder="Archive")
        expected_inbox = bodies(srv, user, password)
        expected_archive = bodies(srv, user, password, "Archive")
        assert [b for _, b in expected_inbox] == msgs[:3]

        # zip, encrypted with the alias password by default; 7z opens it with that password only.
        z = tmp_path / "export.zip"
        srv.cli("export", user, "--format", "zip", "--to", str(z), password=password)
        out = tmp_path / "unzipped"
        assert shutil.which("7z"), "7z is not installed (p7zip-full, scripts/setup.sh)"
        bad = subprocess.run(["7z", "x", "-y", "-pnot-it", f"-o{tmp_path / 'bad'}", str(z)], capture_output=True)
        assert bad.returncode != 0
        r = subprocess.run(["7z", "x", "-y", f"-p{password}", f"-o{out}", str(z)], capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
        got = {os.path.relpath(os.path.join(d, f), out): open(os.path.join(d, f), "rb").read()
               for d, _, fs in os.walk(out) for f in fs}
        assert sorted(got.values()) == sorted(msgs)
        assert all(k.split("/")[0] in ("INBOX", "Archive") for k in got)
        assert b"export 0" not in z.read_bytes()  # AES-256: no plaintext in the file

        # Import the zip into another alias: same bytes, same internal dates, same folders.
        user2 = f"import@{DOMAIN}"
        password2 = srv.add_mailbox(user2)
        env_zip = {"SEALMAIL_ZIP_PASSWORD": password}
        r = subprocess.run([srv_binary(), "--data-dir", srv.data_dir, "import", user2, str(z), "--from", "zip"],
                           capture_output=True, text=True, env={**os.environ, "SEALMAIL_PASSWORD": password2, **env_zip})
        assert r.returncode == 0, r.stderr
        assert bodies(srv, user2, password2) == expected_inbox
        assert bodies(srv, user2, password2, "Archive") == expected_archive

        # mbox: one file per folder; imported back, the same bytes and internal dates.
        mb = tmp_path / "mbox"
        srv.cli("export", user, "--format", "mbox", "--to", str(mb), password=password)
        user3 = f"mbox@{DOMAIN}"
        password3 = srv.add_mailbox(user3)
        srv.cli("import", user3, str(mb / "INBOX.mbox"), "--from", "mbox", password=password3)
        srv.cli("import", user3, str(mb / "Archive.mbox"), "--from", "mbox", "--folder", "Archive",
                password=password3)
        assert bodies(srv, user3, password3) == expected_inbox
        # mboxrd gives a message without a final line end one (RFC 4155): the only change.
        assert bodies(srv, user3, password3, "Archive") == [(d, b if b.endswith(b"\n") else b + b"\n")
                                                            for d, b in expected_archive]

        # Maildir.
        md = tmp_path / "Maildir"
        for sub in ("cur", "new", "tmp"):
            (md / sub).mkdir(parents=True)
        (md / "cur" / "1700000000.1.host:2,S").write_bytes(msgs[0])
        (md / "new" / "1700000001.2.host").write_bytes(msgs[4])
        user4 = f"maildir@{DOMAIN}"
        password4 = srv.add_mailbox(user4)
        srv.cli("import", user4, str(md), "--from", "maildir", password=password4)
        assert [b for _, b in bodies(srv, user4, password4)] == [msgs[0], msgs[4]]

        # sqlite: the encrypted file, which opens with the password.
        db = tmp_path / "export.sqlite"
        srv.cli("export", user, "--format", "sqlite", "--to", str(db), password=password)
        assert srv.cli("mailbox", "check", str(db), password=password).stdout.startswith("ok: 5 messages")

        # The password is checked as a login would: a wrong one exports nothing.
        r = srv.cli("export", user, "--format", "mbox", "--to", str(tmp_path / "nope"), password="wrong", check=False)
        assert r.returncode != 0 and not (tmp_path / "nope").exists()
    finally:
        srv.stop()


def srv_binary():
    from conftest import BINARY
    return BINARY
