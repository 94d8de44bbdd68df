"""The outbound queue (issue 8, "Queue and delivery"), end to end with real services on loopback:
`sealmail serve`, a real DNS server (NSD) with a test zone whose MX records point at real SMTP
servers (aiosmtpd, tests/server/queue_sink.py) that answer 250, 451, 550, "552 mailbox full", or
drop the connection; the queue's clock is a file the test writes (delivery.clock_file), so the
five-day retry schedule runs in seconds. Messages enter through `sealmail queue inject` (the local
pickup); DSNs to our own sender land in its mailbox and are read over IMAP and parsed with Python's
`email` package.

Waiting: every check polls for a condition with a generous deadline. To show that nothing happened
(no retry before its time), a marker message to a healthy host is queued after the clock moved:
once it has arrived, the scheduler has looked at the whole queue with the new time."""
import email
import email.policy
import glob
import json
import os
import signal
import stat
import time
import uuid

import pytest

from smtp_support import DOMAIN, SmtpServer, sink_received, wait_for
from nsd_support import Nsd, start_ready

HERE = os.path.dirname(os.path.abspath(__file__))
SINK = os.path.join(HERE, "queue_sink.py")
T0 = 1_900_000_000  # the queue's clock at the start (2030-03-17)

HOSTS = {"ok": "127.0.0.10", "temp": "127.0.0.11", "perm": "127.0.0.12", "full": "127.0.0.13",
         "drop": "127.0.0.14", "fix": "127.0.0.15", "slow": "127.0.0.16"}

ZONE = """$ORIGIN q.test.
$TTL 60
@ IN SOA ns.q.test. admin.q.test. 1 3600 600 86400 60
@ IN NS ns.q.test.
ns IN A 127.0.0.1
""" + "".join(f"{name} IN MX 10 mx-{name}.q.test.\nmx-{name} IN A {addr}\n" for name, addr in HOSTS.items()) + \
    "implicit IN A 127.0.0.10\n"  # no MX: the domain's own address (RFC 5321 §5.1)

SENDER = f"sender@{DOMAIN}"


