"""Messages (RFC 9051 §6.3.12, §6.4): APPEND (MULTIAPPEND RFC 3502, UIDPLUS RFC 4315, APPENDLIMIT
RFC 7889), SELECT/EXAMINE, FETCH (ENVELOPE, BODYSTRUCTURE, sections, partials, BINARY RFC 3516),
STORE (CONDSTORE RFC 7162), COPY/MOVE (RFC 6851), EXPUNGE/UID EXPUNGE, CLOSE/UNSELECT, QUOTA
(RFC 9208)."""
import base64
import datetime
import imaplib
import os
import re
import time

from imap_support import (APPENDLIMIT, DOMAIN, append, appenduid, imap_server, account,  # noqa: F401
                          message)
from imap_wire import fetches, parse

TEXT_PART = "Hello Bob,\r\nGrüße aus Berlin.  \r\n".encode()
INNER = (b"From: Inner Person <inner@example.net>\r\n"
         b"Subject: inner\r\n"
         b"Date: Wed, 03 Jan 2024 11:00:00 +0000\r\n"
         b"\r\n"
         b"Inner body\r\n")
HEADER = (b"From: Alice Example <alice@example.org>\r\n"
          b"To: Bob <bob@example.com>, carol@example.net\r\n"
          b"Cc: \"Dave, Jr.\" <dave@example.com>\r\n"
          b"Subject: Multipart =?utf-8?q?gr=C3=BC=C3=9Fe?=\r\n"
          b"Date: Tue, 02 Jan 2024 10:00:00 +0100\r\n"
          b"Message-ID: <multi-1@example.org>\r\n"
          b"In-Reply-To: <parent@example.org>\r\n"
          b"X-Mailer: pytest\r\n"
          b"MIME-Version: 1.0\r\n"
          b"Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
          b"\r\n")
PART1_MIME = b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
PART2_MIME = (b"Content-Type: application/octet-stream; name=\"data.bin\"\r\n"
              b"Content-Transfer-Encoding: base64\r\n"
              b"Content-Disposition: attachment; filename=\"data.bin\"\r\n\r\n")
PART2 = b"AAECAwQFBgcICQ=="
PART3_MIME = b"Content-Type: message/rfc822\r\n\r\n"
BODY_TEXT = (b"Preamble.\r\n"
             b"--b1\r\n" + PART1_MIME + TEXT_PART +
             b"\r\n--b1\r\n" + PART2_MIME + PART2 +
             b"\r\n--b1\r\n" + PART3_MIME + INNER +
             b"\r\n--b1--\r\n"
             b"Epilogue.\r\n")
MULTIPART = HEADER + BODY_TEXT

ALICE = [b"Alice Example", None, b"alice", b"example.org"]
ENVELOPE = [b"Tue, 02 Jan 2024 10:00:00 +0100", b"Multipart =?utf-8?q?gr=C3=BC=C3=9Fe?=",
            [ALICE], [ALICE], [ALICE],
            [[b"Bob", None, b"bob", b"example.com"], [None, None, b"carol", b"example.net"]],
            [[b"Dave, Jr.", None, b"dave", b"example.com"]],
            None, b"<parent@example.org>", b"<multi-1@example.org>"]
INNER_FROM = [b"Inner Person", None, b"inner", b"example.net"]
INNER_ENVELOPE = [b"Wed, 03 Jan 2024 11:00:00 +0000", b"inner", [INNER_FROM], [INNER_FROM], [INNER_FROM],
                  None, None, None, None, None]


def up(x):
    return x.upper() if isinstance(x, bytes) else x


def params(p):
    """A body parameter list as {NAME: value}; NIL as {}."""
    if p is None:
        return {}
    return {p[i].upper(): p[i + 1] for i in range(0, len(p), 2)}


def check_text_plain(body, size, lines, charset):
    assert [up(body[0]), up(body[1])] == [b"TEXT", b"PLAIN"], body
    got = params(body[2])
    if charset is None:
        assert got in ({}, {b"CHARSET": b"us-ascii"}, {b"CHARSET": b"US-ASCII"}), body
    else:
        assert got == {b"CHARSET": charset}, body
    assert body[3:5] == [None, None], body
    assert up(body[5]) in (b"7BIT", b"8BIT"), body
    assert body[6:8] == [size, lines], body


def check_structure(bs, extensible):
    """The BODYSTRUCTURE (or BODY) of MULTIPART, field by field (RFC 9051 §7.5.2)."""
    text, attachment, rfc822 = bs[0], bs[1], bs[2]
    assert up(bs[3]) == b"MIXED", bs
    check_text_plain(text, len(TEXT_PART), 2, b"utf-8")
    assert up(text[5]) == b"8BIT"
    assert [up(attachment[0]), up(attachment[1])] == [b"APPLICATION", b"OCTET-STREAM"], attachment
    assert params(attachment[2]) == {b"NAME": b"data.bin"}
    assert attachment[3:5] == [None, None] and up(attachment[5]) == b"BASE64" and attachment[6] == len(PART2)
    assert [up(rfc822[0]), up(rfc822[1])] == [b"MESSAGE", b"RFC822"], rfc822
    assert rfc822[2] in (None, []) and rfc822[3:5] == [None, None] and up(rfc822[5]) in (b"7BIT", b"8BIT")
    assert rfc822[6] == len(INNER), rfc822
    assert rfc822[7] == INNER_ENVELOPE, rfc822[7]
    check_text_plain(rfc822[8], len(b"Inner body\r\n"), 1, None)
    assert rfc822[9] == INNER.count(b"\n"), rfc822
    if not extensible:
        # BODY: no extension data anywhere (RFC 9051 §7.5.2).
        assert len(bs) == 4 and len(text) == 8 and len(attachment) == 7 and len(rfc822) == 10, bs
        assert len(rfc822[8]) == 8, rfc822[8]
    else:
        assert params(bs[4]) == {b"BOUNDARY": b"b1"}, bs
        # body-ext-1part: md5, then disposition.
        assert len(attachment) >= 9, attachment
        disposition = attachment[8]
        assert up(disposition[0]) == b"ATTACHMENT" and params(disposition[1]) == {b"FILENAME": b"data.bin"}


def internal_date(value):
    return datetime.datetime.strptime(value.decode(), "%d-%b-%Y %H:%M:%S %z")


