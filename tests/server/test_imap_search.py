"""SEARCH (RFC 9051 §6.4.4): every kind of key, sequence and UID sets, OR/NOT nesting, CHARSET;
ESEARCH (RFC 4731), SEARCHRES (RFC 5182), MODSEQ (RFC 7162 §3.1.5), sealmail's X-REGEX; SORT and
THREAD (RFC 5256)."""
import re

import pytest

from imap_support import append, imap_server, account  # noqa: F401 (fixtures)
from imap_wire import fetches

M1 = (b"From: Zoe Alice <alice@example.org>\r\nTo: Bob <bob@example.com>\r\nSubject: hello world\r\n"
      b"Date: Wed, 01 Jan 2020 12:00:00 +0000\r\nMessage-ID: <m1@example.org>\r\n\r\n"
      b"The quick brown fox jumps.\r\n")
M2 = (b"From: Bob Builder <bob@example.com>\r\nTo: Alice <alice@example.org>\r\nSubject: Re: hello world\r\n"
      b"Date: Mon, 15 Mar 2021 12:00:00 +0000\r\nMessage-ID: <m2@example.com>\r\n"
      b"In-Reply-To: <m1@example.org>\r\nReferences: <m1@example.org>\r\nX-Priority: 1\r\n\r\n"
      b"A lazy dog sleeps.\r\n")
M3 = (b"From: Carol <carol@example.net>\r\nTo: Bob <bob@example.com>\r\nSubject: hello\r\n"
      b"Date: Sat, 10 Jul 2019 12:00:00 +0000\r\nMessage-ID: <m3@example.net>\r\n\r\n"
      + b"".join(b"line %04d of a long message\r\n" % i for i in range(180)))
M4 = (b"From: Dave <dave@example.com>\r\nTo: Bob <bob@example.com>\r\nCc: alice@example.org\r\n"
      b"Subject: Fwd: zebra notes\r\nDate: Thu, 01 Dec 2022 12:00:00 +0000\r\nMessage-ID: <m4@example.com>\r\n\r\n"
      b"Meeting notes: budget.\r\n")
M5 = ("From: Eve <eve@example.org>\r\nTo: Bob <bob@example.com>\r\n"
      "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=\r\nDate: Mon, 01 May 2023 12:00:00 +0000\r\n"
      "Message-ID: <m5@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: 8bit\r\n\r\nSchöne Grüße vom Rhein.\r\n").encode()
MESSAGES = [M1, M2, M3, M4, M5]
# Internal dates (arrival) differ from the Date headers, so the two kinds of date keys differ.
INTERNAL = ["01-Feb-2020 12:00:00 +0000", "15-Mar-2021 12:00:00 +0000", "10-Jul-2021 12:00:00 +0000",
            "01-Dec-2022 12:00:00 +0000", "01-Jun-2019 12:00:00 +0000"]
FLAGS = ["\\Seen", "", "\\Flagged $Important", "\\Deleted \\Answered", ""]


@pytest.fixture
def box(account):
    """Five messages at message numbers 1-5 with UIDs 2-6 (UID 1 was expunged), INBOX selected."""
    w = account.wire()
    append(w, "INBOX", b"Subject: placeholder\r\n\r\nx\r\n")
    for data, date, flags in zip(MESSAGES, INTERNAL, FLAGS):
        append(w, "INBOX", data, flags=flags, date=date)
    w.ok("SELECT INBOX")
    w.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
    w.ok("UID EXPUNGE 1")
    w.account = account
    return w


def search(w, criteria, uid=False):
    untagged, tagged = w.cmd(("UID SEARCH " if uid else "SEARCH ") + criteria)
    assert re.match(rb"T\d+ OK", tagged), (criteria, untagged, tagged)
    lines = [r for r in untagged if r.startswith(b"* SEARCH")]
    assert len(lines) == 1, (criteria, untagged)
    return [int(x) for x in lines[0][len(b"* SEARCH"):].split()]


