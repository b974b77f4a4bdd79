#include "services/survey/stats/stats.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <numeric>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace sokei::survey::stats {
namespace {

constexpr double kZ95 = 1.96;

double WeightOf(const std::vector<double>* w, size_t i) { return w ? (*w)[i] : 1.0; }

uint64_t BaseMask(const std::vector<OptionMeta>& meta) {
  uint64_t mask = 0;
  for (size_t i = 0; i < meta.size() && i < 64; ++i) {
    if (meta[i].in_base()) mask |= uint64_t{1} << i;
  }
  return mask;
}

void FinishShares(Distribution& d, const std::vector<OptionMeta>& meta) {
  double scored_w = 0, scored_sum = 0, pos = 0, neg = 0;
  for (size_t o = 0; o < meta.size(); ++o) {
    if (!meta[o].in_base()) continue;
    if (meta[o].scored) {
      scored_w += d.weighted[o];
      scored_sum += d.weighted[o] * meta[o].score;
    }
    if (meta[o].polarity == Polarity::kPositive) pos += d.weighted[o];
    if (meta[o].polarity == Polarity::kNegative) neg += d.weighted[o];
  }
  d.has_mean = scored_w > 0;
  d.mean = d.has_mean ? scored_sum / scored_w : 0;
  d.positive = d.weighted_base > 0 ? pos / d.weighted_base : 0;
  d.negative = d.weighted_base > 0 ? neg / d.weighted_base : 0;
}

}  // namespace

double Distribution::Share(size_t option, const std::vector<OptionMeta>& meta) const {
  const double denom = meta[option].in_base() ? weighted_base : weighted_answered;
  return denom > 0 ? weighted[option] / denom : 0;
}

Distribution Distribute(const Column& col, const std::vector<double>* w) {
  Distribution d;
  const size_t k = col.options.size();
  d.counts.assign(k, 0);
  d.weighted.assign(k, 0);
  if (col.type == ColumnType::kChoice) {
    // Branch-free tallies into 256 slots (255 = 無回答), then folded per option.
    std::array<int64_t, 256> counts{};
    std::array<double, 256> wsum{}, w2sum{};
    const uint8_t* codes = col.codes.data();
    const size_t n = col.codes.size();
    if (w == nullptr) {
      for (size_t i = 0; i < n; ++i) ++counts[codes[i]];
      for (size_t o = 0; o < 256; ++o) wsum[o] = w2sum[o] = static_cast<double>(counts[o]);
    } else {
      const double* wp = w->data();
      for (size_t i = 0; i < n; ++i) {
        ++counts[codes[i]];
        wsum[codes[i]] += wp[i];
        w2sum[codes[i]] += wp[i] * wp[i];
      }
    }
    for (size_t o = 0; o < k; ++o) {
      d.counts[o] = counts[o];
      d.weighted[o] = wsum[o];
      d.answered += counts[o];
      d.weighted_answered += wsum[o];
      if (col.options[o].in_base()) {
        d.base += counts[o];
        d.weighted_base += wsum[o];
        d.sum_w2 += w2sum[o];
      }
    }
  } else if (col.type == ColumnType::kMultiple) {
    const uint64_t base_mask = BaseMask(col.options);
    for (size_t i = 0; i < col.chosen.size(); ++i) {
      uint64_t bits = col.chosen[i];
      if (bits == 0) continue;
      const double wi = WeightOf(w, i);
      ++d.answered;
      d.weighted_answered += wi;
      if (bits & base_mask) {
        ++d.base;
        d.weighted_base += wi;
        d.sum_w2 += wi * wi;
      }
      while (bits) {
        const int o = __builtin_ctzll(bits);
        bits &= bits - 1;
        if (static_cast<size_t>(o) < k) {
          ++d.counts[o];
          d.weighted[o] += wi;
        }
      }
    }
  }
  FinishShares(d, col.options);
  return d;
}

