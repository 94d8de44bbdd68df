"""Two sessions on one mailbox (RFC 9051 §7: EXISTS, EXPUNGE and FETCH FLAGS when allowed), IDLE
(RFC 2177: at once), and CONDSTORE/QRESYNC resynchronisation (RFC 7162 §3.1, §3.2) after changes
made by another session."""
import re

from imap_support import append, appenduid, imap_server, account, message  # noqa: F401 (fixtures)
from imap_wire import fetch_items, fetches, parse

WAIT = 10  # seconds an event may take to arrive (it should take milliseconds)


def untagged_until(w, pattern, timeout=WAIT):
    """Reads untagged responses (during IDLE) until one matches `pattern`; returns all read."""
    got = []
    while True:
        r = w.response(timeout=timeout)
        got.append(r)
        if re.fullmatch(pattern, r):
            return got


def idle(w):
    w.idle_tag = w.tag()
    w.send(f"{w.idle_tag} IDLE\r\n")
    r = w.response(timeout=WAIT)
    assert r.startswith(b"+ "), r


def done(w):
    w.send("DONE\r\n")
    untagged, tagged = w.until(w.idle_tag, timeout=WAIT)
    assert re.fullmatch(rb"T\d+ OK .*\r\n", tagged), tagged
    return untagged


def test_other_session_changes_after_noop(account):
    a = account.wire(select="INBOX")
    b = account.wire(select="INBOX")
    append(a, "INBOX", message("one"))
    append(a, "INBOX", message("two"))
    untagged = b.ok("NOOP")
    # A's APPENDs showed it the new mail first: they are \Recent for A (RFC 3501 §2.3.2), not B.
    assert untagged == [b"* 2 EXISTS\r\n", b"* 0 RECENT\r\n"], untagged
    a.ok("STORE 1 +FLAGS (\\Flagged)")
    untagged = b.ok("NOOP")
    [(n, items)] = fetches(untagged)
    assert n == 1 and items["FLAGS"] == ["\\Flagged"], untagged
    assert b.ok("NOOP") == []  # reported once
    a.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
    a.ok("EXPUNGE")
    untagged = b.ok("NOOP")
    assert untagged[-1] == b"* 1 EXPUNGE\r\n", untagged
    assert [i["UID"] for _, i in fetches(b.ok("FETCH 1:* UID"))] == [2]
    # A keyword B has never seen comes with a FLAGS response first.
    a.ok("STORE 1 +FLAGS ($Shared)")
    untagged = b.ok("NOOP")
    assert untagged[0].startswith(b"* FLAGS ") and "$Shared" in parse(untagged[0][2:])[1], untagged
    assert fetch_items(untagged[1])[1]["FLAGS"] == ["$Shared"]


def test_no_expunge_during_fetch_store_or_search(account):
    """RFC 9051 §7.5.1: EXPUNGE is not sent during FETCH, STORE or SEARCH (the numbers would shift
    under the client); UID versions and NOOP may carry it."""
    a = account.wire(select="INBOX")
    for i in range(3):
        append(a, "INBOX", message(f"x{i}"))
    b = account.wire(select="INBOX")
    a.ok("STORE 2 +FLAGS.SILENT (\\Deleted)")
    a.ok("EXPUNGE")
    for text in ["FETCH 1:* (UID)", "STORE 1 +FLAGS (\\Seen)", "SEARCH ALL"]:
        untagged = b.ok(text)
        assert not any(r.endswith(b" EXPUNGE\r\n") for r in untagged), (text, untagged)
    # Message 3 is still message 3 for B until the EXPUNGE is reported.
    [(n, items)] = fetches(b.ok("FETCH 3 UID"))
    assert (n, items["UID"]) == (3, 3)
    untagged = b.ok("NOOP")
    assert b"* 2 EXPUNGE\r\n" in untagged, untagged
    [(n, items)] = fetches(b.ok("FETCH 2 UID"))
    assert (n, items["UID"]) == (2, 3)


