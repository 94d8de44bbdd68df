"""`sealmail serve`: the admin listener, signals, and configuration errors, driven from outside."""
import os
import signal
import stat
import subprocess
import time

from prometheus_client.parser import text_string_to_metric_families

from conftest import BINARY, Server, free_port


def test_healthz_and_metrics_parse_as_prometheus_text(server):
    assert server.get("/healthz") == (200, "ok\n")
    server.get("/api/status")  # refused: counted
    status, text = server.get("/metrics")
    assert status == 200
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert families["sealmail_up"].samples[0].value == 1
    assert families["sealmail_admin_requests"].type == "counter"
    assert families["sealmail_admin_requests"].samples[0].value >= 1
    assert families["sealmail_admin_auth_failures"].samples[0].value >= 1
    latency = families["sealmail_admin_request_seconds"]
    assert latency.type == "histogram"
    count = [s.value for s in latency.samples if s.name == "sealmail_admin_request_seconds_count"][0]
    assert count >= 2
    open_now = [s for s in families["sealmail_connections"].samples if s.labels == {"listener": "admin"}]
    assert open_now and open_now[0].value >= 1  # this very request


def test_api_refuses_a_missing_or_wrong_token(server):
    assert server.get("/api/status")[0] == 401
    assert server.get("/api/status", token="0" * 64)[0] == 401
    assert server.get("/api/status", token=server.token()[:-1])[0] == 401
    status, body = server.get("/api/status", token=server.token())
    assert status == 200
    assert '"hostname":"mail.test"' in body


def test_token_and_key_files_are_private(server):
    for path in ["admin-token", "tls/key.pem"]:
        mode = stat.S_IMODE(os.stat(os.path.join(server.data_dir, path)).st_mode)
        assert mode == 0o600, path
    assert stat.S_IMODE(os.stat(server.data_dir).st_mode) == 0o700
    with open(os.path.join(server.data_dir, "tls/certificate.pem")) as f:
        assert "BEGIN CERTIFICATE" in f.read()


def test_sigterm_stops_within_five_seconds(server):
    started = time.monotonic()
    assert server.stop(signal.SIGTERM) == 0
    assert time.monotonic() - started < 5
    log = server.read_log()
    assert "event=shutdown signal=TERM" in log
    assert "event=stopped" in log


def test_sighup_reloads_and_keeps_running_on_a_bad_config(server):
    with open(server.config, "a") as f:
        f.write('[log]\nlevel = "debug"\n')
    server.proc.send_signal(signal.SIGHUP)
    assert server.wait_for_log("event=reloaded")
    with open(server.config, "a") as f:
        f.write("[bogus]\n")
    server.proc.send_signal(signal.SIGHUP)
    assert server.wait_for_log("event=reload_failed")
    assert "config: bogus: unknown key" in server.read_log()
    assert server.get("/healthz")[0] == 200


BAD_CONFIGS = [
    ('[listen]\nimap = "nonsense"\n', "sealmail: config: listen.imap: expected host:port, got 'nonsense'"),
    ('[listen]\nimap = "127.0.0.1:99999"\n', "sealmail: config: listen.imap: expected host:port, got '127.0.0.1:99999'"),
    ('[listen]\nimapx = "127.0.0.1:1"\n', "sealmail: config: listen.imapx: unknown listener"),
    ("[limits]\nmax_recipients = 0\n", "sealmail: config: limits.max_recipients: must be between 1 and 1000000"),
    ('[limits]\nmax_recipients = "ten"\n', "sealmail: config: limits.max_recipients: expected a whole number"),
    ('[log]\nlevel = "loud"\n', "sealmail: config: log.level: expected debug, info, warn or error, got 'loud'"),
    ("hostname = \n", "sealmail: config: config.toml line 1:"),
    ('lissten = 1\n', "sealmail: config: lissten: unknown key"),
    ('[tls]\ncertificate = "/nope.pem"\n', "sealmail: config: tls: certificate and key go together"),
    ('[delivery]\nrelay = "nowhere"\n', "sealmail: config: delivery.relay: expected host:port, got 'nowhere'"),
    ('[delivery]\ndns_servers = "127.0.0.1:53"\n', "sealmail: config: delivery.dns_servers: expected a list of \"host:port\""),
    ("[delivery]\nsmtp_port = 0\n", "sealmail: config: delivery.smtp_port: must be between 1 and 65535"),
    ("[delivery]\nrelay_host = 1\n", "sealmail: config: delivery.relay_host: unknown key"),
    ('[tls]\ncertificate = "/nope.pem"\nkey = "/nope.key"\n', "sealmail: tls: cannot use certificate /nope.pem"),
]