class Bench:
    def __init__(self, base):
        self.sink_dir = str(base / "sink")
        self.data = str(base / "data")
        os.makedirs(self.sink_dir)
        os.makedirs(self.data)
        os.chmod(self.data, 0o700)
        self.clock_file = str(base / "clock")
        self.set_clock(T0)
        self.nsd = Nsd({"q.test": ZONE})
        binds = [a for name, addr in HOSTS.items() for a in ("--bind", f"{addr}={'ok' if name == 'fix' else name}")]
        self.sink, self.sink_port = start_ready(["/usr/bin/python3", SINK, "--dir", self.sink_dir, *binds])
        self.server = SmtpServer(self.data, extra_config=(
            f'[delivery]\ndns_servers = ["127.0.0.1:{self.nsd.port}"]\nsmtp_port = {self.sink_port}\n'
            f'allow_private_targets = true\nclock_file = "{self.clock_file}"\n'))
        self.server.add_domain()
        self.sender_password = self.server.add_mailbox(SENDER)
        self.server.start()

    def set_clock(self, t):
        self.now = t
        with open(self.clock_file + ".tmp", "w") as f:
            f.write(str(t))
        os.rename(self.clock_file + ".tmp", self.clock_file)

    def override(self, host, behaviour):
        path = os.path.join(self.sink_dir, "override-" + HOSTS[host])
        if behaviour is None:
            if os.path.exists(path):
                os.remove(path)
        else:
            with open(path, "w") as f:
                f.write(behaviour)

    def inject(self, to, subject, sender=SENDER, body="Hello from the queue.\r\n", notify=None):
        path = os.path.join(self.data, "out-" + uuid.uuid4().hex + ".eml")
        with open(path, "wb") as f:
            f.write((f"From: {sender}\r\nTo: {', '.join(to)}\r\nSubject: {subject}\r\n"
                     f"Message-ID: <{uuid.uuid4().hex}@{DOMAIN}>\r\n\r\n{body}").encode())
        args = ["queue", "inject", "--from", sender, *[a for t in to for a in ("--to", t)], path]
        if notify:
            args[2:2] = ["--notify", notify]
        out = self.server.cli(*args).stdout.strip()
        os.remove(path)
        assert len(out) == 26, out
        return out

    def received(self, subject):
        return sink_received(self.sink_dir, subject)

    def rcpt_answers(self, host):
        try:
            with open(os.path.join(self.sink_dir, f"rcpt-{HOSTS[host]}.log")) as f:
                return f.read().split()
        except OSError:
            return []

    def entry(self, qid):
        r = self.server.cli("queue", "show", "--json", qid, check=False)
        return json.loads(r.stdout) if r.returncode == 0 else None

    def queued_ids(self):
        return [e["id"] for e in json.loads(self.server.cli("queue", "list", "--json").stdout)]

    def settle(self):
        """Returns once the scheduler has scanned the queue at the current clock: a marker to the
        healthy host, queued now, has arrived and left the queue."""
        subject = "marker " + uuid.uuid4().hex
        qid = self.inject([f"m@ok.q.test"], subject)
        wait_for(lambda: self.received(subject))
        wait_for(lambda: qid not in self.queued_ids())

    def dsns(self):
        """The sender's INBOX, parsed: every DSN that reached our own sender."""
        return [email.message_from_bytes(m, policy=email.policy.default)
                for m in self.server.inbox(SENDER, self.sender_password)]

    def stop(self):
        code = self.server.stop()
        self.sink.terminate()
        self.sink.wait(timeout=10)
        self.nsd.stop()
        return code


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    b = Bench(tmp_path_factory.mktemp("queue"))
    yield b
    code = b.stop()
    assert code == 0, b.server.read_log()[-4000:]


def dsn_for(bench, recipient):
    """The DSN about `recipient`, once it has arrived in the sender's mailbox."""
    def find():
        for m in bench.dsns():
            if m.get_content_type() != "multipart/report":
                continue
            status = [p for p in m.iter_parts() if p.get_content_type() == "message/delivery-status"]
            if status and recipient in status[0].as_string():
                return m, status[0]
        return None
    return wait_for(find)


def test_delivered_over_mx_and_the_a_fallback_then_removed(bench):
    qid = bench.inject(["one@ok.q.test", "two@implicit.q.test"], "plain delivery")
    got = wait_for(lambda: len(bench.received("plain delivery")) == 2 and bench.received("plain delivery"))
    assert sorted(g[0]["rcpt_tos"][0] for g in got) == ["one@ok.q.test", "two@implicit.q.test"]
    assert all(g[0]["mail_from"] == SENDER for g in got)
    # The queue's copy is deleted once every recipient has it.
    wait_for(lambda: qid not in bench.queued_ids())
    assert not glob.glob(os.path.join(bench.data, "queue", qid + ".*"))


def test_queue_files_hold_no_plaintext_and_the_key_lives_outside(bench):
    qid = bench.inject(["secret.reader@temp.q.test"], "the hidden subject", body="confidential body text\r\n")
    qdir = os.path.join(bench.data, "queue")
    files = glob.glob(os.path.join(qdir, qid + ".*"))
    assert sorted(os.path.basename(f) for f in files) == [qid + ".env", qid + ".msg"]
    for f in files:
        data = open(f, "rb").read()
        for needle in (b"hidden subject", b"confidential", b"secret.reader", b"q.test", b"sender@"):
            assert needle not in data, (f, needle)
        assert stat.S_IMODE(os.stat(f).st_mode) == 0o600
    key = os.path.join(bench.data, "queue-key")
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600 and os.path.dirname(key) != qdir
    # The operator reads it with the key: the CLI shows the envelope and the message.
    assert bench.entry(qid)["recipients"][0]["address"] == "secret.reader@temp.q.test"
    shown = bench.server.cli("queue", "show", "--message", qid).stdout
    assert "confidential body text" in shown
    bench.server.cli("queue", "delete", qid)
    assert bench.entry(qid) is None