CASES = [
    ("ALL", [1, 2, 3, 4, 5]),
    ("FROM alice", [1]),
    ("FROM example.com", [2, 4]),
    ('FROM "Bob Builder"', [2]),
    ("TO alice", [2]),
    ("CC alice", [4]),
    ("BCC alice", []),
    ("SUBJECT hello", [1, 2, 3]),
    ('SUBJECT "HELLO WORLD"', [1, 2]),
    ("BODY lazy", [2]),
    ('BODY "LAZY DOG"', [2]),
    ("BODY hello", []),
    # Letters and digits only: the store's word index answers, inside words too (word_index.h).
    ("BODY azy", [2]),
    ("BODY LAZ", [2]),
    ("BODY eeting", [4]),
    ("BODY 0042", [3]),
    ("BODY org", []),
    ("BODY sch", [5]),
    ("BODY schn", []),
    ("NOT BODY azy", [1, 3, 4, 5]),
    ("OR BODY fox BODY sleeps", [1, 2]),
    ("TEXT hello", [1, 2, 3]),
    ("TEXT alice", [1, 2, 4]),
    ("TEXT budget", [4]),
    ("HEADER X-Priority 1", [2]),
    ('HEADER X-Priority ""', [2]),
    ('HEADER Message-ID ""', [1, 2, 3, 4, 5]),
    ("HEADER References m1@", [2]),
    ("LARGER 4000", [3]),
    ("SMALLER 1000", [1, 2, 4, 5]),
    ("SINCE 1-Mar-2021", [2, 3, 4]),
    ("SINCE 15-Mar-2021", [2, 3, 4]),
    ("BEFORE 1-Mar-2021", [1, 5]),
    ("BEFORE 15-Mar-2021", [1, 5]),
    ("ON 15-Mar-2021", [2]),
    ("ON 1-Jan-2020", []),
    ("SENTSINCE 1-Jan-2021", [2, 4, 5]),
    ("SENTBEFORE 1-Jan-2021", [1, 3]),
    ("SENTON 10-Jul-2019", [3]),
    ("SENTON 1-Feb-2020", []),
    ("SENTON 1-Jan-2020", [1]),
    ("2:3,5", [2, 3, 5]),
    ("*", [5]),
    ("4:*", [4, 5]),
    ("3:1", [1, 2, 3]),
    ("UID 3:4", [2, 3]),
    ("UID 1", []),
    ("UID *", [5]),
    ("UID 5:*", [4, 5]),
    ("OR FROM alice FROM bob", [1, 2]),
    ("NOT SUBJECT hello", [4, 5]),
    ("OR (FROM alice SUBJECT world) LARGER 4000", [1, 3]),
    ("NOT (OR SEEN FLAGGED)", [2, 4, 5]),
    ("OR OR FROM alice FROM bob FROM carol", [1, 2, 3]),
    ("NOT NOT FROM alice", [1]),
    ("(SUBJECT hello) (NOT FROM carol) (OR 1 3)", [1]),
    ("KEYWORD $Important", [3]),
    ("UNKEYWORD $Important", [1, 2, 4, 5]),
    ("DELETED", [4]),
    ("UNDELETED", [1, 2, 3, 5]),
    ("ANSWERED", [4]),
    ("UNANSWERED", [1, 2, 3, 5]),
    ("SEEN", [1]),
    ("UNSEEN", [2, 3, 4, 5]),
    ("FLAGGED", [3]),
    ("UNFLAGGED", [1, 2, 4, 5]),
    ("DRAFT", []),
    ("UNDRAFT", [1, 2, 3, 4, 5]),
    # The box's SELECT was the first: every message is \Recent for it (RFC 3501 §2.3.2).
    ("NEW", [2, 3, 4, 5]),
    ("OLD", []),
    ("RECENT", [1, 2, 3, 4, 5]),
    ("OR OLD SEEN", [1]),
    ("FROM alice SUBJECT hello", [1]),
    ("CHARSET US-ASCII SUBJECT hello", [1, 2, 3]),
    ("CHARSET UTF-8 BODY Rhein", [5]),
]


def test_search_keys(box):
    failures = []
    for criteria, expected in CASES:
        got = search(box, criteria)
        if got != expected:
            failures.append((criteria, got, expected))
    if failures:
        pytest.fail("\n".join(f"SEARCH {c}: got {g}, expected {e}" for c, g, e in failures))


