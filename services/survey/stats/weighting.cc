// Weighting: post-stratification or raking (iterative proportional fitting) to the population's
// margins, trimmed, with the design effect and the effective sample size.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "services/survey/stats/stats.h"

namespace sokei::survey::stats {
namespace {

void Summarise(WeightingResult& r) {
  double sw = 0, sw2 = 0;
  r.min_weight = r.weights.empty() ? 1 : r.weights.front();
  r.max_weight = r.min_weight;
  for (double w : r.weights) {
    sw += w;
    sw2 += w * w;
    r.min_weight = std::min(r.min_weight, w);
    r.max_weight = std::max(r.max_weight, w);
  }
  const double n = static_cast<double>(r.weights.size());
  r.effective_base = sw2 > 0 ? sw * sw / sw2 : 0;
  r.design_effect = sw > 0 ? n * sw2 / (sw * sw) : 1;
}

void Normalise(std::vector<double>& w) {
  const double sum = std::accumulate(w.begin(), w.end(), 0.0);
  if (sum <= 0) return;
  const double f = static_cast<double>(w.size()) / sum;
  for (double& x : w) x *= f;
}

std::string CellName(const std::vector<int>& cats) {
  std::string s;
  for (size_t i = 0; i < cats.size(); ++i) absl::StrAppend(&s, i ? "×" : "", cats[i]);
  return s;
}

// Post-stratification: each respondent weighted by the population share of their cell over the
// sample share; trimmed, the caller normalises.
absl::Status PostStratify(const Dataset& data, const WeightingInput& in,
                          const std::vector<char>& usable, double n_usable, WeightingResult& r) {
  double population = 0;
  for (const auto& [key, count] : in.cells) population += count;
  if (population <= 0) {
    return status::InvalidField("WEIGHTING_INVALID", "survey.weighting.cells",
                                "population cells must add up to more than 0");
  }
  std::map<std::vector<int>, int64_t> sample;
  std::vector<std::vector<int>> keys(data.n);
  for (size_t i = 0; i < data.n; ++i) {
    if (!usable[i]) continue;
    for (int a : in.attributes) keys[i].push_back(data.attributes[a][i]);
    ++sample[keys[i]];
  }
  std::map<std::vector<int>, double> weight_of;
  for (const auto& [key, count] : sample) {
    auto it = in.cells.find(key);
    if (it == in.cells.end() || it->second <= 0) {
      r.warnings.push_back(
          absl::StrCat("cell ", CellName(key), " has respondents but no population: weight 1"));
      weight_of[key] = 1;
      continue;
    }
    weight_of[key] = (it->second / population) / (static_cast<double>(count) / n_usable);
  }
  for (const auto& [key, pop] : in.cells) {
    CellReport cell;
    cell.categories = key;
    cell.population_share = pop / population;
    auto s = sample.find(key);
    cell.sample_count = s == sample.end() ? 0 : s->second;
    cell.sample_share = static_cast<double>(cell.sample_count) / n_usable;
    cell.weight = cell.sample_count ? weight_of[key] : 0;
    if (cell.sample_count == 0 && pop > 0) {
      r.warnings.push_back(absl::StrCat("cell ", CellName(key),
                                        " has no respondents: its population is not represented"));
    }
    r.cells.push_back(std::move(cell));
  }
  for (size_t i = 0; i < data.n; ++i) {
    if (usable[i]) r.weights[i] = weight_of[keys[i]];
  }
  // Trimming, then back to a mean of 1.
  if (in.trim_max > 0 || in.trim_min > 0) {
    for (double& w : r.weights) {
      if (in.trim_max > 0 && w > in.trim_max) {
        w = in.trim_max;
        ++r.trimmed;
      } else if (in.trim_min > 0 && w < in.trim_min) {
        w = in.trim_min;
        ++r.trimmed;
      }
    }
  }
  return absl::OkStatus();
}

// Raking (iterative proportional fitting) to the margins, with trimming rounds.
absl::Status Rake(const Dataset& data, const WeightingInput& in, const std::vector<char>& usable,
                  double n_usable, WeightingResult& r) {
  // Each margin in turn until the largest gap in share is below the tolerance.
  if (in.margins.size() != in.attributes.size()) {
    return status::InvalidField("WEIGHTING_INVALID", "survey.weighting.margins",
                                "give one margin per weighting attribute");
  }
  std::vector<std::vector<double>> targets;
  for (size_t m = 0; m < in.margins.size(); ++m) {
    const double total = std::accumulate(in.margins[m].begin(), in.margins[m].end(), 0.0);
    if (total <= 0) {
      return status::InvalidField("WEIGHTING_INVALID",
                                  absl::StrCat("survey.weighting.margins[", m, "]"),
                                  "population counts must add up to more than 0");
    }
    std::vector<double> share;
    for (double v : in.margins[m]) share.push_back(v / total);
    targets.push_back(std::move(share));
  }
  const int max_iter = in.max_iterations > 0 ? in.max_iterations : 100;
  const double tol = in.tolerance > 0 ? in.tolerance : 1e-6;
  auto gap = [&]() {
    double worst = 0;
    for (size_t m = 0; m < in.attributes.size(); ++m) {
      const int a = in.attributes[m];
      std::vector<double> sums(data.attribute_sizes[a], 0);
      for (size_t i = 0; i < data.n; ++i) {
        if (usable[i]) sums[data.attributes[a][i]] += r.weights[i];
      }
      for (size_t c = 0; c < sums.size(); ++c) {
        const double target = c < targets[m].size() ? targets[m][c] : 0;
        worst = std::max(worst, std::abs(sums[c] / n_usable - target));
      }
    }
    return worst;
  };
  auto rake = [&]() {
    for (int it = 0; it < max_iter; ++it) {
      ++r.iterations;
      for (size_t m = 0; m < in.attributes.size(); ++m) {
        const int a = in.attributes[m];
        std::vector<double> sums(data.attribute_sizes[a], 0);
        for (size_t i = 0; i < data.n; ++i) {
          if (usable[i]) sums[data.attributes[a][i]] += r.weights[i];
        }
        std::vector<double> factor(sums.size(), 1);
        for (size_t c = 0; c < sums.size(); ++c) {
          const double target = (c < targets[m].size() ? targets[m][c] : 0) * n_usable;
          if (sums[c] > 0) factor[c] = target / sums[c];
        }
        for (size_t i = 0; i < data.n; ++i) {
          if (usable[i]) r.weights[i] *= factor[data.attributes[a][i]];
        }
      }
      r.max_margin_gap = gap();
      if (r.max_margin_gap < tol) return true;
    }
    return false;
  };
  for (size_t m = 0; m < in.attributes.size(); ++m) {
    const int a = in.attributes[m];
    std::vector<int64_t> counts(data.attribute_sizes[a], 0);
    for (size_t i = 0; i < data.n; ++i) {
      if (usable[i]) ++counts[data.attributes[a][i]];
    }
    for (size_t c = 0; c < counts.size(); ++c) {
      if (counts[c] == 0 && c < targets[m].size() && targets[m][c] > 0) {
        r.warnings.push_back(absl::StrCat("margin ", m, " category ", c,
                                          " has no respondents: raking cannot meet it"));
      }
    }
  }
  r.converged = rake();
  // Trimming: clip, rake again, until nothing needs clipping; a round that still clips leaves
  // the weights within the bounds and the margins approximate (the gap is reported).
  const bool trim = in.trim_max > 0 || in.trim_min > 0;
  for (int round = 0; trim && round < 10; ++round) {
    int clipped = 0;
    for (size_t i = 0; i < data.n; ++i) {
      double& w = r.weights[i];
      if (in.trim_max > 0 && w > in.trim_max * (1 + 1e-9)) {
        w = in.trim_max;
        ++clipped;
      } else if (in.trim_min > 0 && w < in.trim_min * (1 - 1e-9)) {
        w = in.trim_min;
        ++clipped;
      }
    }
    r.trimmed = std::max(r.trimmed, clipped);
    if (clipped == 0) break;
    if (round == 9) {
      r.max_margin_gap = gap();
      r.converged = r.max_margin_gap < tol;
      break;
    }
    r.converged = rake();
  }
  if (!r.converged) {
    r.warnings.push_back(absl::StrCat("raking did not converge in ", max_iter,
                                      " iterations; largest margin gap ", r.max_margin_gap));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<WeightingResult> ComputeWeights(const Dataset& data, const WeightingInput& in) {
  WeightingResult r;
  r.weights.assign(data.n, 1.0);
  if (in.method == WeightingInput::Method::kNone || data.n == 0) {
    Summarise(r);
    return r;
  }
  for (int a : in.attributes) {
    if (a < 0 || a >= static_cast<int>(data.attributes.size())) {
      return status::InvalidField("WEIGHTING_INVALID", "survey.weighting.attributes",
                                  "names an attribute the survey does not declare");
    }
  }
  std::vector<char> usable(data.n, 1);
  for (size_t i = 0; i < data.n; ++i) {
    for (int a : in.attributes) {
      if (data.attributes[a][i] == kMissing) usable[i] = 0;
    }
    if (!usable[i]) ++r.unweightable;
  }
  const double n_usable = static_cast<double>(data.n - r.unweightable);
  if (n_usable <= 0) {
    r.warnings.push_back("no respondent has every weighting attribute: weights left at 1");
    Summarise(r);
    return r;
  }
  if (in.method == WeightingInput::Method::kPostStratification) {
    SOKEI_RETURN_IF_ERROR(PostStratify(data, in, usable, n_usable, r));
  } else {
    SOKEI_RETURN_IF_ERROR(Rake(data, in, usable, n_usable, r));
  }
  Normalise(r.weights);
  Summarise(r);
  return r;
}

}  // namespace sokei::survey::stats