def test_append_flags_date_and_appenduid(account):
    w = account.wire()
    tagged = append(w, "INBOX", MULTIPART, flags="\\Seen \\Flagged $Work", date="17-Jul-1996 02:44:25 -0700")
    validity, uid = appenduid(tagged)
    assert uid == 1 and validity > 0
    untagged = w.ok("SELECT INBOX")
    assert any(r == b"* OK [UIDVALIDITY %d] UIDs valid\r\n" % validity or
               r.startswith(b"* OK [UIDVALIDITY %d]" % validity) for r in untagged), untagged
    [(n, items)] = fetches(w.ok("FETCH 1 (FLAGS UID RFC822.SIZE INTERNALDATE)"))
    assert n == 1 and items["UID"] == 1 and items["RFC822.SIZE"] == len(MULTIPART)
    assert set(items["FLAGS"]) == {"\\Recent", "\\Seen", "\\Flagged", "$Work"}, items
    assert internal_date(items["INTERNALDATE"]) == datetime.datetime(1996, 7, 17, 9, 44, 25,
                                                                     tzinfo=datetime.timezone.utc)


def test_append_without_date_uses_now_and_the_next_uid(account):
    w = account.wire()
    before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    _, uid1 = appenduid(append(w, "INBOX", message("a")))
    _, uid2 = appenduid(append(w, "INBOX", message("b")))
    assert uid2 == uid1 + 1
    w.ok("SELECT INBOX")
    [(_, items)] = fetches(w.ok("UID FETCH %d INTERNALDATE" % uid2))
    got = internal_date(items["INTERNALDATE"])
    assert before - datetime.timedelta(seconds=1) <= got <= datetime.datetime.now(datetime.timezone.utc)


def test_multiappend_is_all_or_nothing(account):
    w = account.wire()
    # Announced (RFC 3502 §2), so that clients (and ImapTest's "multiappend") use it.
    assert b" MULTIAPPEND " in w.ok("CAPABILITY")[0]
    a, b = message("first of two"), message("second of two")
    w.send(b"M1 APPEND INBOX (\\Seen) {%d+}\r\n%s (\\Draft) \"01-Feb-2020 10:00:00 +0000\" {%d+}\r\n%s\r\n"
           % (len(a), a, len(b), b))
    untagged, tagged = w.until("M1")
    m = re.fullmatch(rb"M1 OK \[APPENDUID (\d+) (\d+):(\d+)\] .*\r\n", tagged)
    assert m, tagged
    assert int(m.group(3)) == int(m.group(2)) + 1
    untagged = w.ok("SELECT INBOX")
    assert b"* 2 EXISTS\r\n" in untagged
    got = {n: items for n, items in fetches(w.ok("FETCH 1:2 (FLAGS BODY.PEEK[])"))}
    assert got[1]["BODY[]"] == a and got[2]["BODY[]"] == b
    assert got[1]["FLAGS"] == ["\\Recent", "\\Seen"] and got[2]["FLAGS"] == ["\\Recent", "\\Draft"]
    # One message of three too big: none is appended (RFC 3502 §6.3.11).
    big = b"X" * (APPENDLIMIT + 1)
    w.send(b"M2 APPEND INBOX {%d+}\r\n%s {%d+}\r\n%s {%d+}\r\n%s\r\n" % (len(a), a, len(big), big, len(b), b))
    untagged, tagged = w.until("M2", timeout=30)
    assert tagged.startswith(b"M2 NO [TOOBIG]"), tagged
    untagged = w.ok("NOOP")
    assert not any(r.endswith(b"EXISTS\r\n") for r in untagged), untagged
    assert parse(w.ok("STATUS INBOX (MESSAGES)")[0][2:])[2] == ["MESSAGES", 2]


def test_append_to_a_missing_folder_says_trycreate(account):
    w = account.wire()
    data = message("nowhere")
    w.send(b"A1 APPEND Nowhere {%d+}\r\n%s\r\n" % (len(data), data))
    _, tagged = w.until("A1")
    assert tagged.startswith(b"A1 NO [TRYCREATE]"), tagged
    # imaplib
    m = account.imap()
    typ, data = m.append("Drafts", "(\\Draft)", imaplib.Time2Internaldate(time.time()), message("draft"))
    assert typ == "OK" and re.match(rb"\[APPENDUID \d+ 1\]", data[0]), data


def test_append_over_appendlimit_is_toobig_before_the_literal(account):
    w = account.wire()
    caps = w.ok("CAPABILITY")[0]
    assert b" APPENDLIMIT=%d" % APPENDLIMIT in caps
    w.send(b"A1 APPEND INBOX {%d}\r\n" % (APPENDLIMIT + 1))
    r = w.response()
    # RFC 7889 §3 / RFC 9051 §7.1: refused at once, no "+" for a literal we would not take.
    assert r.startswith(b"A1 NO [TOOBIG]"), r
    w.ok("NOOP")  # the session goes on
    # Exactly the limit is fine.
    at_limit = message("limit", body="") + b"y" * 0
    at_limit += b"z" * (APPENDLIMIT - len(at_limit))
    append(w, "INBOX", at_limit)
    # An empty message is not a message.
    w.send(b"A2 APPEND INBOX {0}\r\n")
    r = w.response()
    if r.startswith(b"+"):
        w.send(b"\r\n")
        _, r = w.until("A2")
    assert re.match(rb"A2 (NO|BAD) ", r), r


def test_append_literal8_keeps_nul_bytes(account):
    """RFC 3516 §4.4 (BINARY): APPEND with a literal8 (~{n}) may carry NUL; a plain literal may not
    (RFC 9051 §4.3), which is refused. BODY[n] is a plain literal, which cannot carry NUL (CHAR8), so
    a part holding NUL is stored in base64 (RFC 3516 §4.3 allows changing the transfer encoding
    without loss; ImapTest "append-binary"); BINARY[n] gives the original octets."""
    data = (b"From: a@example.org\r\nSubject: binary\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Transfer-Encoding: binary\r\n\r\n\x00\x01\x02\xff\r\n")
    w = account.wire()
    w.send(b"L1 APPEND INBOX ~{%d+}\r\n%s\r\n" % (len(data), data))
    _, tagged = w.until("L1")
    assert tagged.startswith(b"L1 OK [APPENDUID "), tagged
    w.send(b"L2 APPEND INBOX {%d+}\r\n%s\r\n" % (len(data), data))
    _, tagged = w.until("L2")
    assert re.match(rb"L2 (NO|BAD) ", tagged), tagged
    w.ok("SELECT INBOX")
    untagged = w.ok("FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1] BODY.PEEK[1] BODY.PEEK[] BODYSTRUCTURE)")
    [(_, items)] = fetches(untagged)
    assert items["BINARY[1]"] == b"\x00\x01\x02\xff\r\n" and items["BINARY.SIZE[1]"] == 6
    assert b"BINARY[1] ~{6}\r\n" in untagged[0]  # NUL only in a literal8 (RFC 3516 §4.3)
    assert items["BODY[1]"] == base64.b64encode(b"\x00\x01\x02\xff\r\n")
    assert b"\x00" not in items["BODY[]"]
    assert items["BODY[]"] == (b"From: a@example.org\r\nSubject: binary\r\nContent-Type: application/octet-stream\r\n"
                               b"Content-Transfer-Encoding: base64\r\n\r\nAAEC/w0K")
    assert items["BODYSTRUCTURE"][5] == b"base64"
    # A multipart keeps its other parts byte for byte; only the part with NUL changes.
    multi = (b"From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
             b"Content-Type: text/plain\r\n\r\nplain text\r\n--b\r\nContent-Type: application/x-raw\r\n"
             b"Content-Transfer-Encoding: binary\r\n\r\nab\x00cd\r\n--b--\r\n")
    w.send(b"L3 APPEND INBOX ~{%d+}\r\n%s\r\n" % (len(multi), multi))
    _, tagged = w.until("L3")
    assert tagged.startswith(b"L3 OK [APPENDUID "), tagged
    w.ok("NOOP")
    [(_, items)] = fetches(w.ok("FETCH 2 (BODY.PEEK[1] BODY.PEEK[2] BINARY.PEEK[2] BODY.PEEK[2.MIME])"))
    assert items["BODY[1]"] == b"plain text"
    assert items["BODY[2]"] == base64.b64encode(b"ab\x00cd")
    assert items["BINARY[2]"] == b"ab\x00cd"
    assert items["BODY[2.MIME]"] == b"Content-Type: application/x-raw\r\nContent-Transfer-Encoding: base64\r\n\r\n"


