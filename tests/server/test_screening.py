"""Screening of inbound mail by its sender (issue 9), end to end with real services on loopback:
DNS blocklists served by a real NSD (RFC 5782 zones written here), greylisting with the server's
clock in a file ([greylist] clock_file), and a real rspamd from Debian started here with its own
configuration (no Redis), whose GTUBE test patterns make it answer "reject" or "add header".

The tests connect from other loopback addresses (127.0.0.2, 127.0.0.3, 127.0.0.4: Linux routes all
of 127.0.0.0/8 to lo) to be different clients. Loopback and private clients are never looked up
unless `check_private_clients = true`, which the DNSBL and greylist servers here set; one server
leaves it unset and shows that exemption. RFC 5782 §5: a DNSBL lists 127.0.0.2 as its test entry
and never 127.0.0.1, so the zones here do as real ones do."""
import os
import shutil
import signal
import smtplib
import ssl
import subprocess
import tempfile
import time
import urllib.request

import pytest

from conftest import free_port
from nsd_support import Nsd
from imap_support import fetch_by_subject
from smtp_support import DOMAIN, SmtpServer

RSPAMD = shutil.which("rspamd") or "/usr/bin/rspamd"
# rspamd's GTUBE-like test patterns (enable_test_patterns): X rejects, Y adds a header.
GTUBE_REJECT = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
GTUBE_HEADER = "YJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"


def zone(origin, records):
    return (f"$ORIGIN {origin}.\n$TTL 60\n@ IN SOA ns.{origin}. admin.{origin}. 1 3600 600 86400 60\n"
            f"@ IN NS ns.{origin}.\nns IN A 127.0.0.1\n" + "\n".join(records) + "\n")


@pytest.fixture(scope="module")
def nsd():
    n = Nsd({
        # RFC 5782 §5: 127.0.0.2 is listed (answer 127.0.0.2), 127.0.0.1 is not. 127.0.0.3 gets
        # Spamhaus's "public resolver" error answer, which must not count as a listing.
        "bl.test": zone("bl.test", ["2.0.0.127 IN A 127.0.0.2", '2.0.0.127 IN TXT "listed for a test"',
                                    "3.0.0.127 IN A 127.255.255.254"]),
        # A zone whose listings send mail to Junk.
        "junk.test": zone("junk.test", ["4.0.0.127 IN A 127.0.0.4"]),
        # A listing without a TXT record: the reply names the zone only.
        "bare.test": zone("bare.test", ["2.0.0.127 IN A 127.0.0.2"]),
    })
    yield n
    n.stop()


def start(tmp_path_factory, name, config):
    d = str(tmp_path_factory.mktemp(name))
    os.chmod(d, 0o700)
    s = SmtpServer(d, extra_config=config)
    s.add_domain()
    s.start()
    return s


_counter = [0]


def new_mailbox(server):
    _counter[0] += 1
    user = f"s{_counter[0]}@{DOMAIN}"
    return user, server.add_mailbox(user)


def message(to, subject, body="Hello.\r\n"):
    return (f"From: Alice <alice@example.org>\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{subject.replace(' ', '.')}@example.org>\r\n"
            f"\r\n{body}").encode()


def session(server, source="127.0.0.1"):
    s = smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=60, source_address=(source, 0))
    s.ehlo("client.example.org")
    return s


def rcpt_reply(server, source, to, sender="alice@example.org"):
    with session(server, source) as s:
        code, _ = s.mail(sender)
        assert code == 250
        return s.rcpt(to)


def send(server, source, to, subject, body="Hello.\r\n", sender="alice@example.org"):
    with session(server, source) as s:
        return s.sendmail(sender, [to], message(to, subject, body))


def fetch(server, user, password, subject, folder="INBOX", deadline=30):
    return fetch_by_subject(server, user, password, subject, folder, deadline)


def scan_header(stored):
    for line in stored.split(b"\r\n"):
        if line.lower().startswith(b"x-sealmail-scan:"):
            return line.split(b":", 1)[1].strip().decode()
        if not line:
            break
    return None


# --- DNS blocklists -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dnsbl_server(tmp_path_factory, nsd):
    s = start(tmp_path_factory, "dnsbl", (
        f'[authentication]\ndns_servers = ["127.0.0.1:{nsd.port}"]\n'
        '[dnsbl]\nzones = ["bl.test", { name = "junk.test", action = "junk" }]\ncheck_private_clients = true\n'))
    yield s
    assert s.stop() == 0, s.read_log()[-4000:]


