#include "mail_corpus.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <ctime>
#include <random>
#include <set>
#include <string_view>

namespace sealmail::bench {

using store::AppendRequest;

namespace {

// Frequent words of business mail, most frequent first (the head of the Zipf distribution).
constexpr const char* kCommonWords =
    "the to and of a in for is on that you with this be we it are as at have your will from or by not "
    "our can please an if all thanks meeting would team project update about they which more there has "
    "was but should could been report next week time also review customer attached today tomorrow "
    "schedule budget contract invoice delivery question information available following regarding "
    "account service support release version feedback proposal deadline agenda document payment shipment "
    "quarter forecast pipeline onboarding training workshop conference presentation analysis estimate "
    "approval request changes issue ticket priority status summary details discussion decision planning "
    "strategy marketing engineering finance legal product design server database network security "
    "migration deployment testing monitoring incident outage maintenance upgrade license renewal vendor "
    "partner client office travel expense receipt calendar invitation reminder confirmation registration "
    "newsletter subscription announcement holiday morning afternoon evening monday tuesday wednesday "
    "thursday friday january february march april june july august september october november december "
    "some other into than only these may like then just after over them who what when where because "
    "through before between during without within however therefore already still soon later again "
    "really happy glad sorry sure great good best regards kind looking forward hearing let know think "
    "need make take send share check confirm discuss prepare finish start continue include provide "
    "receive understand agree suggest expect improve reduce increase measure numbers figures results "
    "performance quality costs price revenue growth target goal milestone timeline phase draft final "
    "signed pending approved rejected urgent important minor major internal external public private "
    "weekly monthly annual daily yesterday everyone anyone someone nothing everything something people "
    "group company department manager director colleague assistant committee board notes minutes slides "
    "spreadsheet link folder access password login backup storage mailbox address phone number room "
    "building floor lunch coffee dinner weather weekend vacation family birthday";

constexpr const char* kFirstNames =
    "Alice Bruno Chen Daria Emeka Fatima Goran Hana Ivan Julia Kwame Lena Mateo Nadia Oskar Priya Quentin Rosa Sven "
    "Tomoko Umar Vera Wei Ximena Yusuf "
    "Zoe Amara Bjorn Carmen Dmitri Elif Felix Greta Hugo Ines Jonas Kaito Lucia Marek Noor Olivia Pavel Rahul Sofia "
    "Tariq Ulla Viktor Wanda Yara Zain";

constexpr const char* kLastNames =
    "Andersen Bauer Costa Dubois Eriksson Fischer Garcia Horvath Ivanova Jansen Kowalski Lindqvist Moreau Nakamura "
    "Okafor Petrov Quinn Rossi Schmidt Tanaka Urban Vargas Weber Xu Yilmaz "
    "Zimmermann Almeida Becker Castillo Dalton Engel Ferreira Gupta Hoffmann Ibrahim Jovanovic Keller Lambert Meyer "
    "Novak Olsen Park Richter Santos Takahashi Ulrich Volkov Wagner Young Ziegler";

constexpr const char* kTlds[] = {"com", "net", "org", "io", "de", "fr", "co.uk", "nl", "se", "es"};
constexpr const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr const char* kBase32 = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

std::vector<std::string> split_words(const char* text) {
  std::vector<std::string> out;
  std::string_view s = text;
  while (!s.empty()) {
    size_t sp = s.find(' ');
    if (sp != 0) out.emplace_back(s.substr(0, sp));
    s = sp == std::string_view::npos ? std::string_view() : s.substr(sp + 1);
  }
  return out;
}

struct Person {
  std::string name, local, domain;
  std::string address() const { return local + "@" + domain; }
};

}  // namespace

class MailCorpus::Impl {
 public:
  explicit Impl(uint64_t seed) : rng_(seed) {
    build_vocabulary();
    build_people();
  }

