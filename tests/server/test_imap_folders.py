"""Folders (RFC 9051 §6.3): LIST with SPECIAL-USE (RFC 6154), LIST-EXTENDED (RFC 5258), CHILDREN
(RFC 3348), LIST-STATUS (RFC 5819), LSUB, CREATE (and CREATE-SPECIAL-USE), DELETE, RENAME,
SUBSCRIBE/UNSUBSCRIBE, STATUS (with SIZE RFC 8438, DELETED RFC 9051, HIGHESTMODSEQ RFC 7162) and
modified UTF-7 names (RFC 9051 §5.1.3) or UTF-8 ones (RFC 6855)."""
import re

from imap_support import append, appenduid, imap_server, account, message  # noqa: F401 (fixtures)
from imap_wire import tagged_is, parse

DEFAULT = {"INBOX": set(), "Drafts": {"\\Drafts"}, "Sent": {"\\Sent"}, "Junk": {"\\Junk"},
           "Trash": {"\\Trash"}, "Archive": {"\\Archive"}}


def name_of(x):
    return x.decode() if isinstance(x, bytes) else str(x)


def listed(untagged, kind="LIST"):
    """{name: set(attributes)} from LIST/LSUB responses (each checked for shape and separator)."""
    out = {}
    for r in untagged:
        if not r.startswith(b"* " + kind.encode() + b" "):
            continue
        p = parse(r[2:])
        assert len(p) == 4 and isinstance(p[1], list) and p[2] == b"/", r
        name = name_of(p[3])
        assert name not in out, ("listed twice", r)
        out[name] = {str(a) for a in p[1]}
    return out


def lower(attrs):
    return {a.lower() for a in attrs}


def test_new_mailbox_has_the_special_folders(account):
    w = account.wire()
    untagged, tagged = w.cmd('LIST "" "*"')
    assert tagged_is(tagged, b"OK")
    assert all(r.startswith(b"* LIST ") for r in untagged), untagged
    folders = listed(untagged)
    assert set(folders) == set(DEFAULT), folders
    for name, use in DEFAULT.items():
        attrs = lower(folders[name])
        assert lower(use) <= attrs, (name, attrs)
        assert "\\haschildren" not in attrs
        # Only one special use each, and INBOX has none.
        assert len(attrs & {"\\drafts", "\\sent", "\\junk", "\\trash", "\\archive", "\\all", "\\flagged"}) == len(use)
    # imaplib parses them too.
    m = account.imap()
    typ, data = m.list()
    assert typ == "OK" and len(data) == 6
    assert any(re.match(rb'\(.*\\Trash.*\) "/" "?Trash"?$', d) for d in data), data


def test_list_reference_and_wildcards(account):
    w = account.wire()
    untagged, tagged = w.cmd('LIST "" ""')
    assert untagged == [b'* LIST (\\Noselect) "/" ""\r\n'], untagged  # RFC 9051 §6.3.9: the separator
    w.ok("CREATE Projects/2024/Q1")
    w.ok("CREATE Projects/2025")
    everything = listed(w.ok('LIST "" "*"'))
    assert {"Projects", "Projects/2024", "Projects/2024/Q1", "Projects/2025"} <= set(everything)
    assert "\\haschildren" in lower(everything["Projects"])
    assert "\\haschildren" in lower(everything["Projects/2024"])
    assert "\\hasnochildren" in lower(everything["Projects/2024/Q1"])
    top = listed(w.ok('LIST "" "%"'))
    assert set(top) == set(DEFAULT) | {"Projects"}, top
    assert set(listed(w.ok('LIST "Projects/" "%"'))) == {"Projects/2024", "Projects/2025"}
    assert set(listed(w.ok('LIST "" "Projects/%"'))) == {"Projects/2024", "Projects/2025"}
    assert set(listed(w.ok('LIST "" "Pro*Q1"'))) == {"Projects/2024/Q1"}
    assert set(listed(w.ok('LIST "" "*20*"'))) == {"Projects/2024", "Projects/2024/Q1", "Projects/2025"}
    # INBOX matches case-insensitively and is always listed as INBOX.
    assert set(listed(w.ok('LIST "" "inbox"'))) == {"INBOX"}
    assert listed(w.ok('LIST "" "nothing-like-this*"')) == {}
    # Several patterns (LIST-EXTENDED).
    assert set(listed(w.ok('LIST "" ("Sent" "Trash")'))) == {"Sent", "Trash"}


