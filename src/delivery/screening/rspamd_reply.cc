#include "delivery/screening/rspamd_reply.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace sealmail::delivery::screening {

namespace {

constexpr size_t kMaxReply = 1 << 20;
constexpr size_t kMaxSymbols = 32;
constexpr size_t kMaxSymbolName = 64;

std::optional<RspamdAction> action_of(std::string_view name) {
  if (name == "no action") return RspamdAction::deliver;
  if (name == "add header" || name == "rewrite subject") return RspamdAction::junk;
  if (name == "soft reject" || name == "greylist") return RspamdAction::defer;
  if (name == "reject") return RspamdAction::refuse;
  return std::nullopt;
}

bool printable_name(std::string_view s) {
  return !s.empty() && s.size() <= kMaxSymbolName &&
         std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f && c != ',' && c != ';'; });
}

std::optional<double> number(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  // rspamd says "required_score": null when its configuration defines no actions.
  if (it == object.end() || it->is_null()) return 0.0;
  if (!it->is_number()) return std::nullopt;
  double v = it->get<double>();
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

Result<RspamdVerdict> parse_rspamd_reply(std::string_view body) {
  if (body.size() > kMaxReply) return make_error(Errc::invalid_argument, "rspamd reply too large");
  auto json = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (json.is_discarded() || !json.is_object())
    return make_error(Errc::invalid_argument, "rspamd reply is not a JSON object");
  auto action = json.find("action");
  if (action == json.end() || !action->is_string())
    return make_error(Errc::invalid_argument, "rspamd reply has no action");
  RspamdVerdict v;
  v.action_name = action->get<std::string>();
  auto mapped = action_of(v.action_name);
  if (!mapped) return make_error(Errc::invalid_argument, "rspamd reply has an unknown action");
  v.action = *mapped;
  auto score = number(json, "score");
  auto required = number(json, "required_score");
  if (!score || !required) return make_error(Errc::invalid_argument, "rspamd reply has a score that is not a number");
  v.score = *score;
  v.required_score = *required;
  if (auto symbols = json.find("symbols"); symbols != json.end()) {
    if (!symbols->is_object()) return make_error(Errc::invalid_argument, "rspamd reply's symbols is not an object");
    for (auto it = symbols->begin(); it != symbols->end(); ++it) {
      if (v.symbols.size() == kMaxSymbols) break;
      if (printable_name(it.key())) v.symbols.push_back(it.key());
    }
    std::sort(v.symbols.begin(), v.symbols.end());
  }
  return v;
}

std::string describe(const RspamdVerdict& verdict) {
  char numbers[96];
  std::snprintf(numbers, sizeof numbers, "score %.2f/%.2f", verdict.score, verdict.required_score);
  std::string s;
  for (char c : verdict.action_name) s += (c >= 0x20 && c < 0x7f && c != ';') ? c : '?';
  s += " (";
  s += numbers;
  if (!verdict.symbols.empty()) {
    s += "; symbols ";
    for (size_t i = 0; i < verdict.symbols.size(); ++i) s += (i ? "," : "") + verdict.symbols[i];
  }
  s += ")";
  return s;
}

}  // namespace sealmail::delivery::screening
