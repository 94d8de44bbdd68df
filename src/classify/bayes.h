// The junk classifier's maths (issue 9): Gary Robinson's token probabilities, combined with
// Fisher's method (the inverse chi-square), as bogofilter and SpamBayes do. Chosen over plain naive
// Bayes (mox, Stalwart) because it says "unsure" (near 0.5) when the evidence is thin or mixed
// instead of swinging to 0 or 1, which matters for an owner's model trained on a few messages.
//
//   p(w) = (b/nb) / (b/nb + g/ng)          b, g: bad and good messages holding w; nb, ng: totals
//   f(w) = (s*x + n*p(w)) / (s + n)        n = b + g; s: strength of the prior x (unknown words)
//   only the words with |f(w) - 0.5| >= min_deviation, the max_tokens most extreme;
//   S = 1 - chi2Q(-2 sum ln(1 - f), 2k), H = 1 - chi2Q(-2 sum ln f, 2k)
//   score = (1 + S - H) / 2                0: good, 1: bad, 0.5: no evidence
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "classify/model.h"

namespace sealmail::classify {

struct ScoreOptions {
  double strength = 1.0;  // s
  double unknown = 0.5;   // x
  double min_deviation = 0.1;
  size_t max_tokens = 150;
};

// Upper tail of the chi-square distribution with `v` (even) degrees of freedom at `x2`.
double chi2q(double x2, int v);
// f(w) above; 0.5 (x) when neither category knows the word.
double token_probability(double bad, double good, double bad_total, double good_total, const ScoreOptions& o = {});
// Fisher's combination of the f(w) of a message (the selection by deviation is done here).
double combine(std::vector<double> probabilities, const ScoreOptions& o = {});

struct Scores {
  double spam = 0.5;     // spam (and adult) against ham
  double adult = 0.0;    // adult against everything else; 0 when no adult message was trained
  bool trained = false;  // the models together know at least one message of each side
  bool adult_trained = false;
  bool personal = false;  // the owner's model took part
};

// Counts of each token are the server's plus the owner's (`personal` may be null). Adult messages
// count as bad for the spam score: an owner who sends them to Junk wants both out of the inbox.
Scores score(std::span<const Token> tokens, const Model& global, const Model* personal, const ScoreOptions& o = {});

}  // namespace sealmail::classify
