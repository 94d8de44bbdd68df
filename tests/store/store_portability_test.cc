// Take your mail and leave: export and import round trips, and the `sealmail mailbox` command line
// driven as a user would drive it.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <zip.h>

#include <array>
#include <cstdio>
#include <fstream>

#include "core/fs.h"
#include "mime/mbox.h"
#include "store/corpus.h"
#include "store/mailbox.h"
#include "store/portability.h"
#include "store/test_support.h"

namespace sealmail::store {
namespace {

using testing::TempDir;
const std::string kPassword = "export password";

struct Run {
  int status;
  std::string out, err;
};

// Runs the sealmail binary with a password in the environment (never in argv).
Run run_cli(const std::string& args, const std::string& password = kPassword, const std::string& dir = "/tmp") {
  std::string cmd = "cd '" + dir + "' && SEALMAIL_PASSWORD='" + password + "' " + SEALMAIL_BINARY + " " + args + " 2>" +
                    dir + "/stderr.txt";
  Run r{};
  FILE* p = ::popen(cmd.c_str(), "r");
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.err = testing::read_bytes(dir + "/stderr.txt");
  return r;
}

std::vector<std::string> messages_ending_in_newline() {
  std::vector<std::string> out;
  for (auto& c : testing::corpus())
    if (c.name != "ten_megabytes") out.push_back(c.raw);
  out.push_back("From: x@example.org\r\nSubject: From lines\r\n\r\nFrom the top\r\n>From quoted\r\n");
  return out;
}

TEST(Portability, MboxExportImportIsByteExact) {
  TempDir dir;
  auto src = Mailbox::create(dir / "a.sqlite", testing::secret(kPassword));
  ASSERT_TRUE(src.ok());
  auto msgs = messages_ending_in_newline();
  for (auto& raw : msgs) ASSERT_TRUE((*src)->append({"INBOX", raw, {}, 1795409022}).ok());
  ASSERT_TRUE((*src)->append({"Sent", msgs[0], {}, {}}).ok());
  auto one = export_mbox(**src, dir / "inbox.mbox", std::string("INBOX"));
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ(one->messages, msgs.size());
  auto all = export_mbox(**src, dir / "all", std::nullopt);
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(std::filesystem::exists(dir / "all" / "Sent.mbox"));
  EXPECT_EQ(testing::read_bytes(dir / "all" / "INBOX.mbox"), testing::read_bytes(dir / "inbox.mbox"));

  auto dst = Mailbox::create(dir / "b.sqlite", testing::secret(kPassword));
  auto imported = import_mbox(**dst, dir / "inbox.mbox", "Imported");
  ASSERT_TRUE(imported.ok()) << imported.error().message;
  EXPECT_EQ(imported->messages, msgs.size());
  auto list = (*dst)->list_messages("Imported").value();
  ASSERT_EQ(list.size(), msgs.size());
  for (size_t i = 0; i < msgs.size(); ++i) {
    EXPECT_TRUE((*dst)->fetch_raw("Imported", list[i].uid).value() == msgs[i]) << i;
    EXPECT_EQ(list[i].internal_date, "2026-11-23T04:43:42Z");  // from the "From " line
  }
  EXPECT_EQ(import_mbox(**dst, dir / "missing.mbox", "INBOX").error().code, Errc::not_found);
  ASSERT_TRUE(fs::write_file_durably(dir / "not.mbox", "Subject: no\n\nnot an mbox\n"));
  EXPECT_EQ(import_mbox(**dst, dir / "not.mbox", "INBOX").error().code, Errc::invalid_argument);
}

TEST(Portability, EmlFilesAndEncryptedZip) {
  TempDir dir;
  auto m = Mailbox::create(dir / "a.sqlite", testing::secret(kPassword));
  auto msgs = messages_ending_in_newline();
  for (auto& raw : msgs) ASSERT_TRUE((*m)->append({"INBOX", raw, {}, {}}).ok());
  ASSERT_TRUE((*m)->create_folder("Work/2026").ok());
  ASSERT_TRUE((*m)->append({"Work/2026", msgs[1], {}, {}}).ok());
  ASSERT_TRUE(export_eml_dir(**m, dir / "eml").ok());
  EXPECT_EQ(testing::read_bytes(dir / "eml" / "INBOX" / "1.eml"), msgs[0]);
  EXPECT_EQ(testing::read_bytes(dir / "eml" / "Work" / "2026" / "1.eml"), msgs[1]);

  auto zip_password = testing::secret("zip secret");
  ASSERT_TRUE(export_eml_zip(**m, dir / "mail.zip", &zip_password).ok());
  EXPECT_FALSE(testing::file_contains(dir / "mail.zip", "From the top"));  // entries are encrypted
  int err = 0;
  zip_t* z = zip_open((dir / "mail.zip").c_str(), ZIP_RDONLY, &err);
  ASSERT_NE(z, nullptr);
  EXPECT_EQ(zip_get_num_entries(z, 0), static_cast<zip_int64_t>(msgs.size() + 1));
  EXPECT_EQ(zip_fopen(z, "INBOX/1.eml", 0), nullptr);  // no password, no content
  zip_file_t* f = zip_fopen_encrypted(z, "INBOX/1.eml", 0, "zip secret");
  ASSERT_NE(f, nullptr);
  std::string content(msgs[0].size() + 10, '\0');
  auto n = zip_fread(f, content.data(), content.size());
  content.resize(static_cast<size_t>(n));
  EXPECT_EQ(content, msgs[0]);
  zip_fclose(f);
  zip_close(z);
}

TEST(Portability, MaildirImportKeepsFlagsAndSubfolders) {
  TempDir dir;
  auto md = dir / "Maildir";
  for (auto sub : {"cur", "new", "tmp", ".Work.Projects/cur", ".Work.Projects/new"})
    std::filesystem::create_directories(md / sub);
  ASSERT_TRUE(fs::write_file_durably(md / "cur" / "1700000000.1.host:2,FS", testing::plain_message("seen flagged")));
  ASSERT_TRUE(fs::write_file_durably(md / "new" / "1700000001.2.host", testing::html_message()));
  ASSERT_TRUE(
      fs::write_file_durably(md / ".Work.Projects" / "cur" / "1700000002.3.host:2,RT", testing::alternative_message()));
  auto m = Mailbox::create(dir / "a.sqlite", testing::secret(kPassword));
  auto r = import_maildir(**m, md, "INBOX");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->messages, 3u);
  auto inbox = (*m)->list_messages("INBOX").value();
  ASSERT_EQ(inbox.size(), 2u);
  EXPECT_EQ(inbox[0].flags.system, kSeen | kFlagged);
  EXPECT_EQ(inbox[1].flags.system, 0u);
  auto work = (*m)->list_messages("Work/Projects").value();
  ASSERT_EQ(work.size(), 1u);
  EXPECT_EQ(work[0].flags.system, kAnswered | kDeleted);
  EXPECT_EQ((*m)->fetch_raw("Work/Projects", work[0].uid).value(), testing::alternative_message());
  EXPECT_EQ(import_maildir(**m, dir.path(), "INBOX").error().code, Errc::invalid_argument);
}

TEST(Cli, MailboxCommandsWorkAsAUserRunsThem) {
  TempDir dir;
  std::string d = dir.path().string();
  std::string mbox;
  auto msgs = messages_ending_in_newline();
  for (auto& raw : msgs) mime::append_mboxrd(mbox, raw, "sender@example.org", 1795409022);
  ASSERT_TRUE(fs::write_file_durably(dir / "in.mbox", mbox));

  EXPECT_EQ(run_cli("mailbox create box.sqlite", kPassword, d).status, 0);
  auto r = run_cli("mailbox create box.sqlite", kPassword, d);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "sealmail: mailbox file already exists\n");
  r = run_cli("mailbox import box.sqlite --from in.mbox", kPassword, d);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("imported " + std::to_string(msgs.size()) + " messages"), std::string::npos);
  EXPECT_EQ(r.err.find('\r'), std::string::npos);  // no progress bar when not on a terminal
  r = run_cli("mailbox list box.sqlite", kPassword, d);
  EXPECT_NE(r.out.find("INBOX"), std::string::npos);
  EXPECT_NE(r.out.find("\\Junk"), std::string::npos);
  r = run_cli("mailbox show box.sqlite --uid 3", kPassword, d);
  EXPECT_TRUE(r.out == msgs[2]);
  r = run_cli("mailbox search box.sqlite body:Привет", kPassword, d);
  EXPECT_EQ(r.out, "6\n7\n");  // base64-encoded and raw 8-bit bodies alike
  r = run_cli("mailbox search box.sqlite subject:report not:seen", kPassword, d);
  EXPECT_EQ(r.out, "4\n");
  r = run_cli("mailbox search box.sqlite bogus:x", kPassword, d);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "sealmail: unknown search term 'bogus:'\n");

  r = run_cli("mailbox list box.sqlite", "wrong", d);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "sealmail: wrong password or not a sealmail mailbox\n");
  r = run_cli("mailbox list box.sqlite", "", d);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--password-file"), std::string::npos);

  ASSERT_TRUE(fs::write_file_durably(dir / "pw", kPassword + "\n"));
  ASSERT_TRUE(fs::write_file_durably(dir / "newpw", "brand new\n"));
  r = run_cli("mailbox check box.sqlite --password-file pw", "", d);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("ok: " + std::to_string(msgs.size()) + " messages", 0), 0u) << r.out;

  r = run_cli("mailbox backup box.sqlite --to snap.sqlite", kPassword, d);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, 64), fs::sha256_file_hex(dir / "snap.sqlite").value());
  r = run_cli("mailbox export box.sqlite --format mbox --folder INBOX --to out.mbox", kPassword, d);
  EXPECT_EQ(r.status, 0) << r.err;
  // What was exported imports again, byte-exact.
  EXPECT_EQ(run_cli("mailbox create again.sqlite", kPassword, d).status, 0);
  EXPECT_EQ(run_cli("mailbox import again.sqlite --from out.mbox", kPassword, d).status, 0);
  for (uint32_t uid : {1u, 8u, static_cast<uint32_t>(msgs.size())})
    EXPECT_TRUE(run_cli("mailbox show again.sqlite --uid " + std::to_string(uid), kPassword, d).out == msgs[uid - 1]);
  r = run_cli("mailbox export box.sqlite --format tar --to x", kPassword, d);
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;

  r = run_cli("mailbox rekey box.sqlite --new-password-file newpw", kPassword, d);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(run_cli("mailbox check box.sqlite", kPassword, d).status, 1);
  EXPECT_EQ(run_cli("mailbox check box.sqlite", "brand new", d).status, 0);

  r = run_cli("mailbox create gen.sqlite --generate-password", "", d);
  EXPECT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(r.out.size(), 36u);  // the password and a newline, once
  std::string generated = r.out.substr(0, 35);
  EXPECT_EQ(run_cli("mailbox check gen.sqlite", generated, d).status, 0);

  r = run_cli("mailbox delete box.sqlite < /dev/null", kPassword, d);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(std::filesystem::exists(dir / "box.sqlite"));
  r = run_cli("mailbox delete box.sqlite --yes", kPassword, d);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "box.sqlite"));
  EXPECT_FALSE(std::filesystem::exists(dir / "box.sqlite-wal"));

  for (const char* cmd :
       {"create", "import", "export", "list", "search", "rekey", "backup", "check", "delete", "show"}) {
    r = run_cli(std::string("mailbox ") + cmd + " --help", "", d);
    EXPECT_EQ(r.status, 0) << cmd;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << cmd;
  }
}

}  // namespace
}  // namespace sealmail::store
