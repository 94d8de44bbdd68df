"""OpenPGP for aliases (issue 9), end to end with independent tools: keys made by GnuPG (`gpg
--batch --quick-gen-key` in a temporary GNUPGHOME), set through the CLI and the admin API; mail sent
over SMTP is stored PGP/MIME-encrypted (read back over IMAP, decrypted by gpg to the bytes sent),
forwarded encrypted to a real SMTP sink (aiosmtpd) found through a real DNS server (NSD), left alone
when it comes encrypted and when the owner APPENDs a draft; our WKD's bytes and hash path checked
against gpg's own --with-wkd-hash; and WKD lookup against a local HTTPS server (Python's
http.server + ssl with a test certificate). Lookup reaches it through [openpgp] wkd_connect_to (every
WKD connection goes to 127.0.0.1:<port>; TLS still checks the certificate for the real names), and
wkd_ca_file (the test certificate)."""
import base64
import email
import glob
import hashlib
import json
import os
import re
import shutil
import smtplib
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request

import pytest

from conftest import BINARY, free_port
from nsd_support import Nsd, start_ready
from smtp_support import DOMAIN, SmtpServer, sink_received, strip_trace

HERE = os.path.dirname(os.path.abspath(__file__))
SINK = os.path.join(HERE, "..", "smtp", "client", "smtp_sink.py")
RECEIVER = os.path.join(HERE, "..", "delivery", "webhook_receiver.py")
GPG = shutil.which("gpg") or "/usr/bin/gpg"

ZONE = """$ORIGIN forward.test.
$TTL 60
@ IN SOA ns.forward.test. admin.forward.test. 1 3600 600 86400 60
@ IN NS ns.forward.test.
ns IN A 127.0.0.1
@ IN MX 10 mx.forward.test.
mx IN A 127.0.0.1
"""

# The WKD server of another domain (wkd.test): serves the advanced-method path for one address
# and only the direct-method path for another, from files the test writes.
WKD_SERVER = textwrap.dedent("""
    import http.server, os, ssl, sys
    root, cert, key = sys.argv[1], sys.argv[2], sys.argv[3]
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            path = os.path.join(root, self.path.split("?")[0].lstrip("/").replace("/", "_"))
            with open(os.path.join(root, "requests.log"), "a") as log:
                log.write(self.headers.get("Host", "") + " " + self.path + "\\n")
            if not os.path.isfile(path):
                self.send_response(404); self.end_headers(); return
            data = open(path, "rb").read()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        def log_message(self, *a):
            pass
    httpd = http.server.HTTPServer(("127.0.0.1", 0), H)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    print("READY", httpd.server_address[1], flush=True)
    httpd.serve_forever()
""")


class Gpg:
    """GnuPG in its own home directory."""

    def __init__(self, home):
        self.home = home
        os.makedirs(home, mode=0o700, exist_ok=True)

    def run(self, *args, input=None, check=True):
        r = subprocess.run([GPG, "--homedir", self.home, "--batch", "--yes", "--pinentry-mode", "loopback",
                            "--passphrase", "", *args], input=input, capture_output=True, timeout=120)
        if check:
            assert r.returncode == 0, (args, r.stderr.decode(errors="replace"))
        return r

    def gen(self, uid, algo="future-default", usage="default", expire="never", faked_time=None):
        extra = ["--faked-system-time", faked_time] if faked_time else []
        self.run(*extra, "--quick-gen-key", uid, algo, usage, expire)
        return self.fingerprint(uid)

    def fingerprint(self, who):
        out = self.run("--with-colons", "--list-keys", who).stdout.decode()
        return [l.split(":")[9] for l in out.splitlines() if l.startswith("fpr:")][0]

    def export(self, who, armor=True, secret=False):
        return self.run(*(["--armor"] if armor else []), "--export-secret-keys" if secret else "--export",
                        who).stdout

    def decrypt(self, data):
        return self.run("--decrypt", input=data).stdout


_homes = []


