"""The outbound queue's transport security and connection reuse (issue 8), end to end on loopback:
`sealmail serve`, NSD serving an unsigned zone (s.test: MTA-STS domains) and a zone signed in the
test with ldns-keygen/ldns-signzone (d.example: DANE), SMTP sinks (aiosmtpd, queue_sink.py) offering
STARTTLS with a certificate from a CA made here, and an HTTPS server (Python's http.server) serving
the MTA-STS policies. The policy host mta-sts.<domain> is named in the zone (A 127.0.0.1); serve
resolves it with its own DNS servers and hands the address to libcurl (CURLOPT_RESOLVE), on the port
and with the CA of [delivery] mta_sts_https_port and extra_ca_file.

  RFC 8461 enforce: delivered over TLS to the MX the policy names; an MX it does not name, or whose
  certificate does not verify for its name, gets nothing (deferred). testing: delivered anyway, and
  each failure (MX not named, certificate not verified, no STARTTLS) reported: a log line with the
  reason only, and a counter.
  RFC 7672: a matching TLSA record (3 1 1 of the sink's key) delivers over TLS; a wrong one defers
  and the host never sees the message; an unsigned domain is delivered as before, and so is a
  signed domain whose MX host's addresses are not secure (§2.2.2: an MX into an unsigned zone, or a
  signed MX name that is a CNAME into one, even with a secure TLSA record at that name).
  Connection reuse: five messages to one host over one connection (queue_per_destination = 1),
  closed after connection_idle_seconds."""
import glob
import http.server
import json
import os
import ssl
import subprocess
import threading
import uuid

import pytest

from nsd_support import Nsd, start_ready
from smtp_support import DOMAIN, SmtpServer, sink_received, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
SINK = os.path.join(HERE, "queue_sink.py")
SENDER = f"sender@{DOMAIN}"

HOSTS = {"mx-good.s.test": "127.0.0.20", "mx-other.s.test": "127.0.0.21", "mx-nocert.s.test": "127.0.0.22",
         "mx-reuse.s.test": "127.0.0.23", "mx-plain.s.test": "127.0.0.24",
         "mx-notls.s.test": "127.0.0.26",  # never offers STARTTLS (queue_sink.py "plain")
         "mx-badname.s.test": "127.0.0.27",  # not named by the certificate, like mx-nocert
         "mx-dgood.d.example": "127.0.0.30", "mx-dwrong.d.example": "127.0.0.31",
         # MX hosts of the signed d.example whose addresses are in the unsigned s.test (RFC 7672 §2.2.2).
         "mx-dins.s.test": "127.0.0.32", "mx-dout.s.test": "127.0.0.33",
         # Targets of secure CNAMEs inside d.example (the TLSA base domain is the expanded name first).
         "mx-dr1.d.example": "127.0.0.34", "mx-dr2.d.example": "127.0.0.35", "mx-dr3.d.example": "127.0.0.36"}
# The certificate's names: every host but mx-nocert and mx-badname, and the policy hosts.
CERT_NAMES = [h for h in HOSTS if h not in ("mx-nocert.s.test", "mx-badname.s.test")] + [
    "mta-sts.enforce.s.test", "mta-sts.unlisted.s.test", "mta-sts.nocert.s.test", "mta-sts.testing.s.test",
    "mta-sts.testcert.s.test", "mta-sts.testplain.s.test", "mta-sts.testgood.s.test"]

POLICIES = {
    "enforce.s.test": "version: STSv1\r\nmode: enforce\r\nmx: mx-good.s.test\r\nmax_age: 86400\r\n",
    "unlisted.s.test": "version: STSv1\r\nmode: enforce\r\nmx: mx-good.s.test\r\nmax_age: 86400\r\n",
    "nocert.s.test": "version: STSv1\r\nmode: enforce\r\nmx: *.s.test\r\nmax_age: 86400\r\n",
    "testing.s.test": "version: STSv1\r\nmode: testing\r\nmx: mx-good.s.test\r\nmax_age: 86400\r\n",
    "testcert.s.test": "version: STSv1\r\nmode: testing\r\nmx: *.s.test\r\nmax_age: 86400\r\n",
    "testplain.s.test": "version: STSv1\r\nmode: testing\r\nmx: mx-notls.s.test\r\nmax_age: 86400\r\n",
    "testgood.s.test": "version: STSv1\r\nmode: testing\r\nmx: mx-good.s.test\r\nmax_age: 86400\r\n",
}
MX = {"enforce.s.test": "mx-good.s.test", "unlisted.s.test": "mx-other.s.test", "nocert.s.test": "mx-nocert.s.test",
      "testing.s.test": "mx-other.s.test", "reuse.s.test": "mx-reuse.s.test", "plain.s.test": "mx-plain.s.test",
      "testcert.s.test": "mx-badname.s.test", "testplain.s.test": "mx-notls.s.test",
      "testgood.s.test": "mx-good.s.test"}


