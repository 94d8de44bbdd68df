"""A real S3-compatible server on loopback for the backup tests: the npm package s3rver (pinned),
installed on first use under /tmp (or $SEALMAIL_S3RVER_DIR) with npm, started per test module in a
private directory, with its default credentials (S3RVER / S3RVER). s3rver 3.7.1 refuses an unknown
access key id and a V4 request without x-amz-content-sha256, but does not recompute V4 signatures
(its source says so): these tests show the requests and their flow, not the signature's bytes."""
import fcntl
import os
import shutil
import socket
import subprocess
import time

import pytest

from conftest import free_port

VERSION = "3.7.1"
ACCESS_KEY = SECRET_KEY = "S3RVER"
BUCKET = "sealmail-backups"


def install():
    root = os.environ.get("SEALMAIL_S3RVER_DIR", f"/tmp/sealmail-s3rver-{VERSION}")
    os.makedirs(root, exist_ok=True)
    cli = os.path.join(root, "node_modules", "s3rver", "bin", "s3rver.js")
    with open(os.path.join(root, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # tests run in parallel: one npm install at a time
        if not os.path.exists(cli):
            assert shutil.which("npm"), "npm is not installed (scripts/setup.sh installs it)"
            r = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", root, f"s3rver@{VERSION}"],
                               capture_output=True, text=True, timeout=600)
            assert r.returncode == 0 and os.path.exists(cli), r.stdout + r.stderr
    return cli


class S3rver:
    def __init__(self, directory):
        self.directory = directory
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(directory, "..", "s3rver.log"), "ab")
        self.proc = subprocess.Popen(["node", install(), "-d", directory, "-a", "127.0.0.1", "-p", str(self.port),
                                      "--configure-bucket", BUCKET],
                                     stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "s3rver exited"
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("s3rver did not start")

    def objects(self):
        """Every stored object's bytes, by object name, read from s3rver's own files."""
        out = {}
        base = os.path.join(self.directory, BUCKET)
        for dirpath, _, files in os.walk(base):
            for f in files:
                if f.endswith("._S3rver_object"):
                    name = os.path.relpath(os.path.join(dirpath, f), base)[:-len("._S3rver_object")]
                    with open(os.path.join(dirpath, f), "rb") as fh:
                        out[name] = fh.read()
        return out

    def config(self, credentials_file, keep=1, interval=86400, check=60):
        with open(credentials_file, "w") as f:
            f.write(f"{ACCESS_KEY}\n{SECRET_KEY}\n")
        os.chmod(credentials_file, 0o600)
        return (f'[backup]\ntarget = "s3"\nendpoint = "{self.endpoint}"\nbucket = "{BUCKET}"\n'
                f'region = "us-east-1"\ncredentials_file = "{credentials_file}"\nkeep = {keep}\n'
                f'interval_seconds = {interval}\ncheck_seconds = {check}\n')

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture
def s3(tmp_path):
    d = tmp_path / "s3"
    d.mkdir()
    server = S3rver(str(d))
    yield server
    server.stop()