  // A message of about `target` bytes: headers and a text body (a quarter multipart/alternative
  // with an HTML copy of the text).
  AppendRequest text_message(size_t target) {
    int64_t date = next_date();
    const Person& from = pick_person();
    std::string msg = headers(from, date);
    bool alternative = chance(0.25);
    std::string boundary = "=_alt_" + random_string(kBase32, 16);
    if (alternative) {
      msg += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
    } else {
      msg += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
    }
    std::string signature = "\r\nBest regards,\r\n" + from.name + "\r\n" + from.domain + "\r\n";
    size_t used = msg.size() + signature.size() + (alternative ? 260 : 0);
    size_t budget = target > used ? target - used : 200;
    if (alternative) budget = budget * 10 / 21;  // the HTML copy is the text again plus tags
    auto paragraphs = make_paragraphs(budget, true);
    std::string greeting = "Hi " + owner_.name.substr(0, owner_.name.find(' ')) + ",";
    if (!alternative) {
      msg += greeting + "\r\n\r\n" + render_text(paragraphs) + signature;
    } else {
      msg += "--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
      msg += greeting + "\r\n\r\n" + render_text(paragraphs) + signature;
      msg += "--" + boundary + "\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
      msg += "<html><body><p>" + greeting + "</p>\r\n" + render_html(paragraphs) + "<p>Best regards,<br>" + from.name +
             "</p></body></html>\r\n--" + boundary + "--\r\n";
    }
    return request(std::move(msg), date);
  }

  // A message of about `target` bytes: headers, a short text and a PDF-named attachment of random
  // bytes in base64.
  AppendRequest attachment_message(size_t target) {
    int64_t date = next_date();
    const Person& from = pick_person();
    std::string boundary = "=_mixed_" + random_string(kBase32, 16);
    std::string msg = headers(from, date);
    msg += "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n";
    msg += "--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
    msg += "Hello,\r\n\r\n" + render_text(make_paragraphs(1200, true)) + "\r\nRegards,\r\n" + from.name + "\r\n";
    std::string filename = word_at(pick_rank()) + "-" + std::to_string(rng_() % 10000) + ".pdf";
    msg += "--" + boundary + "\r\nContent-Type: application/pdf; name=\"" + filename +
           "\"\r\nContent-Disposition: attachment; filename=\"" + filename +
           "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    std::string closing = "--" + boundary + "--\r\n";
    size_t left = target > msg.size() + closing.size() ? target - msg.size() - closing.size() : 78;
    msg += base64_lines(std::max<size_t>(left / 78, 1) * 57);
    msg += closing;
    return request(std::move(msg), date);
  }

  // Query material, drawn from what the generator actually wrote.
  std::string reference_query() { return pick(references_); }
  std::string rare_word_query() { return pick(rare_words_); }
  std::string common_word_query() { return pick(common_queries_); }
  std::string trigram_query() {
    static constexpr const char* kTrigrams[] = {"ing", "ent", "the", "ion", "and", "for", "ter", "pro", "con", "men"};
    return kTrigrams[rng_() % std::size(kTrigrams)];
  }
  // A correspondent's mailbox name, chosen as often as they write.
  std::string from_query() { return pick_person().local; }
  // Forgets the query material sampled so far: queries then hit only what is written after.
  void reset_samples() {
    references_.clear();
    rare_words_.clear();
    references_seen_ = rare_seen_ = 0;
  }

