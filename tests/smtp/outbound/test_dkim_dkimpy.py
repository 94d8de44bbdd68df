"""Our DKIM signatures checked by an independent verifier: dkimpy (Debian's python3-dkim, with
python3-nacl for Ed25519). Keys come from the same code as `quickstart` (outbound_tool keygen),
and the public half reaches dkimpy as the TXT record quickstart prints, through dnsfunc.

Each test signs with our code and verifies with dkimpy; the tampering tests show the verifier
does check (a changed body, a changed signed header, a From added after signing)."""
import os
import subprocess

import dkim
import pytest

TOOL = os.environ["SEALMAIL_OUTBOUND_TOOL"]
DOMAIN = b"example.com"

MESSAGE = (
    b"From: Alice Example <alice@example.com>\r\n"
    b"To: Bob <bob@example.net>,\r\n"
    b"  Carol <carol@example.org>\r\n"
    b"Subject:   A  folded\r\n"
    b"\tsubject line   \r\n"
    b"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
    b"Message-ID: <m1@example.com>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"Hello Bob,   \r\n"
    b"\r\n"
    b"tabs\tand  spaces   inside.\r\n"
    b"\r\n"
    b"\r\n"
)


@pytest.fixture(scope="module", params=["rsa", "ed25519"])
def key(request, tmp_path_factory):
    kind = request.param
    pem = tmp_path_factory.mktemp("dkim") / f"s{kind}.pem"
    txt = subprocess.run([TOOL, "keygen", kind, str(pem)], check=True, capture_output=True).stdout.strip()
    selector = b"s" + kind.encode()
    records = {selector + b"._domainkey." + DOMAIN + b".": txt}

    def dnsfunc(name, timeout=5):
        return records.get(name if name.endswith(b".") else name + b".")

    return kind, pem, selector, dnsfunc


def sign(key, message, when=1795428000):
    kind, pem, selector, _ = key
    out = subprocess.run([TOOL, "sign", str(pem), DOMAIN.decode(), selector.decode(), str(when)],
                         input=message, check=True, capture_output=True).stdout
    assert out.endswith(message)
    return out


def verify(key, signed):
    return dkim.verify(signed, dnsfunc=key[3])


def test_verifies(key):
    signed = sign(key, MESSAGE)
    assert signed.startswith(b"DKIM-Signature:")
    assert verify(key, signed)


def test_algorithm_and_tags(key):
    signed = sign(key, MESSAGE)
    d = dkim.DKIM(signed)
    assert d.verify(dnsfunc=key[3])
    tags = d.signature_fields
    assert tags[b"a"] == (b"rsa-sha256" if key[0] == "rsa" else b"ed25519-sha256")
    assert tags[b"c"] == b"relaxed/relaxed"
    assert tags[b"d"] == DOMAIN
    assert tags[b"t"] == b"1795428000"
    names = [h.strip() for h in tags[b"h"].replace(b"\r\n", b"").replace(b"\t", b"").split(b":")]
    assert names.count(b"from") == 2  # over-signed
    for h in (b"to", b"subject", b"date", b"message-id", b"mime-version", b"content-type"):
        assert h in names


def test_modified_body_fails(key):
    signed = sign(key, MESSAGE)
    assert verify(key, signed)
    assert not verify(key, signed.replace(b"Hello Bob", b"Hello Eve"))
    assert not verify(key, signed + b"P.S. added\r\n")


def test_whitespace_changes_in_body_still_verify(key):
    # Relaxed body: what a relay may do to whitespace does not break the signature.
    signed = sign(key, MESSAGE)
    assert verify(key, signed.replace(b"tabs\tand  spaces", b"tabs and spaces")
                              .replace(b"Hello Bob,   \r\n", b"Hello Bob,\r\n") + b"\r\n\r\n")


def test_modified_signed_header_fails(key):
    signed = sign(key, MESSAGE)
    assert not verify(key, signed.replace(b"Message-ID: <m1@", b"Message-ID: <m2@"))
    # Relaxed header: refolding and case changes in names do not matter.
    assert verify(key, signed.replace(b"Subject:   A  folded\r\n\tsubject", b"SUBJECT: A folded subject"))


def test_added_from_fails(key):
    # Over-signing: a second From added in transit (the one a reader might see) breaks the signature.
    signed = sign(key, MESSAGE)
    head, body = signed.split(b"\r\n\r\n", 1)
    assert not verify(key, head + b"\r\nFrom: Mallory <boss@example.com>\r\n\r\n" + body)


def test_unsigned_header_may_be_added(key):
    signed = sign(key, MESSAGE)
    head, body = signed.split(b"\r\n\r\n", 1)
    assert verify(key, b"Received: from relay by mx; Mon, 23 Nov 2026 10:00:01 +0000\r\n" + head + b"\r\n\r\n" + body)


def test_bare_lf_message_verifies_as_sent(key):
    # The SMTP client sends bare LFs as CRLF; the signature covers that form.
    lf = MESSAGE.replace(b"\r\n", b"\n")
    signed = sign(key, lf)
    assert verify(key, signed.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


@pytest.mark.parametrize("body", [b"", b"\r\n", b"no final line ending", b"\r\n\r\n \r\n"])
def test_edge_bodies(key, body):
    msg = b"From: alice@example.com\r\nSubject: edge\r\n\r\n" + body
    assert verify(key, sign(key, msg))


def test_utf8_headers_and_body(key):
    msg = ("From: Zoë <zoe@example.com>\r\nTo: Jürgen <jürgen@example.net>\r\nSubject: Grüße, 你好\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\nСлава, 你好 — ok\r\n").encode()
    assert verify(key, sign(key, msg))


def test_large_message(key):
    body = b"".join(b"line %d " % i + b"x" * 70 + b"\r\n" for i in range(20000))
    msg = b"From: alice@example.com\r\nSubject: big\r\n\r\n" + body
    signed = sign(key, msg)
    assert verify(key, signed)
    assert not verify(key, signed.replace(b"line 19999 ", b"line 19998 "))


def test_wrong_key_fails(key, tmp_path):
    # The same selector published with another key: the signature must not verify.
    other = tmp_path / "other.pem"
    txt = subprocess.run([TOOL, "keygen", key[0], str(other)], check=True, capture_output=True).stdout.strip()
    signed = sign(key, MESSAGE)
    assert not dkim.verify(signed, dnsfunc=lambda name, timeout=5: txt)
