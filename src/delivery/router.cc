#include "delivery/router.h"

#include <algorithm>
#include <map>
#include <set>

#include "classify/message_tokens.h"
#include "core/ascii.h"
#include "core/log.h"
#include "core/time.h"
#include "delivery/pgp/message_encryption.h"
#include "delivery/pgp/pgp_mime.h"
#include "quota/ledger.h"
#include "quota/usage.h"
#include "smtp/outbound/dkim_canon.h"

namespace sealmail::delivery {

namespace {

smtp::Reply make(int code, std::string enhanced, std::string text) {
  return {code, std::move(enhanced), std::move(text)};
}

// "451 4.4.1 text" (as the forwarder and webhook sender word their outcomes) into a Reply.
smtp::Reply parse_reply(std::string_view line, int fallback) {
  smtp::Reply r{fallback, fallback >= 500 ? "5.0.0" : "4.0.0", "delivery failed"};
  if (line.size() >= 3 && std::all_of(line.begin(), line.begin() + 3, [](char c) { return c >= '0' && c <= '9'; })) {
    r.code = std::stoi(std::string(line.substr(0, 3)));
    line.remove_prefix(std::min<size_t>(4, line.size()));
    auto sp = line.find(' ');
    if (sp != std::string_view::npos && sp > 0 && line[0] >= '2' && line[0] <= '5' && line[1] == '.') {
      r.enhanced = std::string(line.substr(0, sp));
      line.remove_prefix(sp + 1);
    }
    r.text = std::string(line);
  }
  return r;
}

}  // namespace

struct Router::Plan {
  std::vector<directory::Alias> stores;      // one per mailbox
  std::vector<std::string> forwards;         // target addresses, each once
  std::vector<std::string> webhooks;         // URLs, each once
  std::vector<std::string> bounces;          // original senders of bounces to our SRS addresses
  std::vector<directory::Alias> recipients;  // every alias reached, once: their protections apply
  std::string forward_domain;                // the domain of the first alias that forwards (ARC)
  // Issue 9, OpenPGP: the keys of the aliases reached that have one, and which alias each forward
  // target and webhook came from (the first, when several aliases share one), so that each copy
  // is encrypted to the key of the alias it is for.
  std::map<int64_t, std::vector<uint8_t>> keys;
  std::map<std::string, int64_t> forward_owner;
  std::map<std::string, int64_t> webhook_owner;
};

struct Router::JunkCheck {
  std::vector<classify::Token> tokens;
  std::shared_ptr<const classify::Model> model;  // the server's
  classify::Scores global;
  std::map<int64_t, filters::Protections> protections;  // by alias id
};

std::shared_ptr<Router::JunkCheck> Router::junk_check_blocking(const std::vector<directory::Alias>& recipients,
                                                               const std::string& message,
                                                               std::optional<smtp::Reply>& refuse) {
  auto check = std::make_shared<JunkCheck>();
  bool wanted = false;
  for (const auto& alias : recipients) {
    auto domain_settings = parts_.directory->domain_protections(alias.domain_id);
    auto alias_settings = parts_.directory->alias_protections(alias.id);
    if (!domain_settings || !alias_settings) {
      refuse = make(451, "4.3.0", "Temporary lookup failure");
      return nullptr;
    }
    auto p = filters::effective(*domain_settings, *alias_settings);
    wanted = wanted || p.spam != filters::JunkAction::off || p.adult != filters::JunkAction::off;
    check->protections.emplace(alias.id, p);
  }
  if (!wanted) return nullptr;
  check->model = parts_.spam->model();
  check->tokens = classify::message_tokens(message);
  check->global = classify::score(check->tokens, *check->model, nullptr);
  for (const auto& [id, p] : check->protections)
    if (auto why = filters::SpamFilter::refusal(check->global, p)) {
      refuse = make(550, "5.7.1", *why);
      return nullptr;
    }
  return check;
}

Router::Router(net::Runtime& runtime, RouterParts parts, RouterOptions options)
    : runtime_(runtime),
      parts_(std::move(parts)),
      options_(std::move(options)),
      memory_(parts_.memory ? parts_.memory : std::make_shared<SentMemory>(options_.remember_for, 100000)) {}

Result<quota::Usage> Router::usage_blocking(const directory::Alias& alias) {
  if (parts_.quota_ledger) return parts_.quota_ledger->usage(*parts_.directory, alias);
  return quota::Meter(options_.data_dir, parts_.registry, parts_.spool).usage(*parts_.directory, alias);
}

// RFC 5321 §4.5.1: "postmaster" without a domain must be accepted; it means the postmaster of
// the first domain we host.
std::string Router::with_domain(const std::string& address) {
  if (address.find('@') != std::string::npos || lower(address) != "postmaster") return address;
  auto domains = parts_.directory->list_domains();
  if (!domains || domains->empty()) return address;
  return "postmaster@" + domains->front().name;
}

smtp::Reply Router::check_blocking(const std::string& given, uint64_t declared_size,
                                   std::optional<directory::Alias>* accepted) {
  std::string address = with_domain(given);
  auto domain = domain_of(address);
  if (domain.empty()) return make(550, "5.1.1", "No such user here");
  if (parts_.srs && parts_.srs->is_srs(address)) {
    // A bounce to a sender we rewrote: pass it back if the address is ours and fresh.
    if (parts_.srs->reverse(address)) return make(250, "2.1.5", "Ok");
    return make(550, "5.1.1", "No such user here");
  }
  auto hosted = parts_.directory->hosts_domain(domain);
  if (!hosted) return make(451, "4.3.0", "Temporary lookup failure");
  if (!*hosted) return make(550, "5.7.1", "Relaying denied");
  auto alias = parts_.directory->resolve(address);
  if (!alias) return make(451, "4.3.0", "Temporary lookup failure");
  if (!*alias) return make(550, "5.1.1", "No such user here");
  if ((*alias)->has_mailbox) {
    auto usage = usage_blocking(**alias);
    if (!usage) return make(451, "4.3.0", "Temporary lookup failure");
    // RFC 1870 §6.1 and RFC 3463: a message alone over a limit can never fit (5.2.2 permanent); a
    // mailbox (or domain, or account) that is merely full now may have room later (4.2.2).
    if (!usage->could_ever_fit(declared_size)) return make(552, "5.2.2", "Message exceeds the mailbox quota");
    if (!usage->fits(declared_size)) return make(452, "4.2.2", "Mailbox full");
  }
  if (accepted) *accepted = **alias;
  return make(250, "2.1.5", "Ok");
}

boost::asio::awaitable<smtp::Reply> Router::check_recipient(const smtp::Envelope& envelope, std::string address,
                                                            uint64_t declared_size) {
  std::optional<directory::Alias> alias;
  auto work = runtime_.blocking(
      [this, address, declared_size, &alias] { return check_blocking(address, declared_size, &alias); });
  smtp::Reply reply = co_await std::move(work);
  if (reply.positive() && alias && parts_.screener && parts_.screener->active()) {
    auto screening = parts_.screener->check_recipient(envelope, *alias);
    auto refused = co_await std::move(screening);
    if (refused) co_return *refused;
  }
  co_return reply;
}

Result<Router::Plan> Router::plan_blocking(const smtp::Envelope& envelope) {
  Plan plan;
  auto add_unique = [](std::vector<std::string>& list, const std::string& value) {
    if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
  };
  for (auto& rcpt : envelope.recipients) {
    if (parts_.srs && parts_.srs->is_srs(rcpt)) {
      if (auto original = parts_.srs->reverse(rcpt)) add_unique(plan.bounces, *original);
      continue;
    }
    auto alias = parts_.directory->resolve(with_domain(rcpt));
    if (!alias) return alias.error();
    if (!*alias) continue;  // removed since RCPT: nothing to do for it
    auto& a = **alias;
    if (std::none_of(plan.recipients.begin(), plan.recipients.end(), [&](auto& r) { return r.id == a.id; })) {
      plan.recipients.push_back(a);
      auto key = parts_.directory->alias_pgp_key(a.id);
      if (!key) return key.error();
      if (*key) plan.keys.emplace(a.id, std::move((*key)->key));
    }
    if (a.has_mailbox &&
        std::none_of(plan.stores.begin(), plan.stores.end(), [&](auto& s) { return s.mailbox_id == a.mailbox_id; }))
      plan.stores.push_back(a);
    if (!a.forwards.empty() && plan.forward_domain.empty()) plan.forward_domain = a.domain;
    for (auto& f : a.forwards) {
      add_unique(plan.forwards, f);
      plan.forward_owner.emplace(f, a.id);
    }
    for (auto& w : a.webhooks) {
      add_unique(plan.webhooks, w);
      plan.webhook_owner.emplace(w, a.id);
    }
  }
  return plan;
}

Router::Copy Router::store_blocking(const directory::Alias& alias, const std::string& given,
                                    const std::string& given_folder, const JunkCheck* junk, size_t header_end) {
  std::string folder = given_folder;
  std::string bytes;
  auto open_now = parts_.registry->find(alias.mailbox_id);
  const filters::Protections* protections = nullptr;
  if (junk)
    if (auto it = junk->protections.find(alias.id); it != junk->protections.end()) protections = &it->second;
  if (protections) {
    // With the owner's training when the mailbox is open; the server's model alone otherwise.
    classify::Scores scores = junk->global;
    if (open_now) {
      auto personal = open_now->junk_model(junk->tokens);
      if (personal) scores = classify::score(junk->tokens, *junk->model, &*personal);
    }
    auto v = filters::SpamFilter::verdict(scores, *protections);
    if (v.junk) folder = "Junk";  // never out of Junk: DMARC quarantine and phishing keep theirs
    // Below our trace and X-Sealmail-Scan: what this hop found, with the other findings.
    size_t at = std::min(header_end, given.size());
    bytes.reserve(given.size() + v.header.size());
    bytes.append(given, 0, at).append(v.header).append(given, at, std::string::npos);
  } else {
    bytes = given;
  }
  auto usage = usage_blocking(alias);
  if (!usage) return {Outcome::temporary, make(451, "4.3.0", "Temporary lookup failure")};
  if (!usage->could_ever_fit(bytes.size()))
    return {Outcome::permanent, make(552, "5.2.2", "Message exceeds the mailbox quota")};
  if (!usage->fits(bytes.size())) return {Outcome::temporary, make(452, "4.2.2", "Mailbox full")};
  int64_t now = unix_now();
  if (auto open = open_now ? open_now : parts_.registry->find(alias.mailbox_id)) {
    // The owner is online: straight into INBOX (the commit is synchronous=FULL, durable), and
    // every session of the owner hears of it through the mailbox's change events.
    store::AppendRequest request;
    request.folder = folder;
    request.message = bytes;
    request.internal_date = now;
    auto appended = open->append(request);
    if (!appended) {
      log::warn("delivery: store failed", {{"error", appended.error().message}});
      return {Outcome::temporary, make(451, "4.3.0", "Temporary failure storing the message")};
    }
    return {Outcome::delivered, make(250, "2.0.0", "Ok")};
  }
  if (alias.box_public_key.size() != 32 || !parts_.spool) {
    log::warn("delivery: alias has no spool key", {{"alias", log::redact_address(alias.address)}});
    return {Outcome::temporary, make(451, "4.3.0", "Mailbox not ready")};
  }
  std::array<uint8_t, 32> key;
  std::copy(alias.box_public_key.begin(), alias.box_public_key.end(), key.begin());
  auto spooled = parts_.spool->append(alias.mailbox_id, key, bytes, now, folder);
  if (!spooled) {
    log::warn("delivery: spool failed", {{"error", spooled.error().message}});
    return {Outcome::temporary, make(451, "4.3.0", "Temporary failure storing the message")};
  }
  // The owner may have logged in between find() and the append: the login drained the spool
  // before this message was in it. Drain again so that it does not wait for the next login.
  if (auto open = parts_.registry->find(alias.mailbox_id)) (void)parts_.spool->drain(alias.mailbox_id, *open);
  if (parts_.quota_ledger) parts_.quota_ledger->sealed(alias.mailbox_id, *spooled);  // no open mailbox saw it
  return {Outcome::delivered, make(250, "2.0.0", "Ok")};
}

// RFC 8617 §5.1: the forwarding domain seals what we saw with its DKIM key (the RSA one that
// quickstart keeps as dkim/<domain>/<selector>r.pem), so that the next hop may trust our results
// although SRS and the hop itself break SPF.
std::string Router::arc_set_blocking(const std::string& domain, const std::string& message,
                                     const auth::AuthVerdict& verdict) {
  if (!options_.authentication.arc || domain.empty()) return {};
  auto d = parts_.directory->find_domain(domain);
  if (!d || d->dkim_selector.empty()) return {};
  std::string selector = d->dkim_selector + "r";
  auto path = options_.data_dir / "dkim" / domain / (selector + ".pem");
  auto sealer = auth::ArcSealer::from_file(path.string(), domain, selector);
  if (!sealer) return {};
  auto results = verdict.results;
  if (results.authserv_id.empty()) results.authserv_id = parts_.authenticator->hostname();
  // Over the bytes the SMTP client will send (bare CR or LF become CRLF there too).
  auto set = sealer->seal(smtp::outbound::normalize_line_endings(message), verdict.arc,
                          auth::format_authentication_results_value(results), unix_now());
  if (!set) {
    log::warn("delivery: ARC sealing failed", {{"error", set.error().message}});
    return {};
  }
  return *set;
}

boost::asio::awaitable<smtp::Reply> Router::deliver(smtp::Envelope envelope, std::shared_ptr<const std::string> message,
                                                    std::string trace) {
  auto planning = runtime_.blocking([this, &envelope] { return plan_blocking(envelope); });
  auto plan = co_await std::move(planning);
  if (!plan) co_return make(451, "4.3.0", "Temporary lookup failure");
  // Issue 9: who sent it, by SPF, DKIM, ARC and DMARC, before any copy is made.
  auth::AuthVerdict verdict;
  bool checked = std::any_of(envelope.recipients.begin(), envelope.recipients.end(), [&](const std::string& r) {
    auto& off = options_.authentication_off_domains;
    return std::find(off.begin(), off.end(), domain_of(with_domain(r))) == off.end();
  });
  if (parts_.authenticator && checked) {
    auto checking = parts_.authenticator->check(envelope, message, options_.authentication);
    verdict = co_await std::move(checking);
    if (verdict.action == auth::DmarcPolicy::reject)
      co_return make(550, "5.7.1", "Rejected by the DMARC policy of the sender's domain");
    message = verdict.message;  // without Authentication-Results fields that claim to be ours
  }
  bool quarantined = verdict.action == auth::DmarcPolicy::quarantine;  // DMARC p=quarantine: Junk
  Digest content = sha256(*message);
  Digest print = sha256(envelope.mail_from + '\0' + std::string(content.begin(), content.end()));
  std::vector<Copy> copies;

  filters::FilterDecision scan;
  if (parts_.filter) {
    auto scanning = runtime_.blocking([this, &plan, message] {
      return parts_.filter->decide_blocking(*parts_.directory, plan->recipients, *message);
    });
    scan = co_await std::move(scanning);
    if (scan.refuse) co_return *scan.refuse;
  }
  if (parts_.screener && parts_.screener->active()) {
    auto judging = parts_.screener->judge(envelope, plan->recipients, message);
    auto screened = co_await std::move(judging);
    if (screened.refuse) co_return *screened.refuse;
    scan.header = screening::merge_scan_header(scan.header, screened.fields);
    scan.junk_mailboxes.insert(screened.junk_mailboxes.begin(), screened.junk_mailboxes.end());
  }
  std::shared_ptr<JunkCheck> junk;
  if (parts_.spam && !plan->recipients.empty()) {
    std::optional<smtp::Reply> refuse;
    auto classifying = runtime_.blocking(
        [this, &plan, message, &refuse] { return junk_check_blocking(plan->recipients, *message, refuse); });
    junk = co_await std::move(classifying);
    if (refuse) co_return *refuse;
  }

  // Issue 9, OpenPGP: each alias with a key gets the message as PGP/MIME encrypted to that key,
  // once, for its stored copy, its forwards and its webhooks alike (pgp/message_encryption.h); a
  // message encrypted already goes as it came. After the content protections, which read the clear
  // text. A key that can no longer encrypt (expired or revoked since it was set) answers 451 for
  // its copies rather than letting them go in clear: the owner can mend the key while the sender
  // retries.
  std::map<int64_t, std::shared_ptr<const std::string>> sealed;  // alias id -> what its copies carry
  std::set<int64_t> unsealable;
  if (!plan->keys.empty() && !pgp::is_encrypted(*message)) {
    auto encrypting = runtime_.blocking([&plan, message] {
      std::vector<std::pair<int64_t, Result<std::string>>> out;
      for (auto& [id, key] : plan->keys) {
        bool changed = false;
        out.emplace_back(id, pgp::encrypt_message(key, *message, &changed));
      }
      return out;
    });
    auto encrypted = co_await std::move(encrypting);
    for (auto& [id, result] : encrypted) {
      if (result) {
        sealed.emplace(id, std::make_shared<const std::string>(std::move(*result)));
      } else {
        log::warn("delivery: OpenPGP encryption failed", {{"error", result.error().message}});
        unsealable.insert(id);
      }
    }
  }
  auto payload_of = [&](int64_t alias_id) {
    auto it = sealed.find(alias_id);
    return it == sealed.end() ? message : it->second;
  };
  const Copy cannot_seal{Outcome::temporary, make(451, "4.7.0", "The recipient's OpenPGP key cannot encrypt now")};

  for (auto& alias : plan->stores) {
    // RFC 5321 §4.4: the final delivery adds Return-Path; a forwarded copy must not carry one.
    std::string key = "store:" + alias.mailbox_id;
    if (memory_->contains(print, key)) continue;
    if (unsealable.count(alias.id)) {
      copies.push_back(cannot_seal);
      continue;
    }
    auto body = payload_of(alias.id);
    auto stored = std::make_shared<std::string>();
    stored->reserve(envelope.mail_from.size() + verdict.header.size() + scan.header.size() + trace.size() +
                    body->size() + 20);
    *stored += "Return-Path: <" + envelope.mail_from + ">\r\n";
    *stored += verdict.header;
    *stored += trace;
    *stored += scan.header;              // after our Received: what this hop found, below what it says it is
    size_t header_end = stored->size();  // the junk classifier's header goes here (store_blocking)
    *stored += *body;
    std::string folder = quarantined || scan.junk_mailboxes.count(alias.mailbox_id) ? "Junk" : "INBOX";
    auto storing = runtime_.blocking([this, alias, stored, folder, junk, header_end] {
      return store_blocking(alias, *stored, folder, junk.get(), header_end);
    });
    Copy copy = co_await std::move(storing);
    if (copy.outcome == Outcome::delivered) memory_->remember(print, key);
    copies.push_back(std::move(copy));
  }

  // A forwarded copy goes as received (with our trace only; encrypted when its alias has a key):
  // the scan header is for what we keep. Our ARC set (RFC 8617) goes in front of it, over the
  // bytes that go, so the next hop can trust what we saw. One relayed form per payload.
  std::map<int64_t, std::shared_ptr<const std::string>> relayed_by_alias;  // sealed payloads
  std::shared_ptr<const std::string> relayed_clear;
  if (!plan->forwards.empty() || !plan->bounces.empty() || !plan->webhooks.empty()) {
    std::vector<std::pair<int64_t, std::shared_ptr<const std::string>>> payloads;  // -1: the clear one
    payloads.emplace_back(-1, message);
    for (auto& [id, body] : sealed) payloads.emplace_back(id, body);
    bool seal_arc = parts_.authenticator && !plan->forwards.empty();
    auto frame = [this, &plan, &trace, &verdict, &payloads, seal_arc] {
      std::vector<std::shared_ptr<const std::string>> out;
      for (auto& [id, body] : payloads) {
        std::string arc = seal_arc ? arc_set_blocking(plan->forward_domain, trace + *body, verdict) : std::string();
        out.push_back(std::make_shared<const std::string>(arc + trace + *body));
      }
      return out;
    };
    std::vector<std::shared_ptr<const std::string>> framed;
    if (seal_arc) {
      auto framing = runtime_.blocking(std::move(frame));  // RSA signing: off the I/O thread
      framed = co_await std::move(framing);
    } else {
      framed = frame();
    }
    relayed_clear = framed[0];
    for (size_t i = 1; i < payloads.size(); ++i) relayed_by_alias.emplace(payloads[i].first, framed[i]);
  }
  auto relayed_for = [&](const std::map<std::string, int64_t>& owners, const std::string& target) {
    auto owner = owners.find(target);
    if (owner == owners.end()) return relayed_clear;
    auto it = relayed_by_alias.find(owner->second);
    return it == relayed_by_alias.end() ? relayed_clear : it->second;
  };
  auto unsealable_for = [&](const std::map<std::string, int64_t>& owners, const std::string& target) {
    auto owner = owners.find(target);
    return owner != owners.end() && unsealable.count(owner->second) > 0;
  };
  auto forward_one = [&](std::string from, std::string target,
                         std::shared_ptr<const std::string> relayed) -> boost::asio::awaitable<Copy> {
    std::string key = "forward:" + lower(target);
    if (memory_->contains(print, key)) co_return Copy{Outcome::delivered, make(250, "2.0.0", "Ok")};
    if (!parts_.forwarder) co_return Copy{Outcome::temporary, make(451, "4.3.0", "Forwarding is not configured")};
    auto sending = parts_.forwarder->forward(std::move(from), std::vector<std::string>{target}, relayed);
    ForwardOutcome outcome = co_await std::move(sending);
    if (outcome.kind == ForwardOutcome::Kind::delivered) {
      memory_->remember(print, key);
      co_return Copy{Outcome::delivered, make(250, "2.0.0", "Ok")};
    }
    bool permanent = outcome.kind == ForwardOutcome::Kind::permanent;
    co_return Copy{permanent ? Outcome::permanent : Outcome::temporary,
                   parse_reply(outcome.reply, permanent ? 550 : 451)};
  };
  // SRS (RFC 5321 §3.9 "forwarding" as postsrsd does it): the envelope sender becomes ours, so
  // that SPF checks at the target pass; the null sender of a bounce stays null.
  std::string rewritten =
      envelope.mail_from.empty() || !parts_.srs ? envelope.mail_from : parts_.srs->forward(envelope.mail_from);
  for (auto& target : plan->forwards) {
    if (unsealable_for(plan->forward_owner, target)) {
      copies.push_back(cannot_seal);
      continue;
    }
    auto work = forward_one(rewritten, target, relayed_for(plan->forward_owner, target));
    copies.push_back(co_await std::move(work));
  }
  for (auto& original : plan->bounces) {
    auto work = forward_one(std::string(), original, relayed_clear);
    copies.push_back(co_await std::move(work));
  }

  for (auto& url : plan->webhooks) {
    std::string key = "hook:" + url;
    if (memory_->contains(print, key)) continue;
    if (!parts_.webhooks) {
      copies.push_back({Outcome::temporary, make(451, "4.3.0", "Webhooks are not configured")});
      continue;
    }
    if (unsealable_for(plan->webhook_owner, url)) {
      copies.push_back(cannot_seal);
      continue;
    }
    WebhookEnvelope hook{envelope.mail_from, envelope.recipients, envelope.client_ip, envelope.helo};
    auto posting =
        parts_.webhooks->post(url, options_.webhook_secret, std::move(hook), relayed_for(plan->webhook_owner, url));
    ForwardOutcome outcome = co_await std::move(posting);
    if (outcome.kind == ForwardOutcome::Kind::delivered) {
      memory_->remember(print, key);
      copies.push_back({Outcome::delivered, make(250, "2.0.0", "Ok")});
    } else {
      copies.push_back({Outcome::temporary, make(451, "4.3.0", "Webhook did not accept the message")});
    }
  }

  size_t delivered = 0, temporary = 0, permanent = 0;
  const Copy* first_temporary = nullptr;
  const Copy* first_permanent = nullptr;
  for (auto& c : copies) {
    if (c.outcome == Outcome::delivered) ++delivered;
    if (c.outcome == Outcome::temporary && !temporary++) first_temporary = &c;
    if (c.outcome == Outcome::permanent && !permanent++) first_permanent = &c;
  }
  log::info("delivery", {{"copies", std::to_string(copies.size())},
                         {"delivered", std::to_string(delivered)},
                         {"temporary", std::to_string(temporary)},
                         {"permanent", std::to_string(permanent)}});
  if (temporary) co_return first_temporary->reply;
  // A copy that failed for good, even beside copies that went through: we keep no queue and send
  // no bounce, so the refusal is how the sender learns of it (the copies delivered are remembered
  // and not made again if the sender tries once more). The forwarder words mixed results so too.
  if (permanent) co_return first_permanent->reply;
  co_return make(250, "2.0.0", "Ok");
}

}  // namespace sealmail::delivery
