"""The account web page (issue 10) in a real headless Chromium: Debian's `chromium`, driven by
Playwright from npm (playwright-core, installed by this test under the build tree; no browser is
downloaded), against the real `sealmail serve` over HTTPS on loopback. The domain owner logs in,
adds an alias and sees its password vanish after 30 s on a clock the test controls; that password
logs in over IMAP; the alias holder backs up and downloads the backup, which opens with the
password. Around it, the page's defences are checked with plain HTTP requests: cookie attributes,
CSP, CSRF token and Origin, the shared login throttle. Screenshots of every page are kept in
build/test-artifacts/web/."""
import base64
import http.client
import imaplib
import json
import os
import re
import shutil
import ssl
import subprocess
import tempfile
import urllib.parse

import pytest

from conftest import BINARY
from imap_support import DOMAIN, ImapServer

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.dirname(os.path.abspath(BINARY))
NODE_DIR = os.path.join(BUILD, "web-test", "node")
ARTIFACTS = os.path.join(BUILD, "test-artifacts", "web")
PLAYWRIGHT = "playwright-core@1.65.1"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")
MARKER = "WEB-PAGE-PLAINTEXT-MARKER-71c2"


def install_playwright():
    """playwright-core from npm into the build tree (once): its browsers are not downloaded."""
    if os.path.exists(os.path.join(NODE_DIR, "node_modules", "playwright-core", "package.json")):
        return
    os.makedirs(NODE_DIR, exist_ok=True)
    with open(os.path.join(NODE_DIR, "package.json"), "w") as f:
        json.dump({"name": "sealmail-web-test", "private": True}, f)
    env = dict(os.environ, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD="1")
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--save-exact", PLAYWRIGHT], cwd=NODE_DIR,
                   env=env, check=True, timeout=600, stdout=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def playwright():
    if shutil.which("chromium") is None:
        pytest.fail("Debian's chromium is missing (scripts/setup.sh installs it)")
    install_playwright()
    os.makedirs(ARTIFACTS, exist_ok=True)
    return NODE_DIR


