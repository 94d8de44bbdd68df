#!/usr/bin/env python3
"""HTTP receiver for the webhook tests, on 127.0.0.1 only. Prints "READY <port>".

It checks each POST as a webhook receiver should (delivery/webhook.h): HMAC-SHA256 with the secret
from $WEBHOOK_SECRET over "<X-Sealmail-Timestamp>.<body>", compared in constant time, and the
timestamp within 5 minutes. Verified requests get 200 and are written to --dir as <n>.json (the body)
with <n>.headers; others get 401 and are written as rejected-<n>.json.
Paths: /status/<code> answers <code> (after verifying), /slow waits 10 s, /redirect answers 302.
"""
import argparse
import hashlib
import hmac
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def make_handler(out_dir, secret):
    counter = {"n": 0, "rejected": 0}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            if self.path == "/slow":
                time.sleep(10)
            if self.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", "/")
                self.end_headers()
                return
            stamp = self.headers.get("X-Sealmail-Timestamp", "")
            given = self.headers.get("X-Sealmail-Signature", "")
            expected = "sha256=" + hmac.new(secret, stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
            fresh = stamp.isdigit() and abs(time.time() - int(stamp)) <= 300
            with lock:
                if not (hmac.compare_digest(given, expected) and fresh):
                    counter["rejected"] += 1
                    with open(os.path.join(out_dir, "rejected-%d.json" % counter["rejected"]), "wb") as f:
                        f.write(body)
                    self.send_response(401)
                    self.end_headers()
                    return
                counter["n"] += 1
                base = os.path.join(out_dir, str(counter["n"]))
                with open(base + ".headers", "w") as f:
                    json.dump(dict(self.headers.items()), f)
                with open(base + ".json", "wb") as f:
                    f.write(body)
            code = 200
            if self.path.startswith("/status/"):
                code = int(self.path.split("/")[2])
            self.send_response(code)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    return Handler


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    args = p.parse_args()
    secret = os.environ["WEBHOOK_SECRET"].encode()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(args.dir, secret))
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=server.shutdown).start())
    print("READY %d" % server.server_address[1], flush=True)
    server.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
