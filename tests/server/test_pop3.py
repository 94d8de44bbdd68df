"""The POP3 server (issue 7), driven by Python's poplib and a raw socket client against the real
`sealmail serve`: RFC 1939 (STAT, LIST, RETR, DELE, RSET, TOP, UIDL, QUIT and the UPDATE state),
RFC 2449 CAPA with RESP-CODES and PIPELINING, RFC 2595 STLS, RFC 5034 AUTH PLAIN, and the
sharing of a mailbox with IMAP sessions."""
import base64
import imaplib
import poplib
import re
import socket
import time

import pytest

from pop3_support import (Pop3Server, RawPop3, add_mailbox, cli, import_messages, pop3_wire,
                          unverified_context)

# Byte-exactness cases: CRLF, bare LF, dot-led lines (byte-stuffing), a lone CR inside a line, no
# newline at the end, a header-only message, and a big one whose dot lines cross every buffer.
MESSAGES = [
    b"From: Alice <alice@example.org>\r\nTo: you@example.com\r\nSubject: plain CRLF\r\n\r\nHello.\r\n",
    b"From: bob@example.org\nSubject: bare LF and dots\n\n.\n..\n.hidden\nend\n",
    b"Subject: mixed endings\r\n\r\nline1\nline2\r\nx\ry\r\n.\r\nlast line without newline",
    b"Subject: headers only\r\n",
    b"Subject: big\r\n\r\n" + b"".join(b".%05d dot-led line that is long enough to matter ....\r\n" % i
                                      for i in range(4000)),
]


@pytest.fixture
def server(data_dir):
    s = Pop3Server(data_dir).start()
    yield s
    s.stop()


@pytest.fixture
def mailbox(server, data_dir, tmp_path):
    mb = add_mailbox(data_dir, "you@example.com")
    import_messages(data_dir, mb, MESSAGES, str(tmp_path))
    return mb


def pop3(server, mb, tls=False):
    p = poplib.POP3_SSL("127.0.0.1", server.pop3s_port, context=unverified_context(), timeout=10) if tls \
        else poplib.POP3("127.0.0.1", server.pop3_port, timeout=10)
    p.user(mb.address)
    p.pass_(mb.password)
    return p


def drop(p):
    """Closes the connection without QUIT (poplib's file object holds the socket open too)."""
    p.file.close()
    p.sock.close()


def imap(server, mb):
    m = imaplib.IMAP4("127.0.0.1", server.imap_port, timeout=10)
    m.login(mb.address, mb.password)
    return m


def capa_of(raw):
    assert raw.command("CAPA") == b"+OK Capability list follows"
    return raw.multiline().decode().split("\r\n")[:-1]


def test_stat_list_and_retr_give_every_message_byte_for_byte(server, mailbox):
    wire = [pop3_wire(m) for m in MESSAGES]
    p = pop3(server, mailbox)
    assert p.stat() == (len(wire), sum(len(w) for w in wire))
    resp, listing, _ = p.list()
    assert resp.startswith(b"+OK 5 messages")
    assert listing == [b"%d %d" % (i + 1, len(w)) for i, w in enumerate(wire)]
    assert p.list(3) == b"+OK 3 %d" % len(wire[2])
    for i, expected in enumerate(wire):
        resp, lines, octets = p.retr(i + 1)
        assert resp == b"+OK %d octets" % len(expected)
        assert b"\r\n".join(lines) + b"\r\n" == expected, i
        assert octets == len(expected)  # RFC 1939 §11: the size LIST gave is the size RETR sends
    assert p.quit().startswith(b"+OK")