NumericSummary SummarizeNumbers(const Column& col, const std::vector<double>* w) {
  NumericSummary s;
  std::vector<double> values;
  double sum = 0, wsum = 0;
  for (size_t i = 0; i < col.numbers.size(); ++i) {
    const double v = col.numbers[i];
    if (std::isnan(v)) continue;
    values.push_back(v);
    sum += v * WeightOf(w, i);
    wsum += WeightOf(w, i);
  }
  s.n = static_cast<int64_t>(values.size());
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  s.min = values.front();
  s.max = values.back();
  const size_t mid = values.size() / 2;
  s.median = values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
  s.mean = wsum > 0 ? sum / wsum : 0;
  return s;
}

double MarginOfErrorPoints(double p, double effective_n, int64_t unweighted_n, int64_t population) {
  if (effective_n <= 0) return 0;
  double moe = kZ95 * std::sqrt(p * (1 - p) / effective_n);
  if (population > 1 && population > unweighted_n) {
    moe *= std::sqrt(static_cast<double>(population - unweighted_n) /
                     static_cast<double>(population - 1));
  }
  return moe * 100;
}

double MeanStandardError(const Column& col, const std::vector<double>* w) {
  if (col.type != ColumnType::kChoice) return 0;
  double sw = 0, sw2 = 0, sx = 0, sxx = 0;
  for (size_t i = 0; i < col.codes.size(); ++i) {
    const uint8_t c = col.codes[i];
    if (c == kMissing || c >= col.options.size()) continue;
    const auto& o = col.options[c];
    if (!o.in_base() || !o.scored) continue;
    const double wi = WeightOf(w, i);
    sw += wi;
    sw2 += wi * wi;
    sx += wi * o.score;
    sxx += wi * o.score * o.score;
  }
  if (sw <= 0 || sw2 <= 0) return 0;
  const double mean = sx / sw;
  const double var = std::max(0.0, sxx / sw - mean * mean);
  const double n_eff = sw * sw / sw2;
  return n_eff > 1 ? std::sqrt(var / (n_eff - 1)) : 0;
}

// ---------------------------------------------------------------------------------------------
// Cross-tabs

