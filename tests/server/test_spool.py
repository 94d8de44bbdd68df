"""The sealed spool (DESIGN.md point 4, src/store/spool.h), seen from real clients: mail sealed to an
alias's public key while its owner is away is in INBOX at the next login, over POP3 (in that very
session's maildrop) and over IMAP, byte for byte and with its internal date, and the spool is empty
afterwards; a damaged entry is logged and left for the operator without blocking the login; a
re-keyed mailbox still opens its spool, and a reset or removed alias takes its spool with it.

The SMTP server, which will fill the spool, does not exist yet. Until then this file writes spool
entries itself, as an independent writer of the format documented in spool.h (libsodium through
ctypes), sealed to the public key the directory holds: no test-only path into the server."""
import ctypes
import ctypes.util
import imaplib
import os
import poplib
import re
import sqlite3
import struct
import time

import pytest

from pop3_support import Pop3Server, add_mailbox, cli, import_messages, pop3_wire

_sodium = ctypes.CDLL(ctypes.util.find_library("sodium"))
assert _sodium.sodium_init() >= 0
_sodium.crypto_box_seal.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulonglong, ctypes.c_char_p]
_sodium.crypto_secretstream_xchacha20poly1305_statebytes.restype = ctypes.c_size_t
_sodium.crypto_secretstream_xchacha20poly1305_tag_final.restype = ctypes.c_ubyte
_sodium.crypto_secretstream_xchacha20poly1305_init_push.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p]
_sodium.crypto_secretstream_xchacha20poly1305_push.argtypes = [
    ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_ulonglong, ctypes.c_char_p,
    ctypes.c_ulonglong, ctypes.c_ubyte]

BOX_MAX = 256 * 1024
CHUNK = 64 * 1024


def _seal(plain, public_key):
    out = ctypes.create_string_buffer(len(plain) + 48)
    assert _sodium.crypto_box_seal(out, plain, len(plain), public_key) == 0
    return out.raw


def spool_entry(message, public_key, internal_date):
    """The bytes of a version-1 spool file for `message` (spool.h: mode 1 up to 256 KiB, else 2)."""
    if len(message) <= BOX_MAX:
        header = b"SMSPOOL\x01\x01" + bytes(7)
        return header + _seal(message + struct.pack("<q", internal_date), public_key)
    header = b"SMSPOOL\x01\x02" + bytes(7)
    key = os.urandom(32)
    out = [header, _seal(key + struct.pack("<qQ", internal_date, len(message)), public_key)]
    state = ctypes.create_string_buffer(_sodium.crypto_secretstream_xchacha20poly1305_statebytes())
    stream_header = ctypes.create_string_buffer(24)
    assert _sodium.crypto_secretstream_xchacha20poly1305_init_push(state, stream_header, key) == 0
    out.append(stream_header.raw)
    offsets = list(range(0, len(message), CHUNK))
    for i, offset in enumerate(offsets):
        chunk = message[offset:offset + CHUNK]
        cipher = ctypes.create_string_buffer(len(chunk) + 17)
        ad = header if i == 0 else None
        tag = _sodium.crypto_secretstream_xchacha20poly1305_tag_final() if i + 1 == len(offsets) else 0
        assert _sodium.crypto_secretstream_xchacha20poly1305_push(
            state, cipher, None, chunk, len(chunk), ad, len(ad) if ad else 0, tag) == 0
        out.append(cipher.raw)
    return b"".join(out)


def mailbox_id(mb):
    return os.path.splitext(os.path.basename(mb.file))[0]


def spool_folder(data_dir, mb):
    return os.path.join(data_dir, "spool", mailbox_id(mb))


def public_key(data_dir, mb):
    db = sqlite3.connect(f"file:{os.path.join(data_dir, 'directory.sqlite')}?mode=ro", uri=True)
    try:
        [(key,)] = db.execute("SELECT box_public_key FROM aliases WHERE mailbox_id = ?", (mailbox_id(mb),)).fetchall()
    finally:
        db.close()
    assert len(key) == 32
    return bytes(key)


def spool(data_dir, mb, message, internal_date=1700000000):
    """Delivers `message` to the spool as the MX will: written aside, then renamed into place."""
    folder = spool_folder(data_dir, mb)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    name = f"{time.time_ns():016x}-{os.urandom(8).hex()}.sealed"
    with open(os.path.join(folder, ".tmp-" + name), "wb") as f:
        f.write(spool_entry(message, public_key(data_dir, mb), internal_date))
    os.rename(os.path.join(folder, ".tmp-" + name), os.path.join(folder, name))
    time.sleep(0.001)  # names sort by arrival: keep the clock moving between entries
    return os.path.join(folder, name)


def waiting(data_dir, mb):
    folder = spool_folder(data_dir, mb)
    return sorted(n for n in os.listdir(folder) if n.endswith(".sealed")) if os.path.isdir(folder) else []


