"""IMAP sessions (RFC 9051 §6.1, §6.2): greeting, CAPABILITY, LOGIN, AUTHENTICATE PLAIN (RFC 4616,
SASL-IR RFC 4959), LOGOUT, NOOP, ID (RFC 2971), NAMESPACE (RFC 2342), ENABLE (RFC 5161), STARTTLS
and implicit TLS, LOGINDISABLED, and the login throttle."""
import base64
import imaplib
import os
import re

import pytest

from imap_support import APPENDLIMIT, DOMAIN, ImapServer, append, imap_server, account  # noqa: F401 (fixtures)
from imap_wire import quote, tagged_is, unverified_context

BEFORE_LOGIN = {"IMAP4rev1", "IMAP4rev2", "SASL-IR", "LITERAL+", "ID", "ENABLE", "IDLE"}
# Issue 5's list of extensions, as capability names (THREAD is checked in test_imap_search.py).
AFTER_LOGIN = {"IMAP4rev1", "IMAP4rev2", "IDLE", "UIDPLUS", "MOVE", "CONDSTORE", "QRESYNC", "SPECIAL-USE",
               "CREATE-SPECIAL-USE", "NAMESPACE", "ENABLE", "ID", "LITERAL+", "QUOTA", "ESEARCH", "SEARCHRES",
               "SORT", "SORT=DISPLAY", "UNSELECT", "CHILDREN", "LIST-EXTENDED", "LIST-STATUS", "STATUS=SIZE",
               "BINARY", "UTF8=ACCEPT", "COMPRESS=DEFLATE", "X-REGEX", f"APPENDLIMIT={APPENDLIMIT}"}


def caps_of(line):
    m = re.search(rb"CAPABILITY ([^\]\r]+)", line)
    assert m, line
    return set(m.group(1).decode().split())


def plain(user, password, authzid=""):
    return base64.b64encode(f"{authzid}\0{user}\0{password}".encode()).decode()


def test_greeting_and_capability_before_login(imap_server):
    w = imap_server.wire()
    assert re.fullmatch(rb"\* OK \[CAPABILITY [^\]]+\] [^\r\n]*\r\n", w.greeting), w.greeting
    caps = caps_of(w.greeting)
    assert BEFORE_LOGIN | {"STARTTLS", "AUTH=PLAIN"} <= caps
    assert "LOGINDISABLED" not in caps  # plaintext is allowed on loopback here
    untagged, tagged = w.cmd("CAPABILITY")
    assert len(untagged) == 1 and untagged[0].startswith(b"* CAPABILITY ") and untagged[0].endswith(b"\r\n")
    assert caps_of(untagged[0]) == caps
    assert re.fullmatch(rb"T\d+ OK .*\r\n", tagged)
    # Commands are case-insensitive (RFC 9051 §9 note 3).
    untagged, tagged = w.cmd("capability")
    assert caps_of(untagged[0]) == caps and tagged_is(tagged, b"OK")


def test_login_answers_with_capabilities_and_they_grow(account):
    w = account.server.wire()
    untagged, tagged = w.cmd(f"LOGIN {quote(account.user)} {quote(account.password)}")
    assert untagged == []
    assert re.fullmatch(rb"T\d+ OK \[CAPABILITY [^\]]+\] .*\r\n", tagged), tagged
    after = caps_of(tagged)
    missing = AFTER_LOGIN - after
    assert not missing, missing
    # RFC 9051 §6.2.1: no STARTTLS, and nothing about logging in, once logged in.
    assert not {c for c in after if c in ("STARTTLS", "LOGINDISABLED") or c.startswith("AUTH=")}
    untagged, _ = w.cmd("CAPABILITY")
    assert caps_of(untagged[0]) == after
    # A second LOGIN is not allowed in the authenticated state.
    untagged, tagged = w.cmd(f"LOGIN {quote(account.user)} {quote(account.password)}")
    assert tagged_is(tagged, b"BAD ")