CrossTabCounts CrossTabulate(const Dataset& data, const Column& col, const std::vector<int>& attrs,
                             const std::vector<double>* w) {
  CrossTabCounts t;
  std::vector<int> option_col(col.options.size(), -1);
  for (size_t o = 0; o < col.options.size(); ++o) {
    if (col.options[o].in_base()) option_col[o] = t.cols++;
  }
  t.rows = 1;
  for (int a : attrs) t.rows *= data.attribute_sizes[a];
  for (int r = 0; r < t.rows; ++r) {
    std::vector<int> key(attrs.size());
    int rest = r;
    for (size_t a = attrs.size(); a-- > 0;) {
      key[a] = rest % data.attribute_sizes[attrs[a]];
      rest /= data.attribute_sizes[attrs[a]];
    }
    t.row_keys.push_back(std::move(key));
  }
  t.cells.assign(static_cast<size_t>(t.rows) * t.cols, 0);
  t.weighted.assign(t.cells.size(), 0);
  t.row_totals.assign(t.rows, 0);
  t.weighted_row_totals.assign(t.rows, 0);
  t.additive = col.type == ColumnType::kChoice;
  const uint64_t base_mask = BaseMask(col.options);
  for (size_t i = 0; i < data.n; ++i) {
    int row = 0;
    bool missing = false;
    for (int a : attrs) {
      const uint8_t c = data.attributes[a][i];
      if (c == kMissing) {
        missing = true;
        break;
      }
      row = row * data.attribute_sizes[a] + c;
    }
    if (missing) continue;
    const double wi = WeightOf(w, i);
    if (col.type == ColumnType::kChoice) {
      const uint8_t c = col.codes[i];
      if (c == kMissing || c >= option_col.size() || option_col[c] < 0) continue;
      const size_t cell = static_cast<size_t>(row) * t.cols + option_col[c];
      ++t.cells[cell];
      t.weighted[cell] += wi;
    } else if (col.type == ColumnType::kMultiple) {
      uint64_t bits = col.chosen[i] & base_mask;
      if (bits == 0) continue;
      while (bits) {
        const int o = __builtin_ctzll(bits);
        bits &= bits - 1;
        const size_t cell = static_cast<size_t>(row) * t.cols + option_col[o];
        ++t.cells[cell];
        t.weighted[cell] += wi;
      }
    } else {
      continue;
    }
    ++t.row_totals[row];
    t.weighted_row_totals[row] += wi;
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// Disclosure control

int64_t ProtectedTable::HiddenCount() const {
  return std::count_if(hidden.begin(), hidden.end(), [](Hidden h) { return h != Hidden::kNo; });
}

ProtectedTable MakeTable(const CrossTabCounts& c) {
  ProtectedTable t;
  t.rows = c.rows;
  t.cols = c.cols;
  t.additive = c.additive;
  t.values.assign(static_cast<size_t>(c.rows + 1) * (c.cols + 1), 0);
  t.hidden.assign(t.values.size(), Hidden::kNo);
  for (int r = 0; r < c.rows; ++r) {
    for (int j = 0; j < c.cols; ++j) {
      t.at(r, j) = c.at(r, j);
      t.at(c.rows, j) += c.at(r, j);
    }
    t.at(r, c.cols) = c.row_totals[r];
    t.at(c.rows, c.cols) += c.row_totals[r];
  }
  return t;
}

namespace {

// The table as a signed bipartite graph: lines 0..R are the row equations, R+1..R+1+C the
// column equations; each cell lies on one row line and one column line. In row line i the
// cells count + and the row total −; in column line j likewise with the column total.
struct Lines {
  const ProtectedTable& t;
  int R() const { return t.rows; }
  int C() const { return t.cols; }
  int RowLine(int r) const { return r; }
  int ColLine(int c) const { return t.rows + 1 + c; }
  int SignInRow(int /*r*/, int c) const { return c == C() ? -1 : 1; }
  int SignInCol(int r, int /*c*/) const { return r == R() ? -1 : 1; }
  // Potentials that make the signed graph balanced (see Undetermined).
  int Potential(int line) const {
    if (line <= R()) return line < R() ? 1 : -1;
    return line - (R() + 1) < C() ? -1 : 1;
  }
};

bool AdditiveOpen(const ProtectedTable& t, int r0, int c0, int d) {
  // A change of d in cell (r0, c0) must be absorbed by a cycle of hidden cells: leave through
  // its column line, come back through its row line. Along the way each hidden cell b entered
  // from line L changes by −κ·π(L)·s(L, b); a decrease needs b ≥ 1. The graph is balanced, so
  // reaching the row line closes the cycle consistently and reachability is exact.
  if (d < 0 && t.at(r0, c0) < 1) return false;
  Lines g{t};
  const int start = g.ColLine(c0), goal = g.RowLine(r0);
  const int kappa = g.SignInCol(r0, c0) * d * g.Potential(start);
  const int lines = t.rows + t.cols + 2;
  std::vector<char> seen(lines, 0);
  std::deque<int> queue{start};
  seen[start] = 1;
  while (!queue.empty()) {
    const int line = queue.front();
    queue.pop_front();
    const int contrib = g.Potential(line) * kappa;
    auto visit = [&](int r, int c, int sign, int next) {
      if (r == r0 && c == c0) return;
      if (t.hidden_at(r, c) == Hidden::kNo || seen[next]) return;
      const int delta = -contrib * sign;
      if (delta < 0 && t.at(r, c) < 1) return;
      seen[next] = 1;
      queue.push_back(next);
    };
    if (line <= t.rows) {  // a row line: its cells lead to their column lines
      const int r = line;
      for (int c = 0; c <= t.cols; ++c) visit(r, c, g.SignInRow(r, c), g.ColLine(c));
    } else {
      const int c = line - (t.rows + 1);
      for (int r = 0; r <= t.rows; ++r) visit(r, c, g.SignInCol(r, c), g.RowLine(r));
    }
    if (seen[goal]) return true;
  }
  return false;
}

bool ColumnOnlyOpen(const ProtectedTable& t, int r0, int c0) {
  // Multiple choice: only the column sums bind (each cell also stays within its row's base).
  const int R = t.rows;
  auto within = [&](int r, int c, int64_t v) {
    if (v < 0) return false;
    if (r < R && c < t.cols && v > t.at(r, t.cols)) return false;
    return true;
  };
  for (int d : {1, -1}) {
    if (!within(r0, c0, t.at(r0, c0) + d)) continue;
    for (int r = 0; r <= R; ++r) {
      if (r == r0 || t.hidden_at(r, c0) == Hidden::kNo) continue;
      // The column total moves with the cell; another cell of the column against it.
      const int other = (r == R || r0 == R) ? d : -d;
      if (within(r, c0, t.at(r, c0) + other)) return true;
    }
  }
  return false;
}

}  // namespace

bool Undetermined(const ProtectedTable& t, int r, int c) {
  if (!t.additive) return ColumnOnlyOpen(t, r, c);
  return AdditiveOpen(t, r, c, 1) || AdditiveOpen(t, r, c, -1);
}

void Suppress(ProtectedTable& t, const DisclosureRules& rules) {
  const int k = std::max(3, rules.k);
  const int R = t.rows, C = t.cols;
  auto idx = [&](int r, int c) { return static_cast<size_t>(r) * (C + 1) + c; };
  for (int r = 0; r <= R; ++r) {
    for (int c = 0; c <= C; ++c) {
      const int64_t v = t.at(r, c);
      if (v >= 1 && v < k) t.hidden[idx(r, c)] = Hidden::kSmallCell;
    }
  }
  for (int r = 0; r < R; ++r) {
    const int64_t total = t.at(r, C);
    if (total < k || total >= rules.small_row_limit) continue;
    for (int c = 0; c < C; ++c) {
      if (t.at(r, c) == total && t.hidden[idx(r, c)] == Hidden::kNo) {
        t.hidden[idx(r, c)] = Hidden::kDominance;
      }
    }
  }
  auto line_has_hidden = [&](bool row, int i, int except_r, int except_c) {
    if (row) {
      for (int c = 0; c <= C; ++c) {
        if (c != except_c && t.hidden[idx(i, c)] != Hidden::kNo) return true;
      }
    } else {
      for (int r = 0; r <= R; ++r) {
        if (r != except_r && t.hidden[idx(r, i)] != Hidden::kNo) return true;
      }
    }
    return false;
  };
  // Candidate order: a non-zero cell (it can absorb a decrease), one whose other line already
  // has a hidden cell (closes a cycle), an inner cell before a total, the smallest value.
  auto score = [&](int r, int c, bool same_row) {
    const int64_t v = t.at(r, c);
    const bool other = same_row ? line_has_hidden(false, c, r, c) : line_has_hidden(true, r, r, c);
    const bool margin = r == R || c == C;
    return std::make_tuple(v == 0 ? 1 : 0, other ? 0 : 1, margin ? 1 : 0, v, r, c);
  };
  for (size_t guard = 0; guard < t.values.size() + 1; ++guard) {
    int open_r = -1, open_c = -1;
    for (int r = 0; r <= R && open_r < 0; ++r) {
      for (int c = 0; c <= C; ++c) {
        if (t.hidden[idx(r, c)] != Hidden::kNo && !Undetermined(t, r, c)) {
          open_r = r;
          open_c = c;
          break;
        }
      }
    }
    if (open_r < 0) return;
    std::optional<std::tuple<int, int, int, int64_t, int, int>> best;
    auto consider = [&](int r, int c, bool same_row) {
      if (t.hidden[idx(r, c)] != Hidden::kNo) return;
      auto s = score(r, c, same_row);
      if (!best || s < *best) best = s;
    };
    if (t.additive) {
      for (int c = 0; c <= C; ++c) consider(open_r, c, true);
    }
    for (int r = 0; r <= R; ++r) consider(r, open_c, false);
    if (!best) {  // its lines are all hidden already: widen to the whole table
      for (int r = 0; r <= R; ++r) {
        for (int c = 0; c <= C; ++c) consider(r, c, false);
      }
    }
    if (!best) return;  // everything is hidden
    t.hidden[idx(std::get<4>(*best), std::get<5>(*best))] = Hidden::kComplementary;
  }
}

// ---------------------------------------------------------------------------------------------
// Weighting

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
        r.warnings.push_back(absl::StrCat(
            "cell ", CellName(key), " has no respondents: its population is not represented"));
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
    Normalise(r.weights);
    Summarise(r);
    return r;
  }
  // Raking: each margin in turn until the largest gap in share is below the tolerance.
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
  Normalise(r.weights);
  Summarise(r);
  return r;
}