def run(*args, cwd=None):
    return subprocess.run(args, cwd=cwd, check=True, capture_output=True, text=True).stdout


def make_certificates(d):
    """A CA, and one certificate for CERT_NAMES signed by it."""
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
        "-subj", "/CN=sealmail test CA", "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.pem")
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=sink",
        "-keyout", f"{d}/leaf.key", "-out", f"{d}/leaf.csr")
    with open(f"{d}/ext.cnf", "w") as f:
        f.write("subjectAltName=" + ",".join("DNS:" + n for n in CERT_NAMES) + "\n")
    run("openssl", "x509", "-req", "-in", f"{d}/leaf.csr", "-CA", f"{d}/ca.pem", "-CAkey", f"{d}/ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", f"{d}/ext.cnf", "-out", f"{d}/leaf.pem")
    # TLSA 3 1 1: SHA-256 of the certificate's SubjectPublicKeyInfo (RFC 6698 §2.1).
    spki = subprocess.run(["openssl", "x509", "-in", f"{d}/leaf.pem", "-pubkey", "-noout"], check=True,
                          capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=spki, check=True,
                         capture_output=True).stdout
    import hashlib
    return hashlib.sha256(der).hexdigest()


def signed_zone(d, spki_sha256):
    """d.example signed by ldns-signzone with keys made here; returns (zone text, DS trust anchor file)."""
    zone = ("$ORIGIN d.example.\n$TTL 60\n@ IN SOA ns.d.example. admin.d.example. 1 3600 600 86400 60\n@ IN NS ns.d.example.\n"
            "ns IN A 127.0.0.1\n"
            "good IN MX 10 mx-dgood.d.example.\nmx-dgood IN A 127.0.0.30\n"
            f"_25._tcp.mx-dgood IN TLSA 3 1 1 {spki_sha256}\n"
            "wrong IN MX 10 mx-dwrong.d.example.\nmx-dwrong IN A 127.0.0.31\n"
            f"_25._tcp.mx-dwrong IN TLSA 3 1 1 {'00' * 32}\n"
            # A secure MX into the unsigned s.test (its TLSA there is insecure too).
            "outside IN MX 10 mx-dout.s.test.\n"
            # A secure MX name and a secure (wrong) TLSA record, but the name is a CNAME into the
            # unsigned s.test: its addresses are insecure, so the TLSA record must not be used.
            "alias IN MX 10 mx-dalias.d.example.\nmx-dalias IN CNAME mx-dins.s.test.\n"
            f"_25._tcp.mx-dalias IN TLSA 3 1 1 {'00' * 32}\n"
            # Secure CNAME chains (RFC 7672 §2.2.2): the expanded name's TLSA records come first,
            # the MX host name's only when the expanded name has none.
            "cname1 IN MX 10 mx-dc1.d.example.\nmx-dc1 IN CNAME mx-dr1.d.example.\nmx-dr1 IN A 127.0.0.34\n"
            f"_25._tcp.mx-dr1 IN TLSA 3 1 1 {'00' * 32}\n"
            "cname2 IN MX 10 mx-dc2.d.example.\nmx-dc2 IN CNAME mx-dr2.d.example.\nmx-dr2 IN A 127.0.0.35\n"
            f"_25._tcp.mx-dr2 IN TLSA 3 1 1 {spki_sha256}\n_25._tcp.mx-dc2 IN TLSA 3 1 1 {'00' * 32}\n"
            "cname3 IN MX 10 mx-dc3.d.example.\nmx-dc3 IN CNAME mx-dr3.d.example.\nmx-dr3 IN A 127.0.0.36\n"
            f"_25._tcp.mx-dc3 IN TLSA 3 1 1 {'00' * 32}\n")
    zd = os.path.join(d, "zone")
    os.makedirs(zd)
    with open(f"{zd}/d.example.zone", "w") as f:
        f.write(zone)
    ksk = run("ldns-keygen", "-a", "ECDSAP256SHA256", "-k", "d.example", cwd=zd).strip()
    zsk = run("ldns-keygen", "-a", "ECDSAP256SHA256", "d.example", cwd=zd).strip()
    run("ldns-signzone", "d.example.zone", ksk, zsk, cwd=zd)
    with open(f"{zd}/d.example.zone.signed") as f:
        signed = f.read()
    return signed, f"{zd}/{ksk}.ds"