def test_append_utf8_data_item_under_utf8_accept(account):
    """RFC 6855 §4: with UTF8=ACCEPT enabled, APPEND takes UTF8 (~{n}...) with 8-bit headers; the
    ENVELOPE then carries them as UTF-8."""
    data = "From: Jürgen <jürgen@example.org>\r\nSubject: Grüße\r\n\r\nbody\r\n".encode()
    w = account.wire(enable="UTF8=ACCEPT")
    w.send(b"U1 APPEND INBOX UTF8 (~{%d+}\r\n%s)\r\n" % (len(data), data))
    _, tagged = w.until("U1")
    assert tagged.startswith(b"U1 OK [APPENDUID "), tagged
    w.ok("SELECT INBOX")
    [(_, items)] = fetches(w.ok("FETCH 1 (ENVELOPE BODY.PEEK[])"))
    assert items["BODY[]"] == data
    assert items["ENVELOPE"][1] == "Grüße".encode()
    assert items["ENVELOPE"][2] == [["Jürgen".encode(), None, "jürgen".encode(), b"example.org"]]


def test_envelope_encoded_words_decoded_only_under_utf8_accept(account):
    """RFC 6855 §3: a client that enabled UTF8=ACCEPT takes UTF-8, so the ENVELOPE's subject and
    display names come decoded (RFC 2047 encoded words written in the header too); a client that did
    not gets the header text as it was written, encoded words and all."""
    data = (b"From: =?iso-8859-1?q?Andr=E9?= <andre@example.org>\r\n"
            b"To: Team: =?utf-8?q?J=C3=BCrgen?= <j@example.org>;\r\n"
            b"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= aus =?utf-8?b?S8O2bG4=?=\r\n\r\nbody\r\n")
    plain = account.wire()
    append(plain, "INBOX", data)
    plain.ok("SELECT INBOX")
    [(_, items)] = fetches(plain.ok("FETCH 1 ENVELOPE"))
    assert items["ENVELOPE"][1] == b"=?utf-8?q?Gr=C3=BC=C3=9Fe?= aus =?utf-8?b?S8O2bG4=?="
    assert items["ENVELOPE"][2][0][0].startswith(b"=?"), items["ENVELOPE"]  # 7-bit: still encoded
    w = account.wire(enable="UTF8=ACCEPT")
    w.ok("SELECT INBOX")
    [(_, items)] = fetches(w.ok("FETCH 1 ENVELOPE"))
    env = items["ENVELOPE"]
    assert env[1] == "Grüße aus Köln".encode(), env
    assert env[2] == [["André".encode(), None, b"andre", b"example.org"]], env
    assert env[5] == [[None, None, b"Team", None], ["Jürgen".encode(), None, b"j", b"example.org"],
                      [None, None, None, None]], env


def test_envelope_empty_sender_and_source_routes(account):
    """RFC 3501 §7.4.2 (ImapTest "fetch-envelope"): a Sender or Reply-To that is present but empty
    takes From's value; an obsolete source route is kept as the address's adl."""
    w = account.wire()
    append(w, "INBOX", b"Date: Thu, 15 Feb 2007 01:02:03 +0200\r\nFrom: Real Name <user@domain>\r\n"
                       b"Sender: \r\nReply-To: \r\n\r\nbody\r\n")
    append(w, "INBOX", b"Date: Thu, 15 Feb 2007 01:02:03 +0200\r\nFrom: <@route:user@domain>\r\n"
                       b"To: A <@r1,@r2:a@b>, c@d\r\n\r\nbody\r\n")
    w.ok("SELECT INBOX")
    untagged = w.ok("FETCH 1:2 ENVELOPE")
    assert untagged[0] == (b'* 1 FETCH (ENVELOPE ("Thu, 15 Feb 2007 01:02:03 +0200" NIL '
                           b'(("Real Name" NIL "user" "domain")) (("Real Name" NIL "user" "domain")) '
                           b'(("Real Name" NIL "user" "domain")) NIL NIL NIL NIL NIL))\r\n'), untagged
    assert untagged[1] == (b'* 2 FETCH (ENVELOPE ("Thu, 15 Feb 2007 01:02:03 +0200" NIL '
                           b'((NIL "@route" "user" "domain")) ((NIL "@route" "user" "domain")) '
                           b'((NIL "@route" "user" "domain")) (("A" "@r1,@r2" "a" "b")(NIL NIL "c" "d")) '
                           b'NIL NIL NIL NIL))\r\n'), untagged


def test_envelope_of_an_attached_message_under_utf8_accept(account):
    """RFC 6855 §3: the ENVELOPE of a message/rfc822 part inside BODYSTRUCTURE (and BODY) is given
    to a UTF8=ACCEPT client in UTF-8, as the message's own ENVELOPE is; others get it as written."""
    inner = (b"From: =?utf-8?q?J=C3=BCrgen?= <j@example.org>\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n"
             b"Date: Wed, 03 Jan 2024 11:00:00 +0000\r\n\r\ninner body\r\n")
    data = (b"From: a@example.org\r\nSubject: outer\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=\"xx\"\r\n\r\n--xx\r\nContent-Type: text/plain\r\n\r\n"
            b"hello\r\n--xx\r\nContent-Type: message/rfc822\r\n\r\n" + inner + b"--xx--\r\n")
    plain = account.wire()
    append(plain, "INBOX", data)
    plain.ok("SELECT INBOX")
    [(_, items)] = fetches(plain.ok("FETCH 1 BODYSTRUCTURE"))
    assert items["BODYSTRUCTURE"][1][7][1] == b"=?utf-8?q?Gr=C3=BC=C3=9Fe?="
    w = account.wire(enable="UTF8=ACCEPT")
    w.ok("SELECT INBOX")
    [(_, items)] = fetches(w.ok("FETCH 1 (BODYSTRUCTURE BODY)"))
    for item in ("BODYSTRUCTURE", "BODY"):
        envelope = items[item][1][7]
        assert envelope[1] == "Grüße".encode(), (item, envelope)
        assert envelope[2] == [["Jürgen".encode(), None, b"j", b"example.org"]], (item, envelope)