// ---------------------------------------------------------------------------------------------
// CS analysis

namespace {

const std::map<std::string, PriorityIndex>& Indexes() {
  static const auto* indexes = new std::map<std::string, PriorityIndex>{
      {"improvement_index",
       [](double dx, double dy) {
         // Angle between (dx, dy) and the improvement diagonal (−1, +1)/√2.
         const double r = std::hypot(dx, dy);
         if (r == 0) return 0.0;
         const double cosine = (-dx + dy) / (r * std::sqrt(2.0));
         const double angle = std::acos(std::clamp(cosine, -1.0, 1.0)) * 180.0 / M_PI;
         return r * (90.0 - angle) / 90.0;
       }},
      {"z_gap", [](double dx, double dy) { return dy - dx; }},
  };
  return *indexes;
}

void MeanSd(const std::vector<double>& v, double* mean, double* sd) {
  *mean = v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / v.size();
  double ss = 0;
  for (double x : v) ss += (x - *mean) * (x - *mean);
  *sd = v.empty() ? 0 : std::sqrt(ss / v.size());
}

}  // namespace

const PriorityIndex* FindPriorityIndex(const std::string& name) {
  auto it = Indexes().find(name);
  return it == Indexes().end() ? nullptr : &it->second;
}

std::vector<std::string> PriorityIndexNames() {
  std::vector<std::string> names;
  for (const auto& [name, fn] : Indexes()) names.push_back(name);
  return names;
}