def test_idle_reports_at_once(account):
    a = account.wire(select="INBOX")
    b = account.wire(select="INBOX")
    idle(b)
    append(a, "INBOX", message("while idling"))
    untagged_until(b, rb"\* 1 EXISTS\r\n")
    a.ok("STORE 1 +FLAGS (\\Answered)")
    got = untagged_until(b, rb"\* 1 FETCH .*\r\n")
    # \Recent goes to whichever of the two sessions heard of the message first.
    assert [f for f in fetch_items(got[-1])[1]["FLAGS"] if f != "\\Recent"] == ["\\Answered"], got
    append(a, "INBOX", message("second while idling"))
    untagged_until(b, rb"\* 2 EXISTS\r\n")
    a.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
    a.ok("EXPUNGE")
    untagged_until(b, rb"\* 1 EXPUNGE\r\n")
    assert done(b) == []
    [(n, items)] = fetches(b.ok("FETCH 1 UID"))
    assert (n, items["UID"]) == (1, 2)
    # IDLE again works the same.
    idle(b)
    append(a, "INBOX", message("third"))
    untagged_until(b, rb"\* 2 EXISTS\r\n")
    done(b)


def test_idle_under_qresync_says_vanished(account):
    a = account.wire(select="INBOX")
    for i in range(3):
        append(a, "INBOX", message(f"v{i}"))
    b = account.wire(enable="QRESYNC", select="INBOX")
    idle(b)
    a.ok("STORE 2 +FLAGS.SILENT (\\Deleted)")
    got = untagged_until(b, rb"\* 2 FETCH .*\r\n")
    _, items = fetch_items(got[-1])
    assert items["UID"] == 2 and items["FLAGS"] == ["\\Deleted"] and items["MODSEQ"][0] > 0, got
    a.ok("EXPUNGE")
    untagged_until(b, rb"\* VANISHED 2\r\n")
    done(b)


def test_idle_ends_with_done_only(account):
    b = account.wire(select="INBOX")
    idle(b)
    b.send("NOOP\r\n")  # not DONE: the IDLE ends with BAD
    untagged, tagged = b.until(b.idle_tag, timeout=WAIT)
    assert re.match(rb"T\d+ BAD ", tagged), tagged
    b.ok("NOOP")
    idle(b)
    b.send("done\r\n")  # case-insensitive
    _, tagged = b.until(b.idle_tag, timeout=WAIT)
    assert re.match(rb"T\d+ OK", tagged), tagged


def test_idle_in_the_authenticated_state_and_logout_of_the_other(account):
    b = account.wire()
    idle(b)  # RFC 2177: IDLE is allowed without a selected mailbox
    a = account.wire(select="INBOX")
    append(a, "INBOX", message("unseen by b"))
    a.ok("LOGOUT")
    done(b)
    b.ok("SELECT INBOX")


def qresync_state(w):
    """(UIDVALIDITY, HIGHESTMODSEQ) from a SELECT's responses."""
    untagged = w.ok("SELECT INBOX")
    text = b"".join(untagged)
    return (int(re.search(rb"\[UIDVALIDITY (\d+)\]", text).group(1)),
            int(re.search(rb"\[HIGHESTMODSEQ (\d+)\]", text).group(1)))