def test_uid_search_answers_uids(box):
    assert search(box, "ALL", uid=True) == [2, 3, 4, 5, 6]
    assert search(box, "SUBJECT hello", uid=True) == [2, 3, 4]
    assert search(box, "UID 3:4", uid=True) == [3, 4]
    assert search(box, "2:3", uid=True) == [3, 4]  # message numbers in UID SEARCH are still numbers


def test_search_non_ascii_with_charset_and_literals(box):
    for key, expected in [("SUBJECT", [5]), ("BODY", []), ("TEXT", [5])]:
        word = "Köln".encode()
        box.send(b"C1 SEARCH CHARSET UTF-8 %s {%d}\r\n" % (key.encode(), len(word)))
        assert box.response().startswith(b"+")
        box.send(word + b"\r\n")
        untagged, tagged = box.until("C1")
        assert tagged.startswith(b"C1 OK"), tagged
        assert untagged == [b"* SEARCH" + b"".join(b" %d" % n for n in expected) + b"\r\n"], (key, untagged)
    word = "Grüße".encode()
    box.send(b"C2 SEARCH CHARSET UTF-8 BODY {%d+}\r\n%s\r\n" % (len(word), word))
    untagged, tagged = box.until("C2")
    assert untagged == [b"* SEARCH 5\r\n"], untagged
    _, tagged = box.cmd("SEARCH CHARSET KOI8-R SUBJECT hello")
    assert re.match(rb"T\d+ NO \[BADCHARSET", tagged), tagged


def test_search_errors_keep_the_session(box):
    for bad in ["BOGUS", "SINCE yesterday", "LARGER big", "OR FROM alice", "(FROM alice", "HEADER",
                "UID", "KEYWORD", "NOT"]:
        _, tagged = box.cmd("SEARCH " + bad)
        assert re.match(rb"T\d+ BAD ", tagged), (bad, tagged)
    assert search(box, "ALL") == [1, 2, 3, 4, 5]


def test_sent_dates_are_the_date_header_as_written(account):
    """RFC 9051 §6.4.4: SENTBEFORE/SENTON/SENTSINCE compare the Date header's date "disregarding
    time and timezone": the day written in the header, not that instant's day in UTC."""
    w = account.wire()
    append(w, "INBOX", b"Subject: late\r\nDate: Mon, 15 Mar 2021 23:30:00 -0500\r\n\r\nx\r\n")  # 16 Mar UTC
    append(w, "INBOX", b"Subject: early\r\nDate: Tue, 16 Mar 2021 00:30:00 +0200\r\n\r\nx\r\n")  # 15 Mar UTC
    w.ok("SELECT INBOX")
    got = {c: search(w, c) for c in ["SENTON 15-Mar-2021", "SENTON 16-Mar-2021", "SENTBEFORE 16-Mar-2021",
                                     "SENTSINCE 16-Mar-2021"]}
    assert got == {"SENTON 15-Mar-2021": [1], "SENTON 16-Mar-2021": [2], "SENTBEFORE 16-Mar-2021": [1],
                   "SENTSINCE 16-Mar-2021": [2]}, got


def test_search_modseq(box):
    box.ok("ENABLE CONDSTORE")
    [(_, items)] = fetches(box.ok("STORE 5 +FLAGS (\\Seen)"))
    modseq = items["MODSEQ"][0]
    untagged = box.ok("SEARCH MODSEQ %d" % modseq)
    assert untagged == [b"* SEARCH 5 (MODSEQ %d)\r\n" % modseq], untagged
    untagged = box.ok("SEARCH MODSEQ %d" % (modseq + 1))
    assert untagged == [b"* SEARCH\r\n"], untagged
    untagged = box.ok('SEARCH MODSEQ "/flags/\\\\Seen" all %d' % modseq)
    assert untagged == [b"* SEARCH 5 (MODSEQ %d)\r\n" % modseq], untagged