def test_list_pattern_matches_inbox_in_any_case(account):
    """INBOX is case-insensitive (RFC 9051 §5.1), so a pattern that matches it in some case matches
    it: "inbox", "In*", "inb%" (as Dovecot and Cyrus do)."""
    w = account.wire()
    for pattern in ["inbox", "INBOX", "Inbox%", "In*", "inb%", "I*X"]:
        assert set(listed(w.ok(f'LIST "" "{pattern}"'))) == {"INBOX"}, pattern


def test_list_extended_return_options(account):
    w = account.wire()
    w.ok("CREATE Lists/a")
    w.ok("UNSUBSCRIBE Junk")
    append(w, "INBOX", message("one"))
    append(w, "INBOX", message("two"))
    untagged, tagged = w.cmd('LIST "" "*" RETURN (SPECIAL-USE CHILDREN SUBSCRIBED STATUS (MESSAGES))')
    assert tagged_is(tagged, b"OK"), tagged
    folders = listed(untagged)
    assert set(folders) == set(DEFAULT) | {"Lists", "Lists/a"}
    assert lower(folders["Lists"]) >= {"\\haschildren"}
    assert "\\drafts" in lower(folders["Drafts"])
    statuses = {}
    seen_list = set()
    for r in untagged:
        p = parse(r[2:])
        if p[0] == "LIST":
            seen_list.add(name_of(p[3]))
        elif p[0] == "STATUS":
            # RFC 5819 §2: each STATUS comes after the LIST of its mailbox.
            assert name_of(p[1]) in seen_list, r
            statuses[name_of(p[1])] = p[2]
    assert statuses["INBOX"] == ["MESSAGES", 2], statuses
    assert statuses["Trash"] == ["MESSAGES", 0]
    # Junk was unsubscribed; the others (created by the server) are subscribed.
    assert "\\subscribed" not in lower(folders["Junk"])
    assert "\\subscribed" in lower(folders["INBOX"]) and "\\subscribed" in lower(folders["Sent"])


def test_list_extended_selection_options(account):
    w = account.wire()
    special = listed(w.ok('LIST (SPECIAL-USE) "" "*"'))
    assert set(special) == set(DEFAULT) - {"INBOX"}, special
    w.ok("CREATE Notes")
    w.ok("SUBSCRIBE Notes")
    w.ok("UNSUBSCRIBE Sent")
    subscribed = listed(w.ok('LIST (SUBSCRIBED) "" "*"'))
    assert "Notes" in subscribed and "Sent" not in subscribed
    # RFC 5258 §3.1: SUBSCRIBED implies the \Subscribed attribute on every result.
    assert all("\\subscribed" in lower(a) for a in subscribed.values()), subscribed
    # RECURSIVEMATCH without another selection option is a syntax error (RFC 5258 §3).
    _, tagged = w.cmd('LIST (RECURSIVEMATCH) "" "*"')
    assert re.match(rb"T\d+ BAD ", tagged), tagged


def test_lsub_subscribe_unsubscribe(account):
    w = account.wire()
    default = listed(w.ok('LSUB "" "*"'), "LSUB")
    w.ok("CREATE Reading")
    w.ok("UNSUBSCRIBE Reading")  # CREATE may subscribe (some servers do); now it is not
    assert "Reading" not in listed(w.ok('LSUB "" "*"'), "LSUB")
    untagged, tagged = w.cmd("SUBSCRIBE Reading")
    assert untagged == [] and tagged_is(tagged, b"OK")
    assert set(listed(w.ok('LSUB "" "*"'), "LSUB")) == set(default) | {"Reading"}
    assert set(listed(w.ok('LSUB "" "Read%"'), "LSUB")) == {"Reading"}
    w.ok("UNSUBSCRIBE Reading")
    assert "Reading" not in listed(w.ok('LSUB "" "*"'), "LSUB")
    # imaplib
    m = account.imap()
    assert m.subscribe("Reading")[0] == "OK"
    typ, data = m.lsub('""', "Read*")
    assert typ == "OK" and len(data) == 1 and data[0].endswith(b"Reading"), data


