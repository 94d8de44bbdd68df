"""`sealmail serve`: the admin listener, signals, and configuration errors, driven from outside."""
import os
import signal
import stat
import subprocess
import time

from prometheus_client.parser import text_string_to_metric_families

from conftest import BINARY, Server


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
        assert max(times[:3]) < 0.4 and times[3] >= 0.45, times
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
