"""A real authoritative DNS server for integration tests: NSD from Debian on a loopback UDP+TCP port,
serving the zones a test writes (name -> zone file text), and helpers that start a child which
prints "READY <port>" (the SMTP sinks and HTTP receivers under tests/)."""
import os
import shutil
import socket
import subprocess
import tempfile
import time


def start_ready(args, env=None):
    """Starts a helper that prints "READY <port>"; returns (process, port)."""
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    line = p.stdout.readline()
    assert line.startswith("READY "), (line, p.stderr.read() if p.poll() is not None else "")
    return p, int(line.split()[1])


def _free_udp_and_tcp_port():
    """A loopback port free for both UDP and TCP right now (NSD needs both on one number)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                    return port
                except OSError:
                    continue


class Nsd:
    """NSD serving `zones` on a loopback UDP+TCP port (`port`). Tests run in parallel, so another
    may take the chosen port before NSD binds it: NSD then exits, and a fresh port is tried."""

    def __init__(self, zones):
        self.dir = tempfile.mkdtemp(prefix="nsd-")
        self.zones = dict(zones)
        for attempt in range(5):
            if self._start():
                return
        raise RuntimeError("nsd did not start: " + self._log())

    def _start(self):
        self.port = _free_udp_and_tcp_port()
        conf = (f"server:\n  ip-address: 127.0.0.1@{self.port}\n  port: {self.port}\n  username: \"\"\n"
                f"  chroot: \"\"\n  database: \"\"\n  do-ip6: no\n  server-count: 1\n  zonesdir: \"{self.dir}\"\n"
                f"  zonelistfile: \"{self.dir}/zone.list\"\n  pidfile: \"{self.dir}/nsd.pid\"\n"
                f"  xfrdfile: \"{self.dir}/xfrd.state\"\n  xfrdir: \"{self.dir}\"\n  logfile: \"{self.dir}/nsd.log\"\n"
                "remote-control:\n  control-enable: no\n")
        for name, text in self.zones.items():
            conf += f"zone:\n  name: {name}\n  zonefile: {name}.zone\n"
            with open(os.path.join(self.dir, name + ".zone"), "w") as f:
                f.write(text)
        with open(os.path.join(self.dir, "nsd.conf"), "w") as f:
            f.write(conf)
        self.proc = subprocess.Popen(["/usr/sbin/nsd", "-d", "-c", os.path.join(self.dir, "nsd.conf")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                if self.proc.poll() is None:  # what accepted is NSD, not someone else's listener
                    return True
            except OSError:
                time.sleep(0.05)
        self.stop()
        return False

    def _log(self):
        try:
            with open(os.path.join(self.dir, "nsd.log")) as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(timeout=10)

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
