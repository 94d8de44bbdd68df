#!/usr/bin/env python3
"""SMTP sink for the SMTP client and forwarder tests (aiosmtpd from Debian), on 127.0.0.1 only.

Prints "READY <port>" once listening. Every accepted message is written to --dir as <n>.eml (the
bytes after dot-unstuffing, exactly as received) and <n>.json (envelope, options, TLS, HELO), so a
test asserts on what really arrived.

What a recipient's local part asks for (the test picks the behaviour per recipient):
  temp*      RCPT 451 4.2.1        perm*      RCPT 550 5.1.1
  datatemp*  DATA 451 4.3.0        dataperm*  DATA 554 5.6.0
Modes: --pipelining (announce PIPELINING), --no-ehlo (502 to EHLO), --fake-starttls (announce
STARTTLS, answer 220, then send garbage instead of TLS), --inject-after-starttls (send more than
the 220 before TLS), --cert/--key (real STARTTLS),
--silent (accept and never speak), --greeting "554 ..." (say this, then close), --size N.
"""
import argparse
import asyncio
import json
import os
import signal
import sys

from aiosmtpd.smtp import SMTP, syntax


class Handler:
    def __init__(self, out_dir, pipelining, fake_starttls):
        self.out_dir = out_dir
        self.count = 0
        self.pipelining = pipelining
        self.fake_starttls = fake_starttls

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        extra = []
        if self.pipelining:
            extra.append("250-PIPELINING")
        if self.fake_starttls:
            extra.append("250-STARTTLS")
        return responses[:-1] + extra + responses[-1:]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local.startswith("temp"):
            return "451 4.2.1 mailbox busy"
        if local.startswith("perm"):
            return "550 5.1.1 <%s>: no such user" % address
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.append(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        locals_ = [r.split("@")[0].lower() for r in envelope.rcpt_tos]
        if any(l.startswith("datatemp") for l in locals_):
            return "451 4.3.0 try again later"
        if any(l.startswith("dataperm") for l in locals_):
            return "554 5.6.0 content rejected"
        self.count += 1
        base = os.path.join(self.out_dir, str(self.count))
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "mail_options": envelope.mail_options,
            "tls": session.ssl is not None,
            "helo": session.host_name,
        }
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".eml.tmp", base + ".eml")
        os.rename(base + ".json.tmp", base + ".json")  # last: its presence means "complete"
        return "250 2.0.0 queued as %d" % self.count


class Sink(SMTP):
    no_ehlo = False
    fake_starttls = False
    inject_after_starttls = False

    @syntax("EHLO hostname")
    async def smtp_EHLO(self, hostname):
        if self.no_ehlo:
            await self.push("502 5.5.1 EHLO not implemented")
            return
        await super().smtp_EHLO(hostname)

    async def smtp_STARTTLS(self, arg):
        if not self.fake_starttls:
            return await super().smtp_STARTTLS(arg)
        if self.inject_after_starttls:
            # The reply and a "reply" to the next command in one write (CVE-2011-0411 style).
            self.transport.write(b"220 2.0.0 go ahead\r\n250 2.0.0 injected\r\n")
            return
        await self.push("220 2.0.0 go ahead")
        await self._reader.read(1)  # the client's TLS hello has started: answer it with garbage
        self.transport.write(b"this is not a TLS server hello\r\n" * 4)
        self.transport.close()


async def raw_server(args):
    async def talk(reader, writer):
        if args.greeting:
            writer.write(args.greeting.encode() + b"\r\n")
            await writer.drain()
            try:
                await asyncio.wait_for(reader.readline(), 5)
            except Exception:
                pass
            writer.close()
            return
        await asyncio.sleep(3600)  # --silent: never a word

    return await asyncio.start_server(talk, "127.0.0.1", 0)


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--pipelining", action="store_true")
    p.add_argument("--no-ehlo", action="store_true")
    p.add_argument("--fake-starttls", action="store_true")
    p.add_argument("--inject-after-starttls", action="store_true")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--silent", action="store_true")
    p.add_argument("--greeting")
    p.add_argument("--size", type=int, default=33554432)
    args = p.parse_args()
    loop = asyncio.get_running_loop()

    if args.silent or args.greeting:
        server = await raw_server(args)
    else:
        fake_tls = args.fake_starttls or args.inject_after_starttls
        handler = Handler(args.dir, args.pipelining, fake_tls)
        tls = None
        if args.cert:
            import ssl

            tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls.load_cert_chain(args.cert, args.key)

        def factory():
            s = Sink(handler, data_size_limit=args.size, enable_SMTPUTF8=True, tls_context=tls,
                     require_starttls=False, hostname="sink.test")
            s.no_ehlo = args.no_ehlo
            s.fake_starttls = fake_tls
            s.inject_after_starttls = args.inject_after_starttls
            return s

        server = await loop.create_server(factory, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print("READY %d" % port, flush=True)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