def s_zone():
    z = ("$ORIGIN s.test.\n$TTL 60\n@ IN SOA ns.s.test. admin.s.test. 1 3600 600 86400 60\n@ IN NS ns.s.test.\n"
         "ns IN A 127.0.0.1\n")
    for host, addr in HOSTS.items():
        if host.endswith(".s.test"):
            z += f"{host}. IN A {addr}\n"
    for domain, mx in MX.items():
        z += f"{domain}. IN MX 10 {mx}.\n"
    z += f"_25._tcp.mx-dout.s.test. IN TLSA 3 1 1 {'00' * 32}\n"
    for i, domain in enumerate(POLICIES):
        z += f'_mta-sts.{domain}. IN TXT "v=STSv1; id=pol{i};"\nmta-sts.{domain}. IN A 127.0.0.1\n'
    return z


class PolicyHandler(http.server.BaseHTTPRequestHandler):
    served = []

    def do_GET(self):
        host = self.headers.get("Host", "").split(":")[0]
        domain = host[len("mta-sts."):] if host.startswith("mta-sts.") else ""
        if self.path != "/.well-known/mta-sts.txt" or domain not in POLICIES:
            self.send_error(404)
            return
        PolicyHandler.served.append(domain)
        body = POLICIES[domain].encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    base = tmp_path_factory.mktemp("queue-security")
    d = str(base)
    spki = make_certificates(d)
    signed, anchor = signed_zone(d, spki)
    nsd = Nsd({"s.test": s_zone(), "d.example": signed})
    https = http.server.ThreadingHTTPServer(("127.0.0.1", 0), PolicyHandler)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(f"{d}/leaf.pem", f"{d}/leaf.key")
    https.socket = ctx.wrap_socket(https.socket, server_side=True)
    threading.Thread(target=https.serve_forever, daemon=True).start()
    sink_dir = f"{d}/sink"
    os.makedirs(sink_dir)
    binds = [a for host, addr in HOSTS.items()
             for a in ("--bind", f"{addr}={'plain' if host == 'mx-notls.s.test' else 'ok'}")]
    sink, sink_port = start_ready(["/usr/bin/python3", SINK, "--dir", sink_dir, "--tls-cert", f"{d}/leaf.pem",
                                   "--tls-key", f"{d}/leaf.key", *binds])
    data = f"{d}/data"
    os.makedirs(data, mode=0o700)
    server = SmtpServer(data, extra_config=(
        f'[delivery]\ndns_servers = ["127.0.0.1:{nsd.port}"]\nsmtp_port = {sink_port}\n'
        f'allow_private_targets = true\nextra_ca_file = "{d}/ca.pem"\n'
        f'mta_sts_https_port = {https.server_address[1]}\ndnssec_trust_anchor = "{anchor}"\n'
        f'queue_per_destination = 1\nconnection_idle_seconds = 10\n'))
    server.add_domain()
    server.add_mailbox(SENDER)
    server.start()
    b = type("Bench", (), {})()
    b.server, b.sink_dir, b.data = server, sink_dir, data
    yield b
    server.stop()
    sink.terminate()
    sink.wait(timeout=10)
    https.shutdown()
    nsd.close()


def inject(b, to, subject):
    path = os.path.join(b.data, "out-" + uuid.uuid4().hex + ".eml")
    with open(path, "wb") as f:
        f.write((f"From: {SENDER}\r\nTo: {to}\r\nSubject: {subject}\r\n"
                 f"Message-ID: <{uuid.uuid4().hex}@{DOMAIN}>\r\n\r\nHello.\r\n").encode())
    qid = b.server.cli("queue", "inject", "--from", SENDER, "--to", to, path).stdout.strip()
    os.remove(path)
    return qid


def entry(b, qid):
    r = b.server.cli("queue", "show", "--json", qid, check=False)
    return json.loads(r.stdout) if r.returncode == 0 else None


def tried(b, qid):
    """The recipient's state once an attempt has been made (its last reply is set)."""
    e = entry(b, qid)
    if e and e["recipients"][0].get("code"):
        return e["recipients"][0]
    return None


def count(b, name, address):
    try:
        with open(os.path.join(b.sink_dir, f"{name}-{address}")) as f:
            return int(f.read())
    except OSError:
        return 0


def received_at(b, address):
    return [json.load(open(p)) for p in glob.glob(os.path.join(b.sink_dir, f"{address}-*.json"))]


