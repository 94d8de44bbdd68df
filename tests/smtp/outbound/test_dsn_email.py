"""Our delivery status notifications (RFC 3464, multipart/report of RFC 6522, RFC 6533 for UTF-8)
parsed by an independent reader: Python's email package. outbound_tool dsn builds the report from
a JSON request; the tests check the structure, the machine-readable fields, and that text from a
remote server cannot inject header fields."""
import email
import email.parser
import email.policy
import json
import os
import subprocess

TOOL = os.environ["SEALMAIL_OUTBOUND_TOOL"]

ORIGINAL = (b"From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: lunch\r\n"
            b"Message-ID: <m1@example.com>\r\n\r\nSee you at noon.\r\n")
NOW = 1795428000  # Mon, 23 Nov 2026 ...


def build(**request):
    base = {"reporting_mta": "mx.example.com", "from": "MAILER-DAEMON@mx.example.com",
            "to": "alice@example.com", "now": NOW, "arrival_date": NOW - 3600,
            "message_id": "<dsn1@mx.example.com>", "original": ORIGINAL.decode("utf-8")}
    base.update(request)
    out = subprocess.run([TOOL, "dsn"], input=json.dumps(base).encode(), check=True, capture_output=True).stdout
    assert b"\n" not in out.replace(b"\r\n", b""), "every line ends in CRLF"
    return out


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def blocks(text):
    """The field blocks of a delivery-status body (blank-line separated), as Message objects."""
    parser = email.parser.HeaderParser(policy=email.policy.default)
    return [parser.parsestr(b.strip("\r\n") + "\r\n") for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]


def test_failed_recipient():
    raw = build(envelope_id="QQ314159", recipients=[{
        "final_recipient": "bob@example.net", "original_recipient": "rfc822;bob@example.net",
        "action": "failed", "status": "5.1.1", "remote_mta": "mx.example.net",
        "diagnostic": "550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown",
        "last_attempt": NOW - 60}])
    msg = parse(raw)
    assert msg.get_content_type() == "multipart/report"
    assert msg.get_param("report-type") == "delivery-status"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["Subject"] == "Undelivered Mail Returned to Sender"
    assert msg["To"].addresses[0].addr_spec == "alice@example.com"
    assert msg["Date"].datetime.timestamp() == NOW
    parts = msg.get_payload()
    assert [p.get_content_type() for p in parts] == ["text/plain", "message/delivery-status", "message/rfc822"]
    assert "bob@example.net: failed" in parts[0].get_content()
    # Python parses message/delivery-status into its field blocks.
    fields = parts[1].get_payload()
    assert len(fields) == 2
    per_message, per_recipient = fields
    assert per_message["Reporting-MTA"] == "dns; mx.example.com"
    assert per_message["Original-Envelope-Id"] == "QQ314159"
    assert per_message["Arrival-Date"]
    assert per_recipient["Final-Recipient"] == "rfc822; bob@example.net"
    assert per_recipient["Original-Recipient"] == "rfc822;bob@example.net"
    assert per_recipient["Action"] == "failed"
    assert per_recipient["Status"] == "5.1.1"
    assert per_recipient["Remote-MTA"] == "dns; mx.example.net"
    assert "User unknown" in per_recipient["Diagnostic-Code"]
    assert per_recipient["Diagnostic-Code"].startswith("smtp; 550 5.1.1")
    assert per_recipient["Will-Retry-Until"] is None
    # The original comes back byte for byte.
    returned = parts[2].get_payload()[0]
    assert returned["Message-ID"] == "<m1@example.com>"
    assert returned.as_bytes(policy=email.policy.SMTP).endswith(b"See you at noon.\r\n")


def test_delayed_recipients_headers_only():
    raw = build(headers_only=True, recipients=[
        {"final_recipient": "bob@example.net", "action": "delayed", "status": "4.2.2",
         "remote_mta": "mx.example.net", "diagnostic": "452 4.2.2 mailbox full",
         "last_attempt": NOW - 60, "will_retry_until": NOW + 4 * 86400},
        {"final_recipient": "carol@example.org", "action": "delayed", "status": "4.4.1",
         "diagnostic": "451 4.4.1 no answer", "will_retry_until": NOW + 4 * 86400}])
    msg = parse(raw)
    assert msg["Subject"] == "Delayed Mail (still being retried)"
    parts = msg.get_payload()
    assert [p.get_content_type() for p in parts] == ["text/plain", "message/delivery-status", "text/rfc822-headers"]
    fields = parts[1].get_payload()
    assert [f["Action"] for f in fields[1:]] == ["delayed", "delayed"]
    assert [f["Status"] for f in fields[1:]] == ["4.2.2", "4.4.1"]
    assert fields[1]["Will-Retry-Until"]
    assert fields[2]["Remote-MTA"] is None
    headers = parts[2].get_content()
    assert "Subject: lunch" in headers and "See you at noon" not in headers