def short_home(tmp_path):
    """A GnuPG home whose agent socket path fits in a unix socket address (108 bytes); its agent is
    stopped and the folder removed when the module's tests are done (cleanup_gnupg)."""
    home = tempfile.mkdtemp(prefix="sealmail-gpg-", dir="/tmp")
    _homes.append(home)
    return home


@pytest.fixture(scope="module", autouse=True)
def cleanup_gnupg():
    yield
    for home in _homes:
        subprocess.run(["gpgconf", "--homedir", home, "--kill", "gpg-agent"], capture_output=True, timeout=30)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    g = Gpg(short_home(None))
    k = {"gpg": g}
    for name in ("stored", "spooled", "online", "api", "fwd", "hook", "wkd1", "wkd2", "served", "drafts"):
        k[name] = g.gen(f"{name.title()} User <{name}@{DOMAIN if not name.startswith('wkd') else 'wkd.test'}>")
    # Keys that must be refused.
    k["other"] = g.gen("Other <other@example.org>")
    k["signonly"] = g.gen("Sign Only <signonly@example.com>", algo="ed25519", usage="sign")
    k["expired"] = g.gen("Expired <expired@example.com>", expire="1d", faked_time="20200101T000000")
    k["revoked"] = g.gen("Revoked <revoked@example.com>")
    rev = open(os.path.join(g.home, "openpgp-revocs.d", k["revoked"] + ".rev")).read()
    g.run("--import", input=rev.replace(":-----BEGIN", "-----BEGIN").encode())
    return k


@pytest.fixture(scope="module")
def pgp(tmp_path_factory, keys):
    base = tmp_path_factory.mktemp("pgp")
    sink_dir, data, www = str(base / "sink"), str(base / "data"), str(base / "www")
    for d in (sink_dir, data, www):
        os.makedirs(d)
    os.chmod(data, 0o700)
    # The WKD server's certificate, for wkd.test and openpgpkey.wkd.test.
    cert, key = str(base / "cert.pem"), str(base / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-days", "2", "-subj", "/CN=wkd.test", "-addext",
                    "subjectAltName=DNS:wkd.test,DNS:openpgpkey.wkd.test", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    server_py = str(base / "wkd_server.py")
    with open(server_py, "w") as f:
        f.write(WKD_SERVER)
    wkd, wkd_port = start_ready(["/usr/bin/python3", server_py, www, cert, key])
    nsd = Nsd({"forward.test": ZONE})
    sink, sink_port = start_ready(["/usr/bin/python3", SINK, "--dir", sink_dir])
    server = SmtpServer(data, extra_config=(
        f'[delivery]\ndns_servers = ["127.0.0.1:{nsd.port}"]\nsmtp_port = {sink_port}\n'
        "allow_private_targets = true\n"
        f'[openpgp]\nwkd_ca_file = "{cert}"\nwkd_connect_to = "127.0.0.1:{wkd_port}"\nwkd_timeout_seconds = 20\n'))
    server.add_domain()
    server.add_domain("wkd.test")
    server.start()
    hook_dir = str(base / "hooks")
    os.makedirs(hook_dir)
    with open(os.path.join(data, "webhook-secret")) as f:
        secret = f.read().strip()
    hooks, hook_port = start_ready(["/usr/bin/python3", RECEIVER, "--dir", hook_dir],
                                   env=dict(os.environ, WEBHOOK_SECRET=secret))
    yield {"server": server, "sink_dir": sink_dir, "www": www, "gpg": keys["gpg"], "keys": keys,
           "hook_dir": hook_dir, "hook_port": hook_port}
    code = server.stop()
    for p in (sink, wkd, hooks):
        p.terminate()
        p.wait(timeout=10)
    nsd.stop()
    assert code == 0, server.read_log()[-4000:]


def key_file(pgp, who, tmp_path, **kw):
    path = tmp_path / (who.replace("@", "_") + (".sec" if kw.get("secret") else "") + ".asc")
    path.write_bytes(pgp["gpg"].export(who, **kw))
    return str(path)


def send(server, rcpt, body, sender="alice@example.org"):
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=30) as s:
        s.ehlo("sender.example.org")
        assert s.sendmail(sender, [rcpt], body) == {}