def test_imaplib_logs_in_and_out(account):
    m = account.server.imaplib()
    typ, data = m.login(account.user, account.password)
    assert typ == "OK"
    assert m.state == "AUTH"
    assert "IDLE" in m.capabilities  # imaplib re-reads them from the tagged OK
    typ, data = m.logout()
    assert typ == "BYE"


def test_login_with_wrong_password_or_unknown_user_says_the_same(account):
    w = account.server.wire()
    _, wrong = w.cmd(f"LOGIN {quote(account.user)} {quote(account.password + 'x')}")
    _, unknown = w.cmd(f"LOGIN {quote('nobody@' + DOMAIN)} {quote(account.password)}")
    assert re.fullmatch(rb"T\d+ NO \[AUTHENTICATIONFAILED\] .*\r\n", wrong), wrong
    # Nothing tells an unknown address from a wrong password.
    assert unknown == wrong.replace(b"T001", b"T002")
    # Still not logged in, and the session goes on.
    _, tagged = w.cmd("SELECT INBOX")
    assert tagged_is(tagged, b"BAD ")
    w.login(account.user, account.password)
    w.ok("SELECT INBOX")


def test_login_with_synchronizing_and_non_synchronizing_literals(account):
    w = account.server.wire()
    user = account.user.encode()
    w.send(f"A1 LOGIN {{{len(user)}}}\r\n".encode())
    assert w.response().startswith(b"+ ")
    w.send(user + f" {{{len(account.password)}+}}\r\n{account.password}\r\n".encode())  # LITERAL+
    untagged, tagged = w.until("A1")
    assert tagged.startswith(b"A1 OK [CAPABILITY "), tagged


def test_authenticate_plain_with_initial_response(account):
    w = account.server.wire()
    _, tagged = w.cmd("AUTHENTICATE PLAIN " + plain(account.user, account.password))
    assert re.fullmatch(rb"T\d+ OK \[CAPABILITY [^\]]+\] .*\r\n", tagged), tagged
    w.ok("SELECT INBOX")


def test_authenticate_plain_with_continuation(account):
    w = account.server.wire()
    w.send("A1 AUTHENTICATE PLAIN\r\n")
    cont = w.response()
    assert cont in (b"+ \r\n", b"+\r\n"), cont  # RFC 4959 §3: an empty challenge
    w.send(plain(account.user, account.password) + "\r\n")
    _, tagged = w.until("A1")
    assert tagged.startswith(b"A1 OK "), tagged
    # and through imaplib, which always waits for the continuation
    m = account.server.imaplib()
    typ, _ = m.authenticate("PLAIN", lambda _: f"\0{account.user}\0{account.password}".encode())
    assert typ == "OK"
    assert m.select("INBOX")[0] == "OK"


def test_authenticate_cancel_wrong_and_unknown_mechanism(account):
    w = account.server.wire()
    w.send("A1 AUTHENTICATE PLAIN\r\n")
    assert w.response().startswith(b"+")
    w.send("*\r\n")
    _, tagged = w.until("A1")
    assert tagged.startswith(b"A1 BAD "), tagged  # RFC 9051 §6.2.2: cancelled
    _, tagged = w.cmd("AUTHENTICATE PLAIN " + plain(account.user, "wrong"))
    assert tagged_is(tagged, b"NO [AUTHENTICATIONFAILED] "), tagged
    _, tagged = w.cmd("AUTHENTICATE PLAIN " + base64.b64encode(b"no-nul-here").decode())
    assert tagged_is(tagged, b"NO "), tagged
    _, tagged = w.cmd("AUTHENTICATE CRAM-MD5")
    assert re.match(rb"T\d+ (NO|BAD) ", tagged), tagged
    # An authorization identity other than the user is not someone we let the user act as.
    _, tagged = w.cmd("AUTHENTICATE PLAIN " + plain(account.user, account.password, authzid="root@" + DOMAIN))
    assert tagged_is(tagged, b"NO "), tagged
    _, tagged = w.cmd("AUTHENTICATE PLAIN " + plain(account.user, account.password, authzid=account.user))
    assert tagged_is(tagged, b"OK "), tagged  # an authzid equal to the user is the user (RFC 4616 §2)


