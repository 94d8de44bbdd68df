"""Import from another IMAP server (issue 10): a real Dovecot from Debian, started on loopback by
the test with its own configuration, TLS certificate and user, filled over IMAP with messages in
several folders (flags, keywords, internal dates); `sealmail import --from imap` copies them, and
our own IMAP server then shows the same folders, flags, internal dates and exact bytes. A second
run imports nothing new; a wrong remote password is one clear error line."""
import datetime
import imaplib
import os
import pwd
import re
import shutil
import ssl
import subprocess
import tempfile
import time

from conftest import BINARY, free_port
from imap_support import DOMAIN, ImapServer

SOURCE_USER = "src@example.net"
SOURCE_PASSWORD = "source-secret-7f3b"


class Dovecot:
    """A private Dovecot: imaps on a loopback port, passwd-file user, Maildir in a temporary dir."""

    def __init__(self):
        self.binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        assert os.path.exists(self.binary), "dovecot is not installed (dovecot-imapd, scripts/setup.sh)"
        # Not under pytest's tmp_path: as root, Dovecot's unprivileged processes must reach it.
        self.dir = tempfile.mkdtemp(prefix="sealmail-dovecot-")
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        self.starttls_port = free_port()
        self.cert = os.path.join(self.dir, "cert.pem")
        key = os.path.join(self.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-days", "2",
                        "-keyout", key, "-out", self.cert], check=True, capture_output=True)
        with open(os.path.join(self.dir, "passwd"), "w") as f:
            f.write(f"{SOURCE_USER}:{{PLAIN}}{SOURCE_PASSWORD}\n")
        home = os.path.join(self.dir, "home")
        os.mkdir(home)
        if os.getuid() == 0:
            # Dovecot refuses mail access as root: the package's own users do the work.
            internal, login, mail_user = "dovecot", "dovenull", "dovecot"
            mail = pwd.getpwnam(mail_user)
            os.chown(home, mail.pw_uid, mail.pw_gid)
        else:
            me = pwd.getpwuid(os.getuid())
            internal = login = mail_user = me.pw_name
            mail = me
        self.conf = os.path.join(self.dir, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write(f"""protocols = imap
listen = 127.0.0.1
base_dir = {self.dir}/run
state_dir = {self.dir}/state
log_path = {self.dir}/dovecot.log
ssl = required
ssl_cert = <{self.cert}
ssl_key = <{key}
auth_mechanisms = plain
first_valid_uid = {mail.pw_uid}
default_internal_user = {internal}
default_login_user = {login}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {self.dir}/passwd
}}
userdb {{
  driver = static
  args = uid={mail.pw_uid} gid={mail.pw_gid} home={home}/%u
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = .
  mailbox "Sent Items" {{
    special_use = \\Sent
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.starttls_port}
  }}
  inet_listener imaps {{
    port = {self.port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
""")
        self.proc = subprocess.Popen([self.binary, "-F", "-c", self.conf], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("dovecot exited: " + self.proc.stderr.read().decode() + self.log())
            try:
                self.imap().logout()
                return
            except (OSError, imaplib.IMAP4.error):
                if time.monotonic() > deadline:
                    raise RuntimeError("dovecot did not start: " + self.log())
                time.sleep(0.1)

    def log(self):
        try:
            with open(os.path.join(self.dir, "dovecot.log")) as f:
                return f.read()
        except OSError:
            return ""

    def imap(self):
        ctx = ssl.create_default_context(cafile=self.cert)
        m = imaplib.IMAP4_SSL("127.0.0.1", self.port, ssl_context=ctx, timeout=30)
        m.login(SOURCE_USER, SOURCE_PASSWORD)
        return m

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def msg(i, subject, body="", extra=b""):
    head = (f"From: Sender {i} <s{i}@example.org>\r\nTo: src@example.net\r\nSubject: {subject}\r\n"
            f"Message-ID: <m{i}.import@example.org>\r\nDate: Mon, 2 Feb 2026 10:{i % 60:02d}:00 +0100\r\n").encode()
    return head + extra + b"\r\n" + (body or f"Body of message {i}.\r\n").encode()


# folder on the source -> [(flags, internal date, bytes)]
SOURCE = {
    "INBOX": [
        ("(\\Seen)", "07-Feb-1994 21:52:25 -0800", msg(1, "plain seen")),
        ("(\\Answered \\Flagged $Forwarded)", "01-Jan-2020 00:00:01 +0000", msg(2, "answered and flagged")),
        ("()", "15-Mar-2025 12:30:00 +0530", msg(3, "big", "x" * 76 + "\r\n") + b"y" * 300000 + b"\r\n"),
        # No Message-ID at all, 8-bit text.
        ("(\\Seen $Label1)", "29-Feb-2024 23:59:59 +0100",
         b"From: a@example.org\r\nSubject: no id\r\nContent-Type: text/plain; charset=utf-8\r\n"
         b"Content-Transfer-Encoding: 8bit\r\n\r\nCaf\xc3\xa9 \xe2\x82\xac\r\n"),
    ],
    "Sent Items": [("(\\Seen)", "10-Oct-2023 08:00:00 +0200", msg(10, "sent by me"))],
    "Work.Projects": [
        ("(\\Draft)", "11-Nov-2022 11:11:11 +0000", msg(20, "a draft")),
        ("(\\Seen \\Deleted)", "12-Nov-2022 11:11:11 +0000", msg(21, "deleted but not expunged")),
    ],
    "Caf&AOk-": [("()", "01-May-2021 09:00:00 +0000", msg(30, "in a folder with a UTF-8 name"))],
    # More than one UID FETCH chunk (100 messages).
    "Bulk": [("(\\Seen)" if i % 2 else "()", f"{1 + i % 28:02d}-Jun-2019 10:00:00 +0000", msg(100 + i, f"bulk {i}"))
             for i in range(130)],
}
# Where each source folder lands in ours (LIST names, modified UTF-7); None: the \Sent folder.
TARGET = {"INBOX": "INBOX", "Sent Items": None, "Work.Projects": "Work/Projects", "Caf&AOk-": "Caf&AOk-",
          "Bulk": "Bulk"}


def fill(dovecot):
    m = dovecot.imap()
    for folder, items in SOURCE.items():
        if folder != "INBOX":
            typ, data = m.create(f'"{folder}"')
            assert typ == "OK", data
        for flags, date, data in items:
            typ, resp = m.append(f'"{folder}"', flags, f'"{date}"', data)
            assert typ == "OK", resp
    m.logout()


def seconds(date):
    return datetime.datetime.strptime(date, "%d-%b-%Y %H:%M:%S %z").timestamp()


def contents(m, folder):
    """[(flags without \\Recent, internal date in seconds, bytes)] of a folder, by UID."""
    typ, data = m.select(f'"{folder}"', readonly=True)
    assert typ == "OK", (folder, data)
    typ, data = m.uid("FETCH", "1:*", "(UID FLAGS INTERNALDATE BODY.PEEK[])")
    assert typ == "OK", data
    out = []
    for d in data:
        if not isinstance(d, tuple):
            continue
        head, body = d
        flags = set(re.search(rb"FLAGS \(([^)]*)\)", head).group(1).decode().split()) - {"\\Recent"}
        date = seconds(re.search(rb'INTERNALDATE "([^"]+)"', head).group(1).decode())
        out.append((flags, date, body))
    return out


def sent_folder(m):
    typ, data = m.list()
    assert typ == "OK"
    for line in data:
        if b"\\Sent" in line:
            return re.search(rb'"[^"]*" "?([^"]*)"?$', line).group(1).decode()
    raise AssertionError("no \\Sent folder: %r" % data)


def run_import(srv, user, password, source_password_file, dovecot, starttls=False, ca=True):
    """Runs the import; retries while the mailbox is busy (the server may hold it for a moment
    after an IMAP LOGOUT: wait for the condition, not for a fixed time)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEALMAIL_")}
    env["SEALMAIL_PASSWORD"] = password
    user_part = SOURCE_USER.replace("@", "%40")
    url = (f"imap://{user_part}@127.0.0.1:{dovecot.starttls_port}" if starttls
           else f"imaps://{user_part}@127.0.0.1:{dovecot.port}")
    args = [BINARY, "--data-dir", srv.data_dir, "import", user, url, "--from", "imap",
            "--source-password-file", str(source_password_file)]
    if ca:
        args += ["--ca-file", dovecot.cert]
    deadline = time.monotonic() + 120
    while True:
        r = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
        if r.returncode == 0 or "busy" not in r.stderr or time.monotonic() > deadline:
            return r
        time.sleep(0.2)


def test_import_from_dovecot_copies_folders_flags_dates_and_bytes(tmp_path):
    dovecot = Dovecot()
    d = tmp_path / "data"
    d.mkdir()
    os.chmod(d, 0o700)
    srv = ImapServer(str(d))
    try:
        fill(dovecot)
        src = dovecot.imap()
        expected = {f: contents(src, f) for f in SOURCE}
        src.logout()
        # What Dovecot serves is what was appended, with the flags and instants given.
        for f, items in SOURCE.items():
            assert [b for _, _, b in expected[f]] == [data for _, _, data in items], f
            assert [t for _, t, _ in expected[f]] == [seconds(date) for _, date, _ in items], f

        srv.add_domain()
        user = f"importer@{DOMAIN}"
        password = srv.add_mailbox(user)
        srv.start()
        pw_file = tmp_path / "source-password"
        pw_file.write_text(SOURCE_PASSWORD + "\n")

        total = sum(len(v) for v in SOURCE.values())
        r = run_import(srv, user, password, pw_file, dovecot)
        assert r.returncode == 0, r.stderr
        assert f"imported {total} messages" in r.stderr, r.stderr
        assert SOURCE_PASSWORD not in r.stderr + r.stdout

        m = srv.imaplib()
        m.login(user, password)
        sent = sent_folder(m)
        for f in SOURCE:
            ours = contents(m, TARGET[f] or sent)
            assert len(ours) == len(expected[f]), f
            assert ours == expected[f], f
        m.logout()

        # Again: nothing new.
        r = run_import(srv, user, password, pw_file, dovecot)
        assert r.returncode == 0, r.stderr
        assert "imported 0 messages" in r.stderr and f"{total} already there" in r.stderr, r.stderr
        # imap:// goes through STARTTLS (required) to the same server: still nothing new.
        r = run_import(srv, user, password, pw_file, dovecot, starttls=True)
        assert r.returncode == 0, r.stderr
        assert "imported 0 messages" in r.stderr and f"{total} already there" in r.stderr, r.stderr
        m = srv.imaplib()
        m.login(user, password)
        for f in SOURCE:
            assert len(contents(m, TARGET[f] or sent)) == len(expected[f]), f
        m.logout()

        # A wrong remote password: one clear line, non-zero status, nothing of the password shown.
        wrong = tmp_path / "wrong-password"
        wrong.write_text("not-the-password\n")
        r = run_import(srv, user, password, wrong, dovecot)
        assert r.returncode != 0
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "refused the login" in lines[0], r.stderr
        assert "not-the-password" not in r.stderr

        # Without the CA file the self-signed certificate is refused before any login.
        r = run_import(srv, user, password, pw_file, dovecot, ca=False)
        assert r.returncode != 0 and "certificate is not trusted" in r.stderr, r.stderr
    finally:
        srv.stop()
        dovecot.stop()