def test_bad_configs_give_one_clear_line(data_dir):
    config = os.path.join(data_dir, "config.toml")
    for text, expected in BAD_CONFIGS:
        with open(config, "w") as f:
            f.write(text)
        r = subprocess.run([BINARY, "--data-dir", data_dir, "serve", "--config", config],
                           capture_output=True, text=True, timeout=10)
        assert r.returncode == 1, text
        assert r.stderr.count("\n") == 1, r.stderr
        assert r.stderr.startswith(expected), (text, r.stderr)


def test_admin_port_in_use_is_a_clear_error(server, data_dir):
    other = Server(os.path.join(data_dir, "tls"))  # any writable directory
    with open(other.config, "w") as f:
        f.write(f'[listen]\nadmin = "127.0.0.1:{server.admin_port}"\n')
    r = subprocess.run([BINARY, "--data-dir", other.data_dir, "serve", "--config", other.config],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 1
    assert r.stderr.startswith(f"sealmail: admin: cannot listen on 127.0.0.1:{server.admin_port}:")


def test_wrong_tokens_are_delayed_then_locked_out_per_client_ip(data_dir):
    s = Server(data_dir, extra_config="[limits]\nfailed_logins_per_ip = 4\n").start()
    try:
        times = []
        for _ in range(4):
            started = time.monotonic()
            assert s.get("/api/status", token="f" * 64)[0] == 401
            times.append(time.monotonic() - started)
        # Three free failures, then a growing delay (0.5 s for the fourth).
        # (Compared with each other, not with fixed upper bounds: CI runs tests in parallel.)
        assert times[3] >= 0.45 and max(times[:3]) <= times[3] - 0.3, times
        # Locked now: even the right token is refused until the lockout ends.
        status, body = s.get("/api/status", token=s.token())
        assert status == 429 and "too many failed attempts" in body
    finally:
        s.stop()


def test_connections_per_ip_are_limited(data_dir):
    import socket
    s = Server(data_dir, extra_config="[limits]\nmax_connections_per_ip = 2\n").start()
    try:
        held = [socket.create_connection(("127.0.0.1", s.admin_port)) for _ in range(2)]
        time.sleep(0.2)
        third = socket.create_connection(("127.0.0.1", s.admin_port))
        third.settimeout(5)
        assert third.recv(1) == b""  # closed at once
        third.close()
        held.pop().close()
        time.sleep(0.2)
        assert s.get("/healthz")[0] == 200  # a slot is free again
        for h in held:
            h.close()
        status, text = s.get("/metrics")
        assert 'sealmail_connections_refused_total{listener="admin"} 1' in text
    finally:
        s.stop()


# ---- the protocols under serve: shutdown with sessions open, limits, logs, metrics ----

import base64
import glob
import imaplib
import json
import poplib
import re
import smtplib
import socket
import threading
import urllib.parse

import pytest

from imap_support import append as imap_append, message as imap_message
from pop3_support import RawPop3
from smtp_support import Smtp, SmtpServer

DOMAIN = "example.com"


def full_server(data_dir, limits="", extra=""):
    """serve with smtp, imap, imaps and pop3 on; `limits` lines join its [limits] table."""
    s = SmtpServer(data_dir, extra_config=limits + extra)
    s.cli("domain", "add", DOMAIN)
    return s


def new_mailbox(s, address):
    """(password, file) of a new alias with a mailbox."""
    before = set(glob.glob(os.path.join(s.data_dir, "mailboxes", "*.sqlite")))
    password = s.add_mailbox(address)
    [file] = set(glob.glob(os.path.join(s.data_dir, "mailboxes", "*.sqlite"))) - before
    return password, file


def test_sigterm_with_sessions_in_flight_leaves_every_mailbox_whole(data_dir):
    """SIGTERM while an IMAP client is in the middle of an APPEND literal, another IDLEs, SMTP
    clients deliver into the open mailbox and one is in the middle of DATA: the server is gone
    within 5 s, every message it acknowledged is there, the half-sent ones are not, and the
    mailbox passes `sealmail mailbox check` (SQLite integrity and foreign keys)."""
    s = full_server(data_dir)
    user = "busy@" + DOMAIN
    s.start()
    password, file = new_mailbox(s, user)
    w = s.wire()
    w.login(user, password)
    for i in range(3):
        imap_append(w, "INBOX", imap_message(f"kept {i}"))
    idler = s.wire()
    idler.login(user, password)
    idler.ok("SELECT INBOX")
    idler.send("I1 IDLE\r\n")
    assert idler.response().startswith(b"+")
    half = s.wire()
    half.login(user, password)
    big = imap_message("half-appended", body="h" * 200000 + "\r\n")
    half.send(f"H1 APPEND INBOX {{{len(big)}}}\r\n")
    assert half.response().startswith(b"+")
    half.send(big[:100000])
    data = Smtp(s.smtp_port)
    assert data.cmd("EHLO client.example.org")[0] == 250
    assert data.cmd("MAIL FROM:<a@example.org>")[0] == 250
    assert data.cmd(f"RCPT TO:<{user}>")[0] == 250
    assert data.cmd("DATA")[0] == 354
    data.send("Subject: half-sent\r\n\r\n" + "d" * 50000)

    acked, lock, go = [], threading.Lock(), threading.Event()

    def sender(n):
        try:
            with smtplib.SMTP("127.0.0.1", s.smtp_port, timeout=10) as c:
                for i in range(100000):
                    c.sendmail("a@example.org", [user], f"Subject: burst {n} {i}\r\n\r\n{'b' * 3000}\r\n")
                    with lock:
                        acked.append((n, i))
                    go.set()
        except (smtplib.SMTPException, OSError):
            pass

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    assert go.wait(10)
    time.sleep(0.3)  # let deliveries pile up on the worker threads
    started, before = time.monotonic(), time.time()
    s.proc.send_signal(signal.SIGTERM)
    s.proc.wait(timeout=10)
    took = time.monotonic() - started
    for t in threads:
        t.join()
    s.log.close()
    assert s.proc.returncode == 0, s.read_log()[-3000:]
    assert took < 5, took
    log = s.read_log()
    assert "event=shutdown signal=TERM" in log and "event=stopped" in log
    assert "shutdown_deadline_passed" not in log  # what was in flight finished by itself
    # The mailbox closed cleanly: it wrote its usage hint on the way out.
    assert os.path.getmtime(file + ".usage") >= before - 0.01

    r = s.cli("mailbox", "check", file, password=password)
    count = int(re.match(r"ok: (\d+) messages", r.stdout).group(1))
    assert count >= 3 + len(acked), (count, len(acked))
    listed = s.cli("mailbox", "search", file, "subject:half", password=password).stdout
    assert listed.strip() == "", listed  # neither half-sent message was stored
    kept = s.cli("mailbox", "search", file, "subject:kept", password=password).stdout
    assert len(kept.split()) == 3, kept
    for each in (w, idler, half):
        each.close()
    data.close()


def test_failed_logins_per_client_ip_delay_then_lock_over_imap_and_pop3(data_dir):
    """[limits] failed_logins_per_ip = 4: wrong passwords for different addresses from one IP
    are answered at once three times, the fourth late (growing delay), and then that IP is
    locked out, over IMAP and POP3 alike, even for a right password of another address."""
    s = full_server(data_dir, limits="failed_logins_per_ip = 4\nfailed_logins_per_address = 1000\n")
    s.start()
    try:
        good = "good@" + DOMAIN
        password, _ = new_mailbox(s, good)
        times = []
        for i in range(4):
            started = time.monotonic()
            if i % 2 == 0:
                with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
                    s.imaplib().login(f"guess{i}@{DOMAIN}", "wrong")
            else:
                p = poplib.POP3("127.0.0.1", s.pop3_port, timeout=10)
                p.user(f"guess{i}@{DOMAIN}")
                with pytest.raises(poplib.error_proto, match=r"\[AUTH\]"):
                    p.pass_("wrong")
            times.append(time.monotonic() - started)
        # Each answer costs the same Argon2id work; the fourth waits 0.5 s more on top. A lower
        # bound holds however loaded the machine is; the first answers vary with the load (one took
        # 0.48 s beside 0.2 s under a parallel build), so the fourth is compared with the quickest.
        assert times[3] >= 0.5 and times[3] >= min(times[:3]) + 0.4, times
        # Locked: the right password of an address that never failed is refused too.
        with pytest.raises(imaplib.IMAP4.error, match="UNAVAILABLE"):
            s.imaplib().login(good, password)
        p = poplib.POP3("127.0.0.1", s.pop3_port, timeout=10)
        p.user(good)
        with pytest.raises(poplib.error_proto, match=r"\[SYS/TEMP\]"):
            p.pass_(password)
    finally:
        assert s.stop() == 0


def test_failed_logins_per_address_delay_then_lock_that_address_only(data_dir):
    """[limits] failed_logins_per_address = 3: two quick failures, a third one late, then the
    address is locked (over POP3 and IMAP, right password or not) while another address from the
    same client IP still logs in."""
    s = full_server(data_dir, limits="failed_logins_per_address = 3\n")
    s.start()
    try:
        target, other = "target@" + DOMAIN, "other@" + DOMAIN
        pt, _ = new_mailbox(s, target)
        po, _ = new_mailbox(s, other)
        times = []
        for i in range(3):
            started = time.monotonic()
            p = poplib.POP3("127.0.0.1", s.pop3_port, timeout=10)
            p.user(target)
            with pytest.raises(poplib.error_proto, match=r"\[AUTH\]"):
                p.pass_(f"wrong {i}")
            times.append(time.monotonic() - started)
        assert times[2] >= 0.45 and times[2] >= min(times[:2]) + 0.35, times
        with pytest.raises(imaplib.IMAP4.error, match="UNAVAILABLE"):
            s.imaplib().login(target, pt)
        p = poplib.POP3("127.0.0.1", s.pop3_port, timeout=10)
        p.user(target)
        with pytest.raises(poplib.error_proto, match=r"\[SYS/TEMP\]"):
            p.pass_(pt)
        m = s.imaplib()
        assert m.login(other, po)[0] == "OK"
        m.logout()
    finally:
        assert s.stop() == 0


def test_connections_per_ip_on_the_pop3_and_smtp_listeners(data_dir):
    """[limits] max_connections_per_ip = 2 on every listener (IMAP's and the admin's have their
    own tests; the implicit-TLS ports: test_connection_limits.py): the third connection from one IP
    is told why in its protocol instead of a greeting, and closed."""
    s = full_server(data_dir, limits="max_connections_per_ip = 2\n")
    s.start()
    try:
        for name, port, greeting, refusal in [
                ("pop3", s.pop3_port, b"+OK", b"-ERR [SYS/TEMP] Too many connections from your address\r\n"),
                ("smtp", s.smtp_port, b"220", b"421 4.7.0 Too many connections from your address\r\n")]:
            held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(2)]
            for h in held:
                assert h.recv(100).startswith(greeting), name
            third = socket.create_connection(("127.0.0.1", port), timeout=5)
            said = third.makefile("rb").readline()
            assert said == refusal, name  # not a reset: the client is told why
            third.close()
            held.pop().close()
            deadline = time.monotonic() + 5
            while True:  # the slot is given back when the server sees the close
                again = socket.create_connection(("127.0.0.1", port), timeout=5)
                said = again.recv(100)
                again.close()
                if said.startswith(greeting) or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            assert said.startswith(greeting), name
            for h in held:
                h.close()
        text = s.get("/metrics")[1]
        for name in ("pop3", "smtp"):
            assert re.search(r'sealmail_connections_refused_total\{listener="%s"\} [1-9]' % name, text), name
    finally:
        assert s.stop() == 0


