#include "delivery/submitter.h"

#include "core/log.h"
#include "core/time.h"
#include "delivery/submission_policy.h"
#include "mime/header_fields.h"

namespace sealmail::delivery {

namespace {

smtp::Reply make(int code, std::string enhanced, std::string text) {
  return {code, std::move(enhanced), std::move(text)};
}

constexpr std::chrono::hours kHour{1};

std::string message_key(const std::string& alias) { return "send-msg:" + lower(alias); }
std::string recipient_key(const std::string& alias) { return "send-rcpt:" + lower(alias); }

}  // namespace

struct Submitter::Prepared {
  directory::Alias alias;
  std::optional<smtp::Reply> refusal;  // the sender checks' answer when they failed
  std::string signed_message;          // DKIM-Signature fields, completed headers, the message
  std::vector<bool> local;             // per envelope recipient: in a domain we host
};

Submitter::Submitter(net::Runtime& runtime, SubmitterParts parts, SubmitterOptions options)
    : runtime_(runtime), parts_(std::move(parts)), options_(std::move(options)) {}

Result<bool> Submitter::hosted_blocking(const std::string& address) {
  // "postmaster" without a domain (RFC 5321 §4.5.1) is ours: the Router knows where it goes.
  std::string domain = domain_of(address);
  if (domain.empty()) return true;
  return parts_.directory->hosts_domain(domain);
}

boost::asio::awaitable<smtp::Reply> Submitter::check_sender(const smtp::Envelope& envelope) {
  if (envelope.authenticated.empty()) co_return make(530, "5.7.0", "Authentication required");
  auto directory = parts_.directory;
  std::string login = envelope.authenticated, sender = envelope.mail_from;
  auto checking = runtime_.blocking([directory, login, sender]() -> Result<bool> {
    auto alias = directory->find_alias(login);
    if (!alias) return alias.error();
    return may_send_as(*directory, *alias, sender);
  });
  auto allowed = co_await std::move(checking);
  if (!allowed) co_return make(451, "4.3.0", "Temporary lookup failure");
  if (!*allowed) co_return make(550, "5.7.1", "Sender address not allowed for this login");
  co_return make(250, "2.1.0", "Ok");
}

boost::asio::awaitable<smtp::Reply> Submitter::check_recipient(const smtp::Envelope& envelope, std::string address,
                                                               uint64_t declared_size) {
  if (envelope.authenticated.empty()) co_return make(530, "5.7.0", "Authentication required");
  // RFC 6409 §5.1 lets the MSA refuse what its policy forbids; a limit reached is temporary.
  if (parts_.limiter->count(message_key(envelope.authenticated), kHour) >= options_.messages_per_hour)
    co_return make(450, "4.7.1", "Hourly message limit reached; try again later");
  auto hosted_work = runtime_.blocking([this, address] { return hosted_blocking(address); });
  auto hosted = co_await std::move(hosted_work);
  if (!hosted) co_return make(451, "4.3.0", "Temporary lookup failure");
  smtp::Reply verdict;
  if (*hosted) {
    auto checking = parts_.local->check_recipient(envelope, address, declared_size);
    verdict = co_await std::move(checking);
  } else if (!parts_.outbox) {
    co_return make(451, "4.3.2", "Delivery to other domains is not available yet");
  } else {
    verdict = make(250, "2.1.5", "Ok");
  }
  if (!verdict.positive()) co_return verdict;
  if (!parts_.limiter->allow(recipient_key(envelope.authenticated), options_.recipients_per_hour, kHour))
    co_return make(450, "4.7.1", "Hourly recipient limit reached; try again later");
  co_return verdict;
}

std::vector<std::shared_ptr<const smtp::outbound::DkimSigner>> Submitter::signers_blocking(const std::string& domain) {
  auto found = parts_.directory->find_domain(domain);
  if (!found || found->dkim_selector.empty()) return {};
  const std::string& selector = found->dkim_selector;
  {
    std::lock_guard lock(signers_mutex_);
    auto it = signers_.find(domain);
    if (it != signers_.end() && it->second.first == selector) return it->second.second;
  }
  // quickstart's layout: <selector>e.pem (Ed25519, s=<selector>e) and <selector>r.pem (RSA).
  std::vector<std::shared_ptr<const smtp::outbound::DkimSigner>> loaded;
  auto folder = options_.data_dir / "dkim" / domain;
  for (const char* kind : {"e", "r"}) {
    auto file = folder / (selector + kind + ".pem");
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) continue;
    auto signer = smtp::outbound::DkimSigner::from_file(file, domain, selector + kind);
    if (!signer) {
      log::error("dkim_key_unusable", {{"domain", domain}, {"reason", signer.error().message}});
      continue;
    }
    loaded.push_back(std::make_shared<const smtp::outbound::DkimSigner>(std::move(*signer)));
  }
  std::lock_guard lock(signers_mutex_);
  signers_[domain] = {selector, loaded};
  return loaded;
}

