#!/usr/bin/env python3
"""A minimal, fast SMTP sink for bench/queue_compare.sh: takes every message (PIPELINING, no
STARTTLS), keeps nothing, and counts the messages and connections into --count-file ("messages
connections", rewritten every 20 ms while they change). Both servers of the comparison relay to it.
Prints "READY <port>" once it listens."""
import argparse
import asyncio
import os

count = 0
connections = 0


async def session(reader, writer):
    global count, connections
    connections += 1
    writer.write(b"220 sink ESMTP\r\n")
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            verb = line[:4].upper()
            if verb in (b"EHLO",):
                writer.write(b"250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 104857600\r\n")
            elif verb == b"HELO":
                writer.write(b"250 sink\r\n")
            elif verb == b"DATA":
                writer.write(b"354 go on\r\n")
                await writer.drain()
                await reader.readuntil(b"\r\n.\r\n")
                count += 1
                writer.write(b"250 2.0.0 taken\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"250 ok\r\n")  # MAIL, RCPT, RSET, NOOP
            if not reader._buffer:  # answer a pipelined group at once, not line by line
                await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    writer.close()


async def report(path):
    last = None
    while True:
        now = (count, connections)
        if now != last:
            with open(path + ".tmp", "w") as f:
                f.write("%d %d\n" % now)
            os.rename(path + ".tmp", path)
            last = now
        await asyncio.sleep(0.02)


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--count-file", required=True)
    p.add_argument("--port", type=int, default=0)
    args = p.parse_args()
    server = await asyncio.start_server(session, "127.0.0.1", args.port, limit=1 << 20, backlog=1024)
    print("READY %d" % server.sockets[0].getsockname()[1], flush=True)
    await report(args.count_file)


if __name__ == "__main__":
    asyncio.run(main())