def test_no_password_nor_address_reaches_the_log(data_dir):
    """Every password generated or tried, over IMAP (LOGIN, AUTHENTICATE PLAIN), POP3 (USER/PASS,
    AUTH PLAIN), the MX and password changes by the CLI and the API, at log level debug: none is
    in any log line, nor any address in clear; addresses appear only hashed."""
    s = full_server(data_dir, extra='[log]\nlevel = "debug"\n')
    s.start()
    secrets, addresses = [], []
    try:
        user = "Secret.Person@" + DOMAIN
        addresses += [user, user.lower()]
        p1, _ = new_mailbox(s, user)
        secrets.append(p1)
        m = s.imaplib()
        m.login(user, p1)
        m.logout()
        plain = base64.b64encode(f"\0{user}\0{p1}".encode()).decode()
        secrets.append(plain)
        w = s.wire()
        w.ok("AUTHENTICATE PLAIN " + plain)
        wrong = ["not-the-password-1", "not-the-password-2"]
        secrets += wrong
        with pytest.raises(imaplib.IMAP4.error):
            s.imaplib().login(user, wrong[0])
        p = poplib.POP3("127.0.0.1", s.pop3_port, timeout=10)
        p.user(user)
        with pytest.raises(poplib.error_proto):
            p.pass_(wrong[1])
        p.user(user)
        p.pass_(p1)
        p.quit()
        raw = RawPop3(s.pop3_port)
        assert raw.command("AUTH PLAIN " + plain).startswith(b"+OK")
        raw.command("QUIT")
        sender, forward = "Who.Wrote@example.org", "Forward.Target@example.net"
        addresses += [sender, forward]
        with smtplib.SMTP("127.0.0.1", s.smtp_port, timeout=10) as c:
            c.sendmail(sender, [user], b"Subject: hi\r\n\r\nhello\r\n")
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                c.sendmail(sender, ["nobody.here@" + DOMAIN], b"Subject: hi\r\n\r\nhello\r\n")
        addresses.append("nobody.here@" + DOMAIN)
        # Password changes: by the API while a session is open (it is ended with BYE), then by
        # the CLI.
        status, body = s.get(f"/api/aliases/{urllib.parse.quote(user)}/password", token=s.token(),
                             method="POST", body=json.dumps({"current_password": p1}).encode())
        assert status == 200, body
        p2 = json.loads(body)["password"]
        secrets.append(p2)
        assert w.closed(), "the open session was not ended"
        m = s.imaplib()
        m.login(user, p2)
        m.logout()
        p3 = s.cli("alias", "password", user, password=p2).stdout.strip()
        secrets.append(p3)
        m = s.imaplib()
        m.login(user, p3)
        m.logout()
        p4 = s.cli("alias", "password", user, "--reset").stdout.strip()
        secrets.append(p4)
        status, body = s.get("/api/aliases", token=s.token(), method="POST",
                             body=json.dumps({"address": "Api.Made@" + DOMAIN, "mailbox": True,
                                              "forwards": [forward]}).encode())
        assert status == 201, body
        secrets.append(json.loads(body)["password"])
        addresses.append("Api.Made@" + DOMAIN)
    finally:
        assert s.stop() == 0
    log = s.read_log()
    assert "event=imap_login " in log and "event=pop3_login " in log
    for secret in secrets:
        assert secret not in log, "a password is in the log"
    for address in addresses:
        for form in (address, address.lower(), urllib.parse.quote(address), urllib.parse.quote(address.lower())):
            assert form not in log, f"{form} is in the log"
    assert re.search(r"user=addr:[0-9a-f]{8}", log), "logins name the address by its hash"


