"""What the POP3 integration tests share: `sealmail serve` with pop3, pop3s and imap listeners on free
loopback ports, mailboxes made through the CLI, and messages imported byte for byte (as a Maildir,
one file per message, so that bare LF endings and a missing last newline survive)."""
import glob
import os
import re
import time
import socket
import ssl
import subprocess

from conftest import BINARY, Server, free_port


class Pop3Server(Server):
    """conftest's Server, with its own config: the POP3 listeners (and IMAP, to race with) on."""

    def __init__(self, data_dir, plaintext_on_loopback=True, extra_config=""):
        super().__init__(data_dir)
        self.pop3_port = free_port()
        self.pop3s_port = free_port()
        self.imap_port = free_port()
        off = "\n".join(f'{n} = "off"' for n in ["smtp", "submission", "submissions", "imaps"])
        with open(self.config, "w") as f:
            f.write(f'hostname = "mail.test"\n'
                    f'[listen]\nadmin = "127.0.0.1:{self.admin_port}"\n{off}\n'
                    f'imap = "127.0.0.1:{self.imap_port}"\n'
                    f'pop3 = "127.0.0.1:{self.pop3_port}"\n'
                    f'pop3s = "127.0.0.1:{self.pop3s_port}"\n'
                    f'[tls]\nplaintext_on_loopback = {"true" if plaintext_on_loopback else "false"}\n'
                    + extra_config)


def cli(data_dir, *args, password=None, check=True):
    env = dict(os.environ)
    env.pop("SEALMAIL_PASSWORD", None)
    if password is not None:
        env["SEALMAIL_PASSWORD"] = password
    r = subprocess.run([BINARY, "--data-dir", data_dir, *args], capture_output=True, text=True, env=env, timeout=120)
    if check:
        assert r.returncode == 0, (args, r.stderr)
    return r


class Mailbox:
    def __init__(self, address, password, file):
        self.address = address
        self.password = password
        self.file = file


def add_mailbox(data_dir, address):
    """A new alias with a mailbox; returns its address, its password (printed once) and its file."""
    domain = address.split("@", 1)[1]
    if domain not in cli(data_dir, "domain", "list").stdout:
        cli(data_dir, "domain", "add", domain)
    before = set(glob.glob(os.path.join(data_dir, "mailboxes", "*.sqlite")))
    r = cli(data_dir, "alias", "add", address, "--mailbox")
    password = r.stdout.strip()
    [file] = set(glob.glob(os.path.join(data_dir, "mailboxes", "*.sqlite"))) - before
    return Mailbox(address, password, file)


def import_messages(data_dir, mailbox, messages, tmp_dir):
    """Appends `messages` (bytes, kept exactly) to INBOX, in order, through `sealmail mailbox import`."""
    maildir = os.path.join(tmp_dir, f"maildir-{len(os.listdir(tmp_dir))}")
    os.makedirs(os.path.join(maildir, "cur"))
    os.makedirs(os.path.join(maildir, "new"))
    for i, message in enumerate(messages):
        with open(os.path.join(maildir, "cur", f"{i:06d}.test"), "wb") as f:
            f.write(message)
    # The server closes the mailbox after the session's last answer (QUIT commits, then the
    # session ends): until then the CLI finds it busy, so wait for that instead of assuming it.
    deadline = time.monotonic() + 30
    while True:
        r = cli(data_dir, "mailbox", "import", mailbox.file, "--from", maildir, password=mailbox.password,
                check=False)
        if r.returncode == 0 or "mailbox is busy" not in r.stderr or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert r.returncode == 0, r.stderr


def pop3_wire(message):
    """The message as RETR gives it once byte-stuffing is undone: every bare LF written as CRLF,
    and an unterminated last line ended with CRLF (RFC 1939 §3; README, "POP3")."""
    text = re.sub(rb"(?<!\r)\n", b"\r\n", message)
    if text and not text.endswith(b"\r\n"):
        text += b"\r\n"
    return text


def unverified_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class RawPop3:
    """A POP3 client that shows the exact bytes: for byte-stuffing, pipelining and error lines."""

    def __init__(self, port, tls=False):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        if tls:
            self.sock = unverified_context().wrap_socket(self.sock)
        self.buf = b""
        self.greeting = self.line()

    def send(self, data):
        self.sock.sendall(data)

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError(self.buf)
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def command(self, text):
        self.send(text.encode() + b"\r\n")
        return self.line()

    def multiline(self):
        """The body of a multi-line answer, exactly as sent (still byte-stuffed), up to ".\\r\\n"."""
        while True:
            if self.buf.startswith(b".\r\n"):
                self.buf = self.buf[3:]
                return b""
            end = self.buf.find(b"\r\n.\r\n")
            if end >= 0:
                body, self.buf = self.buf[:end + 2], self.buf[end + 5:]
                return body
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError(self.buf)
            self.buf += chunk

    def closed(self):
        """True when the server closed the connection (after whatever it still had to say)."""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()