def test_classification_of_each_failure(bench):
    ids = {kind: bench.inject([f"rcpt@{kind}.q.test"], f"classify {kind}") for kind in ("temp", "full", "drop")}
    for kind, qid in ids.items():
        wait_for(lambda: (bench.entry(qid) or {}).get("attempts", 0) >= 1)
    got = {kind: bench.entry(qid)["recipients"][0] for kind, qid in ids.items()}
    # 451 greylisted: defer; "552 mailbox full": defer (the owner may make room); a dropped
    # connection: a network error, defer. All still pending.
    assert (got["temp"]["action"], got["temp"]["code"], got["temp"]["enhanced"]) == ("defer", 451, "4.7.1")
    assert got["temp"]["category"] == "policy"
    assert (got["full"]["action"], got["full"]["category"], got["full"]["code"]) == ("defer", "full mailbox", 552)
    assert (got["drop"]["action"], got["drop"]["category"]) == ("defer", "network")
    assert all(g["state"] == "pending" for g in got.values())
    for qid in ids.values():
        bench.server.cli("queue", "delete", qid)


def test_reject_sends_a_dsn_at_once(bench):
    qid = bench.inject(["nobody@perm.q.test", "fine@ok.q.test"], "half rejected")
    wait_for(lambda: qid not in bench.queued_ids())  # one delivered, one failed: nothing left to do
    assert [g[0]["rcpt_tos"] for g in bench.received("half rejected")] == [["fine@ok.q.test"]]
    m, status = dsn_for(bench, "nobody@perm.q.test")
    assert m["From"].addresses[0].addr_spec == "MAILER-DAEMON@mail.test"
    assert m.get_param("report-type") == "delivery-status"
    text = status.as_string()
    assert "Action: failed" in text and "Status: 5.1.1" in text
    assert "Final-Recipient: rfc822;nobody@perm.q.test" in text.replace("rfc822; ", "rfc822;")
    assert "fine@ok.q.test" not in text
    assert "550 5.1.1" in text  # Diagnostic-Code: the remote's answer
    original = [p for p in m.iter_parts() if p.get_content_type() in ("message/rfc822", "text/rfc822-headers")]
    assert original and "half rejected" in original[0].as_string()


def test_retry_schedule_on_the_controlled_clock_then_a_dsn_after_five_days(bench):
    start = bench.now
    qid = bench.inject(["later@temp.q.test"], "deferred for days")
    wait_for(lambda: (bench.entry(qid) or {}).get("attempts") == 1)
    # First retry 5 minutes later, then 10, 20, 40 ... (smtp/outbound/retry.h).
    e = bench.entry(qid)
    assert e["next_attempt"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + 300))
    # Not before its time.
    bench.set_clock(start + 299)
    bench.settle()
    assert bench.entry(qid)["attempts"] == 1
    t = start + 300
    for n, wait in [(2, 600), (3, 1200), (4, 2400)]:
        bench.set_clock(t)
        wait_for(lambda: (bench.entry(qid) or {}).get("attempts") == n)
        e = bench.entry(qid)
        assert e["next_attempt"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t + wait)), (n, e)
        t += wait
    # Five days after it was queued the queue gives up: a DSN (failed, with the last 4xx status).
    bench.set_clock(start + 5 * 86400)
    wait_for(lambda: qid not in bench.queued_ids())
    m, status = dsn_for(bench, "later@temp.q.test")
    text = status.as_string()
    assert "Action: failed" in text and "Status: 4.7.1" in text, text
    assert m["Auto-Submitted"] == "auto-replied"
    bench.set_clock(start + 5 * 86400 + 1)


