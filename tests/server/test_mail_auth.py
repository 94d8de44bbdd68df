"""Authentication of inbound mail at the MX (issue 9), end to end with real services on loopback:
a real DNS server (NSD from Debian) holds SPF records of every kind, DKIM keys (RSA and Ed25519),
DMARC policies and ARC keys; messages are signed by an independent signer (Python's dkim, dkimpy,
from Debian) and sent with smtplib; what is stored is read over IMAP and its Authentication-Results
field parsed (RFC 8601). DMARC p=reject is answered 550 5.7.1 at DATA, p=quarantine lands in Junk.
An ARC chain made by dkimpy's arc_sign is checked by us, and the ARC set we add when forwarding
(to an aiosmtpd sink) is checked by dkimpy's arc_verify."""
import base64
import email
import glob
import os
import re
import smtplib
import subprocess
import time

import dkim
import dns.resolver
import nacl.signing
import pytest

from conftest import BINARY, free_port
from imap_support import fetch_by_subject
from smtp_support import SmtpServer
from nsd_support import Nsd, start_ready

HOSTED = "mx.test"
USER = f"box@{HOSTED}"
SINK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "smtp", "client", "smtp_sink.py")


def txt(value):
    """A TXT record's data as zone-file character strings of at most 255 bytes."""
    return " ".join(f'"{value[i:i + 250]}"' for i in range(0, len(value), 250))


def rsa_key(tmp):
    """(private PEM, p= value) of a new 2048-bit RSA key made by the openssl tool."""
    path = os.path.join(tmp, f"rsa-{time.monotonic_ns()}.pem")
    subprocess.run(["openssl", "genrsa", "-out", path, "2048"], check=True, capture_output=True)
    der = subprocess.run(["openssl", "rsa", "-in", path, "-pubout", "-outform", "DER"], check=True,
                         capture_output=True).stdout
    with open(path, "rb") as f:
        return f.read(), base64.b64encode(der).decode()


def ed25519_key():
    """(private key as dkimpy wants it: base64 of the 32-byte seed, p= value)."""
    sk = nacl.signing.SigningKey.generate()
    return base64.b64encode(bytes(sk)), base64.b64encode(bytes(sk.verify_key)).decode()


