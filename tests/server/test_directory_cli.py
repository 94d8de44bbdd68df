"""quickstart, the domain/alias/account commands and the admin API, on one data directory while the
server runs: what the CLI changes, the running server sees at once."""
import glob
import json
import os
import re
import subprocess

from conftest import BINARY, Server


def run(data_dir, *args, password=None, check=True):
    env = dict(os.environ)
    env.pop("SEALMAIL_PASSWORD", None)
    if password is not None:
        env["SEALMAIL_PASSWORD"] = password
    r = subprocess.run([BINARY, "--data-dir", data_dir, *args], capture_output=True, text=True, env=env, timeout=60)
    if check:
        assert r.returncode == 0, (args, r.stderr)
    return r


def quickstart(data_dir, address="you@example.com"):
    r = run(data_dir, "quickstart", address)
    password = re.search(r"^Password: (\S+)$", r.stdout, re.M).group(1)
    return r, password


def mailbox_files(data_dir):
    return glob.glob(os.path.join(data_dir, "mailboxes", "*.sqlite"))


def test_quickstart_sets_up_everything_and_prints_what_to_publish(data_dir):
    data = os.path.join(data_dir, "data")
    r, password = quickstart(data)
    assert len(password) == 35
    for record in [r"example\.com\.\s+MX\s+10 mail\.example\.com\.",
                   r'example\.com\.\s+TXT\s+"v=spf1 mx -all"',
                   r'_domainkey\.example\.com\.\s+TXT\s+"v=DKIM1; k=rsa; p=MII',
                   r'_domainkey\.example\.com\.\s+TXT\s+"v=DKIM1; k=ed25519; p=',
                   r'_dmarc\.example\.com\.\s+TXT\s+"v=DMARC1; p=reject',
                   r'_mta-sts\.example\.com\.\s+TXT\s+"v=STSv1; id=\d{14}"',
                   r'_smtp\._tls\.example\.com\.\s+TXT\s+"v=TLSRPTv1; rua=mailto:',
                   r"_submissions\._tcp\.example\.com\.\s+SRV\s+0 1 465 mail\.example\.com\.",
                   r"_submission\._tcp\.example\.com\.\s+SRV\s+10 1 587 mail\.example\.com\.",
                   r"_imaps\._tcp\.example\.com\.\s+SRV\s+0 1 993",
                   r"_pop3s\._tcp\.example\.com\.\s+SRV\s+10 1 995",
                   r"_imap\._tcp\.example\.com\.\s+SRV\s+0 0 0 \.",
                   r"autoconfig\.example\.com\.\s+CNAME\s+mail\.example\.com\.",
                   r"mta-sts\.example\.com\.\s+CNAME\s+mail\.example\.com\."]:
        assert re.search(record, r.stdout), record
    # What the records point clients and senders to, for the operator's web server.
    with open(os.path.join(data, "www", ".well-known", "mta-sts.txt")) as f:
        assert f.read() == "version: STSv1\nmode: testing\nmx: mail.example.com\nmax_age: 604800\n"
    assert "https://mta-sts.example.com/.well-known/mta-sts.txt" in r.stdout
    import xml.etree.ElementTree as ET
    config = ET.parse(os.path.join(data, "www", "mail", "config-v1.1.xml")).getroot()
    servers = {(e.get("type"), e.findtext("port"), e.findtext("socketType"), e.findtext("hostname"))
               for e in config.iter() if e.tag in ("incomingServer", "outgoingServer")}
    assert servers == {("imap", "993", "SSL", "mail.example.com"), ("pop3", "995", "SSL", "mail.example.com"),
                       ("smtp", "465", "SSL", "mail.example.com")}, servers
    assert "sealmail --data-dir" in r.stdout and "serve" in r.stdout
    # The mailbox opens with the printed password, and only with it.
    [box] = mailbox_files(data)
    assert "example" not in os.path.basename(box)  # named by a random id, never the address
    assert run(data, "mailbox", "check", box, password=password).stdout.startswith("ok: 0 messages")
    assert run(data, "mailbox", "check", box, password="nope", check=False).returncode == 1
    # Never twice on the same directory.
    again = run(data, "quickstart", "other@example.org", check=False)
    assert again.returncode == 1
    assert again.stderr.count("\n") == 1 and "never overwrites" in again.stderr
    os.rename(os.path.join(data, "config.toml"), os.path.join(data, "config.toml.kept"))
    again = run(data, "quickstart", "other@example.org", check=False)
    assert again.returncode == 1 and "(directory.sqlite)" in again.stderr, again.stderr
    assert not os.path.exists(os.path.join(data, "config.toml"))
    os.rename(os.path.join(data, "config.toml.kept"), os.path.join(data, "config.toml"))
    # Secrets are private files.
    for path in ["config.toml", "directory.sqlite", "admin-token", "tls/key.pem"] + \
            [os.path.relpath(p, data) for p in glob.glob(os.path.join(data, "dkim", "*", "*.pem"))]:
        assert os.stat(os.path.join(data, path)).st_mode & 0o077 == 0, path