def test_create_does_not_subscribe_and_lsub_percent_shows_superiors(account):
    """CREATE does not subscribe, not even the superiors it creates (RFC 3501 §6.3.3, as Dovecot;
    ImapTest "subscribe", "listext"). RFC 3501 §6.3.9: with q/b/c subscribed and q/b not, LSUB
    "q/%" gives q/b as \\Noselect; RFC 5258 §3.5: LIST (SUBSCRIBED RECURSIVEMATCH) gives it with
    CHILDINFO ("SUBSCRIBED"), unless the pattern reaches the subscribed child itself."""
    w = account.wire()
    w.ok("CREATE q/b/c")
    w.ok("CREATE q/d")
    assert w.ok('LSUB "" "q*"') == []
    w.ok("SUBSCRIBE q/b/c")
    w.ok("SUBSCRIBE q/d")
    assert w.ok('LSUB "" q/%') == [b'* LSUB () "/" q/d\r\n', b'* LSUB (\\Noselect) "/" q/b\r\n']
    assert w.ok('LSUB "" q/*') == [b'* LSUB () "/" q/b/c\r\n', b'* LSUB () "/" q/d\r\n']
    assert w.ok('LIST (SUBSCRIBED RECURSIVEMATCH) "" q/%') == [
        b'* LIST (\\HasNoChildren \\Subscribed) "/" q/d\r\n',
        b'* LIST (\\HasChildren) "/" q/b ("CHILDINFO" ("SUBSCRIBED"))\r\n']
    assert w.ok('LIST (SUBSCRIBED RECURSIVEMATCH) "" (q/b q/b/c)') == [
        b'* LIST (\\HasNoChildren \\Subscribed) "/" q/b/c\r\n']
    assert w.ok('LIST (SUBSCRIBED) "" q/%') == [b'* LIST (\\HasNoChildren \\Subscribed) "/" q/d\r\n']


def test_subscription_outlives_the_folder(account):
    """RFC 9051 §6.3.7 (and RFC 3501 §6.3.6): "A server MUST NOT unilaterally remove an existing
    mailbox name from the subscription list even if a mailbox by that name no longer exists."
    LSUB then shows it \\Noselect (RFC 3501 §6.3.9), LIST (SUBSCRIBED) with \\NonExistent
    (RFC 5258 §3.1); UNSUBSCRIBE removes it."""
    w = account.wire()
    w.ok("CREATE Foo")
    w.ok("SUBSCRIBE Foo")
    w.ok("DELETE Foo")
    lsub = listed(w.ok('LSUB "" "*"'), "LSUB")
    assert "Foo" in lsub and "\\noselect" in lower(lsub["Foo"]), lsub
    subscribed = listed(w.ok('LIST (SUBSCRIBED) "" "*"'))
    assert "Foo" in subscribed and {"\\subscribed", "\\nonexistent"} <= lower(subscribed["Foo"]), subscribed
    assert "Foo" not in listed(w.ok('LIST "" "*"'))
    w.ok("UNSUBSCRIBE Foo")
    assert "Foo" not in listed(w.ok('LSUB "" "*"'), "LSUB")