def test_qresync_select_after_changes_elsewhere(account):
    a = account.wire()
    for i in range(4):
        append(a, "INBOX", message(f"r{i}"))
    a.ok("ENABLE QRESYNC")
    validity, modseq = qresync_state(a)
    a.ok("LOGOUT")

    b = account.wire(select="INBOX")
    b.ok("UID STORE 2 +FLAGS (\\Seen)")
    b.ok("UID STORE 3 +FLAGS.SILENT (\\Deleted)")
    b.ok("UID EXPUNGE 3")
    _, new_uid = appenduid(append(b, "INBOX", message("r-new")))
    assert new_uid == 5

    c = account.wire(enable="QRESYNC")
    untagged, tagged = c.cmd("SELECT INBOX (QRESYNC (%d %d))" % (validity, modseq))
    assert re.match(rb"T\d+ OK \[READ-WRITE\]", tagged), tagged
    assert b"* 4 EXISTS\r\n" in untagged
    assert b"* VANISHED (EARLIER) 3\r\n" in untagged, untagged
    changed = {i["UID"]: i for _, i in fetches(untagged)}
    assert set(changed) == {2, 5}, untagged
    assert changed[2]["FLAGS"] == ["\\Seen"] and changed[2]["MODSEQ"][0] > modseq
    assert changed[5]["FLAGS"] == [] and changed[5]["MODSEQ"][0] > modseq
    highest = int(re.search(rb"\[HIGHESTMODSEQ (\d+)\]", b"".join(untagged)).group(1))
    assert highest == changed[5]["MODSEQ"][0], untagged  # the APPEND was the last change
    # The VANISHED comes after the EXISTS (RFC 7162 §3.2.5.1 example order).
    assert untagged.index(b"* VANISHED (EARLIER) 3\r\n") > untagged.index(b"* 4 EXISTS\r\n")

    # Known UIDs limit what VANISHED names; a stale UIDVALIDITY gets no resync at all.
    untagged = c.ok("SELECT INBOX (QRESYNC (%d %d 1:2))" % (validity, modseq))
    assert not any(r.startswith(b"* VANISHED") for r in untagged), untagged
    # RFC 7162 §3.2.5: the previous mailbox is closed with an untagged OK [CLOSED].
    assert any(r.startswith(b"* OK [CLOSED]") for r in untagged), untagged
    untagged = c.ok("SELECT INBOX (QRESYNC (%d %d))" % (validity + 1, modseq))
    assert not any(r.startswith(b"* VANISHED") for r in untagged) and fetches(untagged) == [], untagged
    # Up to date: nothing to say.
    untagged = c.ok("SELECT INBOX (QRESYNC (%d %d))" % (validity, highest))
    assert not any(r.startswith(b"* VANISHED") for r in untagged) and fetches(untagged) == [], untagged

    # UID FETCH ... (CHANGEDSINCE m VANISHED) says the same inside a session.
    untagged = c.ok("UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d VANISHED)" % modseq)
    assert untagged[0] == b"* VANISHED (EARLIER) 3\r\n", untagged
    assert sorted(i["UID"] for _, i in fetches(untagged)) == [2, 5]
    assert all("MODSEQ" in i for _, i in fetches(untagged))


def test_qresync_needs_enable(account):
    w = account.wire()
    validity, modseq = qresync_state(w)
    _, tagged = w.cmd("SELECT INBOX (QRESYNC (%d %d))" % (validity, modseq))
    assert re.match(rb"T\d+ BAD ", tagged), tagged  # RFC 7162 §3.2.5
    _, tagged = w.cmd("UID FETCH 1:* FLAGS (CHANGEDSINCE 1 VANISHED)")
    assert re.match(rb"T\d+ BAD ", tagged), tagged


def test_condstore_changedsince(account):
    a = account.wire()
    for i in range(3):
        append(a, "INBOX", message(f"cs{i}"))
    untagged = a.ok("SELECT INBOX (CONDSTORE)")
    modseq = int(re.search(rb"\[HIGHESTMODSEQ (\d+)\]", b"".join(untagged)).group(1))
    b = account.wire(select="INBOX")
    b.ok("STORE 3 +FLAGS ($Done)")
    untagged = a.ok("FETCH 1:* (FLAGS) (CHANGEDSINCE %d)" % modseq)
    got = fetches(untagged)
    # Only message 3 changed. (The server may repeat it as an unsolicited FETCH; RFC 9051 §7.5.2.)
    assert got and {(n, tuple(i["FLAGS"])) for n, i in got} == {(3, ("\\Recent", "$Done"))}, untagged
    assert got[0][1]["MODSEQ"][0] > modseq
    # STATUS HIGHESTMODSEQ and the SELECT agree.
    status = parse(a.ok("STATUS INBOX (HIGHESTMODSEQ)")[0][2:])
    assert status[2][1] == got[0][1]["MODSEQ"][0]


def test_flags_changed_elsewhere_show_modseq_under_condstore(account):
    a = account.wire(select="INBOX")
    append(a, "INBOX", message("m"))
    b = account.wire(enable="CONDSTORE", select="INBOX")
    a.ok("STORE 1 +FLAGS (\\Flagged)")
    [(n, items)] = fetches(b.ok("NOOP"))
    assert items["FLAGS"] == ["\\Flagged"] and items["MODSEQ"][0] > 0, items