def test_retr_on_the_wire_is_byte_stuffed_with_crlf_endings(server, mailbox):
    raw = RawPop3(server.pop3_port)
    assert raw.greeting == b"+OK sealmail POP3 ready"  # no APOP timestamp
    assert raw.command(f"USER {mailbox.address}").startswith(b"+OK")
    assert raw.command(f"PASS {mailbox.password}") == b"+OK maildrop has 5 messages (%d octets)" % sum(
        len(pop3_wire(m)) for m in MESSAGES)
    assert raw.command("RETR 2").startswith(b"+OK")
    assert raw.multiline() == b"From: bob@example.org\r\nSubject: bare LF and dots\r\n\r\n..\r\n...\r\n" \
                              b"..hidden\r\nend\r\n"
    assert raw.command("RETR 3").startswith(b"+OK")
    assert raw.multiline() == b"Subject: mixed endings\r\n\r\nline1\r\nline2\r\nx\ry\r\n..\r\n" \
                              b"last line without newline\r\n"
    assert raw.command("RETR 4").startswith(b"+OK")
    assert raw.multiline() == b"Subject: headers only\r\n"
    assert raw.command("QUIT").startswith(b"+OK")
    assert raw.closed()


def test_top_gives_the_headers_and_the_first_lines_of_the_body(server, mailbox):
    p = pop3(server, mailbox)
    assert p.top(1, 0)[1] == [b"From: Alice <alice@example.org>", b"To: you@example.com",
                              b"Subject: plain CRLF", b""]
    assert p.top(2, 2)[1] == [b"From: bob@example.org", b"Subject: bare LF and dots", b"", b".", b".."]
    assert p.top(2, 1000)[1] == p.retr(2)[1]  # a body shorter than n lines comes whole
    assert p.top(4, 5)[1] == [b"Subject: headers only"]
    assert p.top(5, 3)[1][-1] == b".00002 dot-led line that is long enough to matter ...."
    with pytest.raises(poplib.error_proto, match=r"-ERR no such message, only 5 messages in maildrop"):
        p.top(6, 1)
    p.quit()


def test_uidls_are_stable_across_sessions_and_never_reused(server, mailbox, data_dir, tmp_path):
    p = pop3(server, mailbox)
    first = dict(line.split() for line in p.uidl()[1])
    assert len(set(first.values())) == 5
    assert all(re.fullmatch(rb"\d+\.\d+", u) for u in first.values())
    assert p.uidl(2) == b"+OK 2 " + first[b"2"]
    p.quit()
    p = pop3(server, mailbox)
    assert dict(line.split() for line in p.uidl()[1]) == first
    p.dele(1)
    p.quit()
    # Numbers shift after a deletion (RFC 1939 §5); the ids stay with their messages.
    import_messages(data_dir, mailbox, [b"Subject: later\r\n\r\nnew\r\n"], str(tmp_path))
    p = pop3(server, mailbox)
    now = [line.split()[1] for line in p.uidl()[1]]
    assert now[:4] == [first[b"2"], first[b"3"], first[b"4"], first[b"5"]]
    assert now[4] not in first.values()  # the deleted message's id is not given to the new one
    assert b"".join(p.retr(5)[1]) == b"Subject: laternew"
    p.quit()


def test_dele_removes_only_at_quit_and_a_dropped_connection_removes_nothing(server, mailbox):
    p = pop3(server, mailbox)
    assert p.dele(1) == b"+OK message 1 deleted"
    p.dele(3)
    assert p.stat()[0] == 3
    with pytest.raises(poplib.error_proto, match=r"-ERR message 1 already deleted"):
        p.retr(1)
    with pytest.raises(poplib.error_proto, match=r"-ERR message 3 already deleted"):
        p.dele(3)
    assert [line.split()[0] for line in p.list()[1]] == [b"2", b"4", b"5"]
    drop(p)  # no QUIT, no UPDATE state (RFC 1939 §6)

    p = pop3(server, mailbox)
    assert p.stat()[0] == 5
    p.dele(2)
    assert p.rset().startswith(b"+OK maildrop has 5 messages")
    assert p.stat()[0] == 5
    p.dele(1)
    p.dele(2)
    assert p.quit() == b"+OK sealmail POP3 signing off (2 messages deleted)"

    p = pop3(server, mailbox)
    assert p.stat() == (3, sum(len(pop3_wire(m)) for m in MESSAGES[2:]))
    assert b"\r\n".join(p.retr(1)[1]) + b"\r\n" == pop3_wire(MESSAGES[2])
    p.quit()