def test_rename_moves_subscriptions(account):
    """RENAME carries the subscriptions of the folder and of its inferiors (existing or not) to the
    new names, as Dovecot does; a name that only starts alike ("Foobar") keeps its own."""
    w = account.wire()
    for name in ["Foo/Bar", "Foo/Gone", "Foobar"]:
        w.ok(f"CREATE {name}")
        w.ok(f"SUBSCRIBE {name}")
    w.ok("SUBSCRIBE Foo")
    w.ok("DELETE Foo/Gone")
    w.ok("RENAME Foo Qux")
    lsub = listed(w.ok('LSUB "" "*"'), "LSUB")
    assert {"Qux", "Qux/Bar", "Qux/Gone", "Foobar"} <= set(lsub), lsub
    assert not {"Foo", "Foo/Bar", "Foo/Gone"} & set(lsub), lsub
    assert "\\noselect" in lower(lsub["Qux/Gone"]) and "\\noselect" not in lower(lsub["Qux/Bar"]), lsub
    subscribed = listed(w.ok('LIST (SUBSCRIBED) "" "Qux*"'))
    assert set(subscribed) == {"Qux", "Qux/Bar", "Qux/Gone"}, subscribed
    assert "\\nonexistent" in lower(subscribed["Qux/Gone"]) and "\\haschildren" in lower(subscribed["Qux"])
    # LIST-STATUS gives no STATUS for a name without a folder (RFC 5819 §2).
    untagged = w.ok('LIST (SUBSCRIBED) "" "Qux/*" RETURN (STATUS (MESSAGES))')
    assert [r for r in untagged if r.startswith(b"* STATUS")] == [b'* STATUS Qux/Bar (MESSAGES 0)\r\n'], untagged


def test_create_delete_and_errors(account):
    w = account.wire()
    untagged, tagged = w.cmd("CREATE Receipts")
    assert untagged == [] and tagged_is(tagged, b"OK")
    _, tagged = w.cmd("CREATE Receipts")
    assert tagged_is(tagged, b"NO [ALREADYEXISTS]"), tagged
    _, tagged = w.cmd("CREATE INBOX")
    assert tagged_is(tagged, b"NO"), tagged
    _, tagged = w.cmd("CREATE inbox")  # INBOX is case-insensitive (RFC 9051 §5.1)
    assert tagged_is(tagged, b"NO"), tagged
    # A trailing separator says a parent is meant: the folder is created without it.
    w.ok("CREATE Parent/")
    assert "Parent" in listed(w.ok('LIST "" "Parent*"'))
    w.ok("SELECT Receipts")
    untagged, tagged = w.cmd("DELETE Receipts")
    assert tagged_is(tagged, b"OK"), tagged
    assert "Receipts" not in listed(w.ok('LIST "" "*"'))
    _, tagged = w.cmd("DELETE Receipts")
    assert tagged_is(tagged, b"NO [NONEXISTENT]"), tagged
    _, tagged = w.cmd("DELETE INBOX")
    assert tagged_is(tagged, b"NO"), tagged
    _, tagged = w.cmd("SELECT Receipts")
    assert tagged_is(tagged, b"NO"), tagged
    # A deleted folder's UIDVALIDITY is never reused by a new one of the same name.
    w.ok("CREATE Again")
    untagged = w.ok("STATUS Again (UIDVALIDITY)")
    first = parse(untagged[0][2:])[2][1]
    w.ok("DELETE Again")
    w.ok("CREATE Again")
    untagged = w.ok("STATUS Again (UIDVALIDITY)")
    assert parse(untagged[0][2:])[2][1] != first


def test_create_special_use(account):
    w = account.wire()
    untagged, tagged = w.cmd("CREATE MyDrafts (USE (\\Drafts))")
    assert tagged_is(tagged, b"OK"), tagged
    folders = listed(w.ok('LIST "" "MyDrafts"'))
    assert "\\drafts" in lower(folders["MyDrafts"])
    assert set(listed(w.ok('LIST (SPECIAL-USE) "" "My*"'))) == {"MyDrafts"}
    _, tagged = w.cmd("CREATE Weird (USE (\\Bogus))")
    assert tagged_is(tagged, b"NO [USEATTR]"), tagged
    assert listed(w.ok('LIST "" "Weird"')) == {}