def test_listed_client_is_refused_at_rcpt_naming_the_zone(dnsbl_server):
    user, _ = new_mailbox(dnsbl_server)
    code, text = rcpt_reply(dnsbl_server, "127.0.0.2", user)
    assert (code, text) == (554, b"5.7.1 Service unavailable; Client host [127.0.0.2] blocked using bl.test; "
                                 b"listed for a test")


def test_unlisted_client_and_an_error_answer_pass(dnsbl_server):
    user, password = new_mailbox(dnsbl_server)
    assert send(dnsbl_server, "127.0.0.1", user, "not listed") == {}
    assert "dnsbl=none" in scan_header(fetch(dnsbl_server, user, password, "not listed"))
    # 127.255.255.254 (Spamhaus: "query through a public resolver") is not a listing.
    assert send(dnsbl_server, "127.0.0.3", user, "error answer") == {}
    assert "dnsbl=none" in scan_header(fetch(dnsbl_server, user, password, "error answer"))


def test_junk_zone_sends_the_message_to_junk_with_the_reason(dnsbl_server):
    user, password = new_mailbox(dnsbl_server)
    assert send(dnsbl_server, "127.0.0.4", user, "junk listed") == {}
    stored = fetch(dnsbl_server, user, password, "junk listed", folder="Junk")
    assert "dnsbl=junk.test" in scan_header(stored)


def test_dnsbl_off_for_an_alias_or_a_domain(dnsbl_server):
    user, password = new_mailbox(dnsbl_server)
    dnsbl_server.cli("alias", "protections", user, "--set", "dnsbl=off")
    assert send(dnsbl_server, "127.0.0.2", user, "alias off") == {}
    assert "dnsbl" not in scan_header(fetch(dnsbl_server, user, password, "alias off"))
    other = "screened.example"
    dnsbl_server.add_domain(other)
    dnsbl_server.cli("domain", "protections", other, "--set", "dnsbl=off")
    user2 = f"d@{other}"
    password2 = dnsbl_server.add_mailbox(user2)
    assert send(dnsbl_server, "127.0.0.2", user2, "domain off") == {}
    fetch(dnsbl_server, user2, password2, "domain off")
    # The alias may turn it on again under a domain that has it off.
    user3 = f"e@{other}"
    dnsbl_server.add_mailbox(user3)
    dnsbl_server.cli("alias", "protections", user3, "--set", "dnsbl=on")
    assert rcpt_reply(dnsbl_server, "127.0.0.2", user3)[0] == 554


def test_protections_cli_shows_and_checks_the_switches(dnsbl_server):
    r = dnsbl_server.cli("domain", "protections", DOMAIN, "--set", "dnsbl=maybe", check=False)
    assert r.returncode != 0 and "dnsbl" in r.stderr
    user, _ = new_mailbox(dnsbl_server)
    out = dnsbl_server.cli("alias", "protections", user, "--set", "greylist=off").stdout
    assert "dnsbl        on      (default)" in out
    assert "greylist     off     (alias)" in out
    assert "rspamd       on      (default)" in out
    out = dnsbl_server.cli("alias", "protections", user, "--unset", "greylist").stdout
    assert "greylist     on      (default)" in out


# --- greylisting ----------------------------------------------------------------------------------

T0 = 1_800_000_000


@pytest.fixture(scope="module")
def grey_server(tmp_path_factory, nsd):
    clock = str(tmp_path_factory.mktemp("clock") / "now")
    with open(clock, "w") as f:
        f.write(str(T0))
    # DNSBL zones too, but without check_private_clients: the loopback clients here are never
    # looked up (127.0.0.2 is listed in bl.test, and passes).
    s = start(tmp_path_factory, "grey", (
        f'[authentication]\ndns_servers = ["127.0.0.1:{nsd.port}"]\n'
        '[dnsbl]\nzones = ["bl.test"]\n'
        f'[greylist]\nenabled = true\ndelay_seconds = 300\nclock_file = "{clock}"\ncheck_private_clients = true\n'))
    s.clock = clock
    yield s
    assert s.stop() == 0, s.read_log()[-4000:]


def set_clock(server, t):
    with open(server.clock, "w") as f:
        f.write(str(t))