def test_one_pop3_session_per_maildrop_while_imap_reads(server, mailbox):
    first = pop3(server, mailbox)
    second = poplib.POP3_SSL("127.0.0.1", server.pop3s_port, context=unverified_context(), timeout=10)
    second.user(mailbox.address)
    with pytest.raises(poplib.error_proto, match=r"^b'-ERR \[IN-USE\] another POP3 session"):
        second.pass_(mailbox.password)
    # IMAP reads the same mailbox meanwhile.
    m = imap(server, mailbox)
    assert m.select("INBOX") == ("OK", [b"5"])
    assert m.fetch("2", "(BODY.PEEK[])")[1][0][1] == MESSAGES[1]  # IMAP gives the stored bytes
    first.quit()
    # The lock went with the first session; the refused one may try again on the same connection.
    second.user(mailbox.address)
    assert second.pass_(mailbox.password).startswith(b"+OK maildrop has 5 messages")
    second.quit()
    m.logout()


def test_racing_with_imap_expunges_and_appends(server, mailbox):
    m = imap(server, mailbox)
    m.select("INBOX")
    p = pop3(server, mailbox)
    assert p.stat()[0] == 5
    # IMAP appends: the POP3 session keeps the maildrop it had at login (RFC 1939 §5).
    assert m.append("INBOX", None, None, b"Subject: from imap\r\n\r\nhi\r\n")[0] == "OK"
    assert p.stat()[0] == 5
    with pytest.raises(poplib.error_proto, match="no such message"):
        p.retr(6)
    # IMAP expunges message 4 under the POP3 session: RETR says it is gone, the rest go on.
    m.store("4", "+FLAGS", "\\Deleted")
    m.expunge()
    with pytest.raises(poplib.error_proto, match=r"-ERR no such message: removed by another session"):
        p.retr(4)
    p.dele(1)
    p.dele(4)  # already expunged by IMAP: removed as asked, not an error
    assert p.quit() == b"+OK sealmail POP3 signing off (2 messages deleted)"
    # The IMAP session hears of the POP3 expunge at its next command.
    m.noop()
    assert m.response("EXPUNGE")[1] == [b"1"]
    assert m.search(None, "ALL")[1] == [b"1 2 3 4"]
    # The next POP3 session sees what IMAP appended.
    p = pop3(server, mailbox)
    assert p.stat()[0] == 4
    assert b"\r\n".join(p.retr(4)[1]) == b"Subject: from imap\r\n\r\nhi"
    p.quit()
    m.logout()


def test_retr_marks_seen_at_quit_and_top_does_not(server, mailbox):
    p = pop3(server, mailbox)
    p.retr(2)
    p.top(3, 1)
    p.retr(5)
    p.dele(5)
    p.quit()
    m = imap(server, mailbox)
    m.select("INBOX")
    flags = {int(line.split()[0]): line for line in m.fetch("1:*", "(FLAGS)")[1]}
    assert b"\\Seen" in flags[2] and b"\\Seen" not in flags[3] and b"\\Seen" not in flags[1]
    assert len(flags) == 4
    m.logout()
    # Retrieving without QUIT changes nothing.
    p = pop3(server, mailbox)
    p.retr(1)
    drop(p)
    m = imap(server, mailbox)
    m.select("INBOX")
    assert b"\\Seen" not in m.fetch("1", "(FLAGS)")[1][0]
    m.logout()