def test_delete_a_folder_that_has_children(account):
    w = account.wire()
    w.ok("CREATE Tree/Leaf")
    append(w, "Tree", message("in tree"))
    untagged, tagged = w.cmd("DELETE Tree")
    # RFC 9051 §6.3.5: either refused, or the messages go and the children stay (the name then
    # is \Noselect or gone).
    folders = listed(w.ok('LIST "" "Tree*"'))
    assert "Tree/Leaf" in folders
    if tagged_is(tagged, b"OK"):
        if "Tree" in folders:
            assert lower(folders["Tree"]) & {"\\noselect", "\\nonexistent"}, folders
            _, tagged = w.cmd("SELECT Tree")
            assert tagged_is(tagged, b"NO")
    else:
        assert tagged_is(tagged, b"NO"), tagged
        assert "Tree" in folders


def test_rename_folder_with_children_and_messages(account):
    w = account.wire()
    w.ok("CREATE Work/Old")
    append(w, "Work", message("w1"))
    append(w, "Work/Old", message("w2"))
    untagged = w.ok("STATUS Work (UIDVALIDITY MESSAGES)")
    untagged, tagged = w.cmd("RENAME Work Job")
    assert untagged == [] and tagged_is(tagged, b"OK"), (untagged, tagged)
    folders = listed(w.ok('LIST "" "*"'))
    assert {"Job", "Job/Old"} <= set(folders) and "Work" not in folders and "Work/Old" not in folders
    assert parse(w.ok("STATUS Job (MESSAGES)")[0][2:])[2] == ["MESSAGES", 1]
    assert parse(w.ok("STATUS Job/Old (MESSAGES)")[0][2:])[2] == ["MESSAGES", 1]
    _, tagged = w.cmd("RENAME Nope Other")
    assert tagged_is(tagged, b"NO"), tagged
    _, tagged = w.cmd("RENAME Job Sent")
    assert tagged_is(tagged, b"NO [ALREADYEXISTS]"), tagged
    # Renaming into a new hierarchy creates the parents.
    w.ok("RENAME Job/Old Deep/Er/Old")
    assert {"Deep", "Deep/Er", "Deep/Er/Old"} <= set(listed(w.ok('LIST "" "Deep*"')))


