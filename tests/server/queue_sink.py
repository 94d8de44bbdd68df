#!/usr/bin/env python3
"""Remote mail servers for the outbound queue's tests (aiosmtpd from Debian): one SMTP server per
loopback address, all on the same port (the queue reaches every MX host on delivery.smtp_port), each
answering as its address was told: --bind 127.0.0.10=ok --bind 127.0.0.11=temp ...

Behaviours (each recipient is answered at RCPT, so one session may mix them across hosts only):
  ok    250 for everything; the message is written to --dir as <n>.eml and <n>.json
  temp  RCPT 451 4.7.1 greylisted, try again later
  perm  RCPT 550 5.1.1 no such user
  full  RCPT 552 5.2.2 mailbox full
  drop  accepts the connection and closes it at once (no greeting)
  slow  as ok, but answers the end of DATA after 0.3 s, so that sessions overlap
  plain as ok, but never offers STARTTLS, even with --tls-cert
With --tls-cert/--tls-key every server offers STARTTLS with that certificate (the message's
.json says whether it came over TLS). Connections are counted in --dir/connections-<address> (all
of them) and --dir/open-<address> (open now), for the queue's connection reuse.
A file --dir/override-<address> holding a behaviour name overrides the address's behaviour for the
next sessions (a test "repairs" a host). Every session's RCPT answers are counted in
--dir/rcpt-<address>.log, one line per RCPT, so a test sees each attempt; the most sessions open at
once to an address is kept in --dir/max-sessions-<address>.
Prints "READY <port>" once every address listens.
"""
import argparse
import asyncio
import json
import os
import signal
import socket
import ssl
import sys

from aiosmtpd.smtp import SMTP

REPLIES = {
    "temp": "451 4.7.1 greylisted, try again later",
    "perm": "550 5.1.1 no such user",
    "full": "552 5.2.2 mailbox full",
}


class Handler:
    def __init__(self, out_dir, address, behaviour):
        self.out_dir = out_dir
        self.address = address
        self.default = behaviour

    def behaviour(self):
        try:
            with open(os.path.join(self.out_dir, "override-" + self.address)) as f:
                return f.read().strip()
        except OSError:
            return self.default

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        b = self.behaviour()
        reply = REPLIES.get(b, "250 2.1.5 OK")
        with open(os.path.join(self.out_dir, "rcpt-" + self.address + ".log"), "a") as f:
            f.write(reply[:3] + "\n")
        if b in REPLIES:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.behaviour() == "slow":
            await asyncio.sleep(0.3)
        n = 0
        while True:  # unique names across the servers of this process
            n += 1
            base = os.path.join(self.out_dir, "%s-%d" % (self.address, n))
            if not os.path.exists(base + ".json"):
                break
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos, "host": self.address,
                "tls": session.ssl is not None}
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".eml.tmp", base + ".eml")
        os.rename(base + ".json.tmp", base + ".json")  # last: its presence means "complete"
        return "250 2.0.0 queued"


class CountingSMTP(SMTP):
    """Counts the sessions open at once per address (the queue's per-destination limit)."""
    open_now = {}
    most = {}

    def __init__(self, handler, **kw):
        super().__init__(handler, **kw)
        self.address = handler.address
        self.out_dir = handler.out_dir

    total = {}

    def _write(self, name, value):
        with open(os.path.join(self.out_dir, name + ".tmp"), "w") as f:
            f.write(str(value))
        os.rename(os.path.join(self.out_dir, name + ".tmp"), os.path.join(self.out_dir, name))

    def connection_made(self, transport):
        if self._original_transport is not None:  # the STARTTLS upgrade of a counted connection
            super().connection_made(transport)
            return
        self._counted = True
        CountingSMTP.total[self.address] = CountingSMTP.total.get(self.address, 0) + 1
        self._write("connections-" + self.address, CountingSMTP.total[self.address])
        n = CountingSMTP.open_now.get(self.address, 0) + 1
        CountingSMTP.open_now[self.address] = n
        self._write("open-" + self.address, n)
        if n > CountingSMTP.most.get(self.address, 0):
            CountingSMTP.most[self.address] = n
            with open(os.path.join(self.out_dir, "max-sessions-" + self.address), "w") as f:
                f.write(str(n))
        super().connection_made(transport)

    def connection_lost(self, exc):
        if getattr(self, "_counted", False):
            self._counted = False
            CountingSMTP.open_now[self.address] -= 1
            self._write("open-" + self.address, CountingSMTP.open_now[self.address])
        super().connection_lost(exc)


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--bind", action="append", required=True, help="ADDRESS=BEHAVIOUR")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    args = p.parse_args()
    tls = None
    if args.tls_cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
    loop = asyncio.get_running_loop()
    binds = [b.split("=", 1) for b in args.bind]
    servers = []
    for attempt in range(50):
        # A port free on the first address; the others are tried at the same port.
        with socket.socket() as s:
            s.bind((binds[0][0], 0))
            port = s.getsockname()[1]
        try:
            for address, behaviour in binds:
                if behaviour == "drop":
                    async def dropper(reader, writer):
                        writer.close()
                    servers.append(await asyncio.start_server(dropper, address, port))
                else:
                    handler = Handler(args.dir, address, behaviour)
                    servers.append(await loop.create_server(
                        lambda h=handler, t=(None if behaviour == "plain" else tls): CountingSMTP(
                            h, enable_SMTPUTF8=True, hostname="sink.test", tls_context=t),
                        address, port))
            break
        except OSError:
            for s in servers:
                s.close()
            servers = []
    else:
        sys.exit("no common free port")
    print("READY %d" % port, flush=True)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    for s in servers:
        s.close()


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
