"""Routing per alias behind the MX (issue 6), end to end with real services on loopback: forwards
found through a real DNS server (NSD from Debian, a test zone with MX records) and taken by a real
SMTP server (aiosmtpd from Debian, tests/smtp/client/smtp_sink.py), with the sender rewritten by SRS
and bounces to SRS addresses passed back; webhooks posted to a real HTTP receiver that checks the
HMAC signature (tests/delivery/webhook_receiver.py); mailbox + forward + webhook together; a
temporary failure answered 4xx and retried without a duplicate."""
import glob
import json
import os
import re
import smtplib

import pytest

from nsd_support import Nsd, start_ready
from smtp_support import DOMAIN, SmtpServer, message, sink_received, strip_trace

HERE = os.path.dirname(os.path.abspath(__file__))
SINK = os.path.join(HERE, "..", "smtp", "client", "smtp_sink.py")
RECEIVER = os.path.join(HERE, "..", "delivery", "webhook_receiver.py")


ZONE = """$ORIGIN forward.test.
$TTL 60
@ IN SOA ns.forward.test. admin.forward.test. 1 3600 600 86400 60
@ IN NS ns.forward.test.
ns IN A 127.0.0.1
@ IN MX 10 mx.forward.test.
mx IN A 127.0.0.1
"""


@pytest.fixture(scope="module")
def routes(tmp_path_factory):
    base = tmp_path_factory.mktemp("routes")
    sink_dir, hook_dir, data = str(base / "sink"), str(base / "hooks"), str(base / "data")
    for d in (sink_dir, hook_dir, data):
        os.makedirs(d)
    os.chmod(data, 0o700)
    nsd = Nsd({"forward.test": ZONE})
    sink, sink_port = start_ready(["/usr/bin/python3", SINK, "--dir", sink_dir])
    server = SmtpServer(data, extra_config=(
        f'[delivery]\ndns_servers = ["127.0.0.1:{nsd.port}"]\nsmtp_port = {sink_port}\n'
        "allow_private_targets = true\n"))
    server.add_domain()
    server.start()
    with open(os.path.join(data, "webhook-secret")) as f:
        secret = f.read().strip()
    hooks, hook_port = start_ready(["/usr/bin/python3", RECEIVER, "--dir", hook_dir],
                                   env=dict(os.environ, WEBHOOK_SECRET=secret))
    yield {"server": server, "sink_dir": sink_dir, "hook_dir": hook_dir, "hook_port": hook_port}
    code = server.stop()
    for p in (sink, hooks):
        p.terminate()
        p.wait(timeout=10)
    nsd.stop()
    assert code == 0, server.read_log()[-4000:]


def send(server, rcpts, body, sender="alice@example.org"):
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=30) as s:
        s.ehlo("sender.example.org")
        return s.sendmail(sender, rcpts, body)


def strip_received(data):
    m = re.match(rb"Received: from [^\r]*\r\n\tby mail\.test with [A-Z0-9]+; [^\r]*\r\n", data)
    assert m, data[:300]
    return data[m.end():]


def test_forward_through_mx_with_srs(routes):
    server = routes["server"]
    server.add_alias(f"fwd@{DOMAIN}", "--forward", "bob@forward.test")
    body = message("forwarded")
    assert send(server, [f"fwd@{DOMAIN}"], body) == {}
    got = sink_received(routes["sink_dir"], "forwarded")
    assert len(got) == 1
    envelope, data = got[0]
    assert envelope["rcpt_tos"] == ["bob@forward.test"]
    # SRS: the envelope sender is ours now (SPF passes at the target), and it encodes the original.
    assert re.fullmatch(r"SRS0=[^=]+=[^=]+=example\.org=alice@mail\.test", envelope["mail_from"]), envelope
    assert strip_received(data) == body  # no Return-Path on a forwarded copy, bytes as sent


def test_bounce_to_srs_address_goes_back_to_the_sender(routes):
    server = routes["server"]
    server.add_alias(f"fwd2@{DOMAIN}", "--forward", "dave@forward.test")
    send(server, [f"fwd2@{DOMAIN}"], message("first leg"), sender="erin@forward.test")
    (envelope, _), = sink_received(routes["sink_dir"], "first leg")
    srs_address = envelope["mail_from"]
    assert srs_address.startswith("SRS0=") and srs_address.endswith("@mail.test")
    assert send(server, [srs_address], message("the bounce"), sender="") == {}
    (bounce, data), = sink_received(routes["sink_dir"], "the bounce")
    assert bounce["rcpt_tos"] == ["erin@forward.test"] and bounce["mail_from"] == "<>"  # (aiosmtpd writes the null path so)
    # A forged SRS address (bad hash) is nobody.
    forged = re.sub(r"^SRS0=[^=]+=", "SRS0=zzzz=", srs_address)
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(server, [forged], message("forged"), sender="")