 private:
  void build_vocabulary() {
    std::set<std::string> seen;
    for (auto& w : split_words(kCommonWords))
      if (seen.insert(w).second) words_.push_back(w);
    // The long tail (names, jargon, products, typos): pronounceable made-up words.
    static constexpr const char* kOnsets[] = {"b",  "c",  "d",  "f",  "g",  "h",  "j",  "k",  "l",  "m",  "n",  "p",
                                              "r",  "s",  "t",  "v",  "w",  "z",  "br", "cr", "dr", "gr", "pr", "st",
                                              "tr", "ch", "sh", "th", "bl", "pl", "fl", "gl", "sk", "sp"};
    static constexpr const char* kVowels[] = {"a", "e", "i", "o", "u", "ai", "ea", "ou", "io", "y"};
    static constexpr const char* kCodas[] = {"", "", "", "n", "r", "s", "l", "m", "t", "x", "nd", "rt", "st", "ck"};
    while (words_.size() < kVocabulary) {
      std::string w;
      int syllables = 2 + static_cast<int>(rng_() % 3);
      for (int i = 0; i < syllables; ++i) {
        w += kOnsets[rng_() % std::size(kOnsets)];
        w += kVowels[rng_() % std::size(kVowels)];
        w += kCodas[rng_() % std::size(kCodas)];
      }
      if (seen.insert(w).second) words_.push_back(std::move(w));
    }
    // Zipf (s = 1.07): a few words in most messages, most words in very few.
    cdf_.resize(words_.size());
    double sum = 0;
    for (size_t r = 0; r < words_.size(); ++r) cdf_[r] = sum += std::pow(static_cast<double>(r + 1), -1.07);
    for (size_t r = 10; r < 160 && r < words_.size(); ++r)
      if (words_[r].size() >= 5) common_queries_.push_back(words_[r]);
  }

  void build_people() {
    std::set<std::string> seen;
    const auto first_names = split_words(kFirstNames), last_names = split_words(kLastNames);
    while (people_.size() < kPeople) {
      Person p;
      std::string first = first_names[rng_() % first_names.size()];
      std::string last = last_names[rng_() % last_names.size()];
      p.name = first + " " + last;
      p.local = lower(first) + "." + lower(last);
      p.domain = words_[kVocabulary / 2 + rng_() % (kVocabulary / 2)] + "." + kTlds[rng_() % std::size(kTlds)];
      if (seen.insert(p.address()).second) people_.push_back(std::move(p));
    }
    for (size_t r = 0; r < people_.size(); ++r)
      people_cdf_.push_back((people_cdf_.empty() ? 0 : people_cdf_.back()) + 1.0 / static_cast<double>(r + 1));
    owner_ = {"Sam Owner", "sam", "example.com"};
  }

  static std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  size_t pick_rank() {
    double u = std::uniform_real_distribution<double>(0, cdf_.back())(rng_);
    return std::min<size_t>(std::upper_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin(), cdf_.size() - 1);
  }
  const std::string& word_at(size_t rank) { return words_[rank]; }

  const Person& pick_person() {
    double u = std::uniform_real_distribution<double>(0, people_cdf_.back())(rng_);
    auto i = std::upper_bound(people_cdf_.begin(), people_cdf_.end(), u) - people_cdf_.begin();
    return people_[std::min<size_t>(static_cast<size_t>(i), people_.size() - 1)];
  }

  std::string pick(const std::vector<std::string>& v) { return v.empty() ? "nothing" : v[rng_() % v.size()]; }

  // Keeps a uniform sample of what was written (reservoir sampling), for queries that hit.
  void remember(std::vector<std::string>& reservoir, size_t& seen, const std::string& value) {
    ++seen;
    if (reservoir.size() < kReservoir)
      reservoir.push_back(value);
    else if (size_t j = rng_() % seen; j < kReservoir)
      reservoir[j] = value;
  }

  std::string random_string(const char* alphabet, size_t n) {
    size_t k = std::strlen(alphabet);
    std::string s(n, ' ');
    for (char& c : s) c = alphabet[rng_() % k];
    return s;
  }

  int64_t next_date() {
    date_ += 60 + static_cast<int64_t>(rng_() % 1800);  // mail arrives in order, a few per hour
    return date_;
  }

  static std::string rfc5322_date(int64_t t) {
    time_t tt = t;
    tm g{};
    gmtime_r(&tt, &g);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &g);
    return buf;
  }