def zone(origin, records):
    return (f"$ORIGIN {origin}.\n$TTL 60\n@ IN SOA ns.{origin}. admin.{origin}. 1 3600 600 86400 60\n"
            f"@ IN NS ns.{origin}.\nns IN A 127.0.0.1\n" + "\n".join(records) + "\n")


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    base = tmp_path_factory.mktemp("auth")
    data, sink_dir, keys = str(base / "data"), str(base / "sink"), str(base / "keys")
    for d in (sink_dir, keys):
        os.makedirs(d)
    # quickstart makes the hosted domain with its DKIM keys (used for our ARC seal) and prints the
    # records to publish; the test publishes them in NSD.
    out = subprocess.run([BINARY, "--data-dir", data, "quickstart", f"postmaster@{HOSTED}", "--hostname",
                          "mail.test"], check=True, capture_output=True, text=True, timeout=120).stdout
    hosted_records = []
    for line in out.splitlines():
        m = re.match(r"\s*(\S+)\._domainkey\." + re.escape(HOSTED) + r"\.\s+TXT\s+(.*)$", line)
        if m:
            hosted_records.append(f"{m.group(1)}._domainkey IN TXT {m.group(2)}")
    assert len(hosted_records) == 2, out

    rsa_pem, rsa_p = rsa_key(keys)
    ed_priv, ed_p = ed25519_key()
    arc_pem, arc_p = rsa_key(keys)
    records = [
        # SPF (RFC 7208): one domain per result.
        'spf-pass IN TXT "v=spf1 ip4:127.0.0.1 -all"',
        'spf-fail IN TXT "v=spf1 ip4:192.0.2.1 -all"',
        'spf-softfail IN TXT "v=spf1 ip4:192.0.2.0/24 ~all"',
        'spf-neutral IN TXT "v=spf1 ?all"',
        'spf-none IN TXT "not an spf record"',
        'spf-permerror IN TXT "v=spf1 frobnicate:example.org -all"',
        'spf-temperror IN TXT "v=spf1 include:elsewhere.example -all"',  # NSD refuses: not its zone
        'spf-mx IN TXT "v=spf1 mx -all"', "spf-mx IN MX 10 mxhost", "mxhost IN A 127.0.0.1",
        'spf-include IN TXT "v=spf1 include:spf-pass.auth.test -all"',
        'spf-macro IN TXT "v=spf1 exists:%{ir}.%{l}._spf.auth.test -all"', "1.0.0.127.alice._spf IN A 127.0.0.2",
        # DKIM keys (RFC 6376, RFC 8463) of signed.auth.test.
        f"rsa._domainkey.signed IN TXT {txt('v=DKIM1; k=rsa; p=' + rsa_p)}",
        f'ed._domainkey.signed IN TXT "v=DKIM1; k=ed25519; p={ed_p}"',
        'signed IN TXT "v=spf1 ip4:127.0.0.1 -all"',
        # DMARC (RFC 7489): reject and quarantine, with SPF failing for both.
        'reject IN TXT "v=spf1 -all"', '_dmarc.reject IN TXT "v=DMARC1; p=reject"',
        f"rsa._domainkey.reject IN TXT {txt('v=DKIM1; k=rsa; p=' + rsa_p)}",
        'quar IN TXT "v=spf1 -all"', '_dmarc.quar IN TXT "v=DMARC1; p=quarantine"',
        # The ARC signer upstream of us (RFC 8617).
        f"arc._domainkey.relay IN TXT {txt('v=DKIM1; k=rsa; p=' + arc_p)}",
    ]
    nsd = Nsd({
        "auth.test": zone("auth.test", records),
        HOSTED: zone(HOSTED, ["@ IN MX 10 ns"] + hosted_records),
        "sink.test": zone("sink.test", ["@ IN MX 10 ns"]),
        # An organizational domain's policy with sp=reject for its subdomains (RFC 7489 §6.6.3).
        "orgtest.example": zone("orgtest.example", ['@ IN TXT "v=spf1 -all"', 'sub IN TXT "v=spf1 -all"',
                                                    '_dmarc IN TXT "v=DMARC1; p=none; sp=reject"']),
    })
    sink, sink_port = start_ready(["/usr/bin/python3", SINK, "--dir", sink_dir])
    os.remove(os.path.join(data, "config.toml"))  # SmtpServer writes its own
    server = SmtpServer(data, extra_config=(
        f'[delivery]\ndns_servers = ["127.0.0.1:{nsd.port}"]\nsmtp_port = {sink_port}\n'
        "allow_private_targets = true\n"))
    password = server.add_mailbox(USER)
    server.add_alias(f"fwd@{HOSTED}", "--forward", "bob@sink.test")
    server.start()

    def dnsfunc(name, timeout=5):
        r = dns.resolver.Resolver(configure=False)
        r.nameservers = ["127.0.0.1"]
        r.port = nsd.port
        try:
            answer = r.resolve(name.decode().rstrip("."), "TXT")
        except Exception:  # noqa: BLE001 - dkimpy expects None for "no key"
            return None
        return b"".join(answer[0].strings)

    yield {"server": server, "password": password, "sink_dir": sink_dir, "dnsfunc": dnsfunc,
           "rsa": rsa_pem, "ed": ed_priv, "arc": arc_pem}
    code = server.stop()
    sink.terminate()
    sink.wait(timeout=10)
    nsd.stop()
    assert code == 0, server.read_log()[-4000:]


