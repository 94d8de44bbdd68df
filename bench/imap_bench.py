#!/usr/bin/env python3
"""IMAP benchmark of the real `sealmail serve` (issue 5): many concurrent sessions, latencies, and
the server's memory per idle IDLE connection.

Starts the server in a temporary data directory (quickstart), imports MESSAGES messages into INBOX
with the CLI, then measures:
  1. header FETCH of 1,000 messages (UID FETCH 1:1000 BODY.PEEK[HEADER.FIELDS (...)]), median of RUNS;
  2. a mixed load: CLIENTS concurrent sessions for SECONDS, each looping over login, select,
     fetch headers, fetch a body, store flags, search, append, logout; operations per second and
     latency percentiles per command;
  3. body SEARCH over the mailbox (SEARCH BODY <rare word> and <common word>), median of RUNS;
  4. memory per idle connection: IDLERS sessions logged in, INBOX selected, in IDLE; the growth of
     the server's VmRSS divided by IDLERS.
Environment: MESSAGES (default 1000), CLIENTS (50), SECONDS (20), IDLERS (5000), RUNS (5).
Usage: bench/imap_bench.py [BINARY]
"""
import asyncio
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

BINARY = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../build/sealmail")
MESSAGES = int(os.environ.get("MESSAGES", "1000"))
CLIENTS = int(os.environ.get("CLIENTS", "50"))
SECONDS = float(os.environ.get("SECONDS", "20"))
IDLERS = int(os.environ.get("IDLERS", "5000"))
RUNS = int(os.environ.get("RUNS", "5"))
ADDRESS = "bench@example.com"

WORDS = ("meeting report budget travel invoice garden music weather family project update review "
         "coffee market river mountain signal window letter ticket").split()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1))


def make_mbox(path, count):
    """A mailbox of ~4 KB messages; one message in 1,000 holds the word 'zanzibar'."""
    with open(path, "w") as f:
        for i in range(count):
            words = " ".join(WORDS[(i * 7 + j) % len(WORDS)] for j in range(600))
            rare = " zanzibar" if i % 1000 == 500 else ""
            f.write(f"From sender{i % 50}@example.org Mon Nov 23 08:00:00 2026\n"
                    f"From: Sender {i % 50} <sender{i % 50}@example.org>\nTo: {ADDRESS}\n"
                    f"Subject: {WORDS[i % len(WORDS)]} number {i}\nDate: Mon, 23 Nov 2026 08:00:00 +0000\n"
                    f"Message-ID: <bench{i}@example.org>\n\n{words}{rare}\n\n")


class Client:
    """A minimal IMAP client over asyncio streams: exact bytes, literals read as they come."""

    def __init__(self, reader, writer):
        self.r, self.w, self.n = reader, writer, 0

    @classmethod
    async def connect(cls, port):
        r, w = await asyncio.open_connection("127.0.0.1", port, limit=1 << 24)
        c = cls(r, w)
        await r.readline()  # greeting
        return c

    async def command(self, text, literal=None):
        self.n += 1
        tag = f"b{self.n}"
        if literal is not None:
            self.w.write(f"{tag} {text} {{{len(literal)}+}}\r\n".encode() + literal + b"\r\n")
        else:
            self.w.write(f"{tag} {text}\r\n".encode())
        await self.w.drain()
        lines = []
        while True:
            line = await self.r.readline()
            if not line:
                raise ConnectionError("server closed the connection")
            m = re.search(rb"\{(\d+)\}\r\n$", line)
            if m:
                line += await self.r.readexactly(int(m.group(1)))
                line += await self.r.readline()
            lines.append(line)
            if line.startswith(tag.encode() + b" "):
                if not line.startswith(tag.encode() + b" OK"):
                    raise RuntimeError(f"{text[:40]} -> {line!r}")
                return lines

    async def login(self, password):
        await self.command(f'LOGIN {ADDRESS} "{password}"')

    def close(self):
        self.w.close()


def percentiles(values):
    values = sorted(values)
    pick = lambda p: values[min(len(values) - 1, int(p * len(values)))] * 1000
    return f"p50 {pick(0.50):7.2f} ms  p95 {pick(0.95):7.2f} ms  p99 {pick(0.99):7.2f} ms"


async def header_fetch(port, password):
    c = await Client.connect(port)
    await c.login(password)
    await c.command("SELECT INBOX")
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        lines = await c.command("UID FETCH 1:1000 (UID FLAGS BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT DATE)])")
        times.append(time.perf_counter() - t)
        assert len(lines) == min(1000, MESSAGES) + 1, len(lines)
    c.close()
    return statistics.median(times)


async def body_search(port, password):
    c = await Client.connect(port)
    await c.login(password)
    await c.command("SELECT INBOX")
    await c.command("SEARCH BODY zanzibar")  # first search indexes what is pending
    out = {}
    for word in ("zanzibar", "garden"):
        times = []
        for _ in range(RUNS):
            t = time.perf_counter()
            lines = await c.command(f"SEARCH BODY {word}")
            times.append(time.perf_counter() - t)
        out[word] = (statistics.median(times), len(lines[0].split()) - 2)
    c.close()
    return out