def test_append_to_the_selected_folder_reports_exists(account):
    w = account.wire(select="INBOX")
    data = message("while selected")
    w.send(b"A1 APPEND INBOX {%d+}\r\n%s\r\n" % (len(data), data))
    untagged, tagged = w.until("A1")
    assert tagged.startswith(b"A1 OK [APPENDUID ")
    assert b"* 1 EXISTS\r\n" in untagged, untagged  # RFC 9051 §6.3.12


def test_select_and_examine_responses(account):
    w = account.wire()
    append(w, "INBOX", message("one"), flags="\\Seen")
    append(w, "INBOX", message("two"), flags="$Later")
    append(w, "INBOX", message("three"))
    untagged, tagged = w.cmd("SELECT INBOX")
    assert re.fullmatch(rb"T\d+ OK \[READ-WRITE\] .*\r\n", tagged), tagged
    flags = [r for r in untagged if r.startswith(b"* FLAGS ")]
    assert len(flags) == 1
    assert set(parse(flags[0][2:])[1]) == {"\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft", "$Later"}
    assert b"* 3 EXISTS\r\n" in untagged
    assert any(re.fullmatch(rb"\* OK \[UNSEEN 2\].*\r\n", r) for r in untagged), untagged
    assert any(re.fullmatch(rb"\* OK \[UIDVALIDITY \d+\].*\r\n", r) for r in untagged)
    assert any(re.fullmatch(rb"\* OK \[UIDNEXT 4\].*\r\n", r) for r in untagged)
    [permanent] = [r for r in untagged if r.startswith(b"* OK [PERMANENTFLAGS ")]
    pf = re.match(rb"\* OK \[PERMANENTFLAGS \(([^)]*)\)\]", permanent).group(1).split()
    assert {b"\\Answered", b"\\Flagged", b"\\Deleted", b"\\Seen", b"\\Draft", b"\\*"} <= set(pf)
    untagged, tagged = w.cmd("EXAMINE INBOX")
    assert re.fullmatch(rb"T\d+ OK \[READ-ONLY\] .*\r\n", tagged), tagged
    assert b"* 3 EXISTS\r\n" in untagged
    _, tagged = w.cmd("STORE 1 +FLAGS (\\Flagged)")
    assert re.match(rb"T\d+ NO ", tagged), tagged  # read-only
    _, tagged = w.cmd("SELECT Nowhere")
    assert re.match(rb"T\d+ NO ", tagged), tagged
    # A failed SELECT leaves no mailbox selected (RFC 9051 §6.3.2).
    _, tagged = w.cmd("FETCH 1 FLAGS")
    assert re.match(rb"T\d+ BAD ", tagged), tagged
    # imaplib
    m = account.imap()
    assert m.select("INBOX") == ("OK", [b"3"])
    assert m.select("INBOX", readonly=True) == ("OK", [b"3"])


def test_envelope_empty_sender_and_reply_to_are_from(account):
    """RFC 9051 §7.5.2 (ENVELOPE) and RFC 3501 §7.4.2: "If the Sender or Reply-To header lines are
    absent in the [RFC5322] header, or are present but empty, the server sets the corresponding
    member of the envelope to be the same value as the from member"."""
    w = account.wire()
    append(w, "INBOX", b"From: a@example.org\r\nSender:\r\nReply-To:   \r\nSubject: s\r\n\r\nx\r\n")
    append(w, "INBOX", b"From: a@example.org\r\nSubject: s\r\n\r\nx\r\n")
    w.ok("SELECT INBOX")
    a = [None, None, b"a", b"example.org"]
    got = {n: i["ENVELOPE"] for n, i in fetches(w.ok("FETCH 1:2 ENVELOPE"))}
    assert got[2][2:5] == [[a], [a], [a]], got[2]  # absent
    assert got[1][2:5] == [[a], [a], [a]], got[1]  # present but empty


def test_envelope_quoting_groups_and_8bit(account):
    w = account.wire()
    append(w, "INBOX", b'From: "A \\"quoted\\" name" <a@example.org>\r\n'
                       b'To: undisclosed-recipients:;\r\n'
                       b'Cc: Team: x@example.org, "x\\\\y" <y@example.org>;\r\n'
                       b'Subject: a long subject\r\n  folded here\r\n'
                       b'Message-ID:\r\n <folded@example.org>\r\n\r\nbody\r\n')
    w.ok("SELECT INBOX")
    [(_, items)] = fetches(w.ok("FETCH 1 ENVELOPE"))
    env = items["ENVELOPE"]
    assert env[0] is None and env[1] == b"a long subject  folded here", env  # unfolded (RFC 5322 §2.2.3)
    assert env[2] == [[b'A "quoted" name', None, b"a", b"example.org"]], env[2]
    # Groups (RFC 9051 §7.5.2): start (NIL NIL name NIL), members, end (NIL NIL NIL NIL).
    assert env[5] == [[None, None, b"undisclosed-recipients", None], [None, None, None, None]], env[5]
    assert env[6] == [[None, None, b"Team", None], [None, None, b"x", b"example.org"],
                      [b"x\\y", None, b"y", b"example.org"], [None, None, None, None]], env[6]
    assert env[9] == b"<folded@example.org>", env


def test_fetch_envelope_bodystructure_and_body(account):
    w = account.wire()
    append(w, "INBOX", MULTIPART)
    w.ok("SELECT INBOX")
    [(n, items)] = fetches(w.ok("FETCH 1 (ENVELOPE BODYSTRUCTURE BODY)"))
    assert items["ENVELOPE"] == ENVELOPE, items["ENVELOPE"]
    check_structure(items["BODYSTRUCTURE"], extensible=True)
    check_structure(items["BODY"], extensible=False)
    # The macros (RFC 9051 §6.4.5).
    [(_, items)] = fetches(w.ok("FETCH 1 ALL"))
    assert set(items) == {"FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"}
    [(_, items)] = fetches(w.ok("FETCH 1 FAST"))
    assert set(items) == {"FLAGS", "INTERNALDATE", "RFC822.SIZE"}
    [(_, items)] = fetches(w.ok("FETCH 1 FULL"))
    assert set(items) == {"FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"}