def make(subject, from_addr, body="Hello.\r\n", extra=""):
    return (f"From: Sender <{from_addr}>\r\nTo: <{USER}>\r\nSubject: {subject}\r\n"
            f"Date: Mon, 23 Nov 2026 19:00:00 +0000\r\nMessage-ID: <{subject.replace(' ', '.')}@auth.test>\r\n"
            f"{extra}\r\n{body}").encode()


def send(bench, mail_from, msg, rcpt=USER):
    with smtplib.SMTP("127.0.0.1", bench["server"].smtp_port, timeout=60) as s:
        s.ehlo("client.auth.test")
        return s.sendmail(mail_from, [rcpt], msg)


def fetch(bench, subject, folder="INBOX", deadline=30):
    """The stored message of `folder` whose Subject is `subject` (waiting for it to appear)."""
    return fetch_by_subject(bench["server"], USER, bench["password"], subject, folder, deadline)


def auth_results(stored):
    """The Authentication-Results fields of a stored message, parsed (RFC 8601 §2.2):
    [(authserv-id, [(method, result, {property: value})])]."""
    msg = email.message_from_bytes(stored)
    out = []
    for value in msg.get_all("Authentication-Results") or []:
        value = re.sub(r"\([^)]*\)", "", re.sub(r"\r?\n[ \t]", " ", value))
        parts = [p.strip() for p in value.split(";")]
        results = []
        for resinfo in parts[1:]:
            if not resinfo or resinfo == "none":
                continue
            words = resinfo.split()
            method, result = words[0].split("=", 1)
            props = dict(w.split("=", 1) for w in words[1:])
            results.append((method, result, props))
        out.append((parts[0].split()[0], results))
    return out


def ours(stored):
    fields = auth_results(stored)
    mine = [r for sid, r in fields if sid == "mail.test"]
    assert len(mine) == 1, fields
    # RFC 8601 §5: ours is the first field of the stored message, before the Received trace.
    assert stored.index(b"Authentication-Results: mail.test") < stored.index(b"Received:")
    return mine[0]


def result_of(results, method):
    return [(r, p) for m, r, p in results if m == method]


@pytest.mark.parametrize("domain,expected", [
    ("spf-pass", "pass"), ("spf-fail", "fail"), ("spf-softfail", "softfail"), ("spf-neutral", "neutral"),
    ("spf-none", "none"), ("spf-permerror", "permerror"), ("spf-temperror", "temperror"), ("spf-mx", "pass"),
    ("spf-include", "pass"), ("spf-macro", "pass"), ("nowhere", "none"),
])
def test_spf_result_of_each_kind(bench, domain, expected):
    subject = f"spf {domain}"
    send(bench, f"alice@{domain}.auth.test", make(subject, f"alice@{domain}.auth.test"))
    spf = result_of(ours(fetch(bench, subject)), "spf")
    assert spf == [(expected, {"smtp.mailfrom": f"{domain}.auth.test"})]


def test_spf_for_a_bounce_checks_the_helo_name(bench):
    send(bench, "", make("spf bounce", f"mailer-daemon@auth.test"))
    assert result_of(ours(fetch(bench, "spf bounce")), "spf") == [("none", {"smtp.helo": "client.auth.test"})]