def test_greylisting_defers_a_new_triplet_then_passes_its_retry(grey_server):
    user, password = new_mailbox(grey_server)
    set_clock(grey_server, T0)
    assert rcpt_reply(grey_server, "127.0.0.2", user) == (451, b"4.7.1 Greylisted, try again in 300 seconds")
    set_clock(grey_server, T0 + 299)
    assert rcpt_reply(grey_server, "127.0.0.2", user) == (451, b"4.7.1 Greylisted, try again in 1 seconds")
    set_clock(grey_server, T0 + 300)
    # Another host of the same /24 retries: the same triplet. 127.0.0.2 is in bl.test, but
    # loopback clients are not looked up here.
    assert send(grey_server, "127.0.0.5", user, "after the delay") == {}
    fetch(grey_server, user, password, "after the delay")
    # Remembered: later mail of the triplet passes at once.
    set_clock(grey_server, T0 + 10 * 86400)
    assert send(grey_server, "127.0.0.2", user, "ten days later") == {}
    # Another sender, or another recipient, is a new triplet.
    assert rcpt_reply(grey_server, "127.0.0.2", user, sender="bob@example.org")[0] == 451
    user2, _ = new_mailbox(grey_server)
    assert rcpt_reply(grey_server, "127.0.0.2", user2)[0] == 451


def test_greylist_store_holds_no_address_and_survives_a_restart(grey_server):
    user, password = new_mailbox(grey_server)
    set_clock(grey_server, T0 + 20 * 86400)
    assert rcpt_reply(grey_server, "127.0.0.1", user, sender="restart@example.org")[0] == 451
    set_clock(grey_server, T0 + 20 * 86400 + 301)
    assert send(grey_server, "127.0.0.1", user, "before restart", sender="restart@example.org") == {}
    assert grey_server.stop() == 0
    data = b""
    for name in os.listdir(grey_server.data_dir):
        if name.startswith("greylist"):
            with open(os.path.join(grey_server.data_dir, name), "rb") as f:
                data += f.read()
    assert data, os.listdir(grey_server.data_dir)
    for secret in (user.encode(), b"restart@example.org", b"example.org", b"127.0.0"):
        assert secret not in data
    grey_server.start()
    assert send(grey_server, "127.0.0.1", user, "after restart", sender="restart@example.org") == {}
    fetch(grey_server, user, password, "after restart")


def test_greylist_off_for_an_alias(grey_server):
    user, password = new_mailbox(grey_server)
    grey_server.cli("alias", "protections", user, "--set", "greylist=off")
    assert send(grey_server, "127.0.0.1", user, "not greylisted", sender="fresh@example.org") == {}
    fetch(grey_server, user, password, "not greylisted")


# --- rspamd ---------------------------------------------------------------------------------------