def test_cli_retry_and_admin_api(bench):
    bench.override("fix", "temp")
    try:
        qid = bench.inject(["patient@fix.q.test"], "retried by hand")
        wait_for(lambda: (bench.entry(qid) or {}).get("attempts") == 1)
        status, body = bench.server.get("/api/queue", token=bench.server.token())
        assert status == 200 and qid in [e["id"] for e in json.loads(body)]
        status, body = bench.server.get(f"/api/queue/{qid}", token=bench.server.token())
        assert status == 200 and json.loads(body)["recipients"][0]["category"] == "policy"
        assert bench.server.get("/api/queue/not-an-id", token=bench.server.token())[0] == 400
        bench.override("fix", None)
        # Due only in 5 minutes of queue time: the operator says "now".
        assert bench.server.get(f"/api/queue/{qid}/retry", token=bench.server.token(), method="POST", body=b"")[0] == 202
        wait_for(lambda: bench.received("retried by hand"))
        wait_for(lambda: qid not in bench.queued_ids())
        assert bench.server.get(f"/api/queue/{qid}", token=bench.server.token())[0] == 404
    finally:
        bench.override("fix", None)


def test_kill_9_with_a_full_queue_loses_nothing_and_sends_nothing_twice(bench):
    """Twenty messages wait (their host answers 451), the server is killed with SIGKILL, the host
    recovers, the server restarts: each message arrives exactly once. (A crash between a remote's
    250 and the queue writing it down would send that message again, as Postfix would: at least
    once; this test kills while nothing is in flight, which is what "nothing twice" can promise.)"""
    bench.override("fix", "temp")
    subjects = [f"survivor {i}" for i in range(20)]
    ids = [bench.inject([f"r{i}@fix.q.test"], s) for i, s in enumerate(subjects)]
    for qid in ids:
        wait_for(lambda: (bench.entry(qid) or {}).get("attempts") == 1)
    bench.server.stop(sig=signal.SIGKILL)
    bench.override("fix", None)
    bench.server.start()
    bench.set_clock(bench.now + 3600)
    for s in subjects:
        wait_for(lambda: bench.received(s))
    wait_for(lambda: not (set(ids) & set(bench.queued_ids())))
    assert all(len(bench.received(s)) == 1 for s in subjects)


def test_per_destination_limit(bench):
    """Twelve messages to one domain whose server is slow, all due at once (they waited behind a
    451, then the operator retries them together): the queue opens several sessions at once, never
    more than delivery.queue_per_destination (4 by default)."""
    bench.override("slow", "temp")
    try:
        subjects = [f"crowd {i}" for i in range(12)]
        ids = [bench.inject([f"c{i}@slow.q.test"], s) for i, s in enumerate(subjects)]
        for qid in ids:
            wait_for(lambda: (bench.entry(qid) or {}).get("attempts") == 1)
    finally:
        bench.override("slow", None)
    bench.server.cli("queue", "retry", *ids)
    for s in subjects:
        wait_for(lambda: bench.received(s))
    with open(os.path.join(bench.sink_dir, "max-sessions-" + HOSTS["slow"])) as f:
        most = int(f.read())
    assert 2 <= most <= 4, most


def test_delay_notice_when_asked(bench):
    """NOTIFY=DELAY,FAILURE (RFC 3461): after 4 hours without delivery the sender gets one
    "delayed" report (RFC 3464 Action: delayed, with Will-Retry-Until); the message stays queued."""
    start = bench.now
    qid = bench.inject(["slowpoke@temp.q.test"], "asked for delays", notify="DELAY,FAILURE")
    wait_for(lambda: (bench.entry(qid) or {}).get("attempts") == 1)
    bench.set_clock(start + 4 * 3600 + 60)
    bench.server.cli("queue", "retry", qid)
    wait_for(lambda: (bench.entry(qid) or {}).get("attempts") == 2)
    m, status = dsn_for(bench, "slowpoke@temp.q.test")
    text = status.as_string()
    assert "Action: delayed" in text and "Will-Retry-Until:" in text, text
    assert qid in bench.queued_ids()
    bench.server.cli("queue", "delete", qid)