@pytest.fixture
def srv(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    os.chmod(d, 0o700)
    folder = tmp_path / "backups"
    folder.mkdir()
    # Three failures lock an address (the same throttle as IMAP): the lockout check below.
    s = ImapServer(str(d), limits="failed_logins_per_address = 3\n",
                   extra_config=f'[backup]\ntarget = "folder"\nfolder = "{folder}"\n')
    s.add_domain()
    s.account_password = s.cli("account", "password", DOMAIN).stdout.strip()
    assert re.fullmatch(r"\S{20,}", s.account_password)
    s.start()
    yield s
    s.stop()


def run_phase(srv, node_dir, tmp_path, phase, **env):
    out = tmp_path / f"{phase}.json"
    downloads = tmp_path / "downloads"
    downloads.mkdir(exist_ok=True)
    e = dict(os.environ, NODE_PATH=os.path.join(node_dir, "node_modules"), PHASE=phase, OUT=str(out),
             SHOTS=ARTIFACTS, DOWNLOADS=str(downloads), BASE_URL=f"https://127.0.0.1:{srv.admin_port}", **env)
    r = subprocess.run(["node", os.path.join(HERE, "account_page.js")], env=e, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr + srv.read_log()[-3000:]
    result = json.loads(out.read_text())
    assert result["failures"] == [], result["failures"]  # no script errors, CSP reports, external requests
    return result


def https(srv, method, path, body=None, headers=None):
    conn = http.client.HTTPSConnection("127.0.0.1", srv.admin_port, timeout=30,
                                       context=ssl._create_unverified_context())
    h = {"Host": f"127.0.0.1:{srv.admin_port}"}
    if body is not None:
        h["Content-Type"] = "application/x-www-form-urlencoded"
        body = urllib.parse.urlencode(body)
    h.update(headers or {})
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    out = (r.status, {k.lower(): v for k, v in r.getheaders()}, r.getheader("Set-Cookie"), r.read().decode())
    conn.close()
    return out


def gpg_key(uid, tmp_path):
    """An armored OpenPGP public key for `uid`, made by GnuPG in a home of its own (short path: the
    agent's socket must fit); returns the file and the fingerprint."""
    home = tempfile.mkdtemp(prefix="sealmail-gpg-", dir="/tmp")
    try:
        base = ["gpg", "--homedir", home, "--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", ""]
        subprocess.run(base + ["--quick-gen-key", uid, "future-default", "default", "never"], check=True,
                       capture_output=True, timeout=120)
        listing = subprocess.run(base + ["--with-colons", "--list-keys", uid], check=True, capture_output=True,
                                 text=True, timeout=60).stdout
        fingerprint = [l.split(":")[9] for l in listing.splitlines() if l.startswith("fpr:")][0]
        armored = subprocess.run(base + ["--armor", "--export", uid], check=True, capture_output=True,
                                 timeout=60).stdout
    finally:
        subprocess.run(["gpgconf", "--homedir", home, "--kill", "gpg-agent"], capture_output=True, timeout=30)
        shutil.rmtree(home, ignore_errors=True)
    path = tmp_path / "key.asc"
    path.write_bytes(armored)
    return str(path), fingerprint


def web_login(srv, username, password):
    origin = f"https://127.0.0.1:{srv.admin_port}"
    status, headers, cookie, _ = https(srv, "POST", "/account/login", {"username": username, "password": password},
                                       {"Origin": origin})
    return status, headers, cookie


def session_and_csrf(srv):
    status, _, cookie = web_login(srv, DOMAIN, srv.account_password)
    assert status == 303, status
    sid = cookie.split(";")[0]
    status, _, _, page = https(srv, "GET", "/account", headers={"Cookie": sid})
    assert status == 200
    csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)
    return sid, csrf


def aliases(srv):
    status, body = srv.get("/api/aliases", token=srv.token())
    assert status == 200
    return {a["address"] for a in json.loads(body)}


def test_owner_and_holder_in_chromium(srv, playwright, tmp_path):
    address = f"hello@{DOMAIN}"
    owner = run_phase(srv, playwright, tmp_path, "owner", ACCOUNT=DOMAIN, ACCOUNT_PASSWORD=srv.account_password,
                      LOCAL="hello", ADDRESS=address, FORWARD="copy@elsewhere.example")
    password = owner["password"]
    assert owner["clipboard"] == password
    assert owner["hidden_after_30s"] is True
    assert owner["forwards_shown"] == "copy@elsewhere.example"
    status, body = srv.get(f"/api/aliases/{address}", token=srv.token())  # what the page set, through the API
    assert status == 200 and json.loads(body)["forwards"] == ["copy@elsewhere.example"], body

    # The password the page showed is the mailbox's: it logs in over IMAP.
    imap = imaplib.IMAP4("127.0.0.1", srv.imap_port, timeout=10)
    assert imap.login(address, password)[0] == "OK"
    msg = f"From: a@b.example\r\nTo: {address}\r\nSubject: web\r\n\r\n{MARKER}\r\n".encode()
    assert imap.append("INBOX", None, None, msg)[0] == "OK"
    imap.logout()

    key_file, fingerprint = gpg_key(address, tmp_path)
    holder = run_phase(srv, playwright, tmp_path, "holder", ADDRESS=address, ALIAS_PASSWORD=password,
                       PGP_KEY_FILE=key_file)
    assert fingerprint.lower() in holder["pgp_fingerprint_text"].lower(), holder["pgp_fingerprint_text"]
    status, body = srv.get(f"/api/aliases/{address}/pgp-key", token=srv.token())
    assert status == 200 and json.loads(body)["fingerprint"].lower() == fingerprint.lower(), body
    assert holder["backup_rows"] == 1, holder
    assert holder["download_name"] == "mailbox-backup.sqlite"
    assert holder["after_logout"] == "/account/login"
    backup = holder["download"]
    with open(backup, "rb") as f:
        data = f.read()
    assert MARKER.encode() not in data and b"SQLite format 3" not in data  # ciphertext, header included
    check = srv.cli("mailbox", "check", backup, password=password)
    assert check.stdout.startswith("ok: 1 messages"), check.stdout
    wrong = srv.cli("mailbox", "check", backup, password="not the password", check=False)
    assert wrong.returncode != 0
    # The export opens with the same password in an independent tool (7z), and holds the message.
    assert holder["export_name"] == "mailbox.zip"
    with open(holder["export"], "rb") as f:
        assert MARKER.encode() not in f.read()  # AES-256: not even the message text shows
    listing = subprocess.run(["7z", "x", "-so", f"-p{password}", holder["export"]], capture_output=True, timeout=60)
    assert listing.returncode == 0 and MARKER.encode() in listing.stdout, listing.stderr
    bad = subprocess.run(["7z", "x", "-so", "-pwrong", holder["export"]], capture_output=True, timeout=60)
    assert bad.returncode != 0
    shots = sorted(os.listdir(ARTIFACTS))
    for name in ["owner-login.png", "owner-domains.png", "owner-password-shown.png", "owner-password-hidden.png",
                 "owner-alias.png", "holder-alias.png", "holder-backed-up.png", "holder-pgp-key.png",
                 "holder-logged-out.png"]:
        assert name in shots, shots


def test_headers_cookie_and_plain_http(srv):
    status, headers, _, page = https(srv, "GET", "/account/login")
    assert status == 200 and 'name="username"' in page
    assert headers["content-security-policy"] == CSP
    assert headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "no-store"
    assert headers["strict-transport-security"] == "max-age=31536000"  # HSTS, over TLS only
    assert "<script>" not in page and "style=" not in page  # nothing inline: the CSP forbids it
    status, headers, cookie = web_login(srv, DOMAIN, srv.account_password)
    assert status == 303 and headers["location"] == "/account"
    name_value, *attributes = [p.strip() for p in cookie.split(";")]
    assert re.fullmatch(r"__Host-sealmail=[0-9a-f]{64}", name_value), name_value
    assert sorted(attributes) == ["HttpOnly", "Path=/", "SameSite=Strict", "Secure"], attributes
    # Plain HTTP on the same port: the page is only served over TLS; the API still answers.
    conn = http.client.HTTPConnection("127.0.0.1", srv.admin_port, timeout=10)
    conn.request("GET", "/account/login", headers={"Host": f"127.0.0.1:{srv.admin_port}"})
    r = conn.getresponse()
    assert r.status == 308 and r.getheader("Location") == f"https://127.0.0.1:{srv.admin_port}/account/login"
    assert r.getheader("Strict-Transport-Security") is None  # RFC 6797 8.1: never over plain HTTP
    conn.close()
    assert srv.get("/api/status", token=srv.token())[0] == 200
    # An unknown session id is no session.
    status, headers, _, _ = https(srv, "GET", "/account", headers={"Cookie": "__Host-sealmail=" + "0" * 64})
    assert status == 303 and headers["location"] == "/account/login"


def test_csrf_token_and_origin_are_required(srv):
    sid, csrf = session_and_csrf(srv)
    origin = f"https://127.0.0.1:{srv.admin_port}"
    form = {"local": "csrf", "domain": DOMAIN, "forwards": "x@elsewhere.example"}
    # No token, a wrong token, a foreign origin: refused, and nothing is made.
    for extra, headers in [({}, {"Origin": origin}),
                           ({"csrf": "0" * 64}, {"Origin": origin}),
                           ({"csrf": csrf}, {"Origin": "https://evil.example"})]:
        status, _, _, page = https(srv, "POST", "/account/aliases", dict(form, **extra), dict(headers, Cookie=sid))
        assert status == 403, (extra, headers, page)
    assert f"csrf@{DOMAIN}" not in aliases(srv)
    # The same request with the session's token from its own origin goes through.
    status, headers, _, _ = https(srv, "POST", "/account/aliases", dict(form, csrf=csrf),
                                  {"Origin": origin, "Cookie": sid})
    assert status == 303, status
    assert f"csrf@{DOMAIN}" in aliases(srv)
    # The token may come as a header instead (a script's fetch).
    status, _, _, _ = https(srv, "POST", "/account/alias/targets", {"address": f"csrf@{DOMAIN}", "forwards": "y@elsewhere.example"},
                            {"Origin": origin, "Cookie": sid, "X-CSRF-Token": csrf})
    assert status == 303


def test_an_owner_reaches_only_its_own_aliases(srv):
    srv.cli("domain", "add", "other.example")
    srv.cli("alias", "add", "them@other.example", "--forward", "x@elsewhere.example")
    sid, csrf = session_and_csrf(srv)
    origin = f"https://127.0.0.1:{srv.admin_port}"
    status, _, _, page = https(srv, "GET", "/account/alias?address=them%40other.example", headers={"Cookie": sid})
    assert status == 404 and "no such alias" in page
    status, _, _, _ = https(srv, "POST", "/account/alias/delete",
                            {"csrf": csrf, "address": "them@other.example", "confirm": "them@other.example"},
                            {"Origin": origin, "Cookie": sid})
    assert status == 404
    assert "them@other.example" in aliases(srv)


def test_failed_logins_share_the_imap_throttle(srv):
    password = srv.add_mailbox(f"locked@{DOMAIN}")
    for _ in range(3):
        status, _, _ = web_login(srv, f"locked@{DOMAIN}", "wrong password")
        assert status == 403
    status, headers, _ = web_login(srv, f"locked@{DOMAIN}", password)
    assert status == 429 and int(headers["retry-after"]) > 0
    # The address is locked for IMAP too: the right password is refused there as well.
    imap = imaplib.IMAP4("127.0.0.1", srv.imap_port, timeout=30)
    with pytest.raises(imaplib.IMAP4.error):
        imap.login(f"locked@{DOMAIN}", password)
    imap.logout()


def test_malformed_forms_are_refused(srv):
    sid, csrf = session_and_csrf(srv)
    origin = f"https://127.0.0.1:{srv.admin_port}"
    for body in ["a=%zz", "csrf=" + csrf + "&csrf=" + csrf, "x=" + "y" * 270000, "&".join(f"f{i}=1" for i in range(40))]:
        conn = http.client.HTTPSConnection("127.0.0.1", srv.admin_port, timeout=30,
                                           context=ssl._create_unverified_context())
        conn.request("POST", "/account/aliases", body=body,
                     headers={"Host": f"127.0.0.1:{srv.admin_port}", "Origin": origin, "Cookie": sid,
                              "Content-Type": "application/x-www-form-urlencoded"})
        r = conn.getresponse()
        assert r.status == 400, (body[:40], r.status)
        r.read()
        conn.close()


def alias_session(srv, address, password):
    status, _, cookie = web_login(srv, address, password)
    assert status == 303, status
    sid = cookie.split(";")[0]
    status, _, _, page = https(srv, "GET", f"/account/alias?address={urllib.parse.quote(address)}",
                               headers={"Cookie": sid})
    assert status == 200, status
    return sid, re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)