async def mixed_client(port, password, deadline, latencies, counter):
    body = b"From: bench@example.com\r\nTo: bench@example.com\r\nSubject: mixed\r\n\r\n" + b"x" * 2000 + b"\r\n"
    i = counter
    while time.perf_counter() < deadline:
        async def timed(name, coro):
            t = time.perf_counter()
            result = await coro
            latencies.setdefault(name, []).append(time.perf_counter() - t)
            return result
        t = time.perf_counter()
        c = await Client.connect(port)
        await timed("LOGIN", c.login(password))
        await timed("SELECT", c.command("SELECT INBOX"))
        lo = 1 + (i * 37) % max(1, MESSAGES - 50)
        await timed("FETCH headers", c.command(f"FETCH {lo}:{lo + 49} (FLAGS BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)])"))
        await timed("FETCH body", c.command(f"FETCH {lo} BODY.PEEK[]"))
        await timed("STORE", c.command(f"STORE {lo}:{lo + 9} +FLAGS (\\Flagged)"))
        await timed("SEARCH", c.command(f"SEARCH FROM sender{i % 50} UNSEEN"))
        await timed("APPEND", c.command("APPEND Archive", body))
        await timed("LOGOUT", c.command("LOGOUT"))
        c.close()
        i += CLIENTS


async def mixed(port, password):
    latencies = {}
    deadline = time.perf_counter() + SECONDS
    start = time.perf_counter()
    await asyncio.gather(*(mixed_client(port, password, deadline, latencies, n) for n in range(CLIENTS)))
    elapsed = time.perf_counter() - start
    return latencies, elapsed


async def idle_memory(port, password, pid):
    before = rss_kib(pid)
    clients = []
    for batch in range(0, IDLERS, 200):
        async def one():
            c = await Client.connect(port)
            await c.login(password)
            await c.command("SELECT INBOX")
            c.w.write(b"i IDLE\r\n")
            await c.w.drain()
            await c.r.readline()  # "+ idling"
            return c
        clients += await asyncio.gather(*(one() for _ in range(min(200, IDLERS - batch))))
    await asyncio.sleep(2)
    after = rss_kib(pid)
    for c in clients:
        c.close()
    return before, after


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    work = tempfile.mkdtemp(prefix="sealmail-imap-bench-")
    try:
        data = os.path.join(work, "data")
        out = subprocess.run([BINARY, "--data-dir", data, "quickstart", ADDRESS], capture_output=True, text=True,
                             check=True).stdout
        password = re.search(r"^Password: (\S+)$", out, re.M).group(1)
        box = [f for f in os.listdir(os.path.join(data, "mailboxes")) if f.endswith(".sqlite")][0]
        mbox = os.path.join(work, "bench.mbox")
        make_mbox(mbox, MESSAGES)
        subprocess.run([BINARY, "--data-dir", data, "mailbox", "import", os.path.join(data, "mailboxes", box),
                        "--from", mbox], env={**os.environ, "SEALMAIL_PASSWORD": password}, check=True,
                       capture_output=True)
        port, admin = free_port(), free_port()
        with open(os.path.join(data, "config.toml"), "w") as f:
            f.write(f'hostname = "mail.example.com"\n[listen]\nimap = "127.0.0.1:{port}"\nadmin = "127.0.0.1:{admin}"\n'
                    'smtp = "off"\nsubmission = "off"\nsubmissions = "off"\nimaps = "off"\npop3 = "off"\n'
                    f'pop3s = "off"\n[limits]\nmax_connections_per_ip = {IDLERS + CLIENTS + 100}\n')
        server = subprocess.Popen([BINARY, "--data-dir", data, "serve"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL,
                                  preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard)))
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.05)
            print(f"sealmail IMAP benchmark: {MESSAGES} messages, {CLIENTS} clients for {SECONDS:.0f} s, "
                  f"{IDLERS} idlers, medians of {RUNS}")
            t = asyncio.run(header_fetch(port, password))
            print(f"header FETCH of {min(1000, MESSAGES)} messages: {t * 1000:.1f} ms")
            latencies, elapsed = asyncio.run(mixed(port, password))
            total = sum(len(v) for v in latencies.values())
            print(f"mixed load: {total / elapsed:.0f} operations/s over {elapsed:.1f} s")
            for name in ("LOGIN", "SELECT", "FETCH headers", "FETCH body", "STORE", "SEARCH", "APPEND", "LOGOUT"):
                if name in latencies:
                    print(f"  {name:14s} {len(latencies[name]) / elapsed:8.1f}/s  {percentiles(latencies[name])}")
            searches = asyncio.run(body_search(port, password))
            for word, (t, hits) in searches.items():
                print(f"body SEARCH over {MESSAGES} messages for '{word}' ({hits} hits): {t * 1000:.1f} ms")
            before, after = asyncio.run(idle_memory(port, password, server.pid))
            print(f"idle IDLE connections: {IDLERS}, server RSS {before} KiB -> {after} KiB, "
                  f"{(after - before) / IDLERS:.1f} KiB per connection")
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