def original(subject, body="Hello, only for you.\r\nSecond line, with trailing space. \r\n"):
    return (f"From: Alice <alice@example.org>\r\nTo: someone@example.com\r\nSubject: {subject}\r\n"
            f"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{subject.replace(' ', '.')}@example.org>\r\n"
            "X-Private-Header: not outside\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"\r\n{body}").encode()


def armored_part(message_bytes):
    """The PGP/MIME checks of RFC 3156 §4 on a whole message; returns the armored ciphertext."""
    msg = email.message_from_bytes(message_bytes)
    assert msg.get_content_type() == "multipart/encrypted", message_bytes[:600]
    assert msg.get_param("protocol") == "application/pgp-encrypted"
    parts = msg.get_payload()
    assert len(parts) == 2
    assert parts[0].get_content_type() == "application/pgp-encrypted"
    assert parts[0].get_payload().strip() == "Version: 1"
    assert parts[1].get_content_type() == "application/octet-stream"
    armored = parts[1].get_payload().encode()
    assert armored.startswith(b"-----BEGIN PGP MESSAGE-----")
    return msg, armored


def wait_inbox(server, user, password, count, deadline=30):
    end = time.monotonic() + deadline
    while True:
        got = server.inbox(user, password)
        if len(got) >= count or time.monotonic() > end:
            return got
        time.sleep(0.1)


def test_cli_sets_shows_and_removes_a_key(pgp, tmp_path):
    server, g = pgp["server"], pgp["gpg"]
    user = f"stored@{DOMAIN}"
    server.add_mailbox(user)
    out = server.cli("alias", "pgp-key", user, "--set", key_file(pgp, user, tmp_path)).stdout
    assert f"fingerprint  {pgp['keys']['stored']}" in out
    assert f"user id      Stored User <{user}>" in out
    shown = server.cli("alias", "pgp-key", user, "--show")
    assert shown.stdout.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    # The key shown is the one given: another GnuPG home imports it to the same fingerprint.
    other = Gpg(short_home(tmp_path))
    other.run("--import", input=shown.stdout.encode())
    assert other.fingerprint(user) == pgp["keys"]["stored"]
    # Removal, then --show says there is none; set it again for the mail tests.
    server.cli("alias", "pgp-key", user, "--remove")
    r = server.cli("alias", "pgp-key", user, "--show", check=False)
    assert r.returncode != 0 and "has no OpenPGP key" in r.stderr
    server.cli("alias", "pgp-key", user, "--set", key_file(pgp, user, tmp_path))


@pytest.mark.parametrize("case,who,expected", [
    ("secret", "stored@example.com", "secret key"),
    ("binary secret", "stored@example.com", "secret key material"),
    ("two keys", None, "more than one OpenPGP key"),
    ("wrong address", "other@example.org", "no valid user id of the OpenPGP key is the alias's address"),
    ("sign only", "signonly@example.com", "no valid subkey that may encrypt"),
    ("expired", "expired@example.com", "has expired"),
    ("revoked", "revoked@example.com", "is revoked"),
    ("garbage", None, "not an OpenPGP public key"),
])
def test_cli_refuses_keys_that_do_not_qualify(pgp, tmp_path, case, who, expected):
    server, g = pgp["server"], pgp["gpg"]
    user = f"refuse{abs(hash(case)) % 100000}@{DOMAIN}"
    server.add_alias(user, "--forward", "nobody@forward.test")
    path = tmp_path / "key"
    if case == "secret":
        path.write_bytes(g.export(who, secret=True))
    elif case == "binary secret":
        path.write_bytes(g.export(who, armor=False, secret=True))
    elif case == "two keys":
        path.write_bytes(g.run("--armor", "--export", f"stored@{DOMAIN}", f"api@{DOMAIN}").stdout)
    elif case == "garbage":
        path.write_bytes(b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot a key\n-----END PGP PUBLIC KEY BLOCK-----\n")
    else:
        path.write_bytes(g.export(who))
    r = server.cli("alias", "pgp-key", user, "--set", str(path), check=False)
    assert r.returncode == 1, r
    assert expected in r.stderr, r.stderr
    assert user not in r.stderr  # errors never carry the address
    r = server.cli("alias", "pgp-key", user, "--show", check=False)
    assert r.returncode == 1 and "has no OpenPGP key" in r.stderr


def api(server, method, path, body=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    status, text = server.get(path, token=server.token(), method=method, body=data)
    return status, (json.loads(text) if text.strip().startswith("{") else text)


def test_api_puts_gets_and_deletes_a_key(pgp):
    server, g = pgp["server"], pgp["gpg"]
    user = f"api@{DOMAIN}"
    server.add_mailbox(user)
    path = f"/api/aliases/{user}/pgp-key"
    assert api(server, "GET", path)[0] == 404
    status, doc = api(server, "PUT", path, {"key": g.export(user).decode()})
    assert status == 200, doc
    assert doc["fingerprint"] == pgp["keys"]["api"] and doc["address"] == user
    assert doc["user_ids"] == [f"Api User <{user}>"] and doc["key"].startswith("-----BEGIN PGP PUBLIC KEY BLOCK")
    status, doc = api(server, "GET", path)
    assert status == 200 and doc["fingerprint"] == pgp["keys"]["api"]
    # The key itself as the body (binary here) is taken too.
    status, doc = api(server, "PUT", path, raw=g.export(user, armor=False))
    assert status == 200 and doc["fingerprint"] == pgp["keys"]["api"]
    status, doc = api(server, "PUT", path, {"key": g.export(user, secret=True).decode()})
    assert status == 400 and "secret key" in doc["error"]
    status, doc = api(server, "PUT", path, {"nokey": 1})
    assert status == 400
    assert api(server, "DELETE", path) == (200, {"removed": user})
    assert api(server, "DELETE", path)[0] == 404
    assert api(server, "PUT", f"/api/aliases/nobody@{DOMAIN}/pgp-key", {"key": g.export(user).decode()})[0] == 404
    # Without the token: refused.
    assert server.get(path, method="GET")[0] == 401


def test_mail_is_stored_encrypted_in_the_spool_and_decrypts_to_the_bytes_sent(pgp, tmp_path):
    server, g = pgp["server"], pgp["gpg"]
    user = f"spooled@{DOMAIN}"
    password = server.add_mailbox(user)
    server.cli("alias", "pgp-key", user, "--set", key_file(pgp, user, tmp_path))
    sent = original("for the spool")
    send(server, user, sent)  # nobody is logged in: the sealed spool takes it
    got = wait_inbox(server, user, password, 1)
    assert len(got) == 1
    outer, armored = armored_part(strip_trace(got[0]))
    assert g.decrypt(armored) == sent
    # Outside: what clients show and thread by; the rest only inside.
    assert outer["Subject"] == "for the spool" and outer["From"] == "Alice <alice@example.org>"
    assert outer["Message-ID"] == "<for.the.spool@example.org>" and outer["To"] == "someone@example.com"
    assert outer["X-Private-Header"] is None
    assert b"only for you" not in got[0]


def test_mail_to_an_open_mailbox_is_stored_encrypted(pgp, tmp_path):
    server, g = pgp["server"], pgp["gpg"]
    user = f"online@{DOMAIN}"
    password = server.add_mailbox(user)
    server.cli("alias", "pgp-key", user, "--set", key_file(pgp, user, tmp_path))
    m = server.imaplib()
    m.login(user, password)
    m.select("INBOX")  # the owner is online: delivery goes straight into the mailbox
    sent = original("while online", body="Online body.\r\n")
    send(server, user, sent)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        typ, data = m.uid("SEARCH", None, "ALL")
        if data[0].split():
            break
        m.noop()
        time.sleep(0.1)
    uid = data[0].split()[-1]
    typ, structure = m.uid("FETCH", uid, "(BODYSTRUCTURE)")
    typ, d = m.uid("FETCH", uid, "(BODY.PEEK[])")
    m.logout()
    structure = b" ".join(x if isinstance(x, bytes) else b" ".join(x) for x in structure)
    assert re.search(rb'\(\("application" "pgp-encrypted" .*\)\("application" "octet-stream" .*\) "encrypted" '
                     rb'\("protocol" "application/pgp-encrypted"', structure, re.I), structure
    outer, armored = armored_part(strip_trace(d[0][1]))
    assert g.decrypt(armored) == sent


def test_already_encrypted_mail_is_not_encrypted_again(pgp, tmp_path):
    server, g = pgp["server"], pgp["gpg"]
    user = f"served@{DOMAIN}"
    password = server.add_mailbox(user)
    server.cli("alias", "pgp-key", user, "--set", key_file(pgp, user, tmp_path))
    cipher = g.run("--armor", "--trust-model", "always", "--encrypt", "-r", user,
                   input=b"Content-Type: text/plain\r\n\r\nsecret\r\n").stdout.decode().replace("\n", "\r\n")
    pgp_mime = ("From: Alice <alice@example.org>\r\nTo: served@example.com\r\nSubject: came encrypted\r\n"
                "MIME-Version: 1.0\r\nContent-Type: multipart/encrypted;\r\n protocol=\"application/pgp-encrypted\";"
                " boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n"
                "--b1\r\nContent-Type: application/octet-stream\r\n\r\n" + cipher + "\r\n--b1--\r\n").encode()
    inline = ("From: Alice <alice@example.org>\r\nTo: served@example.com\r\nSubject: came inline\r\n\r\n"
              + cipher).encode()
    send(server, user, pgp_mime)
    send(server, user, inline)
    got = wait_inbox(server, user, password, 2)
    assert sorted(strip_trace(x) for x in got) == sorted([pgp_mime, inline])


def test_forwarded_mail_arrives_encrypted(pgp, tmp_path):
    server, g = pgp["server"], pgp["gpg"]
    user = f"fwd@{DOMAIN}"
    server.add_alias(user, "--forward", "carol@forward.test")
    server.cli("alias", "pgp-key", user, "--set", key_file(pgp, user, tmp_path))
    sent = original("forwarded sealed")
    send(server, user, sent)
    (envelope, data), = sink_received(pgp["sink_dir"], "forwarded sealed")
    assert envelope["rcpt_tos"] == ["carol@forward.test"]
    m = re.match(rb"Received: from [^\r]*\r\n\tby mail\.test with [A-Z0-9]+; [^\r]*\r\n", data)
    assert m, data[:300]
    outer, armored = armored_part(data[m.end():])
    assert g.decrypt(armored) == sent
    assert b"only for you" not in data


def test_webhook_posts_carry_the_encrypted_message(pgp, tmp_path):
    server, g = pgp["server"], pgp["gpg"]
    user = f"hook@{DOMAIN}"
    server.add_alias(user, "--webhook", f"http://127.0.0.1:{pgp['hook_port']}/hook")
    server.cli("alias", "pgp-key", user, "--set", key_file(pgp, user, tmp_path))
    sent = original("to the sealed hook")
    send(server, user, sent)
    posts = []
    for path in glob.glob(os.path.join(pgp["hook_dir"], "*.json")):
        with open(path) as f:
            doc = json.load(f)
        if doc.get("subject") == "to the sealed hook":
            posts.append((os.path.basename(path), doc))
    assert len(posts) == 1 and not posts[0][0].startswith("rejected"), posts
    doc = posts[0][1]
    assert "only for you" not in json.dumps(doc)
    armored = [a for a in doc["attachments"] if a["content_type"] == "application/octet-stream"]
    assert len(armored) == 1, doc["attachments"]
    assert g.decrypt(base64.b64decode(armored[0]["content"])) == sent


def test_drafts_appended_by_the_owner_are_left_alone(pgp, tmp_path):
    server = pgp["server"]
    user = f"drafts@{DOMAIN}"
    password = server.add_mailbox(user)
    server.cli("alias", "pgp-key", user, "--set", key_file(pgp, user, tmp_path))
    draft = original("a draft", body="Not sent yet.\r\n")
    m = server.imaplib()
    m.login(user, password)
    m.create("Drafts")  # (answered NO when it exists already)
    typ, _ = m.append("Drafts", "(\\Draft)", None, draft)
    assert typ == "OK"
    m.select("Drafts", readonly=True)
    typ, data = m.uid("SEARCH", None, "ALL")
    typ, d = m.uid("FETCH", data[0].split()[-1], "(BODY.PEEK[])")
    m.logout()
    assert d[0][1] == draft


def wkd_hash(g, who):
    """The WKD hash as GnuPG prints it (--with-wkd-hash) for a key it has."""
    out = g.run("--with-wkd-hash", "--list-keys", who).stdout.decode()
    local, domain = who.split("@")
    hashes = re.findall(r"^\s+([a-z0-9]{32})@" + re.escape(domain) + r"$", out, re.M)
    assert hashes, out
    return hashes[0]


def zbase32_sha1(local):
    """The same by hand (draft-koch-openpgp-webkey-service §3.1), for addresses without a key."""
    alphabet = "ybndrfg8ejkmcpqxot1uwisza345h769"
    n = int.from_bytes(hashlib.sha1(local.lower().encode()).digest(), "big")
    return "".join(alphabet[(n >> (155 - 5 * i)) & 31] for i in range(32))


def fetch(server, path, host):
    req = urllib.request.Request(server.url(path), headers={"Host": host})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read()


def test_wkd_serves_the_keys_of_our_aliases(pgp, tmp_path):
    server, g = pgp["server"], pgp["gpg"]
    user = f"served@{DOMAIN}"
    if server.cli("alias", "pgp-key", user, "--show", check=False).returncode != 0:
        server.add_mailbox(user)
        server.cli("alias", "pgp-key", user, "--set", key_file(pgp, user, tmp_path))
    h = wkd_hash(g, user)
    assert h == zbase32_sha1("served")
    for path, host in ((f"/.well-known/openpgpkey/{DOMAIN}/hu/{h}?l=served", f"openpgpkey.{DOMAIN}"),
                       (f"/.well-known/openpgpkey/{DOMAIN}/hu/{h}", f"openpgpkey.{DOMAIN}"),
                       (f"/.well-known/openpgpkey/hu/{h}?l=served", DOMAIN),
                       (f"/.well-known/openpgpkey/hu/{h}", f"{DOMAIN.upper()}:8080")):
        status, ctype, body = fetch(server, path, host)
        assert status == 200 and ctype == "application/octet-stream", (path, status)
        assert body[:1] != b"-"  # binary, not armored
        other = Gpg(short_home(tmp_path))
        other.run("--import", input=body)
        assert other.fingerprint(user) == pgp["keys"]["served"]
    assert fetch(server, f"/.well-known/openpgpkey/{DOMAIN}/policy", f"openpgpkey.{DOMAIN}")[0] == 200
    assert fetch(server, "/.well-known/openpgpkey/policy", DOMAIN)[0] == 200
    # An alias without a key, an unknown hash, a domain we do not host, a malformed hash.
    assert fetch(server, f"/.well-known/openpgpkey/{DOMAIN}/hu/{zbase32_sha1('other')}", DOMAIN)[0] == 404
    assert fetch(server, f"/.well-known/openpgpkey/example.org/hu/{h}", "example.org")[0] == 404
    assert fetch(server, f"/.well-known/openpgpkey/hu/{h}", "example.org")[0] == 404
    assert fetch(server, f"/.well-known/openpgpkey/{DOMAIN}/hu/../../x", DOMAIN)[0] == 404
    status, _ = server.get(f"/.well-known/openpgpkey/{DOMAIN}/hu/{h}", method="POST", body=b"x")
    assert status == 405


def test_wkd_lookup_over_https_advanced_then_direct(pgp):
    server, g, www = pgp["server"], pgp["gpg"], pgp["www"]
    one, two = "wkd1@wkd.test", "wkd2@wkd.test"
    server.add_mailbox(one)
    server.add_mailbox(two)
    # wkd1 by the advanced method only, wkd2 by the direct method only (the advanced path is a 404).
    with open(os.path.join(www, f".well-known_openpgpkey_wkd.test_hu_{wkd_hash(g, one)}"), "wb") as f:
        f.write(g.export(one, armor=False))
    with open(os.path.join(www, f".well-known_openpgpkey_hu_{wkd_hash(g, two)}"), "wb") as f:
        f.write(g.export(two, armor=False))
    out = server.cli("alias", "pgp-key", one, "--wkd").stdout
    assert f"fingerprint  {pgp['keys']['wkd1']}" in out
    status, doc = api(server, "POST", f"/api/aliases/{two}/pgp-key/wkd-lookup")
    assert status == 200 and doc["fingerprint"] == pgp["keys"]["wkd2"], doc
    requests = open(os.path.join(www, "requests.log")).read().splitlines()
    assert f"openpgpkey.wkd.test /.well-known/openpgpkey/wkd.test/hu/{wkd_hash(g, one)}?l=wkd1" in requests
    assert f"openpgpkey.wkd.test /.well-known/openpgpkey/wkd.test/hu/{wkd_hash(g, two)}?l=wkd2" in requests
    assert f"wkd.test /.well-known/openpgpkey/hu/{wkd_hash(g, two)}?l=wkd2" in requests
    # Nothing served for an address: not found, and no key set.
    server.add_mailbox("nokey@wkd.test")
    r = server.cli("alias", "pgp-key", "nokey@wkd.test", "--wkd", check=False)
    assert r.returncode == 1 and "WKD: the server answered 404" in r.stderr, r.stderr
    # A key served for the wrong address is refused.
    with open(os.path.join(www, f".well-known_openpgpkey_hu_{zbase32_sha1('nokey')}"), "wb") as f:
        f.write(g.export(two, armor=False))
    r = server.cli("alias", "pgp-key", "nokey@wkd.test", "--wkd", check=False)
    assert r.returncode == 1 and "the key found by WKD was refused" in r.stderr, r.stderr


def test_a_key_that_expired_after_it_was_set_defers_rather_than_storing_in_clear(pgp, tmp_path):
    server, g = pgp["server"], pgp["gpg"]
    user = f"shortlived@{DOMAIN}"
    password = server.add_mailbox(user)
    fpr = g.gen(f"Short Lived <{user}>", expire="seconds=6")
    server.cli("alias", "pgp-key", user, "--set", key_file(pgp, user, tmp_path))
    # Wait until GnuPG itself calls the key expired (validity "e"), then one second more.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        out = g.run("--with-colons", "--list-keys", fpr).stdout.decode()
        if any(l.startswith("pub:e:") for l in out.splitlines()):
            break
        time.sleep(0.2)
    time.sleep(1)  # both count whole seconds: be past the boundary for RNP too, whichever way it rounds
    with pytest.raises(smtplib.SMTPDataError) as e:
        send(server, user, original("after expiry"))
    assert e.value.smtp_code == 451 and b"4.7.0" in e.value.smtp_error, e.value
    assert server.inbox(user, password) == []  # nothing stored in clear


@pytest.mark.parametrize("table,expected", [
    ("wkd_timeout_seconds = 0", "sealmail: config: openpgp.wkd_timeout_seconds: must be between 1 and 300"),
    ('wkd_connect_to = "nowhere"', 'sealmail: config: openpgp.wkd_connect_to: expected "host:port"'),
    ("wkd_ca = 1", "sealmail: config: openpgp.wkd_ca: unknown key"),
])
def test_a_bad_openpgp_table_stops_serve_with_one_line(tmp_path, table, expected):
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    config = tmp_path / "config.toml"
    config.write_text(f'hostname = "mail.test"\n[listen]\nadmin = "127.0.0.1:{free_port()}"\n'
                      + "".join(f'{n} = "off"\n' for n in ("smtp", "submission", "submissions", "imap", "imaps",
                                                            "pop3", "pop3s"))
                      + f"[openpgp]\n{table}\n")
    r = subprocess.run([BINARY, "--data-dir", str(data), "serve", "--config", str(config)], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 1 and r.stderr.startswith(expected), r.stderr
    assert r.stderr.count("\n") == 1