SEALED = [
    b"From: Away Sender <sender@example.org>\r\nTo: you@example.com\r\nSubject: while you were away\r\n\r\n"
    b"Sealed to your key.\r\n",
    b"From: lf@example.org\nSubject: bare LF, dots\n\n.\n..\nno final newline",
    b"Subject: large\r\n\r\n" + b"".join(b"%06d a line of a large message, streamed in chunks ....\r\n" % i
                                        for i in range(12000)),
]


@pytest.fixture
def server(data_dir):
    s = Pop3Server(data_dir).start()
    yield s
    s.stop()


def test_pop3_login_moves_sealed_mail_into_that_sessions_maildrop(server, data_dir, tmp_path):
    mb = add_mailbox(data_dir, "you@example.com")
    before = b"Subject: already there\r\n\r\nold\r\n"
    import_messages(data_dir, mb, [before], str(tmp_path))
    assert len(SEALED[2]) > BOX_MAX
    for i, m in enumerate(SEALED):
        spool(data_dir, mb, m, 1700000000 + i)
    assert len(waiting(data_dir, mb)) == 3

    p = poplib.POP3("127.0.0.1", server.pop3_port, timeout=10)
    p.user(mb.address)
    p.pass_(mb.password)
    wire = [pop3_wire(m) for m in [before] + SEALED]
    assert p.stat() == (4, sum(len(w) for w in wire))
    for i, expected in enumerate(wire):
        resp, lines, _ = p.retr(i + 1)
        assert b"\r\n".join(lines) + b"\r\n" == expected, i
    p.quit()
    assert waiting(data_dir, mb) == []
    assert os.listdir(spool_folder(data_dir, mb)) == []

    p = poplib.POP3("127.0.0.1", server.pop3_port, timeout=10)
    p.user(mb.address)
    p.pass_(mb.password)
    assert p.stat()[0] == 4  # moved once
    p.quit()


def test_imap_login_moves_sealed_mail_with_its_internal_date(server, data_dir):
    mb = add_mailbox(data_dir, "you@example.com")
    dates = [1600000000, 1500000000]  # out of order on purpose: INBOX follows arrival
    for m, d in zip(SEALED[:2], dates):
        spool(data_dir, mb, m, d)
    imap = imaplib.IMAP4("127.0.0.1", server.imap_port, timeout=10)
    imap.login(mb.address, mb.password)
    typ, data = imap.select("INBOX")
    assert typ == "OK" and data == [b"2"]
    typ, data = imap.fetch("1:2", "(INTERNALDATE BODY.PEEK[])")
    assert typ == "OK"
    fetched = [d for d in data if isinstance(d, tuple)]
    assert [body for _, body in fetched] == SEALED[:2]
    for (head, _), date in zip(fetched, dates):
        when = imaplib.Internaldate2tuple(head)
        assert time.mktime(when) == date, head
    imap.logout()
    assert waiting(data_dir, mb) == []


def test_damaged_entry_is_logged_left_in_place_and_blocks_nothing(server, data_dir):
    mb = add_mailbox(data_dir, "you@example.com")
    good = spool(data_dir, mb, SEALED[0])
    damaged = spool(data_dir, mb, SEALED[2])
    with open(damaged, "r+b") as f:
        f.truncate(os.path.getsize(damaged) - 1000)
    imap = imaplib.IMAP4("127.0.0.1", server.imap_port, timeout=10)
    imap.login(mb.address, mb.password)
    assert imap.select("INBOX") == ("OK", [b"1"])
    imap.logout()
    assert not os.path.exists(good)
    assert os.path.exists(damaged)
    assert server.wait_for_log("imap_spool_drain_failed")
    line = next(l for l in server.read_log().splitlines() if "imap_spool_drain_failed" in l)
    assert os.path.basename(damaged) in line and "truncated" in line
    assert "you@example.com" not in line  # logs name entries, never addresses


def test_rekeyed_mailbox_opens_its_spool_reset_and_removal_delete_it(server, data_dir):
    mb = add_mailbox(data_dir, "you@example.com")
    spool(data_dir, mb, SEALED[0])
    # A password change re-keys the mailbox; its key pair (and so the spool) stays valid.
    new_password = cli(data_dir, "alias", "password", mb.address, password=mb.password).stdout.strip()
    imap = imaplib.IMAP4("127.0.0.1", server.imap_port, timeout=10)
    imap.login(mb.address, new_password)
    assert imap.select("INBOX") == ("OK", [b"1"])
    imap.logout()
    assert waiting(data_dir, mb) == []

    # A reset makes a new key pair: what was sealed to the old one can never open, and goes.
    spool(data_dir, mb, SEALED[1])
    cli(data_dir, "alias", "password", mb.address, "--reset")
    assert not os.path.exists(spool_folder(data_dir, mb))

    spool(data_dir, mb, SEALED[1])  # sealed to the new key
    cli(data_dir, "alias", "remove", mb.address)
    assert not os.path.exists(spool_folder(data_dir, mb))