class Rspamd:
    """rspamd in the foreground with a configuration of its own (no Redis, none of Debian's Lua
    rules: the GTUBE patterns are in its core, and one custom rule is written here), on a loopback
    port."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="rspamd-")
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        with open(os.path.join(self.dir, "rspamd.conf"), "w") as f:
            f.write(f'options {{\n  pidfile = "{self.dir}/rspamd.pid";\n  enable_test_patterns = true;\n'
                    f'  dns {{ nameserver = ["127.0.0.1:{free_port()}"]; timeout = 1s; retransmits = 1; }}\n}}\n'
                    f'logging {{ type = "file"; filename = "{self.dir}/rspamd.log"; level = "info"; }}\n'
                    f'worker "normal" {{ bind_socket = "127.0.0.1:{self.port}"; count = 1; }}\n'
                    'actions { reject = 15; add_header = 6; greylist = 4; }\n'
                    f'lua = "{self.dir}/rules.lua";\n')
        # A custom rule: its score (5) is between greylist (4) and add_header (6).
        with open(os.path.join(self.dir, "rules.lua"), "w") as f:
            f.write("rspamd_config.SEALMAIL_TEST_GREY = {\n"
                    "  callback = function(task)\n"
                    "    return tostring(task:get_content()):find('SEALMAIL%-GREYLIST%-ME') ~= nil\n"
                    "  end,\n  score = 5.0,\n  description = 'sealmail test: a greylist score',\n}\n")
        args = [RSPAMD, "-f", "-c", os.path.join(self.dir, "rspamd.conf"), "--var", f"DBDIR={self.dir}",
                "--var", f"RUNDIR={self.dir}", "--var", f"LOGDIR={self.dir}"]
        if os.geteuid() == 0:
            args.append("-i")  # rspamd refuses root workers unless told (or given -u/-g)
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     env=dict(os.environ, TMPDIR=self.dir))
        deadline = time.monotonic() + 180  # it compiles its TLD list at start: slow on a busy CI
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log()
            if self.ready():
                return
            time.sleep(0.2)
        raise RuntimeError("rspamd did not start: " + self.log())

    def ready(self):
        try:
            req = urllib.request.Request(f"http://127.0.0.1:{self.port}/checkv2", data=b"Subject: ping\r\n\r\nx\r\n")
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status == 200
        except OSError:
            return False

    def log(self):
        try:
            with open(os.path.join(self.dir, "rspamd.log")) as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def rspamd():
    r = Rspamd()
    yield r
    r.stop()


@pytest.fixture(scope="module")
def rspamd_server(tmp_path_factory, rspamd):
    s = start(tmp_path_factory, "rspamd", f'[rspamd]\nurl = "http://127.0.0.1:{rspamd.port}"\ntimeout_ms = 30000\n')
    yield s
    assert s.stop() == 0, s.read_log()[-4000:]


def test_rspamd_reject_is_refused_at_data(rspamd_server):
    user, password = new_mailbox(rspamd_server)
    with pytest.raises(smtplib.SMTPDataError) as e:
        send(rspamd_server, "127.0.0.1", user, "gtube reject", body=GTUBE_REJECT + "\r\n")
    assert (e.value.smtp_code, e.value.smtp_error) == (554, b"5.7.1 Message refused as spam")
    assert send(rspamd_server, "127.0.0.1", user, "after the refusal") == {}
    m = rspamd_server.imaplib()
    m.login(user, password)
    m.select("INBOX", readonly=True)
    assert m.uid("SEARCH", None, "HEADER", "Subject", '"gtube reject"')[1][0] == b""
    m.logout()


def test_rspamd_add_header_goes_to_junk_with_score_and_symbols(rspamd_server):
    user, password = new_mailbox(rspamd_server)
    assert send(rspamd_server, "127.0.0.1", user, "gtube header", body=GTUBE_HEADER + "\r\n") == {}
    header = scan_header(fetch(rspamd_server, user, password, "gtube header", folder="Junk"))
    assert "rspamd=add header (score " in header and "symbols GTUBE)" in header, header


def test_rspamd_no_action_is_delivered(rspamd_server):
    user, password = new_mailbox(rspamd_server)
    assert send(rspamd_server, "127.0.0.1", user, "plain mail") == {}
    header = scan_header(fetch(rspamd_server, user, password, "plain mail"))
    assert "rspamd=no action (score " in header, header


def test_rspamd_greylist_action_defers_at_data(rspamd_server):
    user, _ = new_mailbox(rspamd_server)
    with pytest.raises(smtplib.SMTPDataError) as e:
        send(rspamd_server, "127.0.0.1", user, "custom rule", body="SEALMAIL-GREYLIST-ME\r\n")
    assert (e.value.smtp_code, e.value.smtp_error) == (
        451, b"4.7.1 Message deferred by the spam scanner, try again later")


def test_rspamd_off_for_an_alias(rspamd_server):
    user, password = new_mailbox(rspamd_server)
    rspamd_server.cli("alias", "protections", user, "--set", "rspamd=off")
    assert send(rspamd_server, "127.0.0.1", user, "gtube unchecked", body=GTUBE_REJECT + "\r\n") == {}
    assert "rspamd" not in scan_header(fetch(rspamd_server, user, password, "gtube unchecked"))


@pytest.mark.parametrize("choice", ["defer", "accept"])
def test_rspamd_down(tmp_path_factory, choice):
    closed = free_port()
    s = start(tmp_path_factory, "rspamd-down-" + choice,
              f'[rspamd]\nurl = "http://127.0.0.1:{closed}"\ntimeout_ms = 2000\nunavailable = "{choice}"\n')
    try:
        user, password = new_mailbox(s)
        if choice == "defer":
            with pytest.raises(smtplib.SMTPDataError) as e:
                send(s, "127.0.0.1", user, "scanner down")
            assert (e.value.smtp_code, e.value.smtp_error) == (451, b"4.7.1 Spam scanner unavailable, try again later")
        else:
            assert send(s, "127.0.0.1", user, "scanner down") == {}
            assert "rspamd=unavailable" in scan_header(fetch(s, user, password, "scanner down"))
    finally:
        assert s.stop() == 0, s.read_log()[-4000:]


def test_bad_screening_config_stops_the_start(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("badcfg"))
    os.chmod(d, 0o700)
    s = SmtpServer(d, extra_config='[dnsbl]\nzones = [{ name = "bl.test", action = "drop" }]\n')
    with pytest.raises(RuntimeError) as e:
        s.start()
    assert "dnsbl.zones.action" in str(e.value)


# --- what is never screened, and a reload ---------------------------------------------------------

def test_submission_logins_are_never_screened(tmp_path_factory, nsd):
    """A client listed in bl.test, greylisting on and rspamd down (defer): the MX refuses it, but
    the same client logged in on `submission` sends to a local mailbox at once."""
    clock = str(tmp_path_factory.mktemp("clock-sub") / "now")
    with open(clock, "w") as f:
        f.write(str(T0))
    d = str(tmp_path_factory.mktemp("sub"))
    os.chmod(d, 0o700)
    s = SmtpServer(d, extra_config=(
        f'[authentication]\ndns_servers = ["127.0.0.1:{nsd.port}"]\n'
        '[dnsbl]\nzones = ["bl.test"]\ncheck_private_clients = true\n'
        f'[greylist]\nenabled = true\nclock_file = "{clock}"\ncheck_private_clients = true\n'
        f'[rspamd]\nurl = "http://127.0.0.1:{free_port()}"\ntimeout_ms = 2000\n'))
    submission_port = free_port()
    with open(s.config) as f:
        text = f.read()
    with open(s.config, "w") as f:
        f.write(text.replace('submission = "off"', f'submission = "127.0.0.1:{submission_port}"'))
    s.add_domain()
    sender, sender_password = new_mailbox(s)
    user, password = new_mailbox(s)
    s.start()
    try:
        assert rcpt_reply(s, "127.0.0.2", user)[0] == 554
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with smtplib.SMTP("127.0.0.1", submission_port, timeout=60, source_address=("127.0.0.2", 0)) as c:
            c.ehlo("client.example.org")
            c.starttls(context=ctx)
            c.ehlo("client.example.org")
            c.login(sender, sender_password)
            assert c.sendmail(sender, [user], message(user, "from a login").replace(
                b"From: Alice <alice@example.org>", f"From: <{sender}>".encode())) == {}
        stored = fetch(s, user, password, "from a login")
        header = scan_header(stored) or ""
        assert "dnsbl" not in header and "rspamd" not in header
    finally:
        assert s.stop() == 0, s.read_log()[-4000:]


def test_zones_added_by_a_reload_apply_to_new_connections(tmp_path_factory, nsd):
    s = start(tmp_path_factory, "reload", f'[authentication]\ndns_servers = ["127.0.0.1:{nsd.port}"]\n')
    try:
        user, _ = new_mailbox(s)
        assert rcpt_reply(s, "127.0.0.2", user)[0] == 250
        with open(s.config, "a") as f:
            # Two zones asked at once: junk.test (here with the default action, refuse) does not
            # list 127.0.0.2, bare.test does.
            f.write('[dnsbl]\nzones = ["junk.test", "bare.test"]\ncheck_private_clients = true\n')
        s.proc.send_signal(signal.SIGHUP)
        assert s.wait_for_log("event=reloaded", timeout=60)
        # A zone without a TXT record for the listing: the reply names the zone only.
        assert rcpt_reply(s, "127.0.0.2", user) == (
            554, b"5.7.1 Service unavailable; Client host [127.0.0.2] blocked using bare.test")
        # A bad table is refused by the reload and changes nothing.
        with open(s.config, "a") as f:
            f.write("[greylist]\ndelay_seconds = -5\n")
        s.proc.send_signal(signal.SIGHUP)
        assert s.wait_for_log("greylist.delay_seconds", timeout=60)
        assert rcpt_reply(s, "127.0.0.2", user)[0] == 554
    finally:
        assert s.stop() == 0, s.read_log()[-4000:]


def test_listings_are_cached_for_their_ttl(tmp_path_factory):
    """The DNSBL answer is kept for its TTL (60 s here) in mail authentication's DNS cache: with
    the zone's server gone, the next session of the listed client is still refused (without the
    cache the lookup would fail, which counts as "not listed")."""
    own = Nsd({"bl.test": zone("bl.test", ["2.0.0.127 IN A 127.0.0.2"])})
    s = start(tmp_path_factory, "cache", f'[authentication]\ndns_servers = ["127.0.0.1:{own.port}"]\n'
              '[dnsbl]\nzones = ["bl.test"]\ncheck_private_clients = true\n')
    try:
        user, _ = new_mailbox(s)
        assert rcpt_reply(s, "127.0.0.2", user)[0] == 554
        own.stop()
        assert rcpt_reply(s, "127.0.0.2", user)[0] == 554
        # A client never looked up before now gets no answer: not listed.
        assert rcpt_reply(s, "127.0.0.6", user)[0] == 250
    finally:
        assert s.stop() == 0, s.read_log()[-4000:]