def test_a_password_change_ends_every_other_session(srv):
    address = f"moving@{DOMAIN}"
    password = srv.add_mailbox(address)
    origin = f"https://127.0.0.1:{srv.admin_port}"
    page = f"/account/alias?address={urllib.parse.quote(address)}"
    laptop, csrf = alias_session(srv, address, password)
    phone, _ = alias_session(srv, address, password)
    owner, _ = session_and_csrf(srv)
    # The laptop's holder makes a new password on the page.
    status, headers, cookie, body = https(srv, "POST", "/account/alias/password",
                                          {"csrf": csrf, "address": address, "current_password": password},
                                          {"Origin": origin, "Cookie": laptop})
    assert status == 200, body
    new_password = re.search(r'id="secret"[^>]*>([^<]+)<', body).group(1).strip()
    assert new_password != password and len(new_password) >= 20
    # The laptop carries on with a new session id (the old one is gone); the phone is logged out;
    # the domain owner's own session is not the alias's and stays.
    renewed = cookie.split(";")[0]
    assert re.fullmatch(r"__Host-sealmail=[0-9a-f]{64}", renewed) and renewed != laptop
    assert https(srv, "GET", page, headers={"Cookie": renewed})[0] == 200
    for ended in (laptop, phone):
        status, headers, _, _ = https(srv, "GET", page, headers={"Cookie": ended})
        assert status == 303 and headers["location"] == "/account/login"
    assert https(srv, "GET", "/account", headers={"Cookie": owner})[0] == 200
    # A change made elsewhere (the API, as the CLI makes it on a running server) ends the page's
    # sessions as well.
    status, body = srv.get(f"/api/aliases/{address}/password", token=srv.token(), method="POST",
                           body=json.dumps({"current_password": new_password}).encode())
    assert status == 200, body
    status, headers, _, _ = https(srv, "GET", page, headers={"Cookie": renewed})
    assert status == 303 and headers["location"] == "/account/login"
    # An account's new password ends the owner's sessions.
    srv.cli("account", "password", DOMAIN)
    status, headers, _, _ = https(srv, "GET", "/account", headers={"Cookie": owner})
    assert status == 303 and headers["location"] == "/account/login"