def test_esearch_return_options(box):
    def esearch(text):
        untagged, tagged = box.cmd(text)
        assert re.match(rb"T\d+ OK", tagged), (text, tagged)
        assert len(untagged) == 1, (text, untagged)
        return untagged[0], tagged[:4]

    r, tag = esearch("SEARCH RETURN (MIN MAX COUNT) SUBJECT hello")
    assert r == b'* ESEARCH (TAG "%s") MIN 1 MAX 3 COUNT 3\r\n' % tag, r
    r, tag = esearch("UID SEARCH RETURN (ALL) ALL")
    assert r == b'* ESEARCH (TAG "%s") UID ALL 2:6\r\n' % tag, r
    r, tag = esearch("SEARCH RETURN () OR FROM alice FROM carol")
    assert r == b'* ESEARCH (TAG "%s") ALL 1,3\r\n' % tag, r
    r, tag = esearch("SEARCH RETURN (COUNT) FROM nobody")
    assert r == b'* ESEARCH (TAG "%s") COUNT 0\r\n' % tag, r
    r, tag = esearch("SEARCH RETURN (MIN MAX) FROM nobody")
    assert r == b'* ESEARCH (TAG "%s")\r\n' % tag, r
    r, tag = esearch("UID SEARCH RETURN (MIN MAX) SUBJECT hello")
    assert r == b'* ESEARCH (TAG "%s") UID MIN 2 MAX 4\r\n' % tag, r
    _, tagged = box.cmd("SEARCH RETURN (BOGUS) ALL")
    assert re.match(rb"T\d+ BAD", tagged), tagged


def test_searchres_saves_and_dollar_reuses(box):
    # Before any SAVE, "$" is the empty set.
    assert fetches(box.ok("FETCH $ UID")) == []
    untagged = box.ok("SEARCH RETURN (SAVE) SUBJECT hello")
    assert untagged == [], untagged  # RFC 5182 §2.4: SAVE alone answers nothing
    got = fetches(box.ok("FETCH $ (UID)"))
    assert sorted(i["UID"] for _, i in got) == [2, 3, 4]
    assert search(box, "$ NOT FROM bob") == [1, 3]
    assert search(box, "UID $", uid=True) == [2, 3, 4]
    box.ok("STORE $ +FLAGS.SILENT ($Hello)")
    assert search(box, "KEYWORD $Hello") == [1, 2, 3]
    # SELECT empties it (RFC 5182 §2.1).
    box.ok("SEARCH RETURN (SAVE) SUBJECT hello")
    box.ok("SELECT INBOX")
    assert fetches(box.ok("FETCH $ UID")) == []
    # A saved message that is expunged leaves the set.
    box.ok("SEARCH RETURN (SAVE) FROM carol")
    box.ok("STORE 3 +FLAGS.SILENT (\\Deleted)")
    box.ok("EXPUNGE")
    assert fetches(box.ok("FETCH $ UID")) == []


def test_searchres_save_with_min_or_max_saves_only_those(box):
    """RFC 5182 §2.4: SAVE combined with MIN and/or MAX only (no ALL or COUNT) saves just the
    MIN/MAX message(s); with ALL or COUNT, every match."""
    untagged = box.ok("SEARCH RETURN (SAVE MIN) SUBJECT hello")
    assert untagged[0].endswith(b" MIN 1\r\n"), untagged
    assert [i["UID"] for _, i in fetches(box.ok("FETCH $ (UID)"))] == [2]
    box.ok("SEARCH RETURN (SAVE MAX) SUBJECT hello")
    assert [i["UID"] for _, i in fetches(box.ok("FETCH $ (UID)"))] == [4]
    box.ok("SEARCH RETURN (SAVE MIN MAX) SUBJECT hello")
    assert sorted(i["UID"] for _, i in fetches(box.ok("FETCH $ (UID)"))) == [2, 4]
    box.ok("SEARCH RETURN (SAVE MIN COUNT) SUBJECT hello")
    assert sorted(i["UID"] for _, i in fetches(box.ok("FETCH $ (UID)"))) == [2, 3, 4]


def test_searchres_a_save_search_answered_no_empties_the_result(box):
    """RFC 5182 §2.1: "A SEARCH command with the SAVE result option that caused the server to
    return the NO tagged response sets the value of the search result variable to the empty
    sequence" (its §2.2 example 5 is exactly this BADCHARSET case)."""
    box.ok("SEARCH RETURN (SAVE) SUBJECT hello")
    _, tagged = box.cmd("SEARCH RETURN (SAVE) CHARSET KOI8-R SUBJECT hello")
    assert re.match(rb"T\d+ NO \[BADCHARSET", tagged), tagged
    assert fetches(box.ok("FETCH $ UID")) == []


