#include "classify/bayes.h"

#include <algorithm>
#include <cmath>

namespace sealmail::classify {

double chi2q(double x2, int v) {
  if (x2 <= 0) return 1.0;
  double m = x2 / 2.0;
  double term = std::exp(-m);
  double sum = term;
  for (int i = 1; i < v / 2; ++i) {
    term *= m / i;
    sum += term;
  }
  return std::min(sum, 1.0);
}

double token_probability(double bad, double good, double bad_total, double good_total, const ScoreOptions& o) {
  double bad_ratio = bad_total > 0 ? bad / bad_total : 0.0;
  double good_ratio = good_total > 0 ? good / good_total : 0.0;
  if (bad_ratio + good_ratio <= 0) return o.unknown;
  double p = bad_ratio / (bad_ratio + good_ratio);
  double n = bad + good;
  return (o.strength * o.unknown + n * p) / (o.strength + n);
}

double combine(std::vector<double> probabilities, const ScoreOptions& o) {
  std::erase_if(probabilities, [&](double f) { return std::fabs(f - 0.5) < o.min_deviation; });
  if (probabilities.size() > o.max_tokens) {
    std::nth_element(probabilities.begin(), probabilities.begin() + static_cast<std::ptrdiff_t>(o.max_tokens),
                     probabilities.end(), [](double a, double b) { return std::fabs(a - 0.5) > std::fabs(b - 0.5); });
    probabilities.resize(o.max_tokens);
  }
  if (probabilities.empty()) return 0.5;
  double ln_good = 0, ln_bad = 0;
  for (double f : probabilities) {
    f = std::clamp(f, 1e-6, 1 - 1e-6);  // one certain word must not decide alone (ln 0)
    ln_bad += std::log(1 - f);
    ln_good += std::log(f);
  }
  int v = 2 * static_cast<int>(probabilities.size());
  double s = 1 - chi2q(-2 * ln_bad, v);
  double h = 1 - chi2q(-2 * ln_good, v);
  return (1 + s - h) / 2;
}

Scores score(std::span<const Token> tokens, const Model& global, const Model* personal, const ScoreOptions& o) {
  Counts totals = global.totals;
  if (personal) {
    totals.ham += personal->totals.ham;
    totals.spam += personal->totals.spam;
    totals.adult += personal->totals.adult;
  }
  Scores out;
  out.personal = personal && (personal->totals.ham + personal->totals.spam) > 0;
  double bad_total = double(totals.spam) + totals.adult, good_total = totals.ham;
  out.trained = bad_total > 0 && good_total > 0;
  out.adult_trained = totals.adult > 0 && totals.ham + totals.spam > 0;
  std::vector<double> spam_f, adult_f;
  spam_f.reserve(tokens.size());
  for (Token t : tokens) {
    Counts c = global.find(t);
    if (personal) {
      Counts p = personal->find(t);
      c.ham += p.ham;
      c.spam += p.spam;
      c.adult += p.adult;
    }
    if (c.ham + c.spam + c.adult == 0) continue;
    spam_f.push_back(token_probability(double(c.spam) + c.adult, c.ham, bad_total, good_total, o));
    if (out.adult_trained)
      adult_f.push_back(
          token_probability(c.adult, double(c.ham) + c.spam, totals.adult, double(totals.ham) + totals.spam, o));
  }
  if (out.trained) out.spam = combine(std::move(spam_f), o);
  if (out.adult_trained) out.adult = combine(std::move(adult_f), o);
  return out;
}

}  // namespace sealmail::classify
