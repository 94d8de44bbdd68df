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
Environment: MESSAGES (default 1000), CLIENTS (50), SECONDS (20), IDLERS (5000), RUNS (5),
  CORPUS: an mbox written by build/bench/corpus_mbox (realistic mail; its OUT.words names the rare
          and common words searched); without it, MESSAGES simple ~4 KB messages are generated;
  DATA_DIR: keep the server's data directory there and reuse it on the next run (importing
          100,000 messages takes minutes: build it once); MESSAGES is then what it holds;
  ONLY: comma-separated parts to run: fetch, mixed, search, idle (default all);
  TLS=1: every session over implicit TLS (imaps, the server's self-signed certificate).
Usage: bench/imap_bench.py [BINARY]
"""
import asyncio
import os
import re
import resource
import shutil
import socket
import ssl
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
CORPUS = os.environ.get("CORPUS", "")
DATA_DIR = os.environ.get("DATA_DIR", "")
ONLY = set(filter(None, os.environ.get("ONLY", "fetch,mixed,search,idle").split(",")))
TLS = os.environ.get("TLS", "") == "1"
IDLE_BASE = 100  # idlers before the baseline: the mailbox is open, caches warm, pools made
ADDRESS = "bench@example.com"

WORDS = ("meeting report budget travel invoice garden music weather family project update review "
         "coffee market river mountain signal window letter ticket").split()


def tcp_kernel_kib():
    """Kernel memory of all TCP sockets (/proc/net/sockstat, pages): not in any RSS."""
    with open("/proc/net/sockstat") as f:
        pages = int(re.search(r"^TCP:.* mem (\d+)", f.read(), re.M).group(1))
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


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
        context = None
        if TLS:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE  # the server's own self-signed certificate
        r, w = await asyncio.open_connection("127.0.0.1", port, limit=1 << 24, ssl=context)
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


def cpu_seconds(pid):
    """The server's user + system CPU time: on a shared machine it shows the work apart from the wait."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def timed_runs(c, command, pid, check):
    """Median wall time of RUNS runs of `command` on client c, and the server's CPU time per run."""
    times = []
    cpu0 = cpu_seconds(pid)
    for _ in range(RUNS):
        t = time.perf_counter()
        lines = await c.command(command)
        times.append(time.perf_counter() - t)
        check(lines)
    return statistics.median(times), (cpu_seconds(pid) - cpu0) / RUNS, lines


async def header_fetch(port, password, pid):
    c = await Client.connect(port)
    await c.login(password)
    await c.command("SELECT INBOX")
    want = min(1000, MESSAGES) + 1

    def check(lines):
        assert len(lines) == want, len(lines)
    out = []
    for what, items in (("header fields", "UID FLAGS BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT DATE)]"),
                        ("envelopes", "UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE")):
        await c.command(f"UID FETCH 1:1000 ({items})")  # warm-up
        t, cpu, _ = await timed_runs(c, f"UID FETCH 1:1000 ({items})", pid, check)
        out.append((what, t, cpu))
    c.close()
    return out


def search_words():
    """(kind, word) pairs: from CORPUS's .words file, or the words make_mbox plants."""
    if not CORPUS:
        return [("rare", "zanzibar"), ("common", "garden")]
    with open(CORPUS + ".words") as f:
        return [tuple(line.split()) for line in f if line.strip()]


async def body_search(port, password, pid):
    c = await Client.connect(port)
    await c.login(password)
    await c.command("SELECT INBOX")
    out = []
    for kind, word in search_words():
        await c.command(f"SEARCH BODY {word}")  # warm-up: the reader's first pages
        t, cpu, lines = await timed_runs(c, f"SEARCH BODY {word}", pid, lambda lines: None)
        out.append((kind, word, t, cpu, len(lines[0].split()) - 2))
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


async def settled_rss(pid):
    """VmRSS once it stops moving (two readings 0.5 s apart within 256 KiB), at most 15 s."""
    last = rss_kib(pid)
    for _ in range(30):
        await asyncio.sleep(0.5)
        now = rss_kib(pid)
        if abs(now - last) <= 256:
            return now
        last = now
    return last


async def idle_memory(port, password, pid):
    """Server RSS with IDLE_BASE idlers (the mailbox open, caches and pools warm) and with IDLERS:
    the growth divided by the added connections is what one more idle IDLE session costs."""
    async def one():
        c = await Client.connect(port)
        await c.login(password)
        await c.command("SELECT INBOX")
        c.w.write(b"i IDLE\r\n")
        await c.w.drain()
        line = await c.r.readline()
        if not line.startswith(b"+"):
            raise RuntimeError(f"IDLE -> {line!r}")
        return c

    async def open_idlers(count):
        made = []
        for batch in range(0, count, 200):
            made += await asyncio.gather(*(one() for _ in range(min(200, count - batch))))
        return made

    clients = await open_idlers(IDLE_BASE)
    before = await settled_rss(pid)
    kernel_before = tcp_kernel_kib()
    t = time.perf_counter()
    clients += await open_idlers(IDLERS - IDLE_BASE)
    opened = time.perf_counter() - t
    after = await settled_rss(pid)
    kernel = tcp_kernel_kib() - kernel_before
    # Every session is still there and answers: end IDLE on a sample and see the tagged OK.
    for c in clients[:: max(1, len(clients) // 20)]:
        c.w.write(b"DONE\r\n")
        await c.w.drain()
        while not (await c.r.readline()).startswith(b"i OK"):
            pass
    for c in clients:
        c.close()
    return before, after, opened, kernel


def prepare(data):
    """Makes the data directory with one mailbox of the bench's mail; returns its password."""
    global MESSAGES
    out = subprocess.run([BINARY, "--data-dir", data, "quickstart", ADDRESS], capture_output=True, text=True,
                         check=True).stdout
    password = re.search(r"^Password: (\S+)$", out, re.M).group(1)
    box = [f for f in os.listdir(os.path.join(data, "mailboxes")) if f.endswith(".sqlite")][0]
    mbox = CORPUS
    if not mbox:
        mbox = os.path.join(data, "..", "bench.mbox")
        make_mbox(mbox, MESSAGES)
    t = time.perf_counter()
    subprocess.run([BINARY, "--data-dir", data, "mailbox", "import", os.path.join(data, "mailboxes", box),
                    "--from", mbox], env={**os.environ, "SEALMAIL_PASSWORD": password}, check=True,
                   capture_output=True)
    print(f"imported {mbox} in {time.perf_counter() - t:.0f} s (indexed included)")
    if not CORPUS:
        os.remove(mbox)
    return password


def main():
    global MESSAGES
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < IDLERS + CLIENTS + 200:
        sys.exit(f"imap_bench: the open-file limit {hard} is too low for {IDLERS} idlers; raise ulimit -n")
    work = DATA_DIR or tempfile.mkdtemp(prefix="sealmail-imap-bench-")
    os.makedirs(work, exist_ok=True)
    try:
        data = os.path.join(work, "data")
        saved = os.path.join(work, "bench-password")
        if os.path.exists(saved):
            password = open(saved).read().strip()
            MESSAGES = int(open(os.path.join(work, "bench-messages")).read())
        else:
            if CORPUS:
                MESSAGES = sum(1 for line in open(CORPUS, "rb") if line.startswith(b"From "))
            password = prepare(data)
            if DATA_DIR:
                with open(saved, "w") as f:
                    f.write(password)
                with open(os.path.join(work, "bench-messages"), "w") as f:
                    f.write(str(MESSAGES))
        port, admin = free_port(), free_port()
        with open(os.path.join(data, "config.toml"), "w") as f:
            plain, tls = (f'"127.0.0.1:{port}"', '"off"') if not TLS else ('"off"', f'"127.0.0.1:{port}"')
            f.write(f'hostname = "mail.example.com"\n[listen]\nimap = {plain}\nadmin = "127.0.0.1:{admin}"\n'
                    f'smtp = "off"\nsubmission = "off"\nsubmissions = "off"\nimaps = {tls}\npop3 = "off"\n'
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
            print(f"sealmail IMAP benchmark: {MESSAGES} messages{' (' + CORPUS + ')' if CORPUS else ''}, "
                  f"{CLIENTS} clients for {SECONDS:.0f} s, {IDLERS} idlers{', TLS' if TLS else ''}, medians of {RUNS}; "
                  f"load average {os.getloadavg()[0]:.2f}")
            if "fetch" in ONLY:
                for what, t, cpu in asyncio.run(header_fetch(port, password, server.pid)):
                    print(f"FETCH of {min(1000, MESSAGES)} messages' {what}: {t * 1000:.1f} ms "
                          f"(server CPU {cpu * 1000:.1f} ms)")
            if "mixed" in ONLY:
                latencies, elapsed = asyncio.run(mixed(port, password))
                total = sum(len(v) for v in latencies.values())
                print(f"mixed load: {total / elapsed:.0f} operations/s over {elapsed:.1f} s")
                for name in ("LOGIN", "SELECT", "FETCH headers", "FETCH body", "STORE", "SEARCH", "APPEND", "LOGOUT"):
                    if name in latencies:
                        print(f"  {name:14s} {len(latencies[name]) / elapsed:8.1f}/s  {percentiles(latencies[name])}")
            if "search" in ONLY:
                for kind, word, t, cpu, hits in asyncio.run(body_search(port, password, server.pid)):
                    print(f"body SEARCH over {MESSAGES} messages, {kind} word '{word}' ({hits} hits): "
                          f"{t * 1000:.1f} ms (server CPU {cpu * 1000:.1f} ms)")
            if "idle" in ONLY:
                before, after, opened, kernel = asyncio.run(idle_memory(port, password, server.pid))
                added = IDLERS - IDLE_BASE
                print(f"idle IDLE connections: {IDLERS} (opened {added} in {opened:.1f} s), server RSS with "
                      f"{IDLE_BASE}: {before} KiB, with {IDLERS}: {after} KiB, "
                      f"{(after - before) / added:.1f} KiB per connection; kernel TCP memory (both ends, "
                      f"not in RSS) grew {kernel} KiB")
            print(f"load average at the end {os.getloadavg()[0]:.2f}")
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        if not DATA_DIR:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