def test_capa_stls_and_plaintext_refused_off_loopback_rules(data_dir, tmp_path):
    # plaintext_on_loopback = false: loopback is treated like any network.
    s = Pop3Server(data_dir, plaintext_on_loopback=False).start()
    try:
        mb = add_mailbox(data_dir, "you@example.com")
        import_messages(data_dir, mb, MESSAGES[:2], str(tmp_path))
        raw = RawPop3(s.pop3_port)
        caps = capa_of(raw)
        assert "STLS" in caps and "USER" not in caps and not any(c.startswith("SASL") for c in caps)
        for c in ["TOP", "UIDL", "RESP-CODES", "PIPELINING", "AUTH-RESP-CODE", "UTF8", "EXPIRE NEVER"]:
            assert c in caps
        assert raw.command("USER you@example.com") == b"-ERR use STLS (or pop3s) before logging in"
        assert raw.command("AUTH PLAIN " + base64.b64encode(b"\0you@example.com\0x").decode()) == \
            b"-ERR use STLS (or pop3s) before logging in"
        assert raw.command("STAT") == b"-ERR STAT: log in first"
        raw.close()

        p = poplib.POP3("127.0.0.1", s.pop3_port, timeout=10)
        assert p.stls(unverified_context()).startswith(b"+OK")
        caps = p.capa()
        assert "USER" in caps and caps["SASL"] == ["PLAIN"] and "STLS" not in caps
        p.user(mb.address)
        assert p.pass_(mb.password).startswith(b"+OK maildrop has 2 messages")
        caps = p.capa()
        assert "USER" not in caps and "SASL" not in caps and "STLS" not in caps and "UIDL" in caps
        with pytest.raises(poplib.error_proto, match="STLS is not allowed after login"):
            p._shortcmd("STLS")
        p.quit()

        p = poplib.POP3_SSL("127.0.0.1", s.pop3s_port, context=unverified_context(), timeout=10)
        caps = p.capa()
        assert "STLS" not in caps and "USER" in caps
        p.user(mb.address)
        p.pass_(mb.password)
        assert b"\r\n".join(p.retr(2)[1]) + b"\r\n" == pop3_wire(MESSAGES[1])
        p.quit()
    finally:
        s.stop()


def test_commands_pipelined_after_stls_close_the_connection(server, mailbox):
    raw = RawPop3(server.pop3_port)
    raw.send(b"STLS\r\nUSER you@example.com\r\n")
    assert raw.line() == b"-ERR commands pipelined after STLS; closing"
    assert raw.closed()


def test_wrong_password_is_refused_with_auth_code_and_throttled_with_imap(server, mailbox):
    p = poplib.POP3("127.0.0.1", server.pop3_port, timeout=10)
    p.user(mailbox.address)
    with pytest.raises(poplib.error_proto, match=r"^b'-ERR \[AUTH\] authentication failed'"):
        p.pass_("wrong password")
    with pytest.raises(poplib.error_proto, match=r"-ERR send USER first"):
        p.pass_(mailbox.password)  # PASS forgets the name USER gave, whatever the outcome
    p.user("nobody@example.com")  # +OK: USER reveals nothing
    with pytest.raises(poplib.error_proto, match=r"^b'-ERR \[AUTH\] authentication failed'"):
        p.pass_("anything")
    # The login throttle is shared with IMAP: two failures there, a third here...
    for _ in range(2):
        with pytest.raises(imaplib.IMAP4.error):
            imaplib.IMAP4("127.0.0.1", server.imap_port, timeout=10).login(mailbox.address, "wrong")
    # ...so this fourth failure for the address is answered late (LoginThrottle's first delay).
    p.user(mailbox.address)
    started = time.monotonic()
    with pytest.raises(poplib.error_proto, match=r"\[AUTH\]"):
        p.pass_("wrong again")
    assert time.monotonic() - started >= 0.45
    # The right password still works (the address is delayed, not locked yet).
    p.user(mailbox.address)
    assert p.pass_(mailbox.password).startswith(b"+OK")
    p.quit()
    log = server.read_log()
    assert "event=pop3_login_failed" in log and "event=pop3_login " in log
    for secret in [mailbox.password, "wrong password", "you@example.com", "nobody@example.com"]:
        assert secret not in log


