// The content filters' pure parts (issue 9), as tables: HTML link extraction, fed whole and
// checked for its limits; URL hosts, domains shown in link text, registrable-domain comparison;
// punycode and script mixing; executable detection by content in buffers, zips and Office files;
// clamd's answers; settings overlay. The end-to-end path with a real clamd and the MX is
// tests/server/test_protections.py.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "delivery/filters/clamd_client.h"
#include "delivery/filters/domain_checks.h"
#include "delivery/filters/executables.h"
#include "delivery/filters/html_links.h"
#include "delivery/filters/message_parts.h"
#include "delivery/filters/phishing.h"
#include "delivery/filters/settings.h"

namespace sealmail::delivery::filters {
namespace {

TEST(HtmlLinks, LinksWithTheirVisibleText) {
  auto f = scan_html(
      "<p>Hi <A HREF=\"https://a.example/x\">Visit  <b>a.example</b>\n</a> and "
      "<a href='http://b.example'>b</a><a name=anchor>no href</a><a href=c.html>rel<img alt=\"pic\"></a></p>");
  ASSERT_EQ(f.links.size(), 3u);
  EXPECT_EQ(f.links[0].href, "https://a.example/x");
  EXPECT_EQ(f.links[0].text, "Visit a.example");
  EXPECT_EQ(f.links[1].href, "http://b.example");
  EXPECT_EQ(f.links[1].text, "b");
  EXPECT_EQ(f.links[2].href, "c.html");
  EXPECT_EQ(f.links[2].text, "rel pic");
}

TEST(HtmlLinks, ReferencesCommentsScriptsAndPasswords) {
  auto f = scan_html(
      "<!-- <a href=\"http://hidden.example\">x</a> --><script>var s = '<a href=\"http://s.example\">';</script>"
      "<a href=\"&#x68;ttps&#58;//evil&period;example/\">www&#46;bank&amp;co.com</a>"
      "<form action=x><input type=\"PASSWORD\" name=p></form><input type=password>");
  ASSERT_EQ(f.links.size(), 1u);
  EXPECT_EQ(f.links[0].href, "https://evil.example/");
  EXPECT_EQ(f.links[0].text, "www.bank&co.com");
  EXPECT_EQ(f.forms, 1u);
  EXPECT_EQ(f.password_fields, 2u);
}

TEST(HtmlLinks, UnclosedAndTruncatedInput) {
  EXPECT_EQ(scan_html("<a href=\"http://x.example/").links.size(), 1u);
  EXPECT_EQ(scan_html("<a href=http://x.example/>text").links[0].text, "text");
  EXPECT_TRUE(scan_html("<").links.empty());
  EXPECT_TRUE(scan_html("<!--").links.empty());
  EXPECT_TRUE(scan_html("<script>").links.empty());
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "<a href=x>y</a>";
  EXPECT_EQ(scan_html(many).links.size(), kMaxLinks);
  EXPECT_EQ(scan_html("<a href=x>" + std::string(5000, 'z') + "</a>").links[0].text.size(), kMaxText);
}

TEST(DomainChecks, HostOfUrls) {
  EXPECT_EQ(host_of("https://WWW.Example.COM./path"), "www.example.com");
  EXPECT_EQ(host_of("http://user:pw@evil.example:8080/?q"), "evil.example");
  EXPECT_EQ(host_of("//cdn.example/x"), "cdn.example");
  EXPECT_EQ(host_of("mailto:a@b.example"), "");
  EXPECT_EQ(host_of("relative/path"), "");
  EXPECT_EQ(host_of("http://[::1]/"), "");
  EXPECT_EQ(host_of("https://bank.example\\@evil.example/"), "bank.example");
}

TEST(DomainChecks, DomainShownInText) {
  EXPECT_EQ(domain_in_text("https://www.paypal.com/signin"), "www.paypal.com");
  EXPECT_EQ(domain_in_text("Go to www.Bank.com now"), "www.bank.com");
  EXPECT_EQ(domain_in_text("paypal.com"), "paypal.com");
  EXPECT_EQ(domain_in_text("Click here"), std::nullopt);
  EXPECT_EQ(domain_in_text("report.pdf"), std::nullopt);
  EXPECT_EQ(domain_in_text("version 1.2"), std::nullopt);
}

TEST(DomainChecks, SameSite) {
  EXPECT_TRUE(same_site("www.example.com", "login.example.com"));
  EXPECT_TRUE(same_site("shop.example.co.uk", "example.co.uk"));
  EXPECT_FALSE(same_site("example.co.uk", "other.co.uk"));
  EXPECT_FALSE(same_site("paypal.com", "paypal.com.evil.example"));
}

TEST(DomainChecks, SpoofedHosts) {
  EXPECT_EQ(spoofed_host("www.example.com"), std::nullopt);
  EXPECT_EQ(spoofed_host("xn--pypal-4ve.com"), "mixed-script domain");  // p\u0430ypal: Latin + Cyrillic
  EXPECT_EQ(spoofed_host("xn--80ak6aa92e.com"), "homograph domain");    // \u0430\u0440\u0440\u04cf\u0435
  EXPECT_EQ(spoofed_host("p\xd0\xb0ypal.com"), "mixed-script domain");  // the same, in UTF-8
  EXPECT_EQ(spoofed_host("xn--r8jz45g.jp"), std::nullopt);              // \u4f8b\u3048: Han + Hiragana
  EXPECT_EQ(spoofed_host("xn--e1afmkfd.xn--p1ai"), std::nullopt);  // \u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444
  EXPECT_EQ(spoofed_host("xn--mnchen-3ya.de"), std::nullopt);      // m\u00fcnchen
  EXPECT_EQ(spoofed_host("xn--zz-garbage"), std::nullopt);         // not decodable: letters as written
}

TEST(Phishing, SignsFromParts) {
  MessageParts parts;
  parts.parts.push_back({"text/html", "",
                         "<a href=\"http://evil.example/\">www.bank.com</a><a href=\"https://bit.ly/x\">x</a>"
                         "<input type=password>"});
  parts.parts.push_back({"text/plain", "", "see https://xn--80ak6aa92e.com/ now"});
  EXPECT_EQ(phishing_signs(parts, default_shorteners()),
            (std::vector<std::string>{"deceptive-link", "homograph-domain", "url-shortener", "password-form"}));
  MessageParts honest;
  honest.parts.push_back({"text/html", "", "<a href=\"https://www.bank.com/a\">bank.com</a>"});
  EXPECT_TRUE(phishing_signs(honest, default_shorteners()).empty());
  EXPECT_EQ(phishing_signs(parts, {"other.example"}).size(), 3u);  // a configured list replaces the default
}

std::string pe() {
  std::string b = "MZ" + std::string(0x3e, '\0');
  b[0x3c] = 0x40;
  return b + std::string("PE\0\0", 4) + std::string(64, '\0');
}

TEST(Executables, ByContentNotName) {
  EXPECT_EQ(executable_content(pe(), "notes.txt"), "executable (PE)");
  EXPECT_EQ(executable_content("\x7f"
                               "ELF\x02\x01\x01" +
                                   std::string(64, '\0'),
                               "a.jpg"),
            "executable (ELF)");
  EXPECT_EQ(executable_content(std::string("\xCF\xFA\xED\xFE", 4) + std::string(64, '\0'), "x"), "executable (Mach-O)");
  EXPECT_EQ(executable_content("#!/bin/sh\necho hi\n", "a.jpg"), "script");
  EXPECT_EQ(executable_content("WScript.Echo(1)", "invoice.pdf.js"), "executable file name (.js)");
  EXPECT_EQ(executable_content("plain", "run.EXE. "), "executable file name (.exe)");
  EXPECT_EQ(executable_content("Just some notes.\n", "notes.txt"), std::nullopt);
  // libmagic calls data that opens with a jump opcode a DOS .COM program: not enough on its own.
  EXPECT_EQ(executable_content("\xE9\x12\x34" + std::string(500, '\x5a'), "scan.pdf"), std::nullopt);
  std::string ole = std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + std::string(200, '\0');
  EXPECT_EQ(executable_content(ole, "a.doc"), std::nullopt);
  std::string vba;
  for (char c : std::string("_VBA_PROJECT")) vba += std::string(1, c) + '\0';
  EXPECT_EQ(executable_content(ole + vba, "a.doc"), "document with macros (OLE VBA project)");
  EXPECT_EQ(executable_content("PK\x03\x04 not really a zip", "a.zip"), std::nullopt);
}

TEST(Clamd, Answers) {
  EXPECT_EQ(parse_clamd_answer("stream: OK").kind, ClamdVerdict::Kind::clean);
  auto v = parse_clamd_answer("stream: Eicar-Signature FOUND");
  EXPECT_EQ(v.kind, ClamdVerdict::Kind::infected);
  EXPECT_EQ(v.detail, "Eicar-Signature");
  EXPECT_EQ(parse_clamd_answer("INSTREAM size limit exceeded. ERROR").kind, ClamdVerdict::Kind::unavailable);
  EXPECT_EQ(parse_clamd_answer("stream: \x01\x02 FOUND").detail, "??");
  EXPECT_EQ(parse_clamd_answer("").kind, ClamdVerdict::Kind::unavailable);
}

TEST(Clamd, MissingSocketIsUnavailable) {
  ClamdOptions o;
  o.socket = "/nonexistent/clamd.sock";
  EXPECT_EQ(clamd_scan(o, "x").kind, ClamdVerdict::Kind::unavailable);
  o.stream_max_bytes = 1;
  EXPECT_EQ(clamd_scan(o, "xx").detail, "message exceeds clamd's StreamMaxLength");
}

TEST(Settings, DomainThenAlias) {
  auto p = effective({}, {});
  EXPECT_TRUE(p.virus && p.executables);
  EXPECT_EQ(p.phishing, PhishingAction::junk);
  p = effective({{"phishing", "refuse"}, {"virus", "off"}}, {{"phishing", "off"}, {"unknown", "x"}});
  EXPECT_FALSE(p.virus);
  EXPECT_EQ(p.phishing, PhishingAction::off);
  EXPECT_TRUE(check_setting("executables", "off"));
  EXPECT_FALSE(check_setting("executables", "maybe"));
  EXPECT_FALSE(check_setting("adult", "on"));
}

}  // namespace
}  // namespace sealmail::delivery::filters