def test_alias_password_rekeys_or_resets_and_is_printed_alone(data_dir):
    data = os.path.join(data_dir, "data")
    _, password = quickstart(data)
    [box] = mailbox_files(data)
    refused = run(data, "alias", "password", "you@example.com", check=False)
    assert refused.returncode == 1 and "current password" in refused.stderr
    wrong = run(data, "alias", "password", "you@example.com", password="not it", check=False)
    assert wrong.returncode == 1 and wrong.stderr == "sealmail: the current password is wrong\n"
    r = run(data, "alias", "password", "you@example.com", password=password)
    new = r.stdout.strip()
    assert r.stdout == new + "\n" and len(new) == 35 and new != password
    assert run(data, "mailbox", "check", box, password=new).returncode == 0
    assert run(data, "mailbox", "check", box, password=password, check=False).returncode == 1
    r = run(data, "alias", "password", "you@example.com", "--reset")
    assert "deleted" in r.stderr
    assert run(data, "mailbox", "check", box, password=r.stdout.strip()).stdout.startswith("ok: 0 messages")


def test_cli_changes_are_seen_by_the_running_server_and_the_api_does_what_the_cli_does(data_dir):
    data = os.path.join(data_dir, "data")
    _, first_password = quickstart(data)
    s = Server(data, extra_config='[log]\nlevel = "debug"\n').start()
    try:
        token = s.token()
        passwords = [first_password]
        r = run(data, "alias", "add", "hello@example.com", "--mailbox")
        passwords.append(r.stdout.strip())
        run(data, "alias", "add", "*@example.com", "--forward", "me@elsewhere.org")
        status, body = s.get("/api/aliases", token=token)
        assert status == 200
        aliases = {a["address"]: a for a in json.loads(body)}
        assert aliases["hello@example.com"]["mailbox"] is True
        assert aliases["*@example.com"]["kind"] == "catch-all"
        assert aliases["*@example.com"]["forwards"] == ["me@elsewhere.org"]

        status, body = s.get("/api/domains", token=token, method="POST",
                             body=json.dumps({"name": "example.org", "account": "team"}).encode())
        assert status == 201, body
        status, body = s.get("/api/aliases", token=token, method="POST",
                             body=json.dumps({"address": "info@example.org", "mailbox": True}).encode())
        assert status == 201, body
        made = json.loads(body)
        passwords.append(made["password"])
        assert "info@example.org" in run(data, "alias", "list", "--domain", "example.org").stdout
        status, body = s.get("/api/aliases/info%40example.org/password", token=token, method="POST",
                             body=json.dumps({"current_password": "wrong"}).encode())
        assert status == 403, body
        status, body = s.get("/api/aliases/info%40example.org/password", token=token, method="POST",
                             body=json.dumps({"current_password": made["password"]}).encode())
        assert status == 200, body
        passwords.append(json.loads(body)["password"])
        status, body = s.get("/api/aliases", token=token, method="POST",
                             body=json.dumps({"address": "x@not-hosted.net", "mailbox": True}).encode())
        assert status == 404 and "not hosted" in body
        status, body = s.get("/api/aliases/info%40example.org", token=token, method="DELETE")
        assert status == 200
        status, body = s.get("/api/domains/example.org", token=token, method="DELETE")
        assert status == 200, body
        assert "example.org" not in run(data, "domain", "list").stdout
        status, body = s.get("/api/accounts/team/quota", token=token, method="PUT",
                             body=json.dumps({"bytes": 1000000}).encode())
        assert status == 200
        assert re.search(r"team\s+1000000", run(data, "account", "list").stdout)
        assert s.get("/api/aliases", token="bad")[0] == 401
    finally:
        s.stop()
    log = s.read_log()
    assert log, "the server logged nothing"
    for p in passwords:
        assert p not in log
    for address in ["hello@example.com", "info@example.org", "you@example.com"]:
        assert address not in log