def test_auth_plain_with_initial_response_after_a_challenge_and_cancelled(server, mailbox):
    token = base64.b64encode(b"\0" + mailbox.address.encode() + b"\0" + mailbox.password.encode()).decode()
    raw = RawPop3(server.pop3_port)
    assert raw.command("AUTH") == b"+OK supported mechanisms follow"
    assert raw.multiline() == b"PLAIN\r\n"
    assert raw.command("AUTH CRAM-MD5") == b"-ERR unsupported SASL mechanism; use PLAIN"
    assert raw.command("AUTH PLAIN") == b"+ "
    assert raw.command("*") == b"-ERR authentication cancelled"
    assert raw.command("AUTH PLAIN") == b"+ "
    assert raw.command("not base64!") == b"-ERR [AUTH] malformed SASL PLAIN response"
    assert raw.command("APOP you@example.com c4c9334bac560ecc979e58001b3e22fb") == \
        b"-ERR APOP is not supported; use USER/PASS or AUTH PLAIN over TLS"
    assert raw.command("AUTH PLAIN") == b"+ "
    assert raw.command(token).startswith(b"+OK maildrop has 5 messages")
    assert raw.command("AUTH PLAIN " + token) == b"-ERR AUTH is not allowed after login"
    assert raw.command("QUIT").startswith(b"+OK")
    raw.close()
    raw = RawPop3(server.pop3s_port, tls=True)
    assert raw.command("AUTH PLAIN " + token).startswith(b"+OK maildrop has 5 messages")
    assert raw.command("QUIT").startswith(b"+OK")
    raw.close()


def test_pipelined_commands_are_answered_in_order(server, mailbox):
    raw = RawPop3(server.pop3_port)
    # RFC 2449 §6.6: everything in one write, the answers in order.
    raw.send(f"CAPA\r\nUSER {mailbox.address}\r\nPASS {mailbox.password}\r\nSTAT\r\nLIST\r\nRETR 2\r\n"
             f"BOGUS\r\nUIDL 1\r\nDELE 1\r\nRETR 1\r\nRSET\r\nNOOP\r\nQUIT\r\n".encode())
    assert raw.line() == b"+OK Capability list follows"
    assert b"PIPELINING" in raw.multiline()
    assert raw.line() == b"+OK send PASS"
    assert raw.line().startswith(b"+OK maildrop has 5 messages")
    assert raw.line().startswith(b"+OK 5 ")
    assert raw.line().startswith(b"+OK 5 messages")
    assert raw.multiline().count(b"\r\n") == 5
    assert raw.line().startswith(b"+OK")
    assert raw.multiline() == pop3_wire(MESSAGES[1]).replace(b"\r\n.", b"\r\n..")
    assert raw.line() == b"-ERR unknown command"
    assert re.fullmatch(rb"\+OK 1 \d+\.\d+", raw.line())
    assert raw.line() == b"+OK message 1 deleted"
    assert raw.line() == b"-ERR message 1 already deleted"
    assert raw.line() == b"+OK maildrop has 5 messages (%d octets)" % sum(len(pop3_wire(m)) for m in MESSAGES)
    assert raw.line() == b"+OK"
    assert raw.line() == b"+OK sealmail POP3 signing off (0 messages deleted)"
    assert raw.closed()


def test_pipelined_retrs_come_back_in_order_byte_for_byte(server, mailbox):
    # The server reads pipelined RETRs (and the messages after them) ahead of their turn: the
    # answers must be what one-by-one commands would have given, DELE and RSET included.
    raw = RawPop3(server.pop3_port)
    assert raw.command(f"USER {mailbox.address}").startswith(b"+OK")
    assert raw.command(f"PASS {mailbox.password}").startswith(b"+OK")
    raw.send(b"RETR 5\r\nRETR 1\r\nTOP 3 1\r\nDELE 2\r\nRETR 2\r\nRETR 3\r\nRSET\r\nRETR 2\r\nRETR 4\r\n"
             + b"".join(b"RETR %d\r\n" % n for n in [1, 2, 3, 4, 5] * 4))
    stuffed = [pop3_wire(m).replace(b"\r\n.", b"\r\n..") for m in MESSAGES]
    assert raw.line() == b"+OK %d octets" % len(pop3_wire(MESSAGES[4]))
    assert raw.multiline() == stuffed[4]
    assert raw.line().startswith(b"+OK") and raw.multiline() == stuffed[0]
    assert raw.line().startswith(b"+OK") and raw.multiline() == b"Subject: mixed endings\r\n\r\nline1\r\n"
    assert raw.line() == b"+OK message 2 deleted"
    assert raw.line() == b"-ERR message 2 already deleted"
    assert raw.line().startswith(b"+OK") and raw.multiline() == stuffed[2]
    assert raw.line().startswith(b"+OK maildrop has 5 messages")
    assert raw.line().startswith(b"+OK") and raw.multiline() == stuffed[1]
    assert raw.line().startswith(b"+OK") and raw.multiline() == stuffed[3]
    for n in [1, 2, 3, 4, 5] * 4:
        assert raw.line() == b"+OK %d octets" % len(pop3_wire(MESSAGES[n - 1]))
        assert raw.multiline() == stuffed[n - 1], n
    assert raw.command("QUIT") == b"+OK sealmail POP3 signing off (0 messages deleted)"


