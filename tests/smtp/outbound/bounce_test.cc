// Bounce classification from real-world replies (Gmail, Outlook, Yahoo, Postfix, Exim, Dovecot,
// amavis, rspamd) as they come off the wire: each is parsed by the SMTP client's reply parser, then
// classified from its code, its enhanced code and its text, as the queue will do.
#include "smtp/outbound/bounce.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "smtp/client/reply.h"

namespace sealmail::smtp::outbound {
namespace {

struct Case {
  const char* wire;
  BounceAction action;
  BounceCategory category;
};

constexpr auto D = BounceAction::defer;
constexpr auto R = BounceAction::reject;
using C = BounceCategory;

BounceInfo classify_wire(const std::string& wire) {
  client::Reply reply;
  size_t used = 0;
  EXPECT_EQ(client::ReplyParser::parse(wire, reply, used), client::ReplyParser::Status::complete) << wire;
  // Every line of a multi-line reply repeats the enhanced code: the text is the lines without it.
  std::string enhanced = reply.enhanced();
  std::string text;
  for (std::string line : reply.lines) {
    if (!enhanced.empty() && line.rfind(enhanced + " ", 0) == 0) line.erase(0, enhanced.size() + 1);
    text += (text.empty() ? "" : " ") + line;
  }
  return classify(Failure{reply.code, enhanced, text});
}

TEST(Bounce, RealWorldReplies) {
  const std::vector<Case> cases = {
      // Gmail
      {"550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n"
       "550-5.1.1 double-checking the recipient's email address for typos or\r\n"
       "550-5.1.1 unnecessary spaces. Learn more at\r\n"
       "550 5.1.1  https://support.google.com/mail/?p=NoSuchUser a1si2 - gsmtp\r\n",
       R, C::unknown_user},
      {"452-4.2.2 The email account that you tried to reach is over quota. Please direct\r\n"
       "452-4.2.2 the recipient to\r\n452 4.2.2  https://support.google.com/mail/?p=OverQuotaTemp - gsmtp\r\n",
       D, C::full_mailbox},
      {"552-5.2.2 The email account that you tried to reach is over quota and inactive.\r\n"
       "552 5.2.2  https://support.google.com/mail/?p=OverQuotaPerm - gsmtp\r\n",
       D, C::full_mailbox},  // the seed's override: a full mailbox defers even on 5xx
      {"550-5.2.1 The email account that you tried to reach is disabled. Learn more at\r\n"
       "550 5.2.1  https://support.google.com/mail/?p=DisabledUser - gsmtp\r\n",
       R, C::unknown_user},
      {"550-5.7.1 [192.0.2.1] Our system has detected that this message is\r\n"
       "550-5.7.1 likely unsolicited mail. To reduce the amount of spam sent to Gmail,\r\n"
       "550 5.7.1 this message has been blocked. - gsmtp\r\n",
       R, C::spam},
      {"421-4.7.0 [192.0.2.1] Our system has detected an unusual rate of\r\n"
       "421-4.7.0 unsolicited mail originating from your IP address. To protect our\r\n"
       "421 4.7.0 users from spam, mail sent from your IP address has been temporarily rate limited.\r\n",
       D, C::spam},
      {"552-5.7.0 This message was blocked because its content presents a potential\r\n"
       "552-5.7.0 security issue. Please visit\r\n552 5.7.0  https://support.google.com/mail/?p=BlockedMessage\r\n",
       R, C::virus},
      {"550-5.7.26 This mail has been blocked because the sender is\r\n"
       "550-5.7.26 unauthenticated. Gmail requires all senders to authenticate with\r\n"
       "550 5.7.26 either SPF or DKIM.\r\n",
       R, C::policy},
      {"421-4.7.0 This message is suspicious due to the very low reputation of the\r\n"
       "421 4.7.0 sending IP address.\r\n",
       D, C::blocklist},
      {"552-5.3.4 Your message exceeded Google's message size limits. Please visit\r\n"
       "552 5.3.4  https://support.google.com/mail/?p=MaxSizeError - gsmtp\r\n",
       R, C::policy},
      // Outlook / Microsoft 365
      {"550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302).\r\n", R, C::unknown_user},
      {"550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup\r\n", R, C::unknown_user},
      {"550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet service "
       "provider since part of their network is on our block list (S3140).\r\n",
       R, C::blocklist},
      {"550 5.7.606 Access denied, banned sending IP [192.0.2.1]. To request removal from this list please visit "
       "https://sender.office.com/\r\n",
       R, C::blocklist},
      {"451 4.7.500 Server busy. Please try again later from [192.0.2.1]. (AS761)\r\n", D, C::policy},
      {"554 5.2.2 mailbox full; "
       "STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded\r\n",
       D, C::full_mailbox},
      {"550 5.7.520 Access denied, Your organization does not allow external forwarding.\r\n", R, C::policy},
      // Yahoo
      {"554 delivery error: dd This user doesn't have a yahoo.com account (x@yahoo.com) [0] - "
       "mta1.mail.ne1.yahoo.com\r\n",
       R, C::unknown_user},
      {"421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - "
       "4.16.55.1; see https://postmaster.yahooinc.com/error-codes\r\n",
       D, C::policy},
      {"553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.1, because the ip is in Spamhaus's list; see "
       "https://postmaster.yahooinc.com/error-codes\r\n",
       R, C::blocklist},
      {"552 1 Requested mail action aborted, mailbox not found\r\n", R, C::unknown_user},
      // Postfix
      {"550 5.1.1 <x@example.org>: Recipient address rejected: User unknown in local recipient table\r\n", R,
       C::unknown_user},
      {"450 4.2.0 <x@example.org>: Recipient address rejected: Greylisted, see http://postgrey.example/\r\n", D,
       C::policy},
      {"554 5.7.1 <x@example.org>: Relay access denied\r\n", R, C::policy},
      {"552 5.3.4 Message size exceeds fixed limit\r\n", R, C::policy},
      {"554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; "
       "https://www.spamhaus.org/query/ip/192.0.2.1\r\n",
       R, C::blocklist},
      {"553 5.1.8 <a@example.com>: Sender address rejected: Domain not found\r\n", R, C::policy},
      {"452 4.3.1 Insufficient system storage\r\n", D, C::other},
      {"451 4.3.5 Server configuration problem\r\n", D, C::other},
      // Dovecot LMTP behind Postfix, amavis, rspamd
      {"552 5.2.2 <x@example.org> Quota exceeded (mailbox for user is full)\r\n", D, C::full_mailbox},
      {"554 5.7.0 Reject, id=12345-01 - INFECTED: Eicar-Signature\r\n", R, C::virus},
      {"554 5.7.1 Spam message rejected\r\n", R, C::spam},
      // Exim (no enhanced codes by default)
      {"550 Unrouteable address\r\n", R, C::unknown_user},
      {"550-Verification failed for <a@example.com>\r\n550-Unrouteable address\r\n550 Sender verify failed\r\n", R,
       C::policy},
      {"550 Rejected because 192.0.2.1 is in a black list at zen.spamhaus.org\r\n", R, C::blocklist},
      {"550 Administrative prohibition\r\n", R, C::policy},
      {"451 Temporary local problem - please try later\r\n", D, C::other},
      {"552 mailbox is full (MTA-imposed quota exceeded while writing to file /var/mail/x)\r\n", D, C::full_mailbox},
      {"421 4.4.2 mx.example.net Error: timeout exceeded\r\n", D, C::network},
      // The seed's "try again later" override on a 5xx.
      {"550 Service temporarily unavailable, try again later\r\n", D, C::other},
      {"554 5.7.1 Message temporarily deferred by policy\r\n", D, C::policy},
      // Replies our SMTP client makes up when the peer gave none (smtp/client/client.cc).
      {"451 4.4.2 connection to the forward target lost\r\n", D, C::network},
      {"451 4.4.1 no answer from the forward target\r\n", D, C::network},
      {"451 4.7.5 TLS handshake with the forward target failed\r\n", D, C::policy},
      {"556 5.1.10 the forward target accepts no mail\r\n", R, C::unknown_user},
      {"552 5.3.4 message too big for the forward target\r\n", R, C::policy},
      // Nothing to go on.
      {"550 Go away\r\n", R, C::other},
      {"450 Later\r\n", D, C::other},
  };
  for (const auto& c : cases) {
    auto info = classify_wire(c.wire);
    EXPECT_EQ(to_string(info.action), std::string(to_string(c.action))) << c.wire;
    EXPECT_EQ(to_string(info.category), std::string(to_string(c.category))) << c.wire;
  }
}

TEST(Bounce, NetworkErrorsWithoutAReplyDefer) {
  for (const char* text : {"", "connection refused", "user unknown"}) {
    auto info = classify(Failure{0, "", text});
    EXPECT_EQ(info.action, BounceAction::defer);
    EXPECT_EQ(info.category, BounceCategory::network) << text;
  }
}

TEST(Bounce, CodeDecidesTheActionOnItsOwn) {
  EXPECT_EQ(classify(Failure{421, "", ""}).action, BounceAction::defer);
  EXPECT_EQ(classify(Failure{499, "", ""}).action, BounceAction::defer);
  EXPECT_EQ(classify(Failure{500, "", ""}).action, BounceAction::reject);
  EXPECT_EQ(classify(Failure{599, "", ""}).action, BounceAction::reject);
  // A failure answered with a success or intermediate code is a broken server: not final.
  EXPECT_EQ(classify(Failure{250, "", ""}).action, BounceAction::defer);
  EXPECT_EQ(classify(Failure{354, "", ""}).action, BounceAction::defer);
}

TEST(Bounce, EnhancedCodeAloneDecidesTheCategory) {
  EXPECT_EQ(classify(Failure{550, "5.1.1", "x"}).category, BounceCategory::unknown_user);
  EXPECT_EQ(classify(Failure{552, "5.2.2", "x"}).category, BounceCategory::full_mailbox);
  EXPECT_EQ(classify(Failure{552, "5.2.2", "x"}).action, BounceAction::defer);
  EXPECT_EQ(classify(Failure{451, "4.4.0", "x"}).category, BounceCategory::network);
  EXPECT_EQ(classify(Failure{550, "5.7.0", "x"}).category, BounceCategory::policy);
  EXPECT_EQ(classify(Failure{550, "5.1.7", "x"}).category, BounceCategory::policy);  // the sender's address
  EXPECT_EQ(classify(Failure{554, "5.6.0", "x"}).category, BounceCategory::other);
}

TEST(Bounce, Names) {
  EXPECT_STREQ(to_string(BounceCategory::full_mailbox), "full mailbox");
  EXPECT_STREQ(to_string(BounceCategory::unknown_user), "unknown user");
  EXPECT_STREQ(to_string(BounceAction::reject), "reject");
}

}  // namespace
}  // namespace sealmail::smtp::outbound
