// Distributions of one question (weighted and not), numeric summaries, margins of error, and
// cross-tabulation by respondent attributes.
#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

#include "services/survey/stats/stats.h"

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

}  // namespace sokei::survey::stats