def test_kill_9_during_delivery_loses_nothing(bench):
    """SIGKILL while sessions are open to a slow server: after the restart every message arrives,
    and only those whose session was open at the kill may arrive twice (the server may have taken
    the message while our record of its 250 was never written: at least once, as Postfix), so at
    most queue_per_destination (4) duplicates."""
    bench.override("slow", "temp")
    try:
        subjects = [f"in flight {i}" for i in range(16)]
        ids = [bench.inject([f"f{i}@slow.q.test"], s) for i, s in enumerate(subjects)]
        for qid in ids:
            wait_for(lambda: (bench.entry(qid) or {}).get("attempts") == 1)
    finally:
        bench.override("slow", None)
    bench.server.cli("queue", "retry", *ids)
    wait_for(lambda: sum(1 for s in subjects if bench.received(s)) >= 2)
    bench.server.stop(sig=signal.SIGKILL)
    bench.server.start()
    # The operator's "retry now" died with the process: the rest are due at their next attempt.
    bench.set_clock(bench.now + 3600)
    for s in subjects:
        wait_for(lambda: bench.received(s))
    wait_for(lambda: not (set(ids) & set(bench.queued_ids())))
    twice = [s for s in subjects if len(bench.received(s)) > 1]
    assert all(len(bench.received(s)) <= 2 for s in subjects)
    assert len(twice) <= 4, twice
    print(f"duplicates after kill -9 in flight: {len(twice)} of {len(subjects)}")


RECEIVER = os.path.join(HERE, "..", "delivery", "webhook_receiver.py")


def test_bounce_webhook_reports_each_refused_recipient(bench, tmp_path):
    """Issue 8: "Bounce webhooks for aliases that have them": a recipient refused with 550 is
    posted to the sending alias's webhook as signed JSON (X-Sealmail-Event: bounce); the recipient
    that took the message is not in it."""
    with open(os.path.join(bench.data, "webhook-secret")) as f:
        secret = f.read().strip()
    hook_dir = str(tmp_path / "hooks")
    os.makedirs(hook_dir)
    receiver, port = start_ready(["/usr/bin/python3", RECEIVER, "--dir", hook_dir],
                                 env=dict(os.environ, WEBHOOK_SECRET=secret))
    try:
        hooked = f"hooked@{DOMAIN}"
        bench.server.cli("alias", "add", hooked, "--mailbox", "--webhook", f"http://127.0.0.1:{port}/bounces")
        qid = bench.inject(["nobody@perm.q.test", "fine@ok.q.test"], "bounced with a hook", sender=hooked)
        def posts(event):
            out = []
            for path in sorted(glob.glob(os.path.join(hook_dir, "[0-9]*.json"))):
                with open(path[:-5] + ".headers") as f:
                    if json.load(f)["X-Sealmail-Event"] != event:
                        continue
                with open(path) as f:
                    out.append(json.load(f))
            return out
        # The DSN to our own sender is inbound mail for the alias: its webhook gets that too, as a
        # "message" event; the bounce report is the "bounce" event.
        wait_for(lambda: posts("bounce") and posts("message"))
        assert not glob.glob(os.path.join(hook_dir, "rejected-*")), "the signature did not verify"
        (doc,) = posts("bounce")
        (meta, sent), = bench.received("bounced with a hook")
        message_id = email.message_from_bytes(sent, policy=email.policy.default)["Message-ID"]
        assert (doc["type"], doc["queue_id"], doc["sender"], doc["message_id"]) == ("bounce", qid, hooked, message_id)
        (r,) = doc["recipients"]
        assert (r["address"], r["action"], r["code"], r["enhanced"], r["expired"]) == \
            ("nobody@perm.q.test", "reject", 550, "5.1.1", False)
        assert r["category"] == "unknown user" and r["host"] == "mx-perm.q.test"
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)