def sign(bench, msg, selector, algorithm, domain=b"signed.auth.test"):
    key = bench["rsa"] if algorithm == b"rsa-sha256" else bench["ed"]
    sig = dkim.sign(msg, selector, domain, key, signature_algorithm=algorithm,
                    include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    return sig + msg


@pytest.mark.parametrize("selector,algorithm,canon", [
    (b"rsa", b"rsa-sha256", (b"relaxed", b"relaxed")), (b"rsa", b"rsa-sha256", (b"simple", b"simple")),
    (b"ed", b"ed25519-sha256", (b"relaxed", b"simple")),
])
def test_dkim_pass(bench, selector, algorithm, canon):
    subject = f"dkim pass {selector.decode()} {canon[0].decode()}/{canon[1].decode()}"
    msg = make(subject, "alice@signed.auth.test", body="Line one.  \r\n\r\nLine three.\r\n\r\n")
    key = bench["rsa"] if algorithm == b"rsa-sha256" else bench["ed"]
    sig = dkim.sign(msg, selector, b"signed.auth.test", key, signature_algorithm=algorithm, canonicalize=canon,
                    include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    send(bench, "alice@signed.auth.test", sig + msg)
    results = ours(fetch(bench, subject))
    dkim_results = result_of(results, "dkim")
    assert len(dkim_results) == 1
    result, props = dkim_results[0]
    assert result == "pass"
    assert props["header.d"] == "signed.auth.test" and props["header.s"] == selector.decode()
    assert props["header.a"] == algorithm.decode()
    # signed.auth.test publishes no DMARC policy (nor does auth.test, its organizational domain).
    assert result_of(results, "dmarc") == [("none", {"header.from": "signed.auth.test"})]


def test_dkim_fail_when_the_body_changed(bench):
    msg = sign(bench, make("dkim tampered", "alice@signed.auth.test"), b"rsa", b"rsa-sha256")
    msg = msg.replace(b"Hello.", b"Hallo.")
    send(bench, "alice@signed.auth.test", msg)
    assert [r for r, _ in result_of(ours(fetch(bench, "dkim tampered")), "dkim")] == ["fail"]


def test_dkim_fail_when_a_signed_header_changed(bench):
    msg = sign(bench, make("dkim header", "alice@signed.auth.test"), b"ed", b"ed25519-sha256")
    msg = msg.replace(b"Subject: dkim header", b"Subject: dkim header!")
    send(bench, "alice@signed.auth.test", msg)
    assert [r for r, _ in result_of(ours(fetch(bench, "dkim header!")), "dkim")] == ["fail"]


def test_dkim_none_and_unknown_selector(bench):
    send(bench, "alice@spf-pass.auth.test", make("dkim none", "alice@spf-pass.auth.test"))
    assert result_of(ours(fetch(bench, "dkim none")), "dkim") == [("none", {})]
    msg = sign(bench, make("dkim nokey", "alice@signed.auth.test"), b"missing", b"rsa-sha256")
    send(bench, "alice@signed.auth.test", msg)
    assert [r for r, _ in result_of(ours(fetch(bench, "dkim nokey")), "dkim")] == ["permerror"]


def test_dmarc_reject_is_refused_at_data(bench):
    with pytest.raises(smtplib.SMTPDataError) as e:
        send(bench, "alice@reject.auth.test", make("dmarc reject", "alice@reject.auth.test"))
    assert e.value.smtp_code == 550 and e.value.smtp_error.startswith(b"5.7.1")
    # A subdomain without its own record falls under the organizational domain's sp=reject.
    with pytest.raises(smtplib.SMTPDataError) as e:
        send(bench, "alice@sub.orgtest.example", make("dmarc sp", "alice@sub.orgtest.example"))
    assert e.value.smtp_code == 550
    # The organizational domain itself has p=none: stored, with dmarc=fail.
    send(bench, "alice@orgtest.example", make("dmarc org none", "alice@orgtest.example"))
    assert result_of(ours(fetch(bench, "dmarc org none")), "dmarc") == [("fail", {"header.from": "orgtest.example"})]


def test_dmarc_reject_domain_passes_through_aligned_dkim(bench):
    # SPF fails for reject.auth.test, but an aligned DKIM signature is enough (RFC 7489 §4.2).
    msg = sign(bench, make("dmarc dkim aligned", "alice@reject.auth.test"), b"rsa", b"rsa-sha256",
               domain=b"reject.auth.test")
    send(bench, "alice@reject.auth.test", msg)
    results = ours(fetch(bench, "dmarc dkim aligned"))
    assert result_of(results, "spf")[0][0] == "fail"
    assert result_of(results, "dmarc") == [("pass", {"header.from": "reject.auth.test"})]


def test_dmarc_quarantine_goes_to_junk(bench):
    # The owner is online (an IMAP session holds the mailbox), so the MX writes straight in.
    m = bench["server"].imaplib()
    m.login(USER, bench["password"])
    m.select("INBOX")
    try:
        send(bench, "alice@quar.auth.test", make("dmarc quarantine", "alice@quar.auth.test"))
        stored = fetch(bench, "dmarc quarantine", folder="Junk")
    finally:
        m.logout()
    assert result_of(ours(stored), "dmarc") == [("fail", {"header.from": "quar.auth.test"})]
    mi = bench["server"].imaplib()
    mi.login(USER, bench["password"])
    mi.select("INBOX", readonly=True)
    assert mi.uid("SEARCH", None, "HEADER", "Subject", '"dmarc quarantine"')[1] == [b""]
    mi.logout()


def test_forged_results_claiming_our_id_are_removed(bench):
    forged = ("Authentication-Results: mail.test; spf=pass smtp.mailfrom=spf-fail.auth.test;\r\n"
              "\tdmarc=pass header.from=bank.example\r\n"
              "Authentication-Results: other.example; spf=pass smtp.mailfrom=spf-fail.auth.test\r\n")
    send(bench, "alice@spf-fail.auth.test", make("forged results", "alice@spf-fail.auth.test", extra=forged))
    stored = fetch(bench, "forged results")
    fields = auth_results(stored)
    assert [sid for sid, _ in fields] == ["mail.test", "other.example"]
    assert result_of(ours(stored), "spf")[0][0] == "fail"


def arc_signed(bench, msg, srv_id=b"relay.auth.test"):
    msg = f"Authentication-Results: {srv_id.decode()}; spf=pass smtp.mailfrom=signed.auth.test\r\n".encode() + msg
    fields = dkim.arc_sign(msg, b"arc", b"relay.auth.test", bench["arc"], srv_id)
    return b"".join(fields) + msg


def test_arc_chain_made_by_dkimpy_passes(bench):
    msg = arc_signed(bench, make("arc chain", "alice@spf-pass.auth.test"))
    send(bench, "alice@spf-pass.auth.test", msg)
    assert result_of(ours(fetch(bench, "arc chain")), "arc") == [("pass", {"arc.chain": "1"})]


def test_arc_chain_broken_by_a_changed_body_fails(bench):
    msg = arc_signed(bench, make("arc broken", "alice@spf-pass.auth.test")).replace(b"Hello.", b"Changed.")
    send(bench, "alice@spf-pass.auth.test", msg)
    assert [r for r, _ in result_of(ours(fetch(bench, "arc broken")), "arc")] == ["fail"]


def test_forwarded_mail_carries_our_arc_set_verified_by_dkimpy(bench):
    msg = sign(bench, make("arc forward", "alice@signed.auth.test"), b"rsa", b"rsa-sha256")
    send(bench, "alice@signed.auth.test", msg, rcpt=f"fwd@{HOSTED}")
    end = time.monotonic() + 30
    while True:
        got = [open(p, "rb").read() for p in glob.glob(os.path.join(bench["sink_dir"], "*.eml"))]
        got = [g for g in got if b"Subject: arc forward\r\n" in g]
        if got:
            break
        assert time.monotonic() < end
        time.sleep(0.1)
    forwarded = got[0]
    assert forwarded.startswith(b"ARC-Seal: i=1;")
    cv, results, comment = dkim.arc_verify(forwarded, dnsfunc=bench["dnsfunc"])
    assert cv == dkim.CV_Pass, (cv, results, comment)
    aar = email.message_from_bytes(forwarded)["ARC-Authentication-Results"]
    assert re.search(r"i=1;\s*mail\.test;", aar) and "dkim=pass" in aar