def test_metrics_have_connections_commands_deliveries_errors_and_latencies_per_protocol(data_dir):
    """/metrics, read with prometheus_client's parser after traffic on every listener: for IMAP,
    POP3 and SMTP, open and accepted connections, commands, errors and command latency; for the
    MX, recipients, deliveries and delivery latency; failed logins per protocol."""
    s = full_server(data_dir)
    s.start()
    try:
        user = "counted@" + DOMAIN
        password, _ = new_mailbox(s, user)
        with smtplib.SMTP("127.0.0.1", s.smtp_port, timeout=10) as c:
            c.sendmail("a@example.org", [user], b"Subject: m\r\n\r\nbody\r\n")
            assert c.docmd("VRFY", user)[0] == 502  # an error
        w = s.wire()
        w.login(user, password)
        w.ok("NOOP")
        assert w.cmd("BOGUS")[1].split()[1] == b"BAD"
        with pytest.raises(imaplib.IMAP4.error):
            s.imaplib().login(user, "wrong")
        raw = RawPop3(s.pop3_port)
        assert raw.command("BOGUS").startswith(b"-ERR")
        raw.command(f"USER {user}")
        assert raw.command("PASS wrong").startswith(b"-ERR")
        raw.command(f"USER {user}")
        assert raw.command(f"PASS {password}").startswith(b"+OK")
        assert raw.command("STAT").startswith(b"+OK")
        status, text = s.get("/metrics")  # while the IMAP and POP3 sessions are open
        assert status == 200
        raw.command("QUIT")
        w.ok("LOGOUT")
    finally:
        assert s.stop() == 0
    families = {f.name: f for f in text_string_to_metric_families(text)}

    def value(family, sample, **labels):
        found = [x.value for x in families[family].samples if x.name == sample and x.labels == labels]
        assert found, (sample, labels, families[family].samples)
        return found[0]

    for protocol in ("imap", "pop3", "smtp"):
        assert value("sealmail_connections_accepted", "sealmail_connections_accepted_total", listener=protocol) >= 1
        assert families["sealmail_command_seconds"].type == "histogram"
        assert value("sealmail_commands", "sealmail_commands_total", protocol=protocol) >= 2, protocol
        assert value("sealmail_command_errors", "sealmail_command_errors_total", protocol=protocol) >= 1, protocol
        assert value("sealmail_command_seconds", "sealmail_command_seconds_count", protocol=protocol) >= 2
    for protocol in ("imap", "pop3"):
        assert value("sealmail_connections", "sealmail_connections", listener=protocol) >= 1  # open now
        assert value("sealmail_login_failures", "sealmail_login_failures_total", protocol=protocol) >= 1
    assert value("sealmail_recipients", "sealmail_recipients_total", result="accepted") >= 1
    assert value("sealmail_deliveries", "sealmail_deliveries_total", result="accepted") >= 1
    assert value("sealmail_delivery_seconds", "sealmail_delivery_seconds_count") >= 1
    assert families["sealmail_delivery_seconds"].type == "histogram"