def test_bad_input_gets_clear_errors_and_limits(server, mailbox):
    raw = RawPop3(server.pop3_port)
    assert raw.command("RETR 1") == b"-ERR RETR: log in first"
    assert raw.command("USER").startswith(b"-ERR")
    assert raw.command("LIST x").startswith(b"-ERR")  # a state error or a syntax error, never a crash
    assert raw.command("UTF8") == b"+OK UTF8 enabled"
    assert raw.command(f"USER {mailbox.address}").startswith(b"+OK")
    assert raw.command(f"PASS {mailbox.password}").startswith(b"+OK")
    assert raw.command("RETR 0") == b"-ERR no such message"  # the parser's answer: numbers start at 1
    assert raw.command("RETR 6") == b"-ERR no such message, only 5 messages in maildrop"
    assert raw.command("RETR 99999999999").startswith(b"-ERR")
    assert raw.command("TOP 1").startswith(b"-ERR")
    assert raw.command("USER x@example.com") == b"-ERR USER is not allowed after login"
    # RFC 2449 §4: a command line is at most 255 octets; past it the stream cannot be trusted.
    raw.send(b"NOOP " + b"x" * 300 + b"\r\n")
    assert raw.line().startswith(b"-ERR")
    assert raw.closed()
    # Nothing was deleted by that end.
    p = pop3(server, mailbox)
    assert p.stat()[0] == 5
    p.quit()
    # Twenty errors in a row end the session.
    raw = RawPop3(server.pop3_port)
    for _ in range(19):
        assert raw.command("BOGUS") == b"-ERR unknown command"
    raw.send(b"BOGUS\r\n")
    assert raw.line() == b"-ERR unknown command"
    assert raw.line() == b"-ERR too many errors; closing the connection"
    assert raw.closed()


def test_utf8_user_names_need_the_utf8_command(server, mailbox):
    raw = RawPop3(server.pop3_port)
    assert raw.command("USER j\u00f6rg@example.com") == \
        b"-ERR [UTF8] send UTF8 first to use a UTF-8 user name"
    assert raw.command("UTF8") == b"+OK UTF8 enabled"
    assert raw.command("USER j\u00f6rg@example.com") == b"+OK send PASS"
    assert raw.command("PASS x").startswith(b"-ERR [AUTH]")
    raw.close()


def test_an_empty_maildrop(server, data_dir):
    mb = add_mailbox(data_dir, "empty@example.com")
    p = pop3(server, mb)
    assert p.stat() == (0, 0)
    assert p.list()[1] == [] and p.uidl()[1] == []
    with pytest.raises(poplib.error_proto, match=r"-ERR no such message, only 0 messages in maildrop"):
        p.retr(1)
    assert p.quit() == b"+OK sealmail POP3 signing off (0 messages deleted)"


def test_many_sessions_in_a_row_and_in_parallel_on_different_maildrops(server, data_dir, tmp_path):
    boxes = [add_mailbox(data_dir, f"user{i}@example.com") for i in range(3)]
    for i, mb in enumerate(boxes):
        import_messages(data_dir, mb, [b"Subject: %d\r\n\r\nbody %d\r\n" % (i, i)], str(tmp_path))
    sessions = [pop3(server, mb, tls=(i % 2 == 1)) for i, mb in enumerate(boxes)]
    for i, p in enumerate(sessions):
        assert p.retr(1)[1][-1] == b"body %d" % i
    for p in sessions:
        p.quit()
    for _ in range(5):
        p = pop3(server, boxes[0])
        assert p.stat()[0] == 1
        p.quit()