class View:
    """A client's model of the selected mailbox, kept only from what the server says (EXISTS,
    EXPUNGE, VANISHED, FETCH with UID): RFC 9051 §7.4.1, §7.5.1 and RFC 7162 §3.2.10 make it exact."""

    def __init__(self, w):
        self.w, self.uids = w, []

    def apply(self, untagged):
        for r in untagged:
            if m := re.fullmatch(rb"\* (\d+) EXISTS\r\n", r):
                n = int(m.group(1))
                assert n >= len(self.uids), (r, len(self.uids))  # EXISTS never shrinks (§7.3.1)
                self.uids += [None] * (n - len(self.uids))
            elif m := re.fullmatch(rb"\* (\d+) EXPUNGE\r\n", r):
                n = int(m.group(1))
                assert 1 <= n <= len(self.uids), (r, len(self.uids))
                del self.uids[n - 1]
            elif m := re.fullmatch(rb"\* VANISHED ([\d:,]+)\r\n", r):
                gone = set()
                for part in m.group(1).split(b","):
                    lo, _, hi = part.partition(b":")
                    gone |= set(range(int(lo), int(hi or lo) + 1))
                known = set(self.uids)
                self.uids = [u for u in self.uids if u not in gone]
                # A UID the client never fetched must be one of the messages it knows only from
                # EXISTS, between the known UIDs around it (which of a run of unknowns does not
                # matter: they are all unknown).
                for uid in sorted(gone - known):
                    for i, u in enumerate(self.uids):
                        if u is None:
                            before = [x for x in self.uids[:i] if x is not None]
                            after = [x for x in self.uids[i:] if x is not None]
                            if (not before or before[-1] < uid) and (not after or uid < after[0]):
                                del self.uids[i]
                                break
                    else:
                        raise AssertionError(f"VANISHED {uid}: not a message of this view {self.uids}")
            elif re.match(rb"\* \d+ FETCH ", r):
                n, items = fetch_items(r)
                assert 1 <= n <= len(self.uids), (r, len(self.uids))
                if "UID" in items:
                    assert self.uids[n - 1] in (None, items["UID"]), (r, self.uids[n - 1])
                    self.uids[n - 1] = items["UID"]

    def cmd(self, text):
        untagged, tagged = self.w.cmd(text, timeout=30)
        self.apply(untagged)
        # Learn the UIDs of new messages (a UID FETCH may also announce expunges, which settles
        # messages that went away before we learned their UID).
        for _ in range(50):  # others keep appending: new EXISTS may come with each answer
            if None not in self.uids:
                break
            untagged, _ = self.w.cmd("UID FETCH 1:* (UID)", timeout=30)
            self.apply(untagged)
        assert None not in self.uids, self.uids
        return tagged


def test_concurrent_sessions_keep_exact_views(account):
    import random
    import threading
    import time

    a = account.wire()
    for i in range(20):
        append(a, "INBOX", message(f"start {i}"))
    errors, done_at = [], time.monotonic() + 10

    def client(k):
        rnd = random.Random(k)
        try:
            w = account.wire(enable="QRESYNC" if k % 2 else None)
            if k % 3 == 0:
                w.start_compress()
            view = View(w)
            view.cmd("SELECT INBOX")
            while time.monotonic() < done_at:
                op = rnd.randrange(7)
                if op == 0:
                    view.cmd(f"APPEND INBOX {{{len(message(str(k)))}+}}\r\n".encode() + message(str(k)))
                elif op == 1 and view.uids:
                    n = rnd.randint(1, len(view.uids))
                    view.cmd(f"STORE {n} {'+-'[rnd.randrange(2)]}FLAGS (\\Deleted $k{k})")
                elif op == 2:
                    view.cmd("EXPUNGE")
                elif op == 3 and view.uids:
                    view.cmd("UID MOVE %d Archive" % rnd.choice(view.uids))
                elif op == 4:
                    view.cmd("FETCH 1:* (UID FLAGS)" if view.uids else "NOOP")
                elif op == 5:
                    view.cmd("SEARCH UNDELETED")
                else:
                    view.cmd("NOOP")
            quiet.wait()
            view.cmd("NOOP")
            untagged = w.ok("FETCH 1:* (UID)") if view.uids else []
            assert [fetch_items(r)[1]["UID"] for r in untagged] == view.uids, (untagged, view.uids)
        except Exception as e:  # reported below, with the client's number
            errors.append((k, repr(e)[:2000]))
            quiet.abort()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(6)]
    quiet = threading.Barrier(len(threads), timeout=120)  # the final check runs once all are done
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert account.server.proc.poll() is None