CsResult AnalyseCs(const std::vector<CsInput>& items, bool deviation_scores,
                   const PriorityIndex& index) {
  CsResult out;
  std::vector<double> imp, sat;
  for (const auto& it : items) {
    imp.push_back(it.importance);
    sat.push_back(it.satisfaction);
  }
  double imp_sd = 0, sat_sd = 0;
  MeanSd(imp, &out.importance_centre, &imp_sd);
  MeanSd(sat, &out.satisfaction_centre, &sat_sd);
  for (const auto& it : items) {
    CsOutput o;
    const double di = it.importance - out.importance_centre;
    const double ds = it.satisfaction - out.satisfaction_centre;
    const double zi = imp_sd > 0 ? di / imp_sd : 0;
    const double zs = sat_sd > 0 ? ds / sat_sd : 0;
    o.importance_deviation = 50 + 10 * zi;
    o.satisfaction_deviation = 50 + 10 * zs;
    o.dx = deviation_scores ? 10 * zs : ds;
    o.dy = deviation_scores ? 10 * zi : di;
    const bool high_imp = di >= 0, high_sat = ds >= 0;
    o.quadrant = high_imp ? (high_sat ? 1 : 0) : (high_sat ? 3 : 2);
    o.priority = index(zs, zi);
    out.items.push_back(o);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Wave comparison

WaveResult CompareShares(double p1, double n1, double p0, double n0) {
  WaveResult w;
  w.change = (p1 - p0) * 100;
  double var = 0;
  if (n1 > 0) var += p1 * (1 - p1) / n1;
  if (n0 > 0) var += p0 * (1 - p0) / n0;
  w.change_margin = kZ95 * std::sqrt(var) * 100;
  w.significant = n1 > 0 && n0 > 0 && std::abs(w.change) > w.change_margin;
  return w;
}

WaveResult CompareMeans(double m1, double se1, double m0, double se0) {
  WaveResult w;
  w.change = m1 - m0;
  w.change_margin = kZ95 * std::sqrt(se1 * se1 + se0 * se0);
  w.significant = w.change_margin > 0 && std::abs(w.change) > w.change_margin;
  return w;
}

}  // namespace sokei::survey::stats
