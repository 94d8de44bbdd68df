"""Debian's POP3 fetchers against the real server: fetchmail (over pop3s, and over pop3 with STLS)
and mpop (pipelining, UIDL-based "only new", delete after retrieval). Both must be installed
(Debian packages `fetchmail` and `mpop`); a test that cannot run them fails."""
import os
import poplib
import shutil
import subprocess
import sys

import pytest

from pop3_support import Pop3Server, add_mailbox, import_messages, pop3_wire

MESSAGES = [
    b"From: Alice <alice@example.org>\r\nTo: you@example.com\r\nSubject: one\r\n"
    b"Message-ID: <one@example.org>\r\n\r\nHello.\r\n.\r\n..two dots\r\n",
    b"From: bob@example.org\nTo: you@example.com\nSubject: two, with bare LF\nMessage-ID: <two@example.org>\n\n"
    b".leading dot\nend\n",
] + [b"From: c%d@example.org\r\nTo: you@example.com\r\nSubject: bulk %d\r\nMessage-ID: <%d@example.org>\r\n\r\n"
     % (i, i, i) + b"line of text\r\n" * (50 * i + 1) for i in range(30)]

# fetchmail and mpop hand messages on with LF line endings.
EXPECTED = sorted(pop3_wire(m).replace(b"\r\n", b"\n") for m in MESSAGES)

DELIVER = """import os, sys
data = sys.stdin.buffer.read()
name = os.path.join(sys.argv[1], "%06d" % len(os.listdir(sys.argv[1])))
with open(name, "wb") as f:
    f.write(data)
"""


@pytest.fixture
def server(data_dir):
    s = Pop3Server(data_dir).start()
    yield s
    s.stop()


@pytest.fixture
def mailbox(server, data_dir, tmp_path):
    mb = add_mailbox(data_dir, "you@example.com")
    import_messages(data_dir, mb, MESSAGES, str(tmp_path))
    return mb


def delivered(folder):
    out = []
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), "rb") as f:
            out.append(f.read())
    return out


def stat(server, mb):
    p = poplib.POP3("127.0.0.1", server.pop3_port, timeout=10)
    p.user(mb.address)
    p.pass_(mb.password)
    n = p.stat()[0]
    p.quit()
    return n


def fetchmail(tmp_path, server, mb, out_dir, port, tls, keep):
    deliver = tmp_path / "deliver.py"
    deliver.write_text(DELIVER)
    rc = tmp_path / "fetchmailrc"
    rc.write_text(
        "set no bouncemail\nset no syslog\nset invisible\n"
        f"poll 127.0.0.1 with proto POP3 port {port} uidl\n"
        f'  user "{mb.address}" there with password "{mb.password}" is "root" here\n'
        f"  {tls} no sslcertck\n"
        f"  {'keep' if keep else 'no keep flush'} no rewrite\n"
        f'  mda "{sys.executable} {deliver} {out_dir}"\n')
    rc.chmod(0o600)
    env = dict(os.environ, HOME=str(tmp_path))
    return subprocess.run(["fetchmail", "-f", str(rc), "--idfile", str(tmp_path / "fetchids"), "-v", "--nodetach"],
                          capture_output=True, text=True, env=env, timeout=120)


def test_fetchmail_fetches_everything_then_only_new_then_deletes(server, mailbox, data_dir, tmp_path):
    assert shutil.which("fetchmail"), "install Debian's fetchmail package"
    out = tmp_path / "out"
    out.mkdir()
    r = fetchmail(tmp_path, server, mailbox, out, server.pop3s_port, "ssl", keep=True)
    assert r.returncode == 0, r.stdout + r.stderr
    log = r.stdout + r.stderr
    assert "not the expected length" not in log  # LIST's sizes are the sizes RETR sends
    assert sorted(delivered(out)) == EXPECTED
    # UIDL: a second run finds nothing new (exit code 1: no mail).
    r = fetchmail(tmp_path, server, mailbox, out, server.pop3s_port, "ssl", keep=True)
    assert r.returncode == 1, r.stdout + r.stderr
    assert len(delivered(out)) == len(MESSAGES)
    # A new message, fetched alone over the STLS port this time; without keep, fetchmail deletes it
    # and (flush) the messages it had seen before.
    extra = b"From: d@example.org\r\nSubject: new\r\nMessage-ID: <new@example.org>\r\n\r\nnew\r\n"
    import_messages(data_dir, mailbox, [extra], str(tmp_path))
    r = fetchmail(tmp_path, server, mailbox, out, server.pop3_port, "sslproto tls1.2+", keep=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "STLS" in r.stdout + r.stderr
    assert delivered(out)[-1] == pop3_wire(extra).replace(b"\r\n", b"\n")
    assert len(delivered(out)) == len(MESSAGES) + 1
    assert stat(server, mailbox) == 0


def mpop(tmp_path, server, mb, maildir, *options):
    pw = tmp_path / "password"
    pw.write_text(mb.password)
    return subprocess.run(["mpop", "--host=127.0.0.1", *options, "--tls-certcheck=off", "--auth=user",
                           f"--user={mb.address}", f"--passwordeval=cat {pw}", f"--delivery=maildir,{maildir}",
                           f"--uidls-file={tmp_path / 'uidls'}", "--received-header=off"],
                          capture_output=True, text=True, timeout=120, env=dict(os.environ, HOME=str(tmp_path)))


def test_mpop_fetches_with_pipelining_keeps_uidls_and_deletes(server, mailbox, data_dir, tmp_path):
    assert shutil.which("mpop"), "install Debian's mpop package"
    maildir = tmp_path / "Maildir"
    for sub in ["new", "cur", "tmp"]:
        (maildir / sub).mkdir(parents=True)
    pop3s = [f"--port={server.pop3s_port}", "--tls=on", "--tls-starttls=off"]
    r = mpop(tmp_path, server, mailbox, maildir, *pop3s, "--keep=on")
    assert r.returncode == 0, r.stdout + r.stderr
    assert sorted(delivered(maildir / "new")) == EXPECTED
    # Only new messages: nothing the second time.
    r = mpop(tmp_path, server, mailbox, maildir, *pop3s, "--keep=on")
    assert r.returncode == 0, r.stdout + r.stderr
    assert len(delivered(maildir / "new")) == len(MESSAGES)
    # Over the STLS port, without keep: mpop deletes what it has retrieved (here: everything).
    starttls = [f"--port={server.pop3_port}", "--tls=on", "--tls-starttls=on"]
    r = mpop(tmp_path, server, mailbox, maildir, *starttls, "--keep=off", "--only-new=off")
    assert r.returncode == 0, r.stdout + r.stderr
    assert len(delivered(maildir / "new")) == 2 * len(MESSAGES)
    assert stat(server, mailbox) == 0
    r = mpop(tmp_path, server, mailbox, maildir, *starttls, "-s")
    assert r.returncode == 0 and "no messages" in r.stdout, r.stdout + r.stderr