def test_recent_belongs_to_the_first_session_that_selects(account):
    """RFC 3501 §2.3.2 \\Recent (ImapTest "select", "copy", "search-flags"): EXAMINE shows the
    recent count without taking it; the first SELECT takes the messages (RECENT, FETCH FLAGS,
    SEARCH RECENT/NEW/OLD); no other session, and no later one, sees them as recent."""
    w = account.wire()
    append(w, "INBOX", message("r1"))
    append(w, "INBOX", message("r2"), flags="\\Seen")
    untagged = w.ok("EXAMINE INBOX")
    assert b"* 2 RECENT\r\n" in untagged, untagged
    assert fetches(w.ok("FETCH 1:2 FLAGS")) == [(1, {"FLAGS": ["\\Recent"]}), (2, {"FLAGS": ["\\Recent", "\\Seen"]})]
    w.ok("CLOSE")
    assert w.ok("STATUS INBOX (RECENT)") == [b"* STATUS INBOX (RECENT 2)\r\n"]
    untagged = w.ok("SELECT INBOX")
    assert b"* 2 RECENT\r\n" in untagged, untagged
    assert w.ok("SEARCH RECENT") == [b"* SEARCH 1 2\r\n"]
    assert w.ok("SEARCH NEW") == [b"* SEARCH 1\r\n"]
    assert w.ok("SEARCH OLD") == [b"* SEARCH\r\n"]
    # STORE cannot take \Recent away; its FETCH shows it.
    assert w.ok("STORE 1 FLAGS (\\Flagged)") == [b"* 1 FETCH (FLAGS (\\Recent \\Flagged))\r\n"]
    other = account.wire()
    assert other.ok("STATUS INBOX (RECENT)") == [b"* STATUS INBOX (RECENT 0)\r\n"]
    untagged = other.ok("SELECT INBOX")
    assert b"* 0 RECENT\r\n" in untagged, untagged
    assert other.ok("SEARCH RECENT") == [b"* SEARCH\r\n"]
    assert other.ok("SEARCH OLD") == [b"* SEARCH 1 2\r\n"]
    # New mail goes to the first session that hears of it while selected read-write.
    append(account.wire(), "INBOX", message("r3"))
    untagged = other.ok("NOOP")
    assert untagged[:2] == [b"* 3 EXISTS\r\n", b"* 1 RECENT\r\n"], untagged
    assert fetches(other.ok("FETCH 3 FLAGS")) == [(3, {"FLAGS": ["\\Recent"]})]
    untagged = w.ok("NOOP")
    assert untagged[:2] == [b"* 3 EXISTS\r\n", b"* 2 RECENT\r\n"], untagged
    assert fetches(w.ok("FETCH 3 FLAGS")) == [(3, {"FLAGS": []})]
    w.ok("CLOSE")
    assert b"* 0 RECENT\r\n" in w.ok("SELECT INBOX")


def test_recent_of_copied_mail_and_none_under_imap4rev2(account):
    """Messages copied into a folder are recent there for the session that has it selected
    (ImapTest "copy"); a session that enabled IMAP4rev2 gets no \\Recent and claims nothing
    (RFC 9051 Appendix E)."""
    a = account.wire()
    append(a, "INBOX", message("c1"))
    append(a, "INBOX", message("c2"))
    a.ok("SELECT INBOX")
    b = account.wire(select="Archive")
    a.ok("COPY 1:2 Archive")
    untagged = b.ok("NOOP")
    assert untagged[:2] == [b"* 2 EXISTS\r\n", b"* 2 RECENT\r\n"], untagged
    assert [i["FLAGS"] for _, i in fetches(b.ok("FETCH 1:2 FLAGS"))] == [["\\Recent"], ["\\Recent"]]
    append(a, "Junk", message("c3"))
    rev2 = account.wire(enable="IMAP4rev2")
    untagged = rev2.ok("SELECT Junk")
    assert not any(b"RECENT" in r for r in untagged), untagged
    assert fetches(rev2.ok("FETCH 1 FLAGS")) == [(1, {"FLAGS": []})]
    assert b"* 1 RECENT\r\n" in a.ok("SELECT Junk")