def test_fetch_sections_byte_exact(account):
    w = account.wire()
    append(w, "INBOX", MULTIPART)
    w.ok("SELECT INBOX")
    cases = {
        "BODY.PEEK[]": ("BODY[]", MULTIPART),
        "BODY.PEEK[HEADER]": ("BODY[HEADER]", HEADER),
        "BODY.PEEK[TEXT]": ("BODY[TEXT]", BODY_TEXT),
        "BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)]": (
            "BODY[HEADER.FIELDS (SUBJECT FROM)]",
            b"From: Alice Example <alice@example.org>\r\nSubject: Multipart =?utf-8?q?gr=C3=BC=C3=9Fe?=\r\n\r\n"),
        "BODY.PEEK[HEADER.FIELDS.NOT (From To Cc Subject Date Message-ID In-Reply-To MIME-Version Content-Type)]": (
            "BODY[HEADER.FIELDS.NOT (FROM TO CC SUBJECT DATE MESSAGE-ID IN-REPLY-TO MIME-VERSION CONTENT-TYPE)]",
            b"X-Mailer: pytest\r\n\r\n"),
        "BODY.PEEK[1]": ("BODY[1]", TEXT_PART),
        "BODY.PEEK[1.MIME]": ("BODY[1.MIME]", PART1_MIME),
        "BODY.PEEK[2]": ("BODY[2]", PART2),
        "BODY.PEEK[2.MIME]": ("BODY[2.MIME]", PART2_MIME),
        "BODY.PEEK[3]": ("BODY[3]", INNER),
        "BODY.PEEK[3.HEADER]": ("BODY[3.HEADER]", INNER[:INNER.index(b"\r\n\r\n") + 4]),
        "BODY.PEEK[3.TEXT]": ("BODY[3.TEXT]", b"Inner body\r\n"),
        "BODY.PEEK[3.1]": ("BODY[3.1]", b"Inner body\r\n"),
        "BODY.PEEK[TEXT]<0.10>": ("BODY[TEXT]<0>", BODY_TEXT[:10]),
        "BODY.PEEK[]<5.20>": ("BODY[]<5>", MULTIPART[5:25]),
        "BODY.PEEK[]<100000.10>": ("BODY[]<100000>", b""),
        "BINARY.PEEK[1]": ("BINARY[1]", TEXT_PART),
        "BINARY.PEEK[2]": ("BINARY[2]", bytes(range(10))),
        "BINARY.SIZE[2]": ("BINARY.SIZE[2]", 10),
        "BINARY.SIZE[1]": ("BINARY.SIZE[1]", len(TEXT_PART)),
        "BINARY.PEEK[2]<2.3>": ("BINARY[2]<2>", bytes([2, 3, 4])),
        "RFC822.HEADER": ("RFC822.HEADER", HEADER),
        "RFC822.SIZE": ("RFC822.SIZE", len(MULTIPART)),
    }
    for request, (name, expected) in cases.items():
        untagged, tagged = w.cmd(f"FETCH 1 ({request})")
        assert re.match(rb"T\d+ OK", tagged), (request, tagged)
        [(n, items)] = fetches(untagged)
        assert name.upper() in items, (request, untagged)
        assert items[name.upper()] == expected, (request, items[name.upper()][:200], expected[:200]
                                                  if isinstance(expected, bytes) else expected)
        assert "FLAGS" not in items, (request, "PEEK must not set \\Seen")
    # BINARY of a part with NUL bytes comes as literal8 (RFC 3516 §4.3).
    untagged = w.ok("FETCH 1 BINARY.PEEK[2]")
    assert b"BINARY[2] ~{10}\r\n" + bytes(range(10)) in untagged[0], untagged
    # None of that set \Seen.
    [(_, items)] = fetches(w.ok("FETCH 1 FLAGS"))
    assert items["FLAGS"] == ["\\Recent"]  # the first SELECT took it as recent


def test_byte_exact_with_shared_attachments_and_odd_line_ends(account):
    """DESIGN.md: identical attachments are stored once and "a message is returned byte-exact".
    The same 300 kB attachment in messages that differ in boundaries, headers and line ends (CRLF,
    bare LF, no final line end), plus raw 8-bit text: BODY[] and RFC822.SIZE are exactly what was
    appended, and BINARY[2] decodes to the same bytes every time."""
    blob = base64.encodebytes(os.urandom(300000)).replace(b"\n", b"\r\n")

    def mixed(boundary, subject, b64=blob, extra=b"", le=b"\r\n"):
        return (b"From: a@example.org" + le + b"Subject: " + subject + le + b"MIME-Version: 1.0" + le +
                b'Content-Type: multipart/mixed; boundary="' + boundary + b'"' + le + le +
                b"--" + boundary + le + b"Content-Type: text/plain" + le + le + b"see attached" + le +
                b"--" + boundary + le + b"Content-Type: application/pdf; name=a.pdf" + le +
                b"Content-Transfer-Encoding: base64" + le + extra + le + b64 +
                b"--" + boundary + b"--" + le)

    sent = [mixed(b"one", b"first"),
            mixed(b"two", b"second", extra=b"Content-Disposition: attachment\r\n"),
            mixed(b"three", b"bare LF", b64=blob.replace(b"\r\n", b"\n"), le=b"\n"),
            mixed(b"four", b"no final line end")[:-2],
            b"Subject: no newline at end\r\n\r\nlast line without CRLF",
            b"Subject: 8bit\r\nContent-Type: text/plain; charset=latin1\r\n\r\n\xe9\xe8\xff\x80 raw\r\n  trailing   \r\n\r\n\r\n"]
    w = account.wire()
    for data in sent:
        append(w, "INBOX", data)
    w.ok("SELECT INBOX")
    got = fetches(w.ok("FETCH 1:* (BODY.PEEK[] RFC822.SIZE)"))
    assert len(got) == len(sent)
    for n, items in got:
        assert items["BODY[]"] == sent[n - 1], n
        assert items["RFC822.SIZE"] == len(sent[n - 1]), n
    for n, items in fetches(w.ok("FETCH 1:4 BINARY.PEEK[2]")):
        assert items["BINARY[2]"] == base64.decodebytes(blob), n
    [(_, items)] = fetches(w.ok("FETCH 5 BODY.PEEK[TEXT]"))
    assert items["BODY[TEXT]"] == b"last line without CRLF"