def test_mixed_failed_and_delayed_is_a_failure_report():
    raw = build(recipients=[{"final_recipient": "a@example.net", "action": "delayed", "status": "4.0.0"},
                            {"final_recipient": "b@example.net", "action": "failed", "status": "5.0.0"}])
    assert parse(raw)["Subject"] == "Undelivered Mail Returned to Sender"


def test_utf8_addresses_make_a_global_report():
    original = ("From: Zoë <zoë@exämple.com>\r\nTo: jürgen@example.net\r\nSubject: Grüße\r\n\r\nHallo\r\n")
    raw = build(to="zoë@exämple.com", original=original, recipients=[
        {"final_recipient": "jürgen@example.net", "action": "failed", "status": "5.1.1",
         "diagnostic": "550 5.1.1 unknown user jürgen"}])
    msg = parse(raw)
    assert msg.get_param("report-type") == "global-delivery-status"
    parts = msg.get_payload()
    assert [p.get_content_type() for p in parts] == ["text/plain", "message/global-delivery-status",
                                                    "message/global"]
    # Python's email has no special case for message/global-delivery-status: read the part's body
    # between the boundaries.
    body = raw.decode("utf-8").split("--" + msg.get_boundary() + "\r\n")[2]
    status = body.split("\r\n\r\n", 1)[1].rsplit("\r\n--", 1)[0]
    per_message, per_recipient = blocks(status)
    assert per_recipient["Final-Recipient"] == "utf-8; jürgen@example.net"
    assert per_recipient["Diagnostic-Code"] == "smtp; 550 5.1.1 unknown user jürgen"
    assert "Grüße" in raw.decode("utf-8").split("--" + msg.get_boundary() + "\r\n")[3]


def test_remote_text_cannot_inject_fields():
    evil = "550 5.7.1 no\r\nX-Injected: yes\r\n\r\n--boundary\u0000\u0007 end"
    raw = build(recipients=[{"final_recipient": "bob@example.net\r\nBcc: eve@example.org", "action": "failed",
                             "status": "5.7.1\r\nX-Status: 2", "remote_mta": "mx\r\nX-Host: 1",
                             "diagnostic": evil}])
    msg = parse(raw)
    assert msg["Bcc"] is None
    fields = msg.get_payload()[1].get_payload()
    assert len(fields) == 2, "no extra block was injected"
    rcpt = fields[1]
    for name in ("X-Injected", "X-Status", "X-Host", "Bcc"):
        assert rcpt[name] is None
    assert rcpt["Diagnostic-Code"] == "smtp; 550 5.7.1 no X-Injected: yes --boundary end"
    assert len(msg.get_payload()) == 3


def test_long_diagnostic_is_folded_and_bounded():
    diag = "550 5.7.1 " + " ".join("word%d" % i for i in range(1000))
    raw = build(recipients=[{"final_recipient": "bob@example.net", "action": "failed", "status": "5.7.1",
                             "diagnostic": diag}])
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    rcpt = parse(raw).get_payload()[1].get_payload()[1]
    value = rcpt["Diagnostic-Code"]
    assert value.startswith("smtp; 550 5.7.1 word0 word1")
    assert 800 < len(value) < 1000


def test_boundary_is_not_in_the_content():
    # An original that contains boundary-like lines still parses into the same three parts.
    original = ORIGINAL.decode() + "--=_sealmail_0000\r\n--=_sealmail_\r\n"
    msg = parse(build(original=original, recipients=[{"final_recipient": "b@example.net", "status": "5.0.0"}]))
    parts = msg.get_payload()
    assert len(parts) == 3
    assert "--=_sealmail_0000" in parts[2].get_payload()[0].get_content()