def test_mta_sts_enforce_delivers_over_verified_tls_to_the_listed_mx(bench):
    subject = "sts enforce " + uuid.uuid4().hex
    inject(bench, "u@enforce.s.test", subject)
    msg = wait_for(lambda: sink_received(bench.sink_dir, subject))
    meta = [m for m in received_at(bench, HOSTS["mx-good.s.test"])]
    assert meta and all(m["tls"] for m in meta)
    assert "enforce.s.test" in PolicyHandler.served  # the policy was fetched over HTTPS


def test_mta_sts_enforce_defers_an_mx_the_policy_does_not_name(bench):
    qid = inject(bench, "u@unlisted.s.test", "sts unlisted " + uuid.uuid4().hex)
    r = wait_for(lambda: tried(bench, qid))
    assert r["state"] == "pending" and r["code"] == 451, r
    assert r["enhanced"] == "4.7.5", r
    assert count(bench, "connections", HOSTS["mx-other.s.test"]) == 0  # never even connected


def test_mta_sts_enforce_defers_when_the_certificate_does_not_name_the_mx(bench):
    qid = inject(bench, "u@nocert.s.test", "sts nocert " + uuid.uuid4().hex)
    r = wait_for(lambda: tried(bench, qid))
    assert r["state"] == "pending" and r["code"] == 451, r
    assert received_at(bench, HOSTS["mx-nocert.s.test"]) == []  # no fallback to cleartext


def sts_testing_reports(b, reason):
    """The server's reports of MTA-STS testing-mode failures with this reason: log lines (which
    must name neither the domain nor the host nor an address) and the counter."""
    lines = [l for l in b.server.read_log().splitlines()
             if "event=queue.mta_sts_testing_failure" in l and f"reason={reason}" in l]
    for l in lines:
        assert ".s.test" not in l and "@" not in l and "127.0.0." not in l, l
    status, text = b.server.get("/metrics")
    assert status == 200
    counted = 0
    for l in text.splitlines():
        if l.startswith("sealmail_queue_mta_sts_testing_failures_total{") and f'reason="{reason}"' in l:
            counted = float(l.split()[-1])
    return (len(lines), counted) if lines and counted >= 1 else None


def test_mta_sts_testing_delivers_anyway_and_reports_an_mx_not_in_the_policy(bench):
    """RFC 8461 §5, mode testing: the MX is not the policy's, the message goes anyway, and the
    failure is reported (log line with the reason, counter)."""
    subject = "sts testing " + uuid.uuid4().hex
    inject(bench, "u@testing.s.test", subject)
    wait_for(lambda: sink_received(bench.sink_dir, subject))
    wait_for(lambda: sts_testing_reports(bench, "mx_not_in_policy"))


def test_mta_sts_testing_delivers_anyway_and_reports_a_certificate_that_does_not_verify(bench):
    """Mode testing, the MX matches the policy but its certificate does not name it: delivered over
    TLS all the same, reported as certificate_not_verified."""
    subject = "sts testcert " + uuid.uuid4().hex
    inject(bench, "u@testcert.s.test", subject)
    wait_for(lambda: sink_received(bench.sink_dir, subject))
    assert all(m["tls"] for m in received_at(bench, HOSTS["mx-badname.s.test"]))
    wait_for(lambda: sts_testing_reports(bench, "certificate_not_verified"))


def test_mta_sts_testing_reports_nothing_when_the_policy_is_met(bench):
    """Mode testing, the listed MX offers STARTTLS with a certificate valid for its name: nothing to
    report (the certificate check passes; counted over this delivery alone)."""
    def counts():
        return [sum(1 for l in bench.server.read_log().splitlines()
                    if "event=queue.mta_sts_testing_failure" in l and f"reason={r}" in l)
                for r in ("mx_not_in_policy", "certificate_not_verified", "no_tls")]
    before = counts()
    subject = "sts testgood " + uuid.uuid4().hex
    qid = inject(bench, "u@testgood.s.test", subject)
    wait_for(lambda: sink_received(bench.sink_dir, subject))
    # Retired (left the queue): the session and its checks are behind it.
    wait_for(lambda: qid not in [e["id"] for e in json.loads(bench.server.cli("queue", "list", "--json").stdout)])
    assert counts() == before


def test_mta_sts_testing_delivers_anyway_and_reports_no_starttls(bench):
    """Mode testing, the MX matches the policy but offers no STARTTLS: delivered in cleartext,
    reported as no_tls."""
    subject = "sts testplain " + uuid.uuid4().hex
    inject(bench, "u@testplain.s.test", subject)
    wait_for(lambda: sink_received(bench.sink_dir, subject))
    assert not any(m["tls"] for m in received_at(bench, HOSTS["mx-notls.s.test"]))
    wait_for(lambda: sts_testing_reports(bench, "no_tls"))