def test_fetch_body_sets_seen_and_says_so(account):
    w = account.wire()
    append(w, "INBOX", MULTIPART)
    append(w, "INBOX", message("second"))
    w.ok("EXAMINE INBOX")
    untagged = w.ok("FETCH 1 BODY[TEXT]")  # read-only: nothing set
    [(_, items)] = fetches(untagged)
    assert "FLAGS" not in items or "\\Seen" not in items["FLAGS"]
    w.ok("SELECT INBOX")
    [(_, items)] = fetches(w.ok("FETCH 1 FLAGS"))
    assert items["FLAGS"] == ["\\Recent"]  # EXAMINE left it recent; SELECT took it
    [(_, items)] = fetches(w.ok("FETCH 1 BODY[1]"))
    # RFC 9051 §6.4.5: the \Seen flag set by the fetch is reported (FETCH FLAGS) at once.
    assert items["BODY[1]"] == TEXT_PART and items["FLAGS"] == ["\\Recent", "\\Seen"], items
    [(_, items)] = fetches(w.ok("FETCH 2 RFC822"))
    assert items["RFC822"] == message("second") and items["FLAGS"] == ["\\Recent", "\\Seen"], items
    [(_, items)] = fetches(w.ok("FETCH 2 FLAGS"))
    assert items["FLAGS"] == ["\\Recent", "\\Seen"]
    # BINARY[] sets it too.
    w.ok("STORE 1 -FLAGS.SILENT (\\Seen)")
    [(_, items)] = fetches(w.ok("FETCH 1 BINARY[2]"))
    assert items["FLAGS"] == ["\\Recent", "\\Seen"], items


def test_fetch_unknown_transfer_encoding_for_binary(account):
    w = account.wire()
    odd = (b"From: a@example.org\r\nSubject: odd\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n"
           b"Content-Transfer-Encoding: x-rot13\r\n\r\nUryyb\r\n")
    append(w, "INBOX", odd)
    w.ok("SELECT INBOX")
    _, tagged = w.cmd("FETCH 1 BINARY.PEEK[1]")
    assert re.match(rb"T\d+ NO \[UNKNOWN-CTE\]", tagged), tagged  # RFC 3516 §4.1
    [(_, items)] = fetches(w.ok("FETCH 1 BODY.PEEK[1]"))
    assert items["BODY[1]"] == b"Uryyb\r\n"


def test_fetch_message_sets_and_uid_fetch(account):
    w = account.wire()
    for i in range(5):
        append(w, "INBOX", message(f"m{i}"))
    w.ok("SELECT INBOX")
    w.ok("STORE 2 +FLAGS.SILENT (\\Deleted)")
    w.ok("EXPUNGE")  # UIDs now 1 3 4 5
    got = fetches(w.ok("FETCH 1:* UID"))
    assert [(n, i["UID"]) for n, i in got] == [(1, 1), (2, 3), (3, 4), (4, 5)]
    got = fetches(w.ok("FETCH 4,1,2:3 UID"))
    assert sorted((n, i["UID"]) for n, i in got) == [(1, 1), (2, 3), (3, 4), (4, 5)]
    got = fetches(w.ok("UID FETCH 2:4 FLAGS"))  # UID 2 does not exist: ignored
    assert [(n, i["UID"]) for n, i in got] == [(2, 3), (3, 4)]  # UID FETCH always includes UID
    got = fetches(w.ok("UID FETCH * FLAGS"))
    assert [(n, i["UID"]) for n, i in got] == [(4, 5)]
    got = fetches(w.ok("UID FETCH 100:* UID"))  # RFC 9051 §6.4.9: "100:*" includes the last one
    assert [(n, i["UID"]) for n, i in got] == [(4, 5)]
    assert fetches(w.ok("UID FETCH 6:10 UID")) == []
    _, tagged = w.cmd("FETCH 5 UID")  # there is no message 5
    assert re.match(rb"T\d+ BAD ", tagged), tagged
    _, tagged = w.cmd("FETCH 0 UID")
    assert re.match(rb"T\d+ BAD ", tagged), tagged
    _, tagged = w.cmd("FETCH 1 (NONSENSE)")
    assert re.match(rb"T\d+ BAD ", tagged), tagged
    # imaplib
    m = account.imap()
    m.select("INBOX")
    typ, data = m.uid("FETCH", "1:*", "(RFC822.SIZE)")
    assert typ == "OK" and len(data) == 4


def test_store_flags_and_keywords(account):
    w = account.wire()
    for i in range(3):
        append(w, "INBOX", message(f"s{i}"))
    w.ok("SELECT INBOX")
    untagged, tagged = w.cmd("STORE 1 +FLAGS (\\Flagged $Important)")
    assert re.match(rb"T\d+ OK", tagged)
    # A keyword new to the session: FLAGS first (RFC 9051 §7.3.5), then the FETCH.
    assert untagged[0].startswith(b"* FLAGS "), untagged
    assert "$Important" in parse(untagged[0][2:])[1]
    [(n, items)] = fetches(untagged)
    assert n == 1 and set(items["FLAGS"]) == {"\\Recent", "\\Flagged", "$Important"}, items
    untagged = w.ok("STORE 1 -FLAGS.SILENT (\\Flagged)")
    assert fetches(untagged) == [], untagged  # .SILENT: no FETCH (CONDSTORE is not on)
    [(_, items)] = fetches(w.ok("FETCH 1 FLAGS"))
    assert items["FLAGS"] == ["\\Recent", "$Important"]
    [(_, items)] = fetches(w.ok("STORE 1 FLAGS (\\Seen \\Answered)"))
    assert set(items["FLAGS"]) == {"\\Recent", "\\Seen", "\\Answered"}  # FLAGS cannot take \Recent away
    got = fetches(w.ok("UID STORE 2:3 +FLAGS ($label1)"))
    assert sorted((n, i["UID"], tuple(i["FLAGS"])) for n, i in got) == [
        (2, 2, ("\\Recent", "$label1")), (3, 3, ("\\Recent", "$label1"))]
    # Keywords are case-insensitive atoms; \Recent cannot be stored; flag lists must parse.
    _, tagged = w.cmd("STORE 1 +FLAGS (\\Recent)")
    assert re.match(rb"T\d+ (BAD|NO) ", tagged), tagged
    _, tagged = w.cmd("STORE 1 +FLAGS (\\Seen")
    assert re.match(rb"T\d+ BAD ", tagged), tagged
    untagged = w.ok("SELECT INBOX")
    flags = parse([r for r in untagged if r.startswith(b"* FLAGS")][0][2:])[1]
    assert {"$Important", "$label1"} <= set(flags), flags
    # imaplib
    m = account.imap()
    m.select("INBOX")
    typ, data = m.store("3", "+FLAGS", "(\\Deleted)")
    assert typ == "OK" and b"\\Deleted" in data[0]