def test_aliases_per_domain_per_day_is_limited(data_dir):
    data = os.path.join(data_dir, "data")
    quickstart(data)
    with open(os.path.join(data, "config.toml"), "a") as f:
        pass
    s = Server(data, extra_config="[limits]\naliases_per_domain_per_day = 3\n").start()
    try:
        codes = []
        for i in range(4):
            status, body = s.get("/api/aliases", token=s.token(), method="POST",
                                 body=json.dumps({"address": f"a{i}@example.com", "forwards": ["x@y.org"]}).encode())
            codes.append(status)
        # quickstart made one alias today: two more fit under 3, then the limit answers.
        assert codes == [201, 201, 429, 429], codes
    finally:
        s.stop()


def test_cli_password_change_and_removal_go_through_the_running_server_which_ends_open_sessions(data_dir, tmp_path):
    """While the owner is logged in, the mailbox is open in the server: only the server can end those
    sessions, so the CLI asks it (through the address it wrote in serve.lock) to do so first."""
    import imaplib
    from pop3_support import Pop3Server, add_mailbox, import_messages
    s = Pop3Server(data_dir).start()
    try:
        lock = open(os.path.join(data_dir, "serve.lock")).read()
        assert f"admin 127.0.0.1:{s.admin_port}" in lock
        second = subprocess.run([BINARY, "--data-dir", data_dir, "serve", "--config", s.config],
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 1 and "another sealmail serve runs" in second.stderr

        mb = add_mailbox(data_dir, "busy@example.com")
        import_messages(data_dir, mb, [b"Subject: kept\r\n\r\nacross the re-key\r\n"], str(tmp_path))
        imap = imaplib.IMAP4("127.0.0.1", s.imap_port, timeout=10)
        imap.login(mb.address, mb.password)
        assert imap.select("INBOX") == ("OK", [b"1"])
        r = run(data_dir, "alias", "password", mb.address, password=mb.password)
        new = r.stdout.strip()
        assert r.stdout == new + "\n" and len(new) == 35 and new != mb.password
        try:  # the server ended the session to re-key the mailbox under it
            imap.noop()
            imap.noop()
            ended = False
        except (imaplib.IMAP4.abort, OSError):
            ended = True
        assert ended
        imap = imaplib.IMAP4("127.0.0.1", s.imap_port, timeout=10)
        imap.login(mb.address, new)
        imap.select("INBOX")
        typ, data = imap.fetch("1", "(BODY.PEEK[])")
        assert typ == "OK" and data[0][1] == b"Subject: kept\r\n\r\nacross the re-key\r\n"
        wrong = run(data_dir, "alias", "password", mb.address, password="not it", check=False)
        assert wrong.returncode == 1 and "current password is wrong" in wrong.stderr

        run(data_dir, "alias", "remove", mb.address)  # while logged in again
        assert not os.path.exists(mb.file)
        assert mb.address not in run(data_dir, "alias", "list").stdout
    finally:
        s.stop()
    assert new not in s.read_log() and mb.password not in s.read_log()
    # With the server gone, the CLI works on the files itself.
    other = add_mailbox(data_dir, "later@example.com")
    assert run(data_dir, "alias", "password", other.address, password=other.password).stdout.strip() != other.password
