"""Submission to remote recipients, end to end (issue 8): a user submits over 587 (STARTTLS, swaks)
and 465 (implicit TLS, smtplib); the queue finds the recipients' MX in a real DNS server (NSD, test
zone) and hands the message to real SMTP servers on loopback (aiosmtpd, queue_sink.py); the copy
that arrives carries DKIM signatures (RSA and Ed25519) that dkimpy verifies against the records
quickstart printed; a recipient refused with 550 comes back as a DSN in the sender's INBOX, read over
IMAP and parsed by Python's email package; the finished message is in the queue's history."""
import email
import email.policy
import json
import os
import re
import smtplib
import ssl
import subprocess

import dkim
import pytest

from conftest import BINARY, free_port
from imap_support import ImapServer
from nsd_support import Nsd, start_ready
from smtp_support import sink_received, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
SINK = os.path.join(HERE, "queue_sink.py")
DOMAIN = "example.com"
OWNER = f"owner@{DOMAIN}"

ZONE = """$ORIGIN far.test.
$TTL 60
@ IN SOA ns.far.test. admin.far.test. 1 3600 600 86400 60
@ IN NS ns.far.test.
ns IN A 127.0.0.1
@ IN MX 10 mx.far.test.
mx IN A 127.0.0.20
refusing IN MX 10 mx-refusing.far.test.
mx-refusing IN A 127.0.0.21
"""


@pytest.fixture(scope="module")
def remote(tmp_path_factory):
    base = tmp_path_factory.mktemp("submission-remote")
    data, sink_dir = str(base / "data"), str(base / "sink")
    os.makedirs(data)
    os.makedirs(sink_dir)
    os.chmod(data, 0o700)
    r = subprocess.run([BINARY, "--data-dir", data, "quickstart", OWNER, "--hostname", "mail.test"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    password = re.search(r"^Password: (\S+)$", r.stdout, re.M).group(1)
    records = {name.lower(): "".join(re.findall(r'"([^"]*)"', value))
               for name, value in re.findall(r"^(\S+\._domainkey\.\S+)\.\s+TXT\s+(.*)$", r.stdout, re.M)}
    assert len(records) == 2, r.stdout
    nsd = Nsd({"far.test": ZONE})
    sink, sink_port = start_ready(["/usr/bin/python3", SINK, "--dir", sink_dir,
                                   "--bind", "127.0.0.20=ok", "--bind", "127.0.0.21=perm"])
    server = ImapServer(data, extra_config=(
        f'[delivery]\ndns_servers = ["127.0.0.1:{nsd.port}"]\nsmtp_port = {sink_port}\n'
        "allow_private_targets = true\n"))
    server.submission_port, server.submissions_port = free_port(), free_port()
    with open(server.config) as f:
        text = f.read()
    text = text.replace('submission = "off"', f'submission = "127.0.0.1:{server.submission_port}"')
    text = text.replace('submissions = "off"', f'submissions = "127.0.0.1:{server.submissions_port}"')
    with open(server.config, "w") as f:
        f.write(text)
    server.start()
    yield {"server": server, "password": password, "records": records, "sink_dir": sink_dir}
    code = server.stop()
    sink.terminate()
    sink.wait(timeout=10)
    nsd.stop()
    assert code == 0, server.read_log()[-4000:]


def verify_dkim(records, data):
    def dnsfunc(name, timeout=5):
        key = name.decode() if isinstance(name, bytes) else name
        return records.get(key.rstrip(".").lower(), "").encode()
    sigs = email.message_from_bytes(data).get_all("DKIM-Signature")
    assert len(sigs) == 2, sigs
    d = dkim.DKIM(data)
    assert all(d.verify(idx=i, dnsfunc=dnsfunc) for i in range(2))
    return {re.search(r"a=([a-z0-9-]+)", s).group(1) for s in sigs}


def history(server):
    return {h["id"]: h for h in json.loads(server.cli("queue", "history", "--json").stdout)}


def test_swaks_over_587_reaches_the_remote_mx_signed(remote):
    server = remote["server"]
    subject = "from swaks to far away"
    r = subprocess.run(["swaks", "--server", "127.0.0.1", "--port", str(server.submission_port), "--tls",
                        "--auth", "PLAIN", "--auth-user", OWNER, "--auth-password", remote["password"],
                        "--from", OWNER, "--to", "reader@far.test", "--header", f"Subject: {subject}",
                        "--body", "Sent through the queue."],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    (meta, data), = wait_for(lambda: sink_received(remote["sink_dir"], subject))
    assert meta["mail_from"] == OWNER and meta["rcpt_tos"] == ["reader@far.test"]
    assert verify_dkim(remote["records"], data) == {"rsa-sha256", "ed25519-sha256"}
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert msg["Message-ID"] and msg["Date"]  # completed by submission (RFC 6409 §8)
    # Finished: out of the queue, in its history as delivered.
    wait_for(lambda: not json.loads(server.cli("queue", "list", "--json").stdout))
    done = [h for h in history(server).values() if h["delivered"] == 1 and h["recipients_total"] == 1]
    assert done, history(server)


def test_smtplib_over_465_refused_recipient_comes_back_as_a_dsn(remote):
    server, password = remote["server"], remote["password"]
    subject = "half of it refused"
    body = (f"From: {OWNER}\r\nTo: ok@far.test, nobody@refusing.far.test\r\nSubject: {subject}\r\n\r\n"
            "One of you will not get this.\r\n").encode()
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with smtplib.SMTP_SSL("127.0.0.1", server.submissions_port, context=ctx, timeout=30) as s:
        s.login(OWNER, password)
        assert s.sendmail(OWNER, ["ok@far.test", "nobody@refusing.far.test"], body) == {}
    (meta, _), = wait_for(lambda: sink_received(remote["sink_dir"], subject))
    assert meta["rcpt_tos"] == ["ok@far.test"]

    def dsn():
        m = server.imaplib()
        m.login(OWNER, password)
        m.select("INBOX", readonly=True)
        _, found = m.search(None, "HEADER", "Content-Type", "multipart/report")
        out = []
        for n in found[0].split():
            _, d = m.fetch(n, "(BODY.PEEK[])")
            out.append(email.message_from_bytes(d[0][1], policy=email.policy.default))
        m.logout()
        return [x for x in out if "nobody@refusing.far.test" in x.as_string()]
    (report,) = wait_for(dsn)
    status = [p for p in report.iter_parts() if p.get_content_type() == "message/delivery-status"]
    text = status[0].as_string()
    assert "Action: failed" in text and "Status: 5.1.1" in text, text
    assert "ok@far.test" not in text
