// Wire text -> parsed value for the commands without a file of their own: any state
// (CAPABILITY NOOP LOGOUT ID ENABLE COMPRESS), login (STARTTLS AUTHENTICATE LOGIN), mailboxes
// (SELECT EXAMINE CREATE DELETE RENAME SUBSCRIBE UNSUBSCRIBE STATUS NAMESPACE), selected state
// (CHECK CLOSE UNSELECT EXPUNGE COPY MOVE IDLE), QUOTA.
#include "test_util.h"

namespace sealmail::imap {
namespace {

using test_support::args;
using test_support::command;
using test_support::error;

TEST(Commands, WithoutArguments) {
  for (const char* name :
       {"CAPABILITY", "NOOP", "LOGOUT", "STARTTLS", "CHECK", "CLOSE", "UNSELECT", "IDLE", "NAMESPACE"}) {
    Command c = command(std::string("t1 ") + name);
    EXPECT_EQ(c.tag, "t1");
    EXPECT_EQ(c.name, name);
    EXPECT_FALSE(c.uid);
    EXPECT_TRUE(std::holds_alternative<NoArgs>(c.args)) << name;
    // Case-insensitive names (RFC 9051 §9: "case-insensitive" keywords).
    std::string lower = name;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(ch));
    EXPECT_EQ(command("t2 " + lower).name, name);
    // Arguments where none are allowed.
    EXPECT_EQ(error(std::string("t3 ") + name + " x").kind, Error::Kind::bad) << name;
  }
}

TEST(Commands, Tags) {
  EXPECT_EQ(command("a.b-c]d NOOP").tag, "a.b-c]d");  // tag = 1*<ASTRING-CHAR except "+">
  EXPECT_EQ(error("a+b NOOP").tag, "");
  EXPECT_EQ(error("NOOP").tag, "NOOP");  // a tag with no command
  EXPECT_EQ(error(" NOOP").tag, "");
  EXPECT_EQ(error("A1  NOOP").text, "Expected an atom");
  EXPECT_EQ(error("A1 NOOP ").text, "Unexpected text at the end of the command");
}

TEST(Commands, Login) {
  LoginArgs a = args<LoginArgs>("A1 LOGIN fred \"my \\\"secret\\\\\"");
  EXPECT_EQ(a.user, "fred");
  EXPECT_EQ(a.password.str(), "my \"secret\\");
  LoginArgs b = args<LoginArgs>("A1 LOGIN {4+}\r\nfr d {2}\r\npw");
  EXPECT_EQ(b.user, "fr d");
  EXPECT_EQ(b.password.str(), "pw");
  EXPECT_EQ(args<LoginArgs>("A1 LOGIN \"\" \"\"").user, "");
  EXPECT_EQ(error("A1 LOGIN fred").kind, Error::Kind::bad);
  EXPECT_EQ(error("A1 LOGIN fred (pw)").kind, Error::Kind::bad);
  EXPECT_EQ(error("A1 LOGIN fred \"a\\b\"").text, "Invalid escape in a quoted string");
}

TEST(Commands, SecretStringWipes) {
  SecretString s(std::string("hunter2"));
  SecretString moved(std::move(s));
  EXPECT_EQ(moved.str(), "hunter2");
  EXPECT_TRUE(s.empty());  // NOLINT(bugprone-use-after-move): checking the wipe
  moved.wipe();
  EXPECT_TRUE(moved.empty());
  std::string plain = "abc";
  wipe_string(plain);
  EXPECT_TRUE(plain.empty());
}

TEST(Commands, Authenticate) {
  AuthenticateArgs a = args<AuthenticateArgs>("A1 AUTHENTICATE plain");
  EXPECT_EQ(a.mechanism, "PLAIN");
  EXPECT_FALSE(a.initial_response);
  AuthenticateArgs b = args<AuthenticateArgs>("A1 AUTHENTICATE PLAIN AGZyZWQAcHc=");  // SASL-IR
  ASSERT_TRUE(b.initial_response);
  EXPECT_EQ(b.initial_response->str(), "AGZyZWQAcHc=");
  EXPECT_EQ(args<AuthenticateArgs>("A1 AUTHENTICATE PLAIN =").initial_response->str(), "=");
  EXPECT_EQ(error("A1 AUTHENTICATE PLAIN AGZ").text, "Invalid base64 in the initial response");
  EXPECT_EQ(error("A1 AUTHENTICATE").kind, Error::Kind::bad);
}

TEST(Commands, SelectAndExamine) {
  EXPECT_EQ(args<SelectArgs>("A1 SELECT inbox"), (SelectArgs{"INBOX", false, std::nullopt}));
  EXPECT_EQ(args<SelectArgs>("A1 EXAMINE \"Inbox\""), (SelectArgs{"INBOX", false, std::nullopt}));
  EXPECT_EQ(args<SelectArgs>("A1 SELECT INBOX.x").mailbox, "INBOX.x");
  EXPECT_EQ(args<SelectArgs>("A1 SELECT Entw&APw-rfe").mailbox, "Entw&APw-rfe");  // raw
  EXPECT_EQ(args<SelectArgs>("A1 SELECT {5+}\r\nin\"bo").mailbox, "in\"bo");
  EXPECT_TRUE(args<SelectArgs>("A1 SELECT INBOX (CONDSTORE)").condstore);
  // RFC 7162 §3.2.5.2 example.
  SelectArgs q = args<SelectArgs>("A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))");
  ASSERT_TRUE(q.qresync);
  EXPECT_EQ(q.qresync->uidvalidity, 67890007u);
  EXPECT_EQ(q.qresync->modseq, 20050715194045000u);
  ASSERT_TRUE(q.qresync->known_uids);
  EXPECT_EQ(q.qresync->known_uids->ranges, (std::vector<SeqRange>{{41, 41}, {43, 211}, {214, 541}}));
  EXPECT_FALSE(q.qresync->seq_match);
  SelectArgs m = args<SelectArgs>(
      "B02 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 "
      "15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997)))");
  ASSERT_TRUE(m.qresync && m.qresync->seq_match);
  EXPECT_EQ(m.qresync->seq_match->first.ranges.size(), 4u);
  EXPECT_EQ(m.qresync->seq_match->second.ranges.size(), 13u);
  SelectArgs s = args<SelectArgs>("A1 SELECT x (QRESYNC (1 2 (1:3 4:6)))");
  EXPECT_FALSE(s.qresync->known_uids);
  EXPECT_TRUE(s.qresync->seq_match);
  SelectArgs both = args<SelectArgs>("A1 SELECT x (CONDSTORE QRESYNC (1 0))");
  EXPECT_TRUE(both.condstore);
  EXPECT_EQ(both.qresync->modseq, 0u);
  EXPECT_EQ(error("A1 SELECT x (FOO)").text, "Unknown SELECT parameter");
  EXPECT_EQ(error("A1 SELECT x (QRESYNC (0 1))").kind, Error::Kind::bad);  // uidvalidity is nz
  EXPECT_EQ(error("A1 SELECT x (QRESYNC (1 1 $))").kind, Error::Kind::bad);
  EXPECT_EQ(error("A1 SELECT").kind, Error::Kind::bad);
  EXPECT_EQ(error("A1 SELECT a b").kind, Error::Kind::bad);
}

TEST(Commands, MailboxCommands) {
  EXPECT_EQ(args<CreateArgs>("A1 CREATE Work/Projects"), (CreateArgs{"Work/Projects", {}}));
  EXPECT_EQ(args<CreateArgs>("A1 CREATE MyDrafts (USE (\\Drafts))"), (CreateArgs{"MyDrafts", {"\\Drafts"}}));
  EXPECT_EQ(args<CreateArgs>("A1 CREATE X (USE (\\Sent \\Archive))").special_use,
            (std::vector<std::string>{"\\Sent", "\\Archive"}));
  EXPECT_EQ(args<CreateArgs>("A1 CREATE X (USE ())").special_use, std::vector<std::string>{});
  EXPECT_EQ(error("A1 CREATE X (USE (Drafts))").kind, Error::Kind::bad);
  EXPECT_EQ(error("A1 CREATE X (FOO (\\Drafts))").kind, Error::Kind::bad);
  for (const char* name : {"DELETE", "SUBSCRIBE", "UNSUBSCRIBE", "GETQUOTAROOT"}) {
    Command c = command(std::string("A1 ") + name + " \"a b\"");
    EXPECT_EQ(c.name, name);
    EXPECT_EQ(std::get<MailboxArgs>(c.args).mailbox, "a b");
    EXPECT_EQ(error(std::string("A1 ") + name).kind, Error::Kind::bad);
  }
  EXPECT_EQ(args<RenameArgs>("A1 RENAME old \"new one\""), (RenameArgs{"old", "new one"}));
  EXPECT_EQ(args<RenameArgs>("A1 RENAME inbox Old-Inbox"), (RenameArgs{"INBOX", "Old-Inbox"}));
  EXPECT_EQ(error("A1 RENAME a").kind, Error::Kind::bad);
}

TEST(Commands, ExpungeCopyMove) {
  EXPECT_EQ(args<ExpungeArgs>("A1 EXPUNGE"), ExpungeArgs{});
  Command uid = command("A1 UID EXPUNGE 3000:3002,4000");
  EXPECT_TRUE(uid.uid);
  EXPECT_EQ(uid.name, "EXPUNGE");
  EXPECT_EQ(std::get<ExpungeArgs>(uid.args).uids->ranges, (std::vector<SeqRange>{{3000, 3002}, {4000, 4000}}));
  EXPECT_EQ(error("A1 UID EXPUNGE").kind, Error::Kind::bad);
  EXPECT_EQ(error("A1 EXPUNGE 1").kind, Error::Kind::bad);
  CopyArgs c = args<CopyArgs>("A1 COPY 2:4 MEETING");
  EXPECT_EQ(c.set.ranges, (std::vector<SeqRange>{{2, 4}}));
  EXPECT_EQ(c.mailbox, "MEETING");
  Command move = command("A1 uid move 42:* Trash");
  EXPECT_TRUE(move.uid);
  EXPECT_EQ(move.name, "MOVE");
  EXPECT_EQ(std::get<CopyArgs>(move.args).set.ranges, (std::vector<SeqRange>{{42, 0}}));
  EXPECT_TRUE(args<CopyArgs>("A1 MOVE $ Archive").set.saved_result);  // RFC 5182
  EXPECT_EQ(error("A1 COPY 0 x").text, "Invalid sequence set");
  EXPECT_EQ(error("A1 COPY 1:4294967296 x").text, "Invalid sequence set");
  EXPECT_EQ(error("A1 UID NOOP").text, "This command does not take the UID prefix");
  EXPECT_EQ(error("A1 UID LOGIN a b").kind, Error::Kind::bad);
  EXPECT_EQ(error("A1 UID").kind, Error::Kind::bad);
}

TEST(Commands, EnableIdCompress) {
  EXPECT_EQ(args<EnableArgs>("A1 ENABLE condstore UTF8=ACCEPT").capabilities,
            (std::vector<std::string>{"CONDSTORE", "UTF8=ACCEPT"}));
  EXPECT_EQ(error("A1 ENABLE").kind, Error::Kind::bad);
  EXPECT_FALSE(args<IdArgs>("A1 ID NIL").fields);
  IdArgs id = args<IdArgs>("A1 ID (\"name\" \"Thunderbird\" \"version\" NIL)");
  ASSERT_TRUE(id.fields);
  ASSERT_EQ(id.fields->size(), 2u);
  EXPECT_EQ((*id.fields)[0].first, "name");
  EXPECT_EQ((*id.fields)[0].second, "Thunderbird");
  EXPECT_FALSE((*id.fields)[1].second);
  EXPECT_EQ(args<IdArgs>("A1 ID ()").fields->size(), 0u);
  EXPECT_EQ(error("A1 ID (\"name\")").kind, Error::Kind::bad);
  EXPECT_EQ(args<CompressArgs>("A1 COMPRESS deflate").mechanism, "DEFLATE");
  EXPECT_EQ(error("A1 COMPRESS").kind, Error::Kind::bad);
}

TEST(Commands, Quota) {
  EXPECT_EQ(args<GetQuotaArgs>("A1 GETQUOTA \"\"").root, "");
  EXPECT_EQ(args<GetQuotaArgs>("A1 GETQUOTA user").root, "user");
  SetQuotaArgs s = args<SetQuotaArgs>("A1 SETQUOTA \"\" (storage 512 MESSAGE 1000)");
  EXPECT_EQ(s.root, "");
  EXPECT_EQ(s.limits, (std::vector<std::pair<std::string, uint64_t>>{{"STORAGE", 512}, {"MESSAGE", 1000}}));
  EXPECT_TRUE(args<SetQuotaArgs>("A1 SETQUOTA r ()").limits.empty());
  EXPECT_EQ(error("A1 SETQUOTA r (STORAGE)").kind, Error::Kind::bad);
  EXPECT_EQ(command("A1 GETQUOTAROOT INBOX").name, "GETQUOTAROOT");
}

TEST(Commands, Status) {
  StatusArgs s = args<StatusArgs>(
      "A1 STATUS blurdybloop (MESSAGES UIDNEXT uidvalidity UNSEEN DELETED SIZE HIGHESTMODSEQ APPENDLIMIT RECENT "
      "DELETED-STORAGE)");
  EXPECT_EQ(s.mailbox, "blurdybloop");
  EXPECT_EQ(s.items, (std::vector<StatusItem>{StatusItem::messages, StatusItem::uidnext, StatusItem::uidvalidity,
                                              StatusItem::unseen, StatusItem::deleted, StatusItem::size,
                                              StatusItem::highestmodseq, StatusItem::appendlimit, StatusItem::recent,
                                              StatusItem::deleted_storage}));
  EXPECT_EQ(error("A1 STATUS x ()").kind, Error::Kind::bad);
  EXPECT_EQ(error("A1 STATUS x (FOO)").text, "Unknown STATUS item");
  EXPECT_EQ(error("A1 STATUS x MESSAGES").kind, Error::Kind::bad);
}

TEST(Commands, UnknownCommand) {
  Error e = error("A1 XYZZY foo");
  EXPECT_EQ(e.tag, "A1");
  EXPECT_EQ(e.text, "Unknown command");
  EXPECT_EQ(e.kind, Error::Kind::bad);
}

}  // namespace
}  // namespace sealmail::imap