def test_store_unchangedsince_reports_modified(account):
    w = account.wire()
    for i in range(3):
        append(w, "INBOX", message(f"c{i}"))
    w.ok("ENABLE CONDSTORE")
    w.ok("SELECT INBOX")
    got = {n: i["MODSEQ"][0] for n, i in fetches(w.ok("FETCH 1:3 (MODSEQ)"))}
    assert len(got) == 3 and all(isinstance(v, int) and v > 0 for v in got.values())
    untagged, tagged = w.cmd("STORE 1 (UNCHANGEDSINCE %d) +FLAGS (\\Answered)" % got[1])
    assert re.fullmatch(rb"T\d+ OK [^\[].*\r\n", tagged), tagged
    [(n, items)] = fetches(untagged)
    assert n == 1 and items["FLAGS"] == ["\\Recent", "\\Answered"] and items["MODSEQ"][0] > got[1], items
    new1 = items["MODSEQ"][0]
    # Message 1 changed since got[1]; 2 and 3 did not: 1 is MODIFIED, the others are stored.
    untagged, tagged = w.cmd("STORE 1:3 (UNCHANGEDSINCE %d) +FLAGS (\\Flagged)" % max(got[2], got[3], got[1]))
    assert re.fullmatch(rb"T\d+ OK \[MODIFIED 1\] .*\r\n", tagged), tagged
    changed = {n: i for n, i in fetches(untagged)}
    assert set(changed) == {2, 3}, untagged
    assert all("\\Flagged" in i["FLAGS"] and i["MODSEQ"][0] > new1 for i in changed.values())
    [(_, items)] = fetches(w.ok("FETCH 1 (FLAGS MODSEQ)"))
    assert items["FLAGS"] == ["\\Recent", "\\Answered"] and items["MODSEQ"] == [new1]
    # .SILENT under CONDSTORE still reports the new MODSEQ (RFC 7162 §3.1.3).
    untagged = w.ok("STORE 2 -FLAGS.SILENT (\\Flagged)")
    [(n, items)] = fetches(untagged)
    assert n == 2 and "FLAGS" not in items and items["MODSEQ"][0] > new1, untagged
    # UNCHANGEDSINCE 0 always fails (RFC 7162 §3.1.3 example).
    untagged, tagged = w.cmd("UID STORE 3 (UNCHANGEDSINCE 0) +FLAGS (\\Seen)")
    assert re.fullmatch(rb"T\d+ OK \[MODIFIED 3\] .*\r\n", tagged), tagged


def test_condstore_fetch_responses_carry_uid_and_modseq(account):
    """RFC 7162 §3.1: "Once a CONDSTORE enabling command is issued by the client, the server MUST
    automatically include both UID and mod-sequence data in all subsequent untagged FETCH
    responses (until the connection is closed), whether they were caused by a regular STORE/UID
    STORE, a STORE/UID STORE with an UNCHANGEDSINCE modifier, a FETCH/UID FETCH that implicitly set
    the \\Seen flag, or an external agent." """
    w = account.wire()
    for i in range(3):
        append(w, "INBOX", message(f"u{i}"))
    w.ok("ENABLE CONDSTORE")
    w.ok("SELECT INBOX")
    problems = []
    for command in ["STORE 1 +FLAGS (\\Flagged)", "STORE 1 (UNCHANGEDSINCE 1000000) -FLAGS (\\Flagged)",
                    "STORE 2 +FLAGS.SILENT (\\Answered)", "FETCH 3 BODY[TEXT]", "FETCH 2 RFC822.TEXT"]:
        got = fetches(w.ok(command))
        if not got or not all("UID" in i and "MODSEQ" in i for _, i in got):
            problems.append((command, got))
    assert not problems, problems


def test_copy_and_move_with_copyuid(account):
    w = account.wire()
    for i in range(4):
        append(w, "INBOX", message(f"cm{i}"))
    validity = int(re.search(rb"UIDVALIDITY (\d+)", w.ok("STATUS Archive (UIDVALIDITY)")[0]).group(1))
    w.ok("SELECT INBOX")
    untagged, tagged = w.cmd("COPY 1:2 Archive")
    assert re.fullmatch(rb"T\d+ OK \[COPYUID %d 1:2 1:2\] .*\r\n" % validity, tagged), tagged
    untagged, tagged = w.cmd("UID COPY 4 Archive")
    assert re.fullmatch(rb"T\d+ OK \[COPYUID %d 4 3\] .*\r\n" % validity, tagged), tagged
    assert parse(w.ok("STATUS Archive (MESSAGES)")[0][2:])[2] == ["MESSAGES", 3]
    _, tagged = w.cmd("COPY 1 Nowhere")
    assert re.match(rb"T\d+ NO \[TRYCREATE\]", tagged), tagged
    trash = int(re.search(rb"UIDVALIDITY (\d+)", w.ok("STATUS Trash (UIDVALIDITY)")[0]).group(1))
    untagged, tagged = w.cmd("MOVE 2:3 Trash")
    assert re.match(rb"T\d+ OK", tagged), tagged
    # RFC 6851 §4.3: COPYUID in an untagged OK before the expunges.
    assert re.fullmatch(rb"\* OK \[COPYUID %d 2:3 1:2\].*\r\n" % trash, untagged[0]), untagged
    assert [r for r in untagged[1:]] in ([b"* 3 EXPUNGE\r\n", b"* 2 EXPUNGE\r\n"],
                                         [b"* 2 EXPUNGE\r\n", b"* 2 EXPUNGE\r\n"]), untagged
    assert [i["UID"] for _, i in fetches(w.ok("FETCH 1:* UID"))] == [1, 4]
    [(_, items)] = fetches(w.ok("FETCH 2 BODY.PEEK[]"))
    assert items["BODY[]"] == message("cm3")
    untagged = w.ok("SELECT Trash")
    assert b"* 2 EXISTS\r\n" in untagged
    got = fetches(w.ok("FETCH 1:* BODY.PEEK[HEADER.FIELDS (SUBJECT)]"))
    assert [i["BODY[HEADER.FIELDS (SUBJECT)]"] for _, i in got] == [b"Subject: cm1\r\n\r\n", b"Subject: cm2\r\n\r\n"]
    # imaplib
    m = account.imap()
    m.select("Trash")
    typ, data = m.uid("MOVE", "1", "INBOX")
    assert typ == "OK"