def make_certificate(directory, name, cn):
    cert, key = os.path.join(directory, name + ".pem"), os.path.join(directory, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=" + cn], check=True,
                   capture_output=True)
    return cert, key


def served_certificate_cn(port, starttls=None):
    import ssl
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        if starttls == "smtp":
            raw.recv(1000)
            raw.sendall(b"EHLO x\r\n")
            while b"250 " not in raw.recv(1000):
                pass
            raw.sendall(b"STARTTLS\r\n")
            assert raw.recv(1000).startswith(b"220")
        with ctx.wrap_socket(raw) as tls:
            der = tls.getpeercert(binary_form=True)
    text = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-subject"], input=der,
                          capture_output=True, check=True).stdout.decode()
    return re.search(r"CN\s*=\s*(\S+)", text).group(1)


def test_sighup_reloads_the_certificate_for_new_connections(data_dir):
    """SIGHUP: the certificate and key files are read again; IMAPS and SMTP STARTTLS handshakes
    made afterwards present the new certificate (an ACME client renews it; no restart)."""
    certs = os.path.join(data_dir, "certs")
    os.makedirs(certs)
    cert, key = make_certificate(certs, "live", "first.example")
    s = full_server(data_dir)
    with open(s.config) as f:  # into the [tls] table the bench wrote
        text = f.read().replace("[tls]\n", f'[tls]\ncertificate = "{cert}"\nkey = "{key}"\n', 1)
    with open(s.config, "w") as f:
        f.write(text)
    s.start()
    try:
        assert served_certificate_cn(s.imaps_port) == "first.example"
        new_cert, new_key = make_certificate(certs, "next", "second.example")
        os.replace(new_cert, cert)
        os.replace(new_key, key)
        s.proc.send_signal(signal.SIGHUP)
        assert s.wait_for_log("event=reloaded")
        assert served_certificate_cn(s.imaps_port) == "second.example"
        assert served_certificate_cn(s.smtp_port, starttls="smtp") == "second.example"
        # A broken pair is refused and the last good one stays.
        with open(cert, "w") as f:
            f.write("not a certificate\n")
        s.proc.send_signal(signal.SIGHUP)
        assert s.wait_for_log("event=reload_failed")
        assert served_certificate_cn(s.imaps_port) == "second.example"
    finally:
        assert s.stop() == 0