def test_searchres_a_save_search_answered_bad_keeps_the_result(box):
    """RFC 5182 §2.1: a SEARCH with SAVE that "caused the server to return the BAD tagged response
    MUST NOT change the search result variable"."""
    box.ok("SEARCH RETURN (SAVE) SUBJECT hello")
    for bad in ['SEARCH RETURN (SAVE) X-REGEX SUBJECT "(unclosed"', "SEARCH RETURN (SAVE) BOGUS"]:
        _, tagged = box.cmd(bad)
        assert re.match(rb"T\d+ BAD ", tagged), (bad, tagged)
        assert sorted(i["UID"] for _, i in fetches(box.ok("FETCH $ (UID)"))) == [2, 3, 4], bad


def test_x_regex(box):
    caps = box.ok("CAPABILITY")[0]
    assert b" X-REGEX" in caps
    assert search(box, 'X-REGEX SUBJECT "^he.*o$"') == [3]
    assert search(box, 'X-REGEX SUBJECT "^(Re: )?hello w"') == [1, 2]
    assert search(box, 'X-REGEX SUBJECT "K.ln$"') == [5]  # decoded subject
    assert search(box, 'X-REGEX FROM "carol@example\\\\.net"') == [3]
    assert search(box, 'X-REGEX BODY "l[a-z]+y dog"') == [2]
    assert search(box, 'X-REGEX BODY "line 017[0-9] of"') == [3]
    assert search(box, 'NOT X-REGEX SUBJECT "hello"') == [4, 5]

    assert search(box, 'UID 2:4 X-REGEX SUBJECT "world$"', uid=True) == [2, 3]
    _, tagged = box.cmd('SEARCH X-REGEX SUBJECT "(unclosed"')
    assert re.match(rb"T\d+ (BAD|NO) ", tagged), tagged
    assert search(box, "ALL") == [1, 2, 3, 4, 5]


def test_x_regex_ignores_case(box):
    """README: the pattern is "matched against the decoded text (case-folded, so matching ignores
    case)": an upper-case pattern finds lower-case text."""
    got = {c: search(box, c) for c in ['X-REGEX SUBJECT "^HELLO$"', 'X-REGEX FROM "CAROL@"',
                                       'X-REGEX BODY "LAZY DOG"', 'X-REGEX SUBJECT "^hello$"']}
    assert got == {'X-REGEX SUBJECT "^HELLO$"': [3], 'X-REGEX FROM "CAROL@"': [3], 'X-REGEX BODY "LAZY DOG"': [2],
                   'X-REGEX SUBJECT "^hello$"': [3]}, got


def test_x_regex_on_any_header(box):
    """search_key.h (the protocol's definition of X-REGEX): the field is BODY, SUBJECT, FROM, TO or
    any other header name, matched against that header's value."""
    assert search(box, 'X-REGEX X-Priority "1"') == [2]
    assert search(box, 'X-REGEX X-Priority "2"') == []
    assert search(box, 'X-REGEX Message-ID "^<m[13]@"') == [1, 3]


def sort(w, text):
    untagged, tagged = w.cmd(text)
    assert re.match(rb"T\d+ OK", tagged), (text, tagged)
    lines = [r for r in untagged if r.startswith(b"* SORT")]
    assert len(lines) == 1, (text, untagged)
    return [int(x) for x in lines[0][len(b"* SORT"):].split()]