  std::string headers(const Person& from, int64_t date) {
    std::string d = rfc5322_date(date);
    std::string id = random_string(kBase32, 20) + "@" + from.domain;
    std::string h;
    h.reserve(2048);
    h += "Return-Path: <" + from.address() + ">\r\n";
    h += "Delivered-To: " + owner_.address() + "\r\n";
    h += "Received: from mail-" + random_string(kBase32, 6) + "." + from.domain + " (mail." + from.domain +
         " [198.51.100." + std::to_string(rng_() % 254 + 1) + "])\r\n\tby mx1.sealmail.example with ESMTPS id " +
         random_string(kBase32, 12) + "\r\n\tfor <" + owner_.address() + ">; " + d + "\r\n";
    h += "Received: from [10.0." + std::to_string(rng_() % 255) + "." + std::to_string(rng_() % 255) + "] by mail." +
         from.domain + " with ESMTPSA id " + random_string(kBase32, 10) + ";\r\n\t" + d + "\r\n";
    h += "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=" + from.domain +
         "; s=s2024;\r\n\th=from:to:subject:date:message-id:mime-version:content-type;\r\n\tbh=" +
         random_string(kB64, 43) + "=;\r\n\tb=" + random_string(kB64, 70) + "\r\n\t " + random_string(kB64, 76) +
         "\r\n\t " + random_string(kB64, 76) + "\r\n\t " + random_string(kB64, 120) + "==\r\n";
    h += "Authentication-Results: mx1.sealmail.example;\r\n\tspf=pass smtp.mailfrom=" + from.domain +
         ";\r\n\tdkim=pass header.d=" + from.domain + ";\r\n\tdmarc=pass header.from=" + from.domain + "\r\n";
    h += "From: " + from.name + " <" + from.address() + ">\r\n";
    h += "To: " + owner_.name + " <" + owner_.address() + ">\r\n";
    if (chance(0.3)) {
      const Person& cc = pick_person();
      h += "Cc: " + cc.name + " <" + cc.address() + ">\r\n";
    }
    bool reply = !recent_ids_.empty() && chance(0.3);
    std::string subject;
    for (int i = 0, n = 3 + static_cast<int>(rng_() % 6); i < n; ++i) subject += (i ? " " : "") + word_at(pick_rank());
    subject[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(subject[0])));
    h += "Subject: " + std::string(reply ? "Re: " : "") + subject + "\r\n";
    h += "Date: " + d + "\r\n";
    h += "Message-ID: <" + id + ">\r\n";
    if (reply) {
      const std::string& parent = recent_ids_[rng_() % recent_ids_.size()];
      h += "In-Reply-To: <" + parent + ">\r\nReferences: <" + parent + ">\r\n";
    }
    h += "MIME-Version: 1.0\r\n";
    if (recent_ids_.size() < 500)
      recent_ids_.push_back(id);
    else
      recent_ids_[rng_() % recent_ids_.size()] = id;
    return h;
  }

  // Sentences of Zipf words; one paragraph carries the message's unique ticket reference.
  std::vector<std::string> make_paragraphs(size_t budget, bool with_reference) {
    std::vector<std::string> paragraphs;
    size_t total = 0;
    std::string reference = "TKT-" + random_string(kBase32, 10);
    remember(references_, references_seen_, reference);
    while (total < budget) {
      std::string p;
      int sentences = 2 + static_cast<int>(rng_() % 5);
      for (int s = 0; s < sentences && total + p.size() < budget; ++s) {
        int n = 6 + static_cast<int>(rng_() % 13);
        for (int i = 0; i < n; ++i) {
          size_t rank = pick_rank();
          std::string w = word_at(rank);
          if (rank >= kVocabulary / 2) remember(rare_words_, rare_seen_, w);
          if (i == 0) w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
          if (!p.empty()) p += ' ';
          p += w;
          if (i + 1 < n && chance(0.08)) p += ',';
        }
        p += chance(0.1) ? '?' : '.';
      }
      if (with_reference && paragraphs.size() == 0) p += " Our reference: " + reference + ".";
      total += p.size() + 4;
      paragraphs.push_back(std::move(p));
    }
    return paragraphs;
  }

  static std::string wrap(const std::string& text, size_t width) {
    std::string out;
    size_t col = 0, i = 0;
    while (i < text.size()) {
      size_t sp = text.find(' ', i);
      if (sp == std::string::npos) sp = text.size();
      size_t len = sp - i;
      if (col > 0 && col + 1 + len > width) {
        out += "\r\n";
        col = 0;
      } else if (col > 0) {
        out += ' ';
        ++col;
      }
      out.append(text, i, len);
      col += len;
      i = sp + 1;
    }
    return out + "\r\n";
  }

  static std::string render_text(const std::vector<std::string>& paragraphs) {
    std::string out;
    for (const auto& p : paragraphs) out += wrap(p, 76) + "\r\n";
    return out;
  }

  static std::string render_html(const std::vector<std::string>& paragraphs) {
    std::string out;
    for (const auto& p : paragraphs) out += wrap("<p>" + p + "</p>", 76);
    return out;
  }

  std::string base64_lines(size_t raw_bytes) {
    std::string out;
    out.reserve(raw_bytes / 57 * 78 + 80);
    uint64_t bits = 0;
    int have = 0;  // random bytes left in `bits`
    auto byte = [&]() -> uint32_t {
      if (have == 0) {
        bits = rng_();
        have = 8;
      }
      --have;
      uint32_t b = static_cast<uint32_t>(bits & 0xff);
      bits >>= 8;
      return b;
    };
    for (size_t done = 0; done < raw_bytes; done += 57) {
      size_t line = std::min<size_t>(57, raw_bytes - done) / 3 * 3;
      for (size_t i = 0; i < line; i += 3) {
        uint32_t v = byte() << 16 | byte() << 8 | byte();
        out += kB64[v >> 18 & 63];
        out += kB64[v >> 12 & 63];
        out += kB64[v >> 6 & 63];
        out += kB64[v & 63];
      }
      out += "\r\n";
    }
    return out;
  }

  AppendRequest request(std::string msg, int64_t date) {
    AppendRequest r;
    r.message = std::move(msg);
    r.internal_date = date;
    if (chance(0.6)) r.flags.system = sealmail::store::kSeen;
    return r;
  }

  static constexpr size_t kVocabulary = 50000;
  static constexpr size_t kPeople = 2000;
  static constexpr size_t kReservoir = 4000;

  std::mt19937_64 rng_;
  std::vector<std::string> words_;
  std::vector<double> cdf_;
  std::vector<std::string> common_queries_;
  std::vector<Person> people_;
  std::vector<double> people_cdf_;
  Person owner_;
  std::vector<std::string> recent_ids_;
  std::vector<std::string> references_, rare_words_;
  size_t references_seen_ = 0, rare_seen_ = 0;
  int64_t date_ = 1672531200;  // 2023-01-01
};

MailCorpus::MailCorpus(uint64_t seed) : impl_(std::make_unique<Impl>(seed)) {}
MailCorpus::~MailCorpus() = default;
AppendRequest MailCorpus::text_message(size_t target) { return impl_->text_message(target); }
AppendRequest MailCorpus::attachment_message(size_t target) { return impl_->attachment_message(target); }
std::string MailCorpus::reference_query() { return impl_->reference_query(); }
std::string MailCorpus::rare_word_query() { return impl_->rare_word_query(); }
std::string MailCorpus::common_word_query() { return impl_->common_word_query(); }
std::string MailCorpus::trigram_query() { return impl_->trigram_query(); }
std::string MailCorpus::from_query() { return impl_->from_query(); }
void MailCorpus::reset_samples() { impl_->reset_samples(); }

}  // namespace sealmail::bench