def test_login_address_is_case_insensitive(account):
    w = account.server.wire()
    _, tagged = w.cmd(f"LOGIN {quote(account.user.upper())} {quote(account.password)}")
    assert tagged_is(tagged, b"OK [CAPABILITY "), tagged
    w.ok("SELECT INBOX")


def test_logout_sends_bye_then_ok_then_closes(account):
    w = account.wire(select="INBOX")
    untagged, tagged = w.cmd("LOGOUT")
    assert len(untagged) == 1 and re.fullmatch(rb"\* BYE .*\r\n", untagged[0]), untagged
    assert tagged_is(tagged, b"OK "), tagged
    assert w.closed()
    # Also before login.
    w = account.server.wire()
    untagged, tagged = w.cmd("LOGOUT")
    assert untagged[0].startswith(b"* BYE ") and tagged_is(tagged, b"OK ")
    assert w.closed()


def test_noop_in_every_state(account):
    w = account.server.wire()
    untagged, tagged = w.cmd("NOOP")
    assert untagged == [] and re.fullmatch(rb"T\d+ OK .*\r\n", tagged)
    w.login(account.user, account.password)
    untagged, tagged = w.cmd("NOOP")
    assert untagged == [] and tagged_is(tagged, b"OK")
    w.ok("SELECT INBOX")
    untagged, tagged = w.cmd("NOOP")
    assert untagged == [] and tagged_is(tagged, b"OK")
    untagged, tagged = w.cmd("CHECK")
    assert untagged == [] and tagged_is(tagged, b"OK")


def test_id_before_and_after_login(account):
    w = account.server.wire()
    untagged, tagged = w.cmd('ID ("name" "pytest" "version" "1")')
    assert untagged == [b'* ID ("name" "sealmail")\r\n'] and tagged_is(tagged, b"OK")
    w.login(account.user, account.password)
    untagged, tagged = w.cmd("ID NIL")
    assert untagged == [b'* ID ("name" "sealmail")\r\n'] and tagged_is(tagged, b"OK")
    _, tagged = w.cmd("ID")
    assert tagged_is(tagged, b"BAD ")


def test_namespace(account):
    w = account.wire()
    untagged, tagged = w.cmd("NAMESPACE")
    assert untagged == [b'* NAMESPACE (("" "/")) NIL NIL\r\n']
    assert tagged_is(tagged, b"OK")
    # imaplib agrees
    m = account.imap()
    assert m.namespace() == ("OK", [b'(("" "/")) NIL NIL'])


def test_enable(account):
    w = account.server.wire()
    _, tagged = w.cmd("ENABLE CONDSTORE")
    assert re.match(rb"T\d+ (BAD|NO) ", tagged)  # RFC 5161 §3.1: authenticated state only
    w.login(account.user, account.password)
    untagged, tagged = w.cmd("ENABLE CONDSTORE QRESYNC UTF8=ACCEPT")
    assert untagged == [b"* ENABLED CONDSTORE QRESYNC UTF8=ACCEPT\r\n"], untagged
    assert tagged_is(tagged, b"OK")
    # Already enabled ones are not listed again; unknown ones are ignored; names are
    # case-insensitive.
    untagged, tagged = w.cmd("ENABLE condstore X-UNKNOWN")
    assert untagged == [b"* ENABLED\r\n"], untagged
    assert tagged_is(tagged, b"OK")
    # CONDSTORE took effect: SELECT says HIGHESTMODSEQ, FETCH FLAGS carries MODSEQ.
    untagged = w.ok("SELECT INBOX")
    assert any(re.fullmatch(rb"\* OK \[HIGHESTMODSEQ \d+\].*\r\n", r) for r in untagged), untagged