def test_temporary_failure_is_4xx_and_the_retry_does_not_duplicate(routes):
    server = routes["server"]
    # One target takes it, the other is busy (451): the sender hears 451 and retries; the target
    # that already took it does not get it again.
    server.add_alias(f"two@{DOMAIN}", "--forward", "ok1@forward.test", "--forward", "temp1@forward.test")
    body = message("retried")
    for _ in range(2):
        with pytest.raises(smtplib.SMTPDataError) as e:
            send(server, [f"two@{DOMAIN}"], body)
        assert e.value.smtp_code == 451
    got = sink_received(routes["sink_dir"], "retried")
    assert [g[0]["rcpt_tos"] for g in got] == [["ok1@forward.test"]]


def test_permanent_failure_is_5xx(routes):
    server = routes["server"]
    server.add_alias(f"gone@{DOMAIN}", "--forward", "perm1@forward.test")
    with pytest.raises(smtplib.SMTPDataError) as e:
        send(server, [f"gone@{DOMAIN}"], message("refused"))
    assert 500 <= e.value.smtp_code < 600


def test_webhook_signed_json(routes):
    server = routes["server"]
    url = f"http://127.0.0.1:{routes['hook_port']}/hook"
    server.add_alias(f"hook@{DOMAIN}", "--webhook", url)
    body = message("to the hook", body="Hello hook.\r\n")
    assert send(server, [f"hook@{DOMAIN}"], body) == {}
    posts = []
    for path in glob.glob(os.path.join(routes["hook_dir"], "*.json")):
        with open(path) as f:
            doc = json.load(f)
        if doc.get("subject") == "to the hook":
            posts.append((os.path.basename(path), doc))
    assert len(posts) == 1, posts
    name, doc = posts[0]
    assert not name.startswith("rejected"), "the signature did not verify"
    assert doc["envelope"]["mail_from"] == "alice@example.org"
    assert doc["envelope"]["recipients"] == [f"hook@{DOMAIN}"]
    assert "Hello hook." in doc["text"]


def test_webhook_failure_is_temporary(routes):
    server = routes["server"]
    server.add_alias(f"hook500@{DOMAIN}", "--webhook", f"http://127.0.0.1:{routes['hook_port']}/status/500")
    with pytest.raises(smtplib.SMTPDataError) as e:
        send(server, [f"hook500@{DOMAIN}"], message("hook fails"))
    assert e.value.smtp_code == 451


def test_mailbox_forward_and_webhook_together(routes):
    server = routes["server"]
    mixed = f"mix@{DOMAIN}"
    mix_password = server.add_alias(mixed, "--mailbox", "--forward", "frank@forward.test", "--webhook",
                                    f"http://127.0.0.1:{routes['hook_port']}/mix")
    body = message("three ways")
    assert send(server, [mixed], body) == {}
    assert [strip_trace(m) for m in server.inbox(mixed, mix_password)] == [body]
    assert [g[0]["rcpt_tos"] for g in sink_received(routes["sink_dir"], "three ways")] == [["frank@forward.test"]]
    hooks = [p for p in glob.glob(os.path.join(routes["hook_dir"], "*.json"))
             if json.load(open(p)).get("subject") == "three ways"]
    assert len(hooks) == 1 and not os.path.basename(hooks[0]).startswith("rejected")


def test_a_copy_refused_for_good_is_answered_5xx_and_the_stored_copy_kept_once(routes):
    server = routes["server"]
    user = f"half@{DOMAIN}"
    password = server.add_alias(user, "--mailbox", "--forward", "perm2@forward.test")
    body = message("half refused")
    for _ in range(2):  # the sender may try again: the mailbox still gets it once
        with pytest.raises(smtplib.SMTPDataError) as e:
            send(server, [user], body)
        assert 500 <= e.value.smtp_code < 600
    assert [strip_trace(m) for m in server.inbox(user, password)] == [body]