# ---- SIGHUP: the configuration read again, new sessions use it, open ones keep theirs ----

def rewrite_config(s, *replacements):
    """Replaces text in the server's config file (each `old` must be there) and sends SIGHUP;
    returns once the server has logged the outcome (`reloaded` or `reload_failed`)."""
    with open(s.config) as f:
        text = f.read()
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    with open(s.config, "w") as f:
        f.write(text)
    def outcomes():
        log = s.read_log()
        return log.count("event=reloaded") + log.count("event=reload_failed")
    before = outcomes()
    s.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while outcomes() == before:
        assert time.monotonic() < deadline, "no reload outcome logged"
        time.sleep(0.02)


def with_submission(s):
    """Turns the submission listener of a full_server on (STARTTLS; AUTH over TLS only)."""
    s.submission_port = free_port()
    with open(s.config) as f:
        text = f.read().replace('submission = "off"', f'submission = "127.0.0.1:{s.submission_port}"', 1)
    with open(s.config, "w") as f:
        f.write(text)


def submit(s, user, password, to):
    """The answer to a message submitted by `user` (250 when taken): (code, text)."""
    import ssl
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with smtplib.SMTP("127.0.0.1", s.submission_port, timeout=60) as c:
        c.starttls(context=ctx)
        c.login(user, password)
        data = (f"From: {user}\r\nTo: {to}\r\nSubject: hourly\r\n\r\nHello.\r\n").encode()
        try:
            c.sendmail(user, [to], data)
            return 250, ""
        except smtplib.SMTPDataError as e:
            return e.smtp_code, e.smtp_error.decode()
        except smtplib.SMTPRecipientsRefused as e:
            code, text = e.recipients[to]
            return code, text.decode()


def login(s, user, password):
    """An IMAP LOGIN on a connection of its own, closed whatever the answer."""
    m = s.imaplib()
    try:
        return m.login(user, password)
    finally:
        m.shutdown()