def test_rename_inbox_moves_its_messages_and_keeps_an_empty_inbox(account):
    w = account.wire()
    for i in range(3):
        append(w, "INBOX", message(f"inbox {i}"))
    untagged, tagged = w.cmd("RENAME INBOX OldInbox")
    assert tagged_is(tagged, b"OK"), tagged
    assert parse(w.ok("STATUS INBOX (MESSAGES)")[0][2:])[2] == ["MESSAGES", 0]
    assert parse(w.ok("STATUS OldInbox (MESSAGES)")[0][2:])[2] == ["MESSAGES", 3]
    untagged = w.ok("SELECT OldInbox")
    assert b"* 3 EXISTS\r\n" in untagged
    # The messages did not arrive in OldInbox: it does not mark them \Recent (a MOVE would),
    # neither for this session nor for another one.
    assert b"* 0 RECENT\r\n" in untagged, untagged
    assert w.ok("SEARCH RECENT") == [b"* SEARCH\r\n"]
    other = account.wire()
    assert b"* 0 RECENT\r\n" in other.ok("EXAMINE OldInbox")
    other.ok("LOGOUT")
    untagged = w.ok("FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    subjects = sorted(re.search(rb"Subject: ([^\r]*)", r).group(1) for r in untagged)
    assert subjects == [b"inbox 0", b"inbox 1", b"inbox 2"]


def test_status_items(account):
    w = account.wire()
    a = message("status one", body="x" * 100 + "\r\n")
    b = message("status two")
    c = message("status three")
    _, uid1 = appenduid(append(w, "INBOX", a, flags="\\Seen"))
    append(w, "INBOX", b, flags="\\Deleted")
    append(w, "INBOX", c)
    untagged, tagged = w.cmd("STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN SIZE HIGHESTMODSEQ DELETED)")
    assert tagged_is(tagged, b"OK")
    assert len(untagged) == 1
    p = parse(untagged[0][2:])
    assert p[0] == "STATUS" and name_of(p[1]) == "INBOX"
    items = dict(zip(p[2][::2], p[2][1::2]))
    assert list(items) == ["MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "SIZE", "HIGHESTMODSEQ", "DELETED"]
    assert items["MESSAGES"] == 3
    assert items["UIDNEXT"] == uid1 + 3
    assert items["UNSEEN"] == 2
    assert items["SIZE"] == len(a) + len(b) + len(c)
    assert items["DELETED"] == 1
    assert items["UIDVALIDITY"] > 0 and items["HIGHESTMODSEQ"] > 0
    untagged = w.ok("SELECT INBOX")
    assert any(r.startswith(b"* OK [UIDVALIDITY %d]" % items["UIDVALIDITY"]) for r in untagged)
    assert any(r.startswith(b"* OK [UIDNEXT %d]" % items["UIDNEXT"]) for r in untagged)
    # A change raises HIGHESTMODSEQ.
    w.ok("STORE 3 +FLAGS (\\Flagged)")
    p = parse(w.ok("STATUS INBOX (HIGHESTMODSEQ)")[0][2:])
    assert p[2][1] > items["HIGHESTMODSEQ"]
    _, tagged = w.cmd("STATUS Nowhere (MESSAGES)")
    assert tagged_is(tagged, b"NO [NONEXISTENT]"), tagged
    _, tagged = w.cmd("STATUS INBOX (BOGUS)")
    assert tagged_is(tagged, b"BAD"), tagged
    # imaplib
    m = account.imap()
    typ, data = m.status("INBOX", "(MESSAGES UNSEEN)")
    assert (typ, data) == ("OK", [b'INBOX (MESSAGES 3 UNSEEN 2)']), data


def test_modified_utf7_names(account):
    w = account.wire()
    w.ok('CREATE "Entw&APw-rfe"')
    w.ok('CREATE "Entw&APw-rfe/&ZeVnLIqe-"')  # 日本語
    folders = listed(w.ok('LIST "" "Entw*"'))
    assert set(folders) == {"Entw&APw-rfe", "Entw&APw-rfe/&ZeVnLIqe-"}, folders
    append(w, '"Entw&APw-rfe"', message("draft"))
    p = parse(w.ok('STATUS "Entw&APw-rfe" (MESSAGES)')[0][2:])
    assert name_of(p[1]) == "Entw&APw-rfe" and p[2] == ["MESSAGES", 1], p
    # Not valid modified UTF-7 ("&" must start a base64 run ending in "-"; "&-" is "&").
    _, tagged = w.cmd('CREATE "Bad&Jjo!"')
    assert re.match(rb"T\d+ (NO|BAD) ", tagged), tagged
    w.ok('CREATE "R&-D"')
    assert "R&-D" in listed(w.ok('LIST "" "R*"'))
    # 8-bit names need UTF8=ACCEPT.
    _, tagged = w.cmd('CREATE "Grüße"'.encode())
    assert re.match(rb"T\d+ (NO|BAD) ", tagged), tagged
    # The same folders under UTF8=ACCEPT (RFC 6855 §3): names in UTF-8.
    u = account.wire(enable="UTF8=ACCEPT")
    folders = listed(u.ok('LIST "" "*"'))
    assert {"Entwürfe", "Entwürfe/日本語", "R&D"} <= set(folders), folders
    u.ok('CREATE "Grüße"'.encode())
    assert "Grüße" in listed(u.ok('LIST "" "Gr*"'.encode()))
    untagged = u.ok('SELECT "Entwürfe"'.encode())
    assert b"* 1 EXISTS\r\n" in untagged
    # ...and seen by a client without it in modified UTF-7.
    assert "Gr&APwA3w-e" in listed(w.ok('LIST "" "Gr*"'))
    # imaplib names folders the same way
    m = account.imap()
    assert m.select('"Entw&APw-rfe"')[0] == "OK"
