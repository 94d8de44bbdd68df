"""What a network can send (issue 5, "Robust against anything a network sends"): bad syntax, floods
of BADs, long lines and literals before and after login, clients vanishing mid-literal or mid-IDLE,
deep nesting; COMPRESS=DEFLATE (RFC 4978); and no accepted message lost on kill -9."""
import json
import re
import signal
import threading
import time

from conftest import data_dir  # noqa: F401 (fixture)
from imap_support import DOMAIN, ImapServer, append, appenduid, imap_server, account, message  # noqa: F401
from imap_wire import Closed, Wire, fetch_items, fetches, parse


def alive(server):
    assert server.proc.poll() is None, server.read_log()[-4000:]
    assert server.get("/healthz")[0] == 200


def bye_and_close(w, timeout=10):
    """Reads until the server closes; returns everything it said (must include a BYE)."""
    said = b""
    try:
        while True:
            said += w.line(timeout=timeout)
    except (Closed, ConnectionResetError):
        pass
    return said


def test_bad_syntax_is_bad_and_the_session_goes_on(account):
    w = account.wire(select="INBOX")
    append(w, "INBOX", message("keep"))
    cases = [
        b"FETCH",                      # missing arguments
        b"FETCH 1",                    # missing items
        b"FETCH 1 (FLAGS",             # unclosed list
        b"FETCH x FLAGS",              # not a sequence set
        b"FETCH 1:2:3 FLAGS",
        b"STORE 1 FLAGS",              # no flag list
        b"STORE 1 ++FLAGS (\\Seen)",
        b"SELECT",
        b'SELECT "unterminated',
        b"LIST",
        b"UID",
        b"UID NOOP",                   # UID only before COPY MOVE FETCH SEARCH STORE EXPUNGE SORT THREAD
        b"NOOP extra",
        b"CAPABILITY  ",               # two spaces
        b"APPEND INBOX (\\Seen",
        b"SEARCH \x01",
        b"LOGIN a b",                  # wrong state
    ]
    for text in cases:
        untagged, tagged = w.cmd(text)
        assert re.match(rb"T\d+ BAD ", tagged), (text, untagged, tagged)
        assert not any(r.startswith(b"* BYE") for r in untagged), (text, untagged)
        w.ok("NOOP")  # a good command between bad ones: no "too many BADs"
    # Lines without a usable tag get an untagged BAD; empty lines are ignored.
    for line in [b"\r\n", b"   \r\n", b"*\r\n", b"+ NOOP\r\n", b"A{1} NOOP\r\n", b"T\x00 NOOP\r\n"]:
        w.send(line)
        if line.strip():
            r = w.response()
            assert r.startswith(b"* BAD ") or re.match(rb"\S+ BAD ", r), (line, r)
        w.ok("NOOP")
    [(_, items)] = fetches(w.ok("FETCH 1 (FLAGS UID)"))
    assert items["UID"] == 1


def test_too_many_bad_commands_end_with_bye(account):
    w = account.wire()
    w.send(b"".join(b"B%d FROB\r\n" % i for i in range(40)))
    said = bye_and_close(w)
    assert said.count(b" BAD ") >= 5 and said.count(b" BAD ") < 40, said
    assert re.search(rb"^\* BYE ", said, re.M), said
    alive(account.server)


def test_a_long_line_before_login_is_bye(imap_server):
    w = imap_server.wire()
    w.send(b"A1 LOGIN " + b"x" * 50000 + b" y\r\n")  # the limit is 40 KiB before login
    said = bye_and_close(w)
    assert re.search(rb"^\* BYE ", said, re.M), said
    assert b"A1 OK" not in said
    # Even without a line end: the server must not keep buffering.
    w = imap_server.wire()
    try:
        w.send(b"A1 LOGIN " + b"x" * 100000)
    except (BrokenPipeError, ConnectionResetError):
        pass
    said = bye_and_close(w)
    assert b"* BYE " in said, said
    alive(imap_server)