def test_sighup_applies_hostname_limits_and_submission_to_new_sessions(data_dir):
    """One SIGHUP lowers the failed-login, connection, alias-creation and submission limits and
    renames the host: each new limit triggers at once, new SMTP sessions greet with the new name,
    and a session opened before the reload keeps the name it started with."""
    s = full_server(data_dir, limits="failed_logins_per_address = 1000\nmax_connections_per_ip = 64\n"
                                     "aliases_per_domain_per_day = 50\n",
                    extra="[submission]\nmessages_per_hour = 300\n")
    with_submission(s)
    s.start()
    try:
        target, sender = "target@" + DOMAIN, "sender@" + DOMAIN
        pt, _ = new_mailbox(s, target)
        ps, _ = new_mailbox(s, sender)
        # Before: two wrong passwords, far below the limit of 1000; two messages go out.
        for i in range(2):
            with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
                login(s, target, f"wrong {i}")
        assert submit(s, sender, ps, target)[0] == 250
        assert submit(s, sender, ps, target)[0] == 250
        old = Smtp(s.smtp_port)
        assert old.greeting == (220, ["220 mail.test ESMTP ready"])

        rewrite_config(s, ('hostname = "mail.test"', 'hostname = "renamed.test"'),
                       ("failed_logins_per_address = 1000", "failed_logins_per_address = 2"),
                       ("max_connections_per_ip = 64", "max_connections_per_ip = 3"),
                       ("aliases_per_domain_per_day = 50", "aliases_per_domain_per_day = 2"),
                       ("messages_per_hour = 300", "messages_per_hour = 3"))
        assert "event=reloaded" in s.read_log() and "reload_needs_restart" not in s.read_log()

        # hostname: new sessions greet with it; the session opened before keeps its own.
        assert old.cmd("EHLO client.example")[1][0] == "250-mail.test greets client.example"
        old.close()
        new = Smtp(s.smtp_port)
        assert new.greeting == (220, ["220 renamed.test ESMTP ready"])
        assert new.cmd("EHLO client.example")[1][0] == "250-renamed.test greets client.example"
        new.close()
        # [limits] failed_logins_per_address = 2: the failures counted before the reload count
        # against the new limit, so the next one locks the address, right password or not.
        with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
            login(s, target, "wrong again")
        with pytest.raises(imaplib.IMAP4.error, match="UNAVAILABLE"):
            login(s, target, pt)
        # [submission] messages_per_hour = 3: two went out before the reload, one more may.
        assert submit(s, sender, ps, sender)[0] == 250
        code, text = submit(s, sender, ps, sender)
        assert code == 450 and text.startswith("4.7.1"), (code, text)
        # [limits] aliases_per_domain_per_day = 2: two were made today, the API refuses a third.
        status, body = s.get("/api/aliases", token=s.token(), method="POST",
                             body=json.dumps({"address": "third@" + DOMAIN, "forwards": ["x@example.org"]}).encode())
        assert status != 200 and "too many aliases" in body, (status, body)
        # [limits] max_connections_per_ip = 3: the fourth POP3 connection is refused.
        held = [socket.create_connection(("127.0.0.1", s.pop3_port), timeout=5) for _ in range(3)]
        for h in held:
            assert h.recv(100).startswith(b"+OK")
        fourth = socket.create_connection(("127.0.0.1", s.pop3_port), timeout=5)
        said = fourth.makefile("rb").readline()
        assert said == b"-ERR [SYS/TEMP] Too many connections from your address\r\n", said
        for h in held + [fourth]:
            h.close()
    finally:
        assert s.stop() == 0


def test_sighup_switches_protections_and_authentication(data_dir):
    """[protections]: with clamd configured but missing, mail is deferred (451 4.7.1); a SIGHUP
    that removes clamd_socket lets the next message through. [authentication]: the stored copy
    has an Authentication-Results field until a SIGHUP switches every check off."""
    s = full_server(data_dir, extra='[protections]\nclamd_socket = "/nonexistent/clamd.sock"\n')
    s.start()
    try:
        user = "scanned@" + DOMAIN
        password, _ = new_mailbox(s, user)

        def send(subject):
            data = f"From: a@example.org\r\nTo: {user}\r\nSubject: {subject}\r\n\r\nHello.\r\n".encode()
            with smtplib.SMTP("127.0.0.1", s.smtp_port, timeout=60) as c:
                try:
                    c.sendmail("a@example.org", [user], data)
                    return 250, ""
                except smtplib.SMTPDataError as e:
                    return e.smtp_code, e.smtp_error.decode()

        code, text = send("deferred")
        assert code == 451 and text.startswith("4.7.1"), (code, text)
        rewrite_config(s, ('clamd_socket = "/nonexistent/clamd.sock"\n', ""))
        assert "event=reloaded" in s.read_log()
        assert send("checked") == (250, "")
        # Every check of inbound mail switched off: no Authentication-Results from now on.
        rewrite_config(s, ("[authentication]\n", "[authentication]\nspf = false\ndkim = false\ndmarc = false\narc = false\n"))
        assert s.read_log().count("event=reloaded") == 2
        assert send("unchecked") == (250, "")
        stored = s.inbox(user, password)
        assert len(stored) == 2
        heads = [m.split(b"\r\n\r\n", 1)[0] for m in stored]
        assert b"Subject: checked" in heads[0] and b"\r\nAuthentication-Results: " in heads[0]
        assert b"Subject: unchecked" in heads[1] and b"Authentication-Results" not in heads[1]
    finally:
        assert s.stop() == 0