def history(bench):
    return {h["id"]: h for h in json.loads(bench.server.cli("queue", "history", "--json").stdout)}


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def test_sent_copy_redacted_after_the_domains_retention_then_forgotten(bench):
    """Issue 8 "Retention": a delivered message stays readable to the operator until its domain's
    retention period is over, then only the seed's placeholder (with the original Date and
    Message-ID) is left; the record itself goes 30 days later. Last in this file: it moves the
    queue's clock by a month."""
    cli = bench.server.cli
    assert cli("domain", "retention", DOMAIN).stdout.strip() == "30"
    bad = cli("domain", "retention", DOMAIN, "0", check=False)
    assert bad.returncode != 0 and "between 1 and 36500" in bad.stderr
    status, _ = bench.server.get(f"/api/domains/{DOMAIN}/retention", token=bench.server.token(), method="PUT",
                                 body=json.dumps({"days": 2}).encode())
    assert status == 200
    assert cli("domain", "retention", DOMAIN).stdout.strip() == "2"

    start = bench.now
    qid = bench.inject(["keeper@ok.q.test"], "kept then redacted", body="the private words of this message\r\n")
    (meta, sent), = wait_for(lambda: bench.received("kept then redacted"))
    message_id = email.message_from_bytes(sent, policy=email.policy.default)["Message-ID"]
    wait_for(lambda: qid not in bench.queued_ids())
    h = wait_for(lambda: history(bench).get(qid))
    assert (h["delivered"], h["recipients_total"], h["redacted"]) == (1, 1, False)
    assert h["retired_at"] == iso(start) and h["redact_at"] == iso(start + 2 * 86400)
    assert h["forget_at"] == iso(start + 32 * 86400)
    # Readable with the queue key meanwhile; sealed on disk.
    assert "the private words" in cli("queue", "show", "--message", qid).stdout
    shown = json.loads(cli("queue", "show", "--json", qid).stdout)
    assert shown["recipients"][0] == {"address": "keeper@ok.q.test", "state": "delivered"}
    files = glob.glob(os.path.join(bench.data, "queue-history", qid + ".*"))
    assert sorted(os.path.basename(f) for f in files) == [qid + ".env", qid + ".msg"]
    for f in files:
        data = open(f, "rb").read()
        for needle in (b"private words", b"kept then redacted", b"keeper@", b"q.test"):
            assert needle not in data, (f, needle)
        assert stat.S_IMODE(os.stat(f).st_mode) == 0o600
    status, body = bench.server.get("/api/queue/history", token=bench.server.token())
    assert status == 200 and qid in [e["id"] for e in json.loads(body)]

    # A day later: still kept.
    bench.set_clock(start + 86400)
    bench.settle()
    assert history(bench)[qid]["redacted"] is False
    # Two days: redacted.
    bench.set_clock(start + 2 * 86400)
    wait_for(lambda: history(bench)[qid]["redacted"])
    text = cli("queue", "show", "--message", qid).stdout
    placeholder = email.message_from_string(text, policy=email.policy.default)
    assert placeholder["Message-ID"] == message_id
    assert "This message was successfully sent. It has been redacted and purged for your security and privacy." \
        in placeholder.get_content()
    for gone in ("the private words", "kept then redacted", "keeper@", "sender@"):
        assert gone not in text, gone
    # The envelope stays for the history.
    assert json.loads(cli("queue", "show", "--json", qid).stdout)["recipients"][0]["address"] == "keeper@ok.q.test"
    assert bench.server.wait_for_log("queue.history_swept")
    assert "keeper" not in bench.server.read_log()

    # Thirty days after the redaction the record is forgotten.
    bench.set_clock(start + 32 * 86400)
    wait_for(lambda: qid not in history(bench))
    assert not glob.glob(os.path.join(bench.data, "queue-history", qid + ".*"))
    cli("domain", "retention", DOMAIN, "30")