def test_sort(box):
    sizes = sorted(range(1, 6), key=lambda n: len(MESSAGES[n - 1]))
    cases = [
        # RFC 5256 §2.1 base subjects ("Re:", "Fwd:" removed): "Fwd: zebra notes" sorts last.
        ("SORT (SUBJECT) UTF-8 ALL", [5, 3, 1, 2, 4]),  # ties by message number
        ("SORT (SUBJECT REVERSE DATE) UTF-8 ALL", [5, 3, 2, 1, 4]),  # ties by the second key
        ("SORT (SUBJECT DATE) UTF-8 ALL", [5, 3, 1, 2, 4]),
        ("SORT (REVERSE SUBJECT) UTF-8 ALL", [4, 1, 2, 3, 5]),  # ties stay ascending
        ("SORT (DATE) UTF-8 ALL", [3, 1, 2, 4, 5]),  # the Date header
        ("SORT (REVERSE DATE) UTF-8 ALL", [5, 4, 2, 1, 3]),
        ("SORT (ARRIVAL) UTF-8 ALL", [5, 1, 2, 3, 4]),  # the internal date
        ("SORT (REVERSE ARRIVAL) UTF-8 ALL", [4, 3, 2, 1, 5]),
        ("SORT (SIZE) UTF-8 ALL", sizes),
        ("SORT (REVERSE SIZE) US-ASCII ALL", sizes[::-1]),
        # RFC 5256 §3: FROM is the addr-mailbox of the first From ("alice"), not the display name
        # ("Zoe Alice").
        ("SORT (FROM) UTF-8 ALL", [1, 2, 3, 4, 5]),
        ("SORT (REVERSE FROM) UTF-8 ALL", [5, 4, 3, 2, 1]),
        ("SORT (TO SUBJECT) UTF-8 ALL", [2, 5, 3, 1, 4]),  # alice first, then the bobs by subject
        ("SORT (CC REVERSE ARRIVAL) UTF-8 ALL", [3, 2, 1, 5, 4]),  # no Cc sorts first (RFC 5256)
        # RFC 5957 §3: DISPLAYFROM/DISPLAYTO are the first address's display name ("Zoe Alice" last).
        ("SORT (DISPLAYFROM) UTF-8 ALL", [2, 3, 4, 5, 1]),
        ("SORT (DISPLAYTO) UTF-8 ALL", [2, 1, 3, 4, 5]),
        ("SORT (REVERSE DISPLAYTO) UTF-8 ALL", [1, 3, 4, 5, 2]),  # REVERSE turns only its key
        ("SORT (DISPLAYTO REVERSE ARRIVAL) UTF-8 ALL", [2, 4, 3, 1, 5]),  # the bobs newest first
        ("SORT (REVERSE DISPLAYTO REVERSE ARRIVAL) UTF-8 ALL", [4, 3, 1, 5, 2]),
        ("SORT (SIZE) UTF-8 SUBJECT hello", [n for n in sizes if n in (1, 2, 3)]),
        ("UID SORT (REVERSE DATE) UTF-8 ALL", [6, 5, 3, 2, 4]),
    ]
    failures = [(text, got, expected) for text, expected in cases if (got := sort(box, text)) != expected]
    if failures:
        pytest.fail("\n".join(f"{text}: got {got}, expected {expected}" for text, got, expected in failures))
    _, tagged = box.cmd("SORT (SUBJECT) ALL")
    assert re.match(rb"T\d+ BAD", tagged), tagged  # the charset is required
    _, tagged = box.cmd("SORT (BOGUS) UTF-8 ALL")
    assert re.match(rb"T\d+ BAD", tagged), tagged


def test_thread(box):
    caps = box.ok("CAPABILITY")[0]
    assert b" THREAD=REFERENCES" in caps and b" THREAD=ORDEREDSUBJECT" in caps, caps  # issue 5
    untagged, tagged = box.cmd("THREAD ORDEREDSUBJECT UTF-8 ALL")
    assert re.match(rb"T\d+ OK", tagged), tagged
    # Threads by base subject, ordered by their first message's sent date (RFC 5256 §3).
    assert untagged == [b"* THREAD (3)(1 2)(4)(5)\r\n"], untagged
    untagged, tagged = box.cmd("THREAD REFERENCES UTF-8 ALL")
    assert re.match(rb"T\d+ OK", tagged), tagged
    assert untagged == [b"* THREAD (3)(1 2)(4)(5)\r\n"], untagged
    untagged, tagged = box.cmd("UID THREAD REFERENCES UTF-8 SUBJECT world")
    assert untagged == [b"* THREAD (2 3)\r\n"], untagged