def test_dane_matching_tlsa_delivers_over_tls(bench):
    subject = "dane good " + uuid.uuid4().hex
    inject(bench, "u@good.d.example", subject)
    wait_for(lambda: sink_received(bench.sink_dir, subject))
    assert all(m["tls"] for m in received_at(bench, HOSTS["mx-dgood.d.example"]))


def test_dane_wrong_tlsa_defers_and_sends_nothing(bench):
    qid = inject(bench, "u@wrong.d.example", "dane wrong " + uuid.uuid4().hex)
    r = wait_for(lambda: tried(bench, qid))
    assert r["state"] == "pending" and r["code"] == 451 and r["enhanced"] == "4.7.5", r
    assert received_at(bench, HOSTS["mx-dwrong.d.example"]) == []


def test_dane_not_applied_to_an_mx_host_in_an_unsigned_zone(bench):
    """RFC 7672 §2.2.2: the MX answer is secure but the host's A record is not: no DANE (its wrong
    TLSA record is not used), delivered opportunistically (STARTTLS, as the sink offers it)."""
    subject = "dane outside " + uuid.uuid4().hex
    inject(bench, "u@outside.d.example", subject)
    wait_for(lambda: sink_received(bench.sink_dir, subject))
    assert all(m["tls"] for m in received_at(bench, HOSTS["mx-dout.s.test"]))


def test_dane_not_applied_when_the_mx_name_leads_to_insecure_addresses(bench):
    """RFC 7672 §2.2.2: the MX answer and the TLSA record at the MX name are both secure, but the
    name is a CNAME into an unsigned zone: the addresses are insecure, so the (wrong) TLSA record
    is not applied and the message is delivered opportunistically instead of deferred."""
    subject = "dane alias " + uuid.uuid4().hex
    inject(bench, "u@alias.d.example", subject)
    wait_for(lambda: sink_received(bench.sink_dir, subject))
    assert all(m["tls"] for m in received_at(bench, HOSTS["mx-dins.s.test"]))


def test_dane_uses_the_tlsa_records_of_the_cname_expanded_mx_name_first(bench):
    """RFC 7672 §2.2.2: the MX host name is a secure CNAME. A wrong TLSA record at the expanded
    name defers (the MX name itself has none); a matching one there delivers although the MX name
    has a wrong one; with none at the expanded name, the MX name's (wrong) record applies."""
    q1 = inject(bench, "u@cname1.d.example", "dane cname1 " + uuid.uuid4().hex)
    subject = "dane cname2 " + uuid.uuid4().hex
    inject(bench, "u@cname2.d.example", subject)
    q3 = inject(bench, "u@cname3.d.example", "dane cname3 " + uuid.uuid4().hex)
    wait_for(lambda: sink_received(bench.sink_dir, subject))
    assert all(m["tls"] for m in received_at(bench, HOSTS["mx-dr2.d.example"]))
    for qid, host in ((q1, "mx-dr1.d.example"), (q3, "mx-dr3.d.example")):
        r = wait_for(lambda: tried(bench, qid))
        assert r["state"] == "pending" and r["code"] == 451 and r["enhanced"] == "4.7.5", r
        assert received_at(bench, HOSTS[host]) == []


def test_unsigned_domain_without_policy_is_opportunistic_as_before(bench):
    subject = "plain " + uuid.uuid4().hex
    inject(bench, "u@plain.s.test", subject)
    wait_for(lambda: sink_received(bench.sink_dir, subject))
    assert all(m["tls"] for m in received_at(bench, HOSTS["mx-plain.s.test"]))  # STARTTLS when offered


def test_five_messages_to_one_host_share_one_connection_closed_when_idle(bench):
    address = HOSTS["mx-reuse.s.test"]
    subjects = ["reuse %d %s" % (i, uuid.uuid4().hex) for i in range(5)]
    for s in subjects:
        inject(bench, "u@reuse.s.test", s)
    for s in subjects:
        wait_for(lambda: sink_received(bench.sink_dir, s))
    assert count(bench, "connections", address) == 1
    # connection_idle_seconds = 10: the queue closes it (QUIT) once idle.
    wait_for(lambda: count(bench, "open", address) == 0 and os.path.exists(
        os.path.join(bench.sink_dir, "open-" + address)), timeout=30)