Result<Submitter::Prepared> Submitter::prepare_blocking(const smtp::Envelope& envelope, const std::string& message) {
  Prepared p;
  auto alias = parts_.directory->find_alias(envelope.authenticated);
  if (!alias) return alias.error();
  p.alias = std::move(*alias);
  auto refuse = [&](smtp::Reply r) -> Result<Prepared> {
    p.refusal = std::move(r);
    return std::move(p);
  };

  auto allowed = may_send_as(*parts_.directory, p.alias, envelope.mail_from);
  if (!allowed) return allowed.error();
  if (!*allowed) return refuse(make(550, "5.7.1", "Envelope sender not allowed for this login"));
  auto from_fields = mime::header_field_values(message, "From");
  if (from_fields.size() != 1) return refuse(make(550, "5.6.0", "The message needs exactly one From field"));
  auto from = mime::address_list(from_fields.front());
  if (!from) return refuse(make(550, "5.6.0", "The From field is not a valid address list"));
  for (auto& address : *from) {
    auto ok = may_send_as(*parts_.directory, p.alias, address);
    if (!ok) return ok.error();
    if (!*ok) return refuse(make(550, "5.7.1", "From address not allowed for this login"));
  }

  for (auto& rcpt : envelope.recipients) {
    auto hosted = hosted_blocking(rcpt);
    if (!hosted) return hosted.error();
    p.local.push_back(*hosted);
  }

  // The From domain signs (DMARC aligns d= with it); Message-ID names the sender's domain.
  std::string from_domain = domain_of(from->front());
  int64_t now = unix_now();
  std::string completed = missing_headers(message, domain_of(p.alias.address), now);
  completed += message;
  std::string signatures;
  for (auto& signer : signers_blocking(from_domain)) {
    auto signature = signer->sign(completed, now);
    if (!signature) {
      log::error("dkim_sign_failed", {{"reason", signature.error().message}});
      continue;
    }
    signatures += *signature;
  }
  p.signed_message = std::move(signatures);
  p.signed_message += completed;
  return p;
}

void Submitter::save_sent_blocking(const directory::Alias& alias, const std::string& message) {
  auto open = alias.has_mailbox ? parts_.registry->find(alias.mailbox_id) : nullptr;
  if (!open) {
    log::warn("sent_copy_skipped", {{"reason", "mailbox not open"}});
    return;
  }
  std::string folder = "Sent";
  if (auto folders = open->list_folders()) {
    for (auto& f : *folders)
      if (f.special_use == "\\Sent") folder = f.name;
  }
  store::AppendRequest request;
  request.folder = folder;
  request.message = message;
  request.flags.system = store::kSeen;
  request.internal_date = unix_now();
  if (auto appended = open->append(request); !appended)
    log::warn("sent_copy_failed", {{"reason", appended.error().message}});
}

boost::asio::awaitable<smtp::Reply> Submitter::deliver(smtp::Envelope envelope,
                                                       std::shared_ptr<const std::string> message, std::string trace) {
  if (envelope.authenticated.empty()) co_return make(530, "5.7.0", "Authentication required");
  auto preparing = runtime_.blocking([this, &envelope, message] { return prepare_blocking(envelope, *message); });
  auto prepared = co_await std::move(preparing);
  if (!prepared) {
    log::error("submission_failed", {{"reason", prepared.error().message}});
    co_return make(451, "4.3.0", "Temporary local problem; try again later");
  }
  if (prepared->refusal) co_return *prepared->refusal;
  if (!parts_.limiter->allow(message_key(envelope.authenticated), options_.messages_per_hour, kHour))
    co_return make(450, "4.7.1", "Hourly message limit reached; try again later");

  auto final_message = std::make_shared<const std::string>(std::move(prepared->signed_message));
  smtp::Envelope local = envelope;
  local.recipients.clear();
  local.recipient_params.clear();
  OutgoingMessage outgoing;
  for (size_t i = 0; i < envelope.recipients.size(); ++i) {
    if (prepared->local[i]) {
      local.recipients.push_back(envelope.recipients[i]);
      continue;
    }
    OutgoingRecipient r{envelope.recipients[i], {}, {}};
    if (i < envelope.recipient_params.size()) {
      r.notify = envelope.recipient_params[i].notify;
      r.orcpt = envelope.recipient_params[i].orcpt;
    }
    outgoing.recipients.push_back(std::move(r));
  }
  // Our own recipients first: a temporary failure there is retried by the client, and the
  // Router remembers the copies already made; a queued remote copy could not be taken back.
  if (!local.recipients.empty()) {
    auto delivering = parts_.local->deliver(std::move(local), final_message, std::move(trace));
    smtp::Reply r = co_await std::move(delivering);
    if (!r.positive()) co_return r;
  }
  std::string queue_id;
  if (!outgoing.recipients.empty()) {
    if (!parts_.outbox) co_return make(451, "4.3.2", "Delivery to other domains is not available yet");
    outgoing.mail_from = envelope.mail_from;
    outgoing.sender_alias = prepared->alias.address;
    outgoing.smtputf8 = envelope.params.smtputf8;
    outgoing.eight_bit = envelope.params.body != smtp::BodyType::seven_bit;
    outgoing.ret = envelope.params.ret;
    outgoing.envid = envelope.params.envid;
    outgoing.message = final_message;
    auto enqueueing = parts_.outbox->enqueue(std::move(outgoing));
    auto queued = co_await std::move(enqueueing);
    if (!queued) {
      log::error("submission_enqueue_failed", {{"reason", queued.error().message}});
      co_return make(451, "4.3.0", "Temporary local problem; try again later");
    }
    queue_id = *queued;
  }
  if (options_.save_sent_copies) {
    auto alias = prepared->alias;
    auto saving = runtime_.blocking([this, alias, final_message] { save_sent_blocking(alias, *final_message); });
    co_await std::move(saving);
  }
  log::info("submitted", {{"recipients", std::to_string(envelope.recipients.size())},
                          {"queued", queue_id.empty() ? "-" : queue_id}});
  co_return make(250, "2.0.0", queue_id.empty() ? "Ok" : "Ok: queued as " + queue_id);
}

}  // namespace sealmail::delivery