def test_sort_groups_and_ties_under_reverse(account):
    """RFC 5256 §3 / RFC 5957 §3 "the first address" (ImapTest "sort-addresses", "sort-display-to"):
    a group that comes first sorts by its name, for CC as for DISPLAYTO. REVERSE turns only the key
    it precedes: messages equal under every key stay in ascending message order (ImapTest
    "sort-arrival", "sort-size")."""
    w = account.wire()
    for cc, to in [("user2@domain2.org (foo bar)", "foo bar <a@b.c>"), ("user2: blah@domain1.org;", "z: aa@aa.org;"),
                   ("user1@domain1.org", "b@c.d"), ("", "empty:;")]:
        head = f"From: x@example.org\r\nTo: {to}\r\n" + (f"Cc: {cc}\r\n" if cc else "")
        append(w, "INBOX", (head + "Subject: s\r\n\r\nbody\r\n").encode(), date="22-Feb-2008 12:00:00 +0000")
    w.ok("SELECT INBOX")
    assert sort(w, "SORT (CC) US-ASCII ALL") == [4, 3, 1, 2]  # "", USER1, then USER2 twice by number
    assert sort(w, "SORT (REVERSE CC) US-ASCII ALL") == [1, 2, 3, 4]
    assert sort(w, "SORT (DISPLAYTO) US-ASCII ALL") == [3, 4, 1, 2]  # B@C.D, EMPTY, FOO BAR, Z
    assert sort(w, "SORT (REVERSE ARRIVAL) US-ASCII ALL") == [1, 2, 3, 4]  # one date: by number
    assert sort(w, "SORT (ARRIVAL) US-ASCII ALL") == [1, 2, 3, 4]


def thread_message(mid, subject, day, refs=(), in_reply_to=None):
    head = (f"From: x@example.org\r\nSubject: {subject}\r\nDate: {day:02d} Jan 2020 12:00:00 +0000\r\n"
            f"Message-ID: <{mid}@t>\r\n")
    if in_reply_to:
        head += f"In-Reply-To: <{in_reply_to}@t>\r\n"
    if refs:
        head += "References: " + " ".join(f"<{r}@t>" for r in refs) + "\r\n"
    return (head + "\r\nbody\r\n").encode()


def test_thread_references_breaks_a_guessed_parent_and_skips_a_loop(account):
    """RFC 5256 §2.2 step 1.B (ImapTest "thread"): b's References make a the parent of c; then c
    names b as its parent, but b already descends from c. c's guessed parent is broken and no loop
    is made: c (with b under it) is a thread of its own, before a by date."""
    w = account.wire()
    for m in [thread_message("a", "one", 3), thread_message("b", "two", 1, ["a", "c"]),
              thread_message("c", "three", 2, ["b"])]:
        append(w, "INBOX", m)
    w.ok("SELECT INBOX")
    assert w.ok("THREAD REFERENCES US-ASCII ALL") == [b"* THREAD (3 2)(1)\r\n"]
    w.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
    w.ok("EXPUNGE")
    assert w.ok("THREAD REFERENCES US-ASCII ALL") == [b"* THREAD (2 1)\r\n"]


def test_thread_trees(account):
    """RFC 5256 §3: REFERENCES builds the reply tree (a missing parent of several messages stays
    as a dummy, "((5)(6))"; one of a single message is dropped) and ORDEREDSUBJECT makes the
    later messages of a subject children of the first."""
    w = account.wire()
    for m in [thread_message("r1", "topic", 1), thread_message("r2", "Re: topic", 2, ["r1"], "r1"),
              thread_message("r3", "Re: topic", 3, ["r1"]), thread_message("r4", "Re: topic", 4, ["r1", "r2"]),
              thread_message("r5", "other", 5, ["missing"]), thread_message("r6", "Re: other", 6, ["missing"])]:
        append(w, "INBOX", m)
    w.ok("SELECT INBOX")
    assert w.ok("THREAD REFERENCES UTF-8 ALL") == [b"* THREAD (1 (2 4)(3))((5)(6))\r\n"]
    assert w.ok("THREAD ORDEREDSUBJECT UTF-8 ALL") == [b"* THREAD (1 (2)(3)(4))(5 6)\r\n"]
    # Only the messages found are threaded; r2 missing makes r4 a child of r1.
    assert w.ok("UID THREAD REFERENCES UTF-8 NOT UID 2") == [b"* THREAD (1 (3)(4))((5)(6))\r\n"]
    assert w.ok("THREAD REFERENCES UTF-8 SUBJECT nothing") == [b"* THREAD\r\n"]
    _, tagged = w.cmd("THREAD BOGUS UTF-8 ALL")
    assert re.match(rb"T\d+ (BAD|NO) ", tagged), tagged