def test_sighup_backup_keep_and_target(data_dir):
    """[backup]: keep = 1 holds one backup per mailbox; after a SIGHUP with keep = 3 the next
    backups on request are kept beside it. Backups taken through the running server's API."""
    backups = os.path.join(data_dir, "backups")
    s = full_server(data_dir, extra=f'[backup]\ntarget = "folder"\nfolder = "{backups}"\nkeep = 1\n')
    s.start()
    try:
        user = "kept@" + DOMAIN
        password, _ = new_mailbox(s, user)
        quoted = user.replace("@", "%40")
        body = json.dumps({"password": password}).encode()

        def change_and_back_up(subject):
            m = s.imaplib()
            m.login(user, password)
            assert m.append("INBOX", None, None, imap_message(subject=subject))[0] == "OK"
            m.logout()
            status, text = s.get(f"/api/aliases/{quoted}/backup", token=s.token(), method="POST", body=body)
            assert status == 200, text
            return json.loads(text)

        def listed():
            status, text = s.get(f"/api/aliases/{quoted}/backups", token=s.token())
            assert status == 200, text
            return json.loads(text)["backups"]

        change_and_back_up("one")
        change_and_back_up("two")
        assert len(listed()) == 1
        rewrite_config(s, ("keep = 1", "keep = 3"))
        assert "event=reloaded" in s.read_log()
        change_and_back_up("three")
        change_and_back_up("four")
        assert len(listed()) == 3
    finally:
        assert s.stop() == 0


def test_sighup_with_a_bad_config_keeps_the_old_one_whole(data_dir):
    """A config whose last table is wrong: one error line naming the key, and nothing of the
    file applies, not even the hostname that was right; a changed listener is left as it was
    with one warning naming it, while the rest of that file applies."""
    s = full_server(data_dir, extra="[submission]\nmessages_per_hour = 300\n")
    s.start()
    try:
        rewrite_config(s, ('hostname = "mail.test"', 'hostname = "renamed.test"'),
                       ("messages_per_hour = 300", 'messages_per_hour = "many"'))
        log = s.read_log()
        assert "event=reload_failed" in log and "submission.messages_per_hour" in log, log[-2000:]
        assert [l for l in log.splitlines() if "reload_failed" in l].__len__() == 1
        assert Smtp(s.smtp_port).greeting == (220, ["220 mail.test ESMTP ready"])

        moved = free_port()
        rewrite_config(s, ('messages_per_hour = "many"', "messages_per_hour = 300"),
                       (f'imap = "127.0.0.1:{s.imap_port}"', f'imap = "127.0.0.1:{moved}"'))
        log = s.read_log()
        warnings = [l for l in log.splitlines() if "reload_needs_restart" in l]
        assert len(warnings) == 1 and "key=listen.imap" in warnings[0] and "restart" in warnings[0], warnings
        assert "event=reloaded" in log
        assert Smtp(s.smtp_port).greeting == (220, ["220 renamed.test ESMTP ready"])
        m = s.imaplib()  # still on the old port
        m.logout()
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", moved), timeout=2).close()
    finally:
        assert s.stop() == 0


def test_data_dir_may_follow_the_subcommand(data_dir):
    """`sealmail serve --data-dir DIR --config FILE` (the issue's spelling) and `sealmail domain
    add NAME --data-dir DIR` work like the form with --data-dir first."""
    d = os.path.join(data_dir, "after")
    os.makedirs(d, mode=0o700)
    r = subprocess.run([BINARY, "domain", "add", "example.com", "--data-dir", d], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([BINARY, "--data-dir", d, "domain", "list"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "example.com" in r.stdout, (r.stdout, r.stderr)
    config = os.path.join(data_dir, "bad.toml")
    with open(config, "w") as f:
        f.write("lissten = 1\n")
    r = subprocess.run([BINARY, "serve", "--data-dir", d, "--config", config], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 1 and r.stderr.startswith("sealmail: config: lissten: unknown key"), r.stderr
    assert r.stderr.count("\n") == 1