def test_move_and_copy_to_the_selected_mailbox(account):
    """RFC 6851 §3.3: MOVE is COPY then EXPUNGE, and COPY into the selected mailbox is legal
    (ImapTest "move": "MOVE 1 <the selected mailbox>"): the message gets a new UID, the original is
    expunged, and the copy shows up as a new message."""
    w = account.wire()
    append(w, "INBOX", message("self"))
    w.ok("SELECT INBOX")
    validity = int(re.search(rb"UIDVALIDITY (\d+)", w.ok("STATUS INBOX (UIDVALIDITY)")[0]).group(1))
    untagged, tagged = w.cmd("MOVE 1 INBOX")
    assert re.match(rb"T\d+ OK", tagged), tagged
    assert re.fullmatch(rb"\* OK \[COPYUID %d 1 2\].*\r\n" % validity, untagged[0]), untagged
    assert untagged[1:3] == [b"* 1 EXPUNGE\r\n", b"* 1 EXISTS\r\n"], untagged
    assert [i["UID"] for _, i in fetches(w.ok("FETCH 1:* UID"))] == [2]
    _, tagged = w.cmd("COPY 1 INBOX")
    assert re.fullmatch(rb"T\d+ OK \[COPYUID %d 2 3\] .*\r\n" % validity, tagged), tagged
    assert [i["UID"] for _, i in fetches(w.ok("FETCH 1:* UID"))] == [2, 3]
    [(_, items)] = fetches(w.ok("FETCH 2 BODY.PEEK[]"))
    assert items["BODY[]"] == message("self")


def test_move_under_qresync_says_vanished(account):
    w = account.wire()
    for i in range(3):
        append(w, "INBOX", message(f"q{i}"))
    w.ok("ENABLE QRESYNC")
    w.ok("SELECT INBOX")
    untagged, tagged = w.cmd("UID MOVE 1,3 Junk")
    assert re.match(rb"T\d+ OK", tagged), tagged
    assert re.fullmatch(rb"\* OK \[COPYUID \d+ 1,3 1:2\].*\r\n", untagged[0]), untagged
    assert untagged[1:] == [b"* VANISHED 1,3\r\n"], untagged


def test_expunge_uid_expunge_close_unselect(account):
    w = account.wire()
    for i in range(6):
        append(w, "INBOX", message(f"e{i}"))
    w.ok("SELECT INBOX")
    w.ok("STORE 1,3 +FLAGS.SILENT (\\Deleted)")
    untagged, tagged = w.cmd("EXPUNGE")
    assert re.match(rb"T\d+ OK", tagged)
    # Whatever order, the numbers must name the messages as the client knows them at each step.
    uids = [1, 2, 3, 4, 5, 6]
    for r in untagged:
        n = int(re.fullmatch(rb"\* (\d+) EXPUNGE\r\n", r).group(1))
        del uids[n - 1]
    assert uids == [2, 4, 5, 6], untagged
    # UID EXPUNGE removes only the named \Deleted messages (RFC 4315 §2.1).
    w.ok("STORE 1:2 +FLAGS.SILENT (\\Deleted)")  # UIDs 2 and 4
    untagged = w.ok("UID EXPUNGE 4:5")
    assert untagged == [b"* 2 EXPUNGE\r\n"], untagged
    assert [i["UID"] for _, i in fetches(w.ok("FETCH 1:* UID"))] == [2, 5, 6]
    # UNSELECT keeps \Deleted messages; CLOSE expunges them silently.
    w.ok("STORE 3 +FLAGS.SILENT (\\Deleted)")
    untagged, tagged = w.cmd("UNSELECT")
    assert untagged == [] and re.match(rb"T\d+ OK", tagged)
    assert parse(w.ok("STATUS INBOX (MESSAGES)")[0][2:])[2] == ["MESSAGES", 3]
    w.ok("EXAMINE INBOX")
    untagged = w.ok("CLOSE")  # read-only: nothing expunged
    assert untagged == []
    assert parse(w.ok("STATUS INBOX (MESSAGES)")[0][2:])[2] == ["MESSAGES", 3]
    w.ok("SELECT INBOX")
    untagged = w.ok("CLOSE")  # UIDs 2 and 6 were \Deleted
    assert untagged == [], untagged
    assert parse(w.ok("STATUS INBOX (MESSAGES)")[0][2:])[2] == ["MESSAGES", 1]
    _, tagged = w.cmd("FETCH 1 UID")
    assert re.match(rb"T\d+ BAD", tagged)  # nothing selected any more
    # EXPUNGE in a read-only folder is refused.
    w.ok("EXAMINE INBOX")
    _, tagged = w.cmd("EXPUNGE")
    assert re.match(rb"T\d+ NO", tagged), tagged
    # imaplib
    m = account.imap()
    m.select("INBOX")
    m.store("1", "+FLAGS", "(\\Deleted)")
    typ, data = m.expunge()
    assert typ == "OK" and data == [b"1"]


def test_quota_of_an_alias_with_a_limit(imap_server):
    user = "quota@" + DOMAIN
    password = imap_server.add_mailbox(user, quota=100 * 1024)
    w = imap_server.wire()
    w.login(user, password)
    untagged, tagged = w.cmd("GETQUOTAROOT INBOX")
    assert re.match(rb"T\d+ OK", tagged)
    assert untagged == [b'* QUOTAROOT INBOX ""\r\n', b'* QUOTA "" (STORAGE 0 100)\r\n'], untagged
    a = message("q1", body="q" * 5000 + "\r\n")
    b = message("q2", body="r" * 3000 + "\r\n")
    append(w, "INBOX", a)
    append(w, "Sent", b)
    untagged = w.ok('GETQUOTA ""')
    assert untagged == [b'* QUOTA "" (STORAGE %d 100)\r\n' % ((len(a) + len(b)) // 1024)], untagged
    _, tagged = w.cmd('GETQUOTA "nope"')
    assert re.match(rb"T\d+ NO", tagged)
    _, tagged = w.cmd('SETQUOTA "" (STORAGE 1000000)')
    assert re.match(rb"T\d+ NO", tagged)
    # Over the quota: APPEND is refused with OVERQUOTA (RFC 9208 §5.2 / RFC 5530).
    big = message("too much", body="z" * (100 * 1024) + "\r\n")
    w.send(b"A1 APPEND INBOX {%d+}\r\n%s\r\n" % (len(big), big))
    _, tagged = w.until("A1")
    assert tagged.startswith(b"A1 NO [OVERQUOTA]"), tagged


def test_quota_response_without_a_limit_is_well_formed(account):
    """RFC 9208 §9: quota-list = "(" quota-resource *(SP quota-resource) ")": at least one resource.
    A mailbox without a limit has no quota root, or a root whose QUOTA names a resource."""
    w = account.wire()
    untagged, tagged = w.cmd("GETQUOTAROOT INBOX")
    assert re.match(rb"T\d+ OK", tagged)
    assert untagged[0].startswith(b"* QUOTAROOT INBOX"), untagged
    for r in untagged[1:]:
        assert re.fullmatch(rb'\* QUOTA \S+ \(\w+ \d+ \d+( \w+ \d+ \d+)*\)\r\n', r), r