def test_id_of_the_largest_rfc2971_size_before_login(imap_server):
    """RFC 2971 §3.3: up to 30 field/value pairs, fields up to 30 octets, values up to 1,024:
    about 32 KiB on one line, which a client may send before logging in (ImapTest "id")."""
    w = imap_server.wire()
    pairs = " ".join(f'"f{i:02d}{"x" * 26}" "{"v" * 1024}"' for i in range(30))
    assert len(pairs) > 31000
    untagged, tagged = w.cmd(f"ID ({pairs})")
    assert re.match(rb"T\d+ OK", tagged), tagged
    assert untagged and untagged[0].startswith(b"* ID "), untagged
    w.ok("NOOP")


def test_a_long_line_after_login_is_bad_not_fatal(account):
    w = account.wire()
    untagged, tagged = w.cmd(b"LIST \"\" " + b"x" * 100000)
    assert re.match(rb"T\d+ BAD ", tagged), (untagged, tagged)  # the limit is 64 KiB after login
    w.ok("NOOP")
    # Just under the limit is a command like any other.
    untagged = w.ok(b"LIST \"\" " + b"x" * 60000)
    assert untagged == []


def test_literals_over_the_limit_before_login(imap_server):
    w = imap_server.wire()
    w.send(b"A1 LOGIN {100000}\r\n")
    r = w.response()
    assert r.startswith(b"A1 NO [TOOBIG]") or r.startswith(b"* BYE"), r  # never "+"
    if r.startswith(b"A1 NO"):
        w.ok("NOOP")
    # A non-synchronising literal is already on its way: BYE (RFC 7888 §4).
    w = imap_server.wire()
    try:
        w.send(b"A1 LOGIN {100000+}\r\n" + b"p" * 100000 + b" x\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    said = bye_and_close(w)
    assert b"* BYE" in said and b"A1 OK" not in said, said
    alive(imap_server)


def test_literal_over_the_limit_after_login(account):
    w = account.wire(select="INBOX")
    w.send(b"A1 SEARCH TEXT {100000000}\r\n")
    r = w.response()
    assert r.startswith(b"A1 NO [TOOBIG]") or r.startswith(b"A1 BAD"), r
    w.ok("NOOP")


def test_client_vanishing_mid_literal_leaves_the_server_alive(account):
    w = account.wire()
    w.send(b"A1 APPEND INBOX {100000}\r\n")
    assert w.response().startswith(b"+")
    w.send(b"z" * 50000)
    w.close()
    w = account.wire()
    w.send(b"A2 APPEND INBOX {100000+}\r\n" + b"z" * 30000)
    w.close()
    w = account.wire(select="INBOX")
    w.send(b"A3 IDLE\r\n")
    assert w.response().startswith(b"+")
    w.close()
    # and a TLS client that goes away in the middle of a literal
    t = account.server.wire_tls()
    t.login(account.user, account.password)
    t.send(b"A4 APPEND INBOX {5000}\r\n")
    assert t.response().startswith(b"+")
    t.send(b"y" * 100)
    t.sock.close()
    alive(account.server)
    w = account.wire()
    assert parse(w.ok("STATUS INBOX (MESSAGES)")[0][2:])[2] == ["MESSAGES", 0]


def test_broken_tls_handshakes_leave_the_server_alive(account):
    server = account.server
    # Plaintext to the implicit-TLS port.
    w = Wire(server.imaps_port, greeting=False)
    w.send(b"A1 CAPABILITY\r\n")
    assert b"A1 OK" not in bye_and_close(w)
    # Garbage instead of a ClientHello after STARTTLS.
    w = server.wire()
    w.send(b"S1 STARTTLS\r\n")
    _, tagged = w.until("S1")
    assert tagged.startswith(b"S1 OK")
    w.send(b"this is not TLS\r\n" * 100)
    bye_and_close(w)
    # A handshake abandoned half way.
    w = server.wire()
    w.send(b"S2 STARTTLS\r\n")
    w.until("S2")
    w.send(bytes.fromhex("160301002c010000280303") + b"\x00" * 20)
    w.close()
    alive(server)
    account.wire(select="INBOX").ok("NOOP")


def test_deep_nesting_is_refused_not_a_crash(account):
    w = account.wire(select="INBOX")
    append(w, "INBOX", message("n"))
    for text in [b"SEARCH " + b"(" * 5000 + b"ALL" + b")" * 5000,
                 b"SEARCH " + b"NOT " * 5000 + b"ALL",
                 b"SEARCH " + b"OR ALL " * 5000 + b"ALL",
                 b"FETCH 1 " + b"(" * 5000 + b"FLAGS" + b")" * 5000,
                 b"STORE 1 +FLAGS " + b"(" * 5000 + b")" * 5000,
                 b'LIST "" ' + b"*%" * 5000,
                 b"FETCH " + b"1," * 20000 + b"1 FLAGS"]:
        untagged, tagged = w.cmd(text, timeout=30)
        assert re.match(rb"T\d+ (BAD|NO|OK)", tagged), (text[:40], tagged)
    alive(account.server)
    w.ok("NOOP")


def test_compress_deflate(account):
    w = account.wire()
    w.start_compress()
    untagged = w.ok("CAPABILITY")
    assert b"COMPRESS=DEFLATE" not in untagged[0], untagged  # RFC 4978 §3: not twice
    _, tagged = w.cmd("COMPRESS DEFLATE")
    assert re.match(rb"T\d+ NO \[COMPRESSIONACTIVE\]", tagged), tagged
    data = message("compressed", body="compressible " * 2000 + "\r\n")
    append(w, "INBOX", data)
    w.ok("SELECT INBOX")
    [(_, items)] = fetches(w.ok("FETCH 1 BODY.PEEK[]"))
    assert items["BODY[]"] == data
    untagged, tagged = w.cmd("LOGOUT")
    assert untagged[0].startswith(b"* BYE") and re.match(rb"T\d+ OK", tagged)


def test_compress_inside_tls_with_idle(account):
    """DEFLATE over implicit TLS; IDLE notifications must be flushed through the compressor at
    once (RFC 4978 §4: a full flush after each response)."""
    t = account.server.wire_tls()
    t.login(account.user, account.password)
    t.start_compress()
    data = message("tls and deflate", body="z" * 100000 + "\r\n")
    append(t, "INBOX", data)
    t.ok("SELECT INBOX")
    [(_, items)] = fetches(t.ok("FETCH 1 BODY.PEEK[]"))
    assert items["BODY[]"] == data
    t.send(b"I1 IDLE\r\n")
    assert t.response().startswith(b"+ ")
    other = account.wire(select="INBOX")
    append(other, "INBOX", message("seen through the compressor"))
    assert t.response(timeout=10) == b"* 2 EXISTS\r\n"
    t.send(b"DONE\r\n")
    _, tagged = t.until("I1")
    assert tagged.startswith(b"I1 OK")


def test_compress_before_login_is_refused(imap_server):
    w = imap_server.wire()
    _, tagged = w.cmd("COMPRESS DEFLATE")
    assert re.match(rb"T\d+ (BAD|NO) ", tagged), tagged
    w.ok("NOOP")  # still uncompressed


def test_kill_9_after_append_ok_loses_nothing(data_dir):
    s = ImapServer(data_dir)
    s.add_domain()
    user = "durable@" + DOMAIN
    password = s.add_mailbox(user)
    s.start()
    sent = []
    try:
        w = s.wire()
        w.login(user, password)
        for i in range(5):
            data = message(f"durable {i}", body=f"body {i} " * 100 + "\r\n")
            _, uid = appenduid(append(w, "INBOX", data, flags="\\Flagged"))
            sent.append((uid, data))
        # A MULTIAPPEND into another folder.
        a, b = message("multi a"), message("multi b")
        w.send(b"M1 APPEND Archive {%d+}\r\n%s {%d+}\r\n%s\r\n" % (len(a), a, len(b), b))
        _, tagged = w.until("M1")
        assert tagged.startswith(b"M1 OK [APPENDUID")
        # Other changes that got their OK: a flag, a new folder, a move, an expunge; then kill -9.
        w.ok("SELECT INBOX")
        w.ok("UID STORE %d +FLAGS ($Kept)" % sent[0][0])
        w.ok("CREATE Made/Here")
        w.ok("UID MOVE %d Made/Here" % sent[1][0])
        w.ok("UID STORE %d +FLAGS.SILENT (\\Deleted)" % sent[2][0])
        w.ok("UID EXPUNGE %d" % sent[2][0])
        moved, gone = sent[1], sent[2]
        sent = [sent[0], sent[3], sent[4]]
        s.proc.send_signal(signal.SIGKILL)
        s.proc.wait()
    finally:
        s.stop()
    s.start()
    try:
        w = s.wire()
        w.login(user, password)
        w.ok("SELECT INBOX")
        got = {i["UID"]: i for _, i in fetches(w.ok("FETCH 1:* (UID FLAGS BODY.PEEK[])"))}
        assert sorted(got) == [uid for uid, _ in sent]
        for uid, data in sent:
            assert got[uid]["BODY[]"] == data
        assert set(got[sent[0][0]]["FLAGS"]) == {"\\Flagged", "$Kept"}
        assert got[sent[1][0]]["FLAGS"] == ["\\Flagged"]
        assert moved[0] not in got and gone[0] not in got
        assert parse(w.ok("STATUS Archive (MESSAGES)")[0][2:])[2] == ["MESSAGES", 2]
        w.ok("SELECT Made/Here")
        [(_, items)] = fetches(w.ok("FETCH 1 BODY.PEEK[]"))
        assert items["BODY[]"] == moved[1]
        w.ok("SELECT INBOX")
        # New UIDs continue after the old ones.
        _, uid = appenduid(append(w, "INBOX", message("after restart")))
        assert uid == sent[-1][0] + 1
    finally:
        assert s.stop() == 0


def test_password_change_through_the_api_ends_open_sessions_with_bye(account):
    """Issue 4/5: changing the password re-keys the mailbox and ends the owner's open sessions with
    "* BYE" (session.h: "A password change or a deleted alias ends the session"); the new password
    then logs in and the old one does not."""
    server = account.server
    w = account.wire(select="INBOX")
    append(w, "INBOX", message("kept across the re-key"))
    body = json.dumps({"current_password": account.password}).encode()
    status, text = server.get(f"/api/aliases/{account.user}/password", token=server.token(), method="POST",
                              body=body)
    assert status == 200, text
    new = json.loads(text)["password"]
    said = bye_and_close(w)
    assert b"* BYE" in said, said  # RFC 9051 §7.1.5: BYE before the server closes
    w = server.wire()
    _, tagged = w.cmd(f'LOGIN "{account.user}" "{account.password}"')
    assert re.match(rb"T\d+ NO \[AUTHENTICATIONFAILED\]", tagged), tagged
    w.login(account.user, new)
    assert b"* 1 EXISTS\r\n" in w.ok("SELECT INBOX")


def test_removing_the_alias_ends_open_sessions_with_bye(account):
    server = account.server
    w = account.wire(select="INBOX")
    status, text = server.get(f"/api/aliases/{account.user}", token=server.token(), method="DELETE")
    assert status == 200, text
    said = bye_and_close(w)
    assert b"* BYE" in said, said
    alive(server)


def test_connections_per_ip_are_limited(data_dir):
    """[limits] max_connections_per_ip: the connection over the limit gets no greeting (a BYE at
    most) and is closed; when one closes, the next is accepted."""
    s = ImapServer(data_dir, limits="max_connections_per_ip = 3\n").start()
    try:
        open_ = [s.wire() for _ in range(3)]
        assert all(w.greeting.startswith(b"* OK ") for w in open_)
        extra = s.wire(greeting=False)
        said = bye_and_close(extra)
        assert not said.startswith(b"* OK"), said
        assert said in (b"",) or said.startswith(b"* BYE"), said
        open_[0].ok("LOGOUT")
        assert open_[0].closed()
        assert s.wire().greeting.startswith(b"* OK ")
    finally:
        assert s.stop() == 0


def test_before_login_an_idle_or_trickling_client_is_dropped(imap_server):
    """Issue 5: "a short timeout before [login]". A silent client is told BYE (RFC 9051 §7.1.5:
    BYE "as part of a normal logout sequence ... or autologout") and dropped within a minute or so;
    one that trickles a byte now and then must not hold the connection for ever either (per-read
    timeouts alone let it: the limit has to be on the time to log in). Both run at once."""
    results = {}

    def quiet():
        w = imap_server.wire()
        start = time.monotonic()
        said = bye_and_close(w, timeout=150)
        results["quiet"] = (round(time.monotonic() - start), said)

    def trickle():
        w = imap_server.wire()
        start = time.monotonic()
        closed = False
        try:
            for ch in b"A1 LOGIN someone@example.com secret":
                w.send(bytes([ch]))
                closed = w.closed(timeout=10)
                if closed or time.monotonic() - start > 150:
                    break
        except (BrokenPipeError, ConnectionResetError):
            closed = True
        results["trickle"] = (round(time.monotonic() - start), closed)

    threads = [threading.Thread(target=quiet), threading.Thread(target=trickle)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=200)
    elapsed, said = results["quiet"]
    closed_after, closed = results["trickle"]
    problems = []
    if not (elapsed < 90 and b"* BYE" in said):
        problems.append(f"a silent client was dropped after {elapsed} s with {said!r} (expected * BYE)")
    if not closed:  # a byte every 10 s: after 150 s the server must have ended it
        problems.append(f"a trickling client was still connected after {closed_after} s")
    assert not problems, problems


def server_rss_mib(server):
    with open(f"/proc/{server.proc.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_a_client_that_does_not_read_costs_bounded_memory(account):
    """Issue 5: "slow readers (bounded output buffering)". A FETCH of 40 MB of messages to a
    client that reads nothing must not make the server hold all of it (or twice it) in memory:
    fetch.cc reads up to 256 bodies per batch and writes the batch before the next, so the bound
    is 256 x the message size limit. Here: at most 16 MiB more than before, for 40 MB asked."""
    w = account.wire()
    big = message("big", body=("y" * 998 + "\r\n") * 2000)  # 2 MB
    for i in range(20):
        w.send(b"A%d APPEND INBOX {%d+}\r\n%s\r\n" % (i, len(big), big))
        _, tagged = w.until(f"A{i}")
        assert tagged.startswith(b"A%d OK" % i), tagged
    reader = account.wire(select="INBOX")
    # A text search indexes what is pending first: the background indexer then has nothing left to
    # do, and its work on these 40 MB (its memory) does not fall inside the measurement.
    reader.ok("SEARCH BODY nothing-like-this")
    before = server_rss_mib(account.server)
    reader.send(b"F1 FETCH 1:* BODY.PEEK[]\r\n")
    # Let the server fill whatever it buffers: until its memory stops growing for a second.
    peak, last_change, deadline = before, time.monotonic(), time.monotonic() + 15
    while time.monotonic() < deadline and time.monotonic() - last_change < 1:
        now = server_rss_mib(account.server)
        if now > peak + 0.5:
            peak, last_change = now, time.monotonic()
        time.sleep(0.05)
    untagged, tagged = reader.until("F1", timeout=120)
    assert tagged.startswith(b"F1 OK") and len(untagged) == 20
    assert all(fetch_items(r)[1]["BODY[]"] == big for r in untagged)
    assert peak - before < 16, f"server memory grew {peak - before:.0f} MiB (from {before:.0f}) for a client that reads nothing"


def test_the_mailbox_is_released_when_its_last_session_ends(account):
    """Issue 5: "The key stays in memory only while a session of that owner is open". Seen from
    outside: once the last session has logged out (or vanished), the mailbox file is free again,
    so the CLI can re-key it while the server runs (within a few seconds)."""
    server = account.server

    def rekey(password):
        deadline = time.monotonic() + 5
        while True:
            r = server.cli("alias", "password", account.user, password=password, check=False)
            if r.returncode == 0 or time.monotonic() > deadline:
                assert r.returncode == 0, r.stderr
                return r.stdout.strip()
            time.sleep(0.1)

    w = account.wire(select="INBOX")
    append(w, "INBOX", message("still here after two re-keys"))
    w.ok("LOGOUT")
    password = rekey(account.password)
    w = server.wire()
    w.login(account.user, password)
    w.ok("SELECT INBOX")
    w.close()  # gone without LOGOUT
    password = rekey(password)
    w = server.wire()
    w.login(account.user, password)
    assert b"* 1 EXISTS\r\n" in w.ok("SELECT INBOX")
