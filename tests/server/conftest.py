"""Starts the real `sealmail serve` on free loopback ports with a temporary data directory."""
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest

BINARY = os.environ.get("SEALMAIL_BINARY", os.path.join(os.path.dirname(__file__), "../../build/sealmail"))


_ports_given = set()


def free_port():
    """A loopback port nothing listens on now, and never one this process handed out before: the
    kernel may offer a port it just gave again once its probe socket is closed, and two listeners
    of one server then collide ("smtp: cannot listen ...: Address already in use", seen in CI)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _ports_given:
            _ports_given.add(port)
            return port


class Server:
    def __init__(self, data_dir, extra_config=""):
        self.data_dir = data_dir
        self.admin_port = free_port()
        self.config = os.path.join(data_dir, "config.toml")
        listeners = "\n".join(f'{n} = "off"' for n in
                              ["smtp", "submission", "submissions", "imap", "imaps", "pop3", "pop3s"])
        with open(self.config, "w") as f:
            f.write(f'hostname = "mail.test"\n[listen]\nadmin = "127.0.0.1:{self.admin_port}"\n{listeners}\n'
                    + extra_config)
        self.log_path = os.path.join(data_dir, "server.log")
        self.proc = None

    def start(self):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([BINARY, "--data-dir", self.data_dir, "serve", "--config", self.config],
                                     stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + self.read_log())
            try:
                if self.get("/healthz")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start: " + self.read_log())

    def url(self, path):
        return f"http://127.0.0.1:{self.admin_port}{path}"

    def get(self, path, token=None, method="GET", body=None):
        req = urllib.request.Request(self.url(path), method=method, data=body)
        if token is not None:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def token(self):
        with open(os.path.join(self.data_dir, "admin-token")) as f:
            return f.read().strip()

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def wait_for_log(self, text, timeout=5):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.read_log():
                return True
            time.sleep(0.02)
        return False

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log.close()
        return self.proc.returncode if self.proc else None


@pytest.fixture
def data_dir():
    with tempfile.TemporaryDirectory(prefix="sealmail-serve-") as d:
        yield d


@pytest.fixture
def server(data_dir):
    s = Server(data_dir).start()
    yield s
    s.stop()