def test_enable_qresync_alone_implies_condstore(account):
    w = account.wire()
    untagged, _ = w.cmd("ENABLE QRESYNC")
    # RFC 7162 §3.2.3: enabling QRESYNC enables CONDSTORE too; the server may list it.
    assert untagged in ([b"* ENABLED QRESYNC\r\n"], [b"* ENABLED QRESYNC CONDSTORE\r\n"],
                        [b"* ENABLED CONDSTORE QRESYNC\r\n"]), untagged
    untagged, _ = w.cmd("ENABLE CONDSTORE")
    assert untagged == [b"* ENABLED\r\n"], untagged


def test_unknown_command_and_wrong_state(account):
    w = account.server.wire()
    for text in ["FROB", "SELECT INBOX", "FETCH 1 FLAGS", "IDLE"]:
        _, tagged = w.cmd(text)
        assert re.match(rb"T\d+ BAD ", tagged), (text, tagged)
    # APPEND before login: refused before the literal, or after it.
    w.send("A1 APPEND INBOX {1}\r\n")
    r = w.response()
    if r.startswith(b"+"):
        w.send("x\r\n")
        r = w.response()
    assert r.startswith(b"A1 BAD "), r
    w.login(account.user, account.password)
    for text in ["FETCH 1 FLAGS", "STORE 1 +FLAGS (\\Seen)", "EXPUNGE", "CLOSE", "UNSELECT", "SEARCH ALL"]:
        _, tagged = w.cmd(text)
        assert re.match(rb"T\d+ BAD ", tagged), (text, tagged)  # no mailbox selected
    w.ok("NOOP")


# --- TLS ---

def test_starttls_then_login(account):
    m = account.server.imaplib()
    assert "STARTTLS" in m.capabilities
    typ, _ = m.starttls(ssl_context=unverified_context())
    assert typ == "OK"
    assert "STARTTLS" not in m.capabilities and "AUTH=PLAIN" in m.capabilities
    assert m.login(account.user, account.password)[0] == "OK"
    assert m.select("INBOX") == ("OK", [b"0"])
    # STARTTLS a second time is refused (TLS is active, and we are logged in anyway).
    with pytest.raises(imaplib.IMAP4.error):
        m._simple_command("STARTTLS")


def test_imaps_greeting_has_no_starttls(account):
    w = account.server.wire_tls()
    caps = caps_of(w.greeting)
    assert "STARTTLS" not in caps and "AUTH=PLAIN" in caps and "LOGINDISABLED" not in caps
    w.login(account.user, account.password)
    untagged = w.ok("SELECT INBOX")
    assert b"* 0 EXISTS\r\n" in untagged
    m = account.server.imaplib_ssl()
    assert m.login(account.user, account.password)[0] == "OK"
    assert m.logout()[0] == "BYE"


def test_starttls_discards_commands_pipelined_in_plaintext(account):
    """RFC 9051 §6.2.1 (CVE-2011-0411): what followed STARTTLS in the same packet is dropped."""
    w = account.server.wire()
    w.send(b"S1 STARTTLS\r\nS2 LOGIN " + quote(account.user).encode() + b" " +
           quote(account.password).encode() + b"\r\n")
    _, tagged = w.until("S1")
    assert tagged.startswith(b"S1 OK ")
    assert w.pending() == b""
    w.sock = unverified_context().wrap_socket(w.sock)
    untagged, tagged = w.cmd("CAPABILITY")
    assert not any(r.startswith(b"S2 ") for r in untagged), untagged  # the injected LOGIN never ran
    assert "STARTTLS" not in caps_of(untagged[0])
    _, tagged = w.cmd("SELECT INBOX")
    assert tagged_is(tagged, b"BAD "), tagged  # still not logged in


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory):
    """plaintext_on_loopback = false: passwords only under TLS, even from loopback."""
    d = str(tmp_path_factory.mktemp("imap-strict"))
    os.chmod(d, 0o700)
    s = ImapServer(d, plaintext_on_loopback=False, limits="failed_logins_per_address = 2\n")
    s.add_domain()
    s.passwords = {"strict@" + DOMAIN: s.add_mailbox("strict@" + DOMAIN),
                   "locked@" + DOMAIN: s.add_mailbox("locked@" + DOMAIN)}
    s.start()
    yield s
    assert s.stop() == 0, s.read_log()[-4000:]


