#!/usr/bin/env python3
"""Idle memory of `sealmail serve`, and its growth per 1,000 aliases.

Prints resident set sizes (VmRSS from /proc) of the real server: right after start, after 1,000
and 5,000 aliases were added through the admin API, and after each was listed once (so the
directory's pages were read). Medians of several runs. Usage: bench/server_memory.py [BINARY]
"""
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

BINARY = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../build/sealmail")
RUNS = int(os.environ.get("RUNS", "3"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1))


def call(port, token, path, method="GET", body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read()


def one_run():
    d = tempfile.mkdtemp(prefix="sealmail-mem-")
    try:
        data = os.path.join(d, "data")
        subprocess.run([BINARY, "--data-dir", data, "quickstart", "you@example.com"], check=True,
                       capture_output=True)
        port = free_port()
        off = "\n".join(f'{n} = "off"' for n in ["smtp", "submission", "submissions", "imap", "imaps", "pop3", "pop3s"])
        with open(os.path.join(data, "config.toml"), "w") as f:
            f.write(f'[listen]\nadmin = "127.0.0.1:{port}"\n{off}\n[limits]\naliases_per_domain_per_day = 100000\n')
        proc = subprocess.Popen([BINARY, "--data-dir", data, "serve"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        token = open(os.path.join(data, "admin-token")).read().strip()
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        time.sleep(0.5)
        figures = {"idle": rss_kib(proc.pid)}
        made = 0
        for target in (1000, 5000):
            while made < target:
                call(port, token, "/api/aliases", "POST", {"address": f"a{made}@example.com", "forwards": ["x@example.net"]})
                made += 1
            call(port, token, "/api/aliases")
            figures[target] = rss_kib(proc.pid)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        return figures
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    runs = [one_run() for _ in range(RUNS)]
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(f"sealmail serve memory (VmRSS, median of {RUNS} runs)")
    print(f"  idle, one alias:      {med['idle'] / 1024:7.1f} MiB")
    print(f"  with 1,000 aliases:   {med[1000] / 1024:7.1f} MiB")
    print(f"  with 5,000 aliases:   {med[5000] / 1024:7.1f} MiB")
    print(f"  per 1,000 aliases:    {(med[5000] - med[1000]) / 4 :7.0f} KiB (slope between 1,000 and 5,000)")


if __name__ == "__main__":
    main()