def test_downloads_are_streamed_from_a_file_that_is_then_removed(srv):
    address = f"big@{DOMAIN}"
    password = srv.add_mailbox(address)
    imap = imaplib.IMAP4("127.0.0.1", srv.imap_port, timeout=30)
    imap.login(address, password)
    # 1.5 MB of random base64 (zstd cannot shrink it much): many of Beast's pieces.
    filler = base64.encodebytes(os.urandom(1_100_000)).decode().replace("\n", "\r\n")
    msg = f"From: a@b.example\r\nTo: {address}\r\nSubject: big\r\n\r\n{MARKER}\r\n{filler}".encode()
    assert imap.append("INBOX", None, None, msg)[0] == "OK"
    status, body = srv.get(f"/api/aliases/{address}/backup", token=srv.token(), method="POST",
                           body=json.dumps({"password": password}).encode())
    imap.logout()
    assert status == 200, body
    conn = http.client.HTTPConnection("127.0.0.1", srv.admin_port, timeout=60)
    conn.request("GET", f"/api/aliases/{address}/backups/latest",
                 headers={"Authorization": f"Bearer {srv.token()}"})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    assert r.status == 200 and int(r.getheader("Content-Length")) == len(data) > 1_000_000
    assert MARKER.encode() not in data
    saved = os.path.join(srv.data_dir, "downloaded.sqlite")
    with open(saved, "wb") as f:
        f.write(data)
    check = srv.cli("mailbox", "check", saved, password=password)
    assert check.stdout.startswith("ok: 1 messages"), check.stdout
    # The temporary file the answer was streamed from is gone once it is sent.
    work = os.path.join(srv.data_dir, "backup-work")
    assert [n for n in os.listdir(work) if n.startswith("download-")] == []