def test_logindisabled_until_starttls(strict_server):
    user = "strict@" + DOMAIN
    password = strict_server.passwords[user]
    w = strict_server.wire()
    caps = caps_of(w.greeting)
    assert {"STARTTLS", "LOGINDISABLED"} <= caps and "AUTH=PLAIN" not in caps, caps
    # A client that ignores LOGINDISABLED is refused, and so is AUTHENTICATE.
    untagged, tagged = w.cmd(f"LOGIN {quote(user)} {quote(password)}")
    assert re.fullmatch(rb"T\d+ NO \[PRIVACYREQUIRED\] .*\r\n", tagged), tagged
    _, tagged = w.cmd("AUTHENTICATE PLAIN " + plain(user, password))
    assert tagged_is(tagged, b"NO "), tagged
    _, tagged = w.cmd("SELECT INBOX")
    assert tagged_is(tagged, b"BAD ")
    # imaplib sends LOGIN anyway: refused the same way.
    m = strict_server.imaplib()
    with pytest.raises(imaplib.IMAP4.error, match="PRIVACYREQUIRED"):
        m.login(user, password)
    m = strict_server.imaplib()
    assert m.starttls(ssl_context=unverified_context())[0] == "OK"
    assert "LOGINDISABLED" not in m.capabilities and "AUTH=PLAIN" in m.capabilities
    assert m.login(user, password)[0] == "OK"
    assert m.select("INBOX")[0] == "OK"
    # Implicit TLS allows it at once.
    m = strict_server.imaplib_ssl()
    assert m.login(user, password)[0] == "OK"


def test_failed_logins_per_address_from_the_config_lock_the_address(strict_server):
    """[limits] failed_logins_per_address = 2: the third attempt is refused even with the right
    password (issue 5: failed logins are rate limited; the limit is the configured one)."""
    user = "locked@" + DOMAIN
    w = strict_server.wire_tls()
    for i in (1, 2):
        _, tagged = w.cmd(f"LOGIN {quote(user)} {quote('wrong')}")
        assert tagged_is(tagged, b"NO [AUTHENTICATIONFAILED]"), tagged
    _, tagged = w.cmd(f"LOGIN {quote(user)} {quote(strict_server.passwords[user])}")
    assert re.match(rb"T\d+ NO \[(UNAVAILABLE|LIMIT)\] ", tagged), tagged


def test_enable_imap4rev2_changes_the_responses(account):
    """RFC 9051 (ENABLE IMAP4rev2, §6.3.1): no RECENT or UNSEEN in SELECT, a LIST response for the
    selected mailbox (§6.3.2), SEARCH answered with ESEARCH (§6.4.4, §7.3.4)."""
    w = account.wire()
    untagged = w.ok("ENABLE IMAP4rev2")
    assert untagged == [b"* ENABLED IMAP4rev2\r\n"], untagged
    append(w, "INBOX", b"Subject: x\r\n\r\nbody\r\n")
    untagged = w.ok("SELECT INBOX")
    assert b'* LIST () "/" INBOX\r\n' in untagged, untagged
    assert not any(re.search(rb"RECENT|\[UNSEEN", r) for r in untagged), untagged
    untagged, tagged = w.cmd("SEARCH ALL")
    tag = tagged.split()[0]
    assert untagged == [b'* ESEARCH (TAG "%s") ALL 1\r\n' % tag], untagged
    untagged, tagged = w.cmd("UID SEARCH UNSEEN")
    assert untagged == [b'* ESEARCH (TAG "%s") UID ALL 1\r\n' % tagged.split()[0]], untagged
