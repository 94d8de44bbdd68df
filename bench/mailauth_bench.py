#!/usr/bin/env python3
"""Cost of the authentication of inbound mail (issue 9) per message at the MX: SPF, DKIM, ARC and
DMARC on versus off, on the real `sealmail serve` with a real DNS server (NSD on loopback) holding
the sender's SPF record, DKIM key and DMARC policy.

Sends MESSAGES DKIM-signed messages (dkimpy, rsa-sha256) over one SMTP connection to a mailbox
whose owner is away (sealed spool), once with [authentication] on and once with every check off,
and prints the latency of the end of DATA (the client's "." to the server's 250) as p50/p99 in ms
for both, and their difference. DNS answers are cached by the server, so after the first message
the checks cost the signature maths and the parsing, not the network.
Environment: MESSAGES (default 300). Usage: bench/mailauth_bench.py [BINARY]
"""
import base64
import os
import shutil
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "server"))
if len(sys.argv) > 1:
    os.environ["SEALMAIL_BINARY"] = os.path.abspath(sys.argv[1])
os.environ.setdefault("SEALMAIL_BINARY", os.path.join(HERE, "..", "build", "sealmail"))

import dkim  # noqa: E402
from nsd_support import Nsd  # noqa: E402
from smtp_support import SmtpServer  # noqa: E402

MESSAGES = int(os.environ.get("MESSAGES", "300"))


def zone(p):
    value = f"v=DKIM1; k=rsa; p={p}"
    txt = " ".join(f'"{value[i:i + 250]}"' for i in range(0, len(value), 250))
    return ("$ORIGIN sender.test.\n$TTL 3600\n@ IN SOA ns admin 1 3600 600 86400 60\n@ IN NS ns\nns IN A 127.0.0.1\n"
            '@ IN TXT "v=spf1 ip4:127.0.0.1 -all"\n_dmarc IN TXT "v=DMARC1; p=reject"\n'
            f"sel._domainkey IN TXT {txt}\n")


def run(nsd_port, key, on):
    data = tempfile.mkdtemp(prefix="mailauth-bench-")
    os.chmod(data, 0o700)
    flags = "true" if on else "false"
    server = SmtpServer(data, extra_config=(
        f'[authentication]\ndns_servers = ["127.0.0.1:{nsd_port}"]\n'
        f"spf = {flags}\ndkim = {flags}\ndmarc = {flags}\narc = {flags}\n"))
    server.add_domain("example.com")
    server.add_mailbox("box@example.com")
    server.start()
    times = []
    try:
        with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=60) as s:
            s.ehlo("client.sender.test")
            for i in range(MESSAGES):
                msg = (f"From: <alice@sender.test>\r\nTo: <box@example.com>\r\nSubject: bench {i}\r\n"
                       f"Message-ID: <{i}@sender.test>\r\n\r\n" + "A line of text for the body.\r\n" * 60).encode()
                msg = dkim.sign(msg, b"sel", b"sender.test", key, include_headers=[b"from", b"to", b"subject"]) + msg
                s.mail("alice@sender.test")
                s.rcpt("box@example.com")
                s.putcmd("data")
                code, _ = s.getreply()
                assert code == 354
                started = time.perf_counter()
                s.send(msg + b".\r\n")
                code, _ = s.getreply()
                times.append((time.perf_counter() - started) * 1000)
                assert code == 250, code
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


def main():
    tmp = tempfile.mkdtemp(prefix="mailauth-keys-")
    subprocess.run(["openssl", "genrsa", "-out", f"{tmp}/k.pem", "2048"], check=True, capture_output=True)
    der = subprocess.run(["openssl", "rsa", "-in", f"{tmp}/k.pem", "-pubout", "-outform", "DER"], check=True,
                         capture_output=True).stdout
    key = open(f"{tmp}/k.pem", "rb").read()
    nsd = Nsd({"sender.test": zone(base64.b64encode(der).decode())})
    try:
        off = run(nsd.port, key, False)
        on = run(nsd.port, key, True)
    finally:
        nsd.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"messages: {MESSAGES} per run, one connection, DKIM rsa-sha256 signed, ~1.8 KB each")
    print(f"end of DATA to 250, checks off: p50 {off[0]:.2f} ms  p99 {off[1]:.2f} ms")
    print(f"end of DATA to 250, checks on:  p50 {on[0]:.2f} ms  p99 {on[1]:.2f} ms")
    print(f"cost of SPF+DKIM+ARC+DMARC per message: p50 {on[0] - off[0]:+.2f} ms  p99 {on[1] - off[1]:+.2f} ms")


if __name__ == "__main__":
    main()
