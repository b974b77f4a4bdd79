// Survey statistics against hand-computed examples (docs/domain.md §5), and property tests of the
// disclosure control on random skewed microdata: no published cell with 1 ≤ n < k, and every
// hidden cell left undetermined by what is published (checked by brute force on small tables).
#include "services/survey/stats/stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

namespace sokei::survey::stats {
namespace {

// A 5-point satisfaction scale: 満足 +2, やや満足 +1, どちらでもない 0, やや不満 −1, 不満 −2,
// わからない.
std::vector<OptionMeta> FivePoint() {
  return {{true, 2, Polarity::kPositive},  {true, 1, Polarity::kPositive},
          {true, 0, Polarity::kNeutral},   {true, -1, Polarity::kNegative},
          {true, -2, Polarity::kNegative}, {false, 0, Polarity::kExcluded}};
}

Column Choice(std::vector<OptionMeta> meta, const std::vector<int>& answers) {
  Column c;
  c.type = ColumnType::kChoice;
  c.options = std::move(meta);
  for (int a : answers) c.codes.push_back(a < 0 ? kMissing : static_cast<uint8_t>(a));
  return c;
}

std::vector<int> Repeat(std::vector<std::pair<int, int>> code_times) {
  std::vector<int> out;
  for (auto [code, times] : code_times) out.insert(out.end(), times, code);
  return out;
}

TEST(Distribution, FivePointMeanTopBoxNetAndExcludedBase) {
  // 満足 20, やや満足 30, どちらでもない 25, やや不満 15, 不満 10, わからない 12, 無回答 8.
  auto col =
      Choice(FivePoint(), Repeat({{0, 20}, {1, 30}, {2, 25}, {3, 15}, {4, 10}, {5, 12}, {-1, 8}}));
  auto d = Distribute(col, nullptr);
  EXPECT_EQ(d.answered, 112);
  EXPECT_EQ(d.base, 100);  // わからない and 無回答 outside the base
  EXPECT_DOUBLE_EQ(d.Share(0, col.options), 0.20);
  EXPECT_NEAR(d.Share(5, col.options), 12.0 / 112, 1e-12);  // excluded: of everyone answering
  // Mean on +2…−2: (40 + 30 + 0 − 15 − 20) / 100 = 0.35.
  ASSERT_TRUE(d.has_mean);
  EXPECT_NEAR(d.mean, 0.35, 1e-12);
  EXPECT_NEAR(d.positive, 0.50, 1e-12);
  EXPECT_NEAR(d.negative, 0.25, 1e-12);
  EXPECT_NEAR(d.effective_base(), 100, 1e-9);
}

TEST(Distribution, FourPointMeanExcludesDontKnow) {
  // 4 そう思う … 1 そう思わない, わからない excluded: (4·10 + 3·20 + 2·5 + 1·5) / 40 = 2.875.
  std::vector<OptionMeta> meta = {{true, 4, Polarity::kPositive},
                                  {true, 3, Polarity::kPositive},
                                  {true, 2, Polarity::kNegative},
                                  {true, 1, Polarity::kNegative},
                                  {false, 0, Polarity::kExcluded}};
  auto d = Distribute(Choice(meta, Repeat({{0, 10}, {1, 20}, {2, 5}, {3, 5}, {4, 60}})), nullptr);
  EXPECT_EQ(d.base, 40);
  EXPECT_NEAR(d.mean, 2.875, 1e-12);
  EXPECT_NEAR(d.positive, 0.75, 1e-12);
}

TEST(Distribution, MultipleChoicePercentOverRespondents) {
  Column c;
  c.type = ColumnType::kMultiple;
  c.options = {{}, {}, {}, {false, 0, Polarity::kExcluded}};
  c.chosen = {0b0011, 0b0001, 0b0111, 0, 0b1000};
  auto d = Distribute(c, nullptr);
  EXPECT_EQ(d.answered, 4);
  EXPECT_EQ(d.base, 3);  // the 無回答-coded answer is outside the base
  EXPECT_EQ(d.counts[0], 3);
  EXPECT_NEAR(d.Share(0, c.options), 1.0, 1e-12);
  EXPECT_NEAR(d.Share(1, c.options) + d.Share(0, c.options) + d.Share(2, c.options), 2.0, 1e-12);
}

TEST(Distribution, WeightedCountsAndKish) {
  auto col = Choice(FivePoint(), {0, 0, 4, 4});
  std::vector<double> w = {2, 2, 0.5, 0.5};
  auto d = Distribute(col, &w);
  EXPECT_EQ(d.counts[0], 2);  // unweighted n kept
  EXPECT_DOUBLE_EQ(d.weighted[0], 4);
  EXPECT_NEAR(d.positive, 0.8, 1e-12);
  // n_eff = (Σw)² / Σw² = 25 / 8.5.
  EXPECT_NEAR(d.effective_base(), 25.0 / 8.5, 1e-12);
}

TEST(MarginOfError, DomainExampleAndFinitePopulation) {
  // ≈ ±1.8 points at n = 3,000, p = 50% (docs/domain.md §5).
  EXPECT_NEAR(MarginOfErrorPoints(0.5, 3000, 3000, 0), 1.789, 0.001);
  // With N = 10,000 the factor is √(7000/9999).
  EXPECT_NEAR(MarginOfErrorPoints(0.5, 3000, 3000, 10000), 1.789 * std::sqrt(7000.0 / 9999), 0.001);
  EXPECT_EQ(MarginOfErrorPoints(0.5, 0, 0, 0), 0);
}

TEST(Numeric, MedianAndMean) {
  Column c;
  c.type = ColumnType::kNumeric;
  c.numbers = {1, 5, NAN, 3, 10};
  auto s = SummarizeNumbers(c, nullptr);
  EXPECT_EQ(s.n, 4);
  EXPECT_DOUBLE_EQ(s.median, 4);
  EXPECT_DOUBLE_EQ(s.mean, 4.75);
  EXPECT_DOUBLE_EQ(s.max, 10);
}

Dataset TwoAttributes(const std::vector<std::pair<int, int>>& attrs, Column col) {
  Dataset d;
  d.n = attrs.size();
  d.attribute_sizes = {2, 3};
  d.attributes.assign(2, {});
  for (auto [a, b] : attrs) {
    d.attributes[0].push_back(a < 0 ? kMissing : a);
    d.attributes[1].push_back(b < 0 ? kMissing : b);
  }
  d.columns.push_back(std::move(col));
  return d;
}

TEST(CrossTab, CountsByTwoDimensionsSkipMissing) {
  auto col = Choice(FivePoint(), {0, 1, 5, 3, 0, -1});
  auto d = TwoAttributes({{0, 0}, {0, 0}, {1, 2}, {1, 2}, {-1, 1}, {0, 1}}, col);
  auto t = CrossTabulate(d, d.columns[0], {0, 1}, nullptr);
  EXPECT_EQ(t.rows, 6);
  EXPECT_EQ(t.cols, 5);  // わからない is not a column
  EXPECT_EQ(t.at(0, 0), 1);
  EXPECT_EQ(t.at(0, 1), 1);
  EXPECT_EQ(t.row_totals[0], 2);
  EXPECT_EQ(t.row_totals[5], 1);  // (1, 2): only the やや不満 answer is in the base
  EXPECT_EQ(t.at(5, 3), 1);
  EXPECT_EQ(t.row_totals[1], 0);  // the missing answer and the missing attribute left out
}

TEST(Weighting, PostStratificationHandExample) {
  // Population 60% / 40%; sample 2 of 8 in the first cell: weights 0.6/(2/8) = 2.4 and
  // 0.4/(6/8) = 0.5333…, already mean 1.
  Dataset d;
  d.n = 8;
  d.attribute_sizes = {2};
  d.attributes = {{0, 0, 1, 1, 1, 1, 1, 1}};
  WeightingInput in;
  in.method = WeightingInput::Method::kPostStratification;
  in.attributes = {0};
  in.cells = {{{0}, 600}, {{1}, 400}};
  auto r = ComputeWeights(d, in);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NEAR(r->weights[0], 2.4, 1e-12);
  EXPECT_NEAR(r->weights[7], 0.4 / 0.75, 1e-12);
  EXPECT_NEAR(r->design_effect, 8 * (2 * 5.76 + 6 * std::pow(0.4 / 0.75, 2)) / 64, 1e-9);
}

TEST(Weighting, RakingMeetsBothMarginsAndReportsConvergence) {
  std::mt19937 rng(7);
  Dataset d;
  d.n = 2000;
  d.attribute_sizes = {2, 4};
  d.attributes.assign(2, {});
  for (size_t i = 0; i < d.n; ++i) {
    d.attributes[0].push_back(rng() % 10 < 7 ? 1 : 0);  // skewed: 70% women
    d.attributes[1].push_back(static_cast<uint8_t>(std::min<unsigned>(3, rng() % 6)));
  }
  WeightingInput in;
  in.method = WeightingInput::Method::kRaking;
  in.attributes = {0, 1};
  in.margins = {{4900, 5100}, {2000, 3000, 3000, 2000}};
  auto r = ComputeWeights(d, in);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->converged);
  EXPECT_LT(r->max_margin_gap, 1e-6);
  double women = 0, old = 0, total = 0;
  for (size_t i = 0; i < d.n; ++i) {
    total += r->weights[i];
    if (d.attributes[0][i] == 1) women += r->weights[i];
    if (d.attributes[1][i] == 3) old += r->weights[i];
  }
  EXPECT_NEAR(total, 2000, 1e-6);
  EXPECT_NEAR(women / total, 0.51, 1e-6);
  EXPECT_NEAR(old / total, 0.2, 1e-6);
  EXPECT_GT(r->design_effect, 1.0);

  // Trimming clips the weights and reports it.
  // Trimming clips the weights and reports it; bounds the margins cannot live with leave a
  // reported gap and no claim of convergence.
  in.trim_min = 0.3;
  in.trim_max = 2.5;
  auto trimmed = ComputeWeights(d, in);
  ASSERT_TRUE(trimmed.ok());
  EXPECT_GT(trimmed->trimmed, 0);
  EXPECT_LE(trimmed->max_weight, 2.5 * 1.01);
  EXPECT_LT(trimmed->max_margin_gap, 0.01);
  in.trim_min = 0.9;
  in.trim_max = 1.1;
  auto tight = ComputeWeights(d, in);
  ASSERT_TRUE(tight.ok());
  EXPECT_FALSE(tight->converged);
  EXPECT_GT(tight->max_margin_gap, 0.01);
  EXPECT_FALSE(tight->warnings.empty());
}

TEST(Weighting, EmptyCellIsReported) {
  Dataset d;
  d.n = 3;
  d.attribute_sizes = {3};
  d.attributes = {{0, 0, 1}};
  WeightingInput in;
  in.method = WeightingInput::Method::kPostStratification;
  in.attributes = {0};
  in.cells = {{{0}, 10}, {{1}, 10}, {{2}, 10}};
  auto r = ComputeWeights(d, in);
  ASSERT_TRUE(r.ok());
  ASSERT_FALSE(r->warnings.empty());
  EXPECT_NE(r->warnings.back().find("no respondents"), std::string::npos);
}

TEST(Cs, QuadrantsCentredOnItemMeansAndPriorityIndexes) {
  // Items: (importance, satisfaction).
  std::vector<CsInput> items = {{1.5, -0.5}, {1.4, 0.8}, {0.2, -0.4}, {0.3, 0.9}};
  auto r = AnalyseCs(items, false, *FindPriorityIndex("improvement_index"));
  EXPECT_NEAR(r.importance_centre, 0.85, 1e-12);
  EXPECT_NEAR(r.satisfaction_centre, 0.2, 1e-12);
  EXPECT_EQ(r.items[0].quadrant, 0);  // high importance, low satisfaction: 重点改善
  EXPECT_EQ(r.items[1].quadrant, 1);
  EXPECT_EQ(r.items[2].quadrant, 2);
  EXPECT_EQ(r.items[3].quadrant, 3);
  EXPECT_GT(r.items[0].priority, 0);
  EXPECT_LT(r.items[3].priority, 0);  // low importance, high satisfaction: opposite the diagonal
  // On the diagonal the coefficient is 1: the index is the distance.
  EXPECT_NEAR((*FindPriorityIndex("improvement_index"))(-1, 1), std::sqrt(2.0), 1e-6);
  EXPECT_NEAR((*FindPriorityIndex("z_gap"))(-1, 1), 2, 1e-12);
  EXPECT_EQ(FindPriorityIndex("nope"), nullptr);
  auto dev = AnalyseCs(items, true, *FindPriorityIndex("z_gap"));
  EXPECT_NEAR(dev.items[0].importance_deviation + dev.items[2].importance_deviation +
                  dev.items[1].importance_deviation + dev.items[3].importance_deviation,
              200, 1e-9);
}

TEST(Waves, ShareChangeSignificance) {
  // 50% → 55% with n = 1,500 each: margin 1.96·√(2·0.25/1500)… ≈ 3.57 points: significant.
  auto w = CompareShares(0.55, 1500, 0.50, 1500);
  EXPECT_NEAR(w.change, 5, 1e-9);
  EXPECT_NEAR(w.change_margin, 1.96 * std::sqrt(0.55 * 0.45 / 1500 + 0.25 / 1500) * 100, 1e-9);
  EXPECT_TRUE(w.significant);
  EXPECT_FALSE(CompareShares(0.52, 400, 0.50, 400).significant);
}

// ---- Disclosure control ----

ProtectedTable FromCells(int rows, int cols, const std::vector<int64_t>& cells) {
  CrossTabCounts c;
  c.rows = rows;
  c.cols = cols;
  c.cells = cells;
  c.row_totals.assign(rows, 0);
  for (int r = 0; r < rows; ++r) {
    for (int j = 0; j < cols; ++j) c.row_totals[r] += cells[r * cols + j];
  }
  return MakeTable(c);
}

// Brute force: is there another non-negative integer table, agreeing on every published cell and
// on all row and column sums, that differs in (r, c)? Hidden cells range over 0…grand total.
bool BruteForceOpen(const ProtectedTable& t, int r0, int c0) {
  std::vector<std::pair<int, int>> hidden;
  for (int r = 0; r <= t.rows; ++r) {
    for (int c = 0; c <= t.cols; ++c) {
      if (t.hidden_at(r, c) != Hidden::kNo) hidden.push_back({r, c});
    }
  }
  ProtectedTable trial = t;
  const int64_t cap = t.at(t.rows, t.cols) + 1;
  std::function<bool(size_t)> search = [&](size_t i) -> bool {
    if (i == hidden.size()) {
      for (int r = 0; r <= t.rows; ++r) {
        int64_t s = 0;
        for (int c = 0; c < t.cols; ++c) s += trial.at(r, c);
        if (s != trial.at(r, t.cols)) return false;
      }
      for (int c = 0; c <= t.cols; ++c) {
        int64_t s = 0;
        for (int r = 0; r < t.rows; ++r) s += trial.at(r, c);
        if (s != trial.at(t.rows, c)) return false;
      }
      return trial.at(r0, c0) != t.at(r0, c0);
    }
    auto [r, c] = hidden[i];
    for (int64_t v = 0; v <= cap; ++v) {
      trial.at(r, c) = v;
      if (search(i + 1)) return true;
    }
    trial.at(r, c) = t.at(r, c);
    return false;
  };
  return search(0);
}

TEST(Suppression, SingleSmallCellGetsPartnersAndIsUndetermined) {
  // One cell of 3 (k = 10): hidden; its row and column need partners.
  auto t = FromCells(3, 3, {3, 20, 30, 40, 50, 60, 15, 25, 35});
  Suppress(t, {10, 50});
  EXPECT_EQ(t.hidden_at(0, 0), Hidden::kSmallCell);
  EXPECT_GE(t.HiddenCount(), 4);
  for (int r = 0; r <= 3; ++r) {
    for (int c = 0; c <= 3; ++c) {
      if (t.hidden_at(r, c) != Hidden::kNo) {
        EXPECT_TRUE(Undetermined(t, r, c)) << r << "," << c;
      }
    }
  }
}

TEST(Suppression, HundredPercentOfSmallRowIsDisclosive) {
  auto t = FromCells(2, 3, {0, 12, 0, 30, 40, 50});
  Suppress(t, {10, 50});
  EXPECT_EQ(t.hidden_at(0, 1), Hidden::kDominance);
  EXPECT_TRUE(Undetermined(t, 0, 1));
  // The same row with 60 respondents is not small.
  auto big = FromCells(2, 3, {0, 60, 0, 30, 40, 50});
  Suppress(big, {10, 50});
  EXPECT_EQ(big.HiddenCount(), 0);
}

TEST(Suppression, UndeterminedAgreesWithBruteForce) {
  std::mt19937 rng(11);
  int checked = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const int rows = 2 + rng() % 2, cols = 2 + rng() % 2;
    std::vector<int64_t> cells;
    for (int i = 0; i < rows * cols; ++i) cells.push_back(rng() % 4);
    auto t = FromCells(rows, cols, cells);
    // A random hidden pattern of 2–4 cells.
    const int hide = 2 + rng() % 3;
    for (int h = 0; h < hide; ++h) {
      t.hidden[rng() % t.hidden.size()] = Hidden::kComplementary;
    }
    if (t.HiddenCount() > 3 || t.at(rows, cols) > 9) continue;
    for (int r = 0; r <= rows; ++r) {
      for (int c = 0; c <= cols; ++c) {
        if (t.hidden_at(r, c) == Hidden::kNo) continue;
        ASSERT_EQ(Undetermined(t, r, c), BruteForceOpen(t, r, c))
            << "trial " << trial << " cell " << r << "," << c;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 100);
}

// Random skewed microdata: a big town centre and small outlying districts, two age bands.
TEST(SuppressionProperty, NoSmallCellPublishedAndEveryHiddenCellOpen) {
  std::mt19937 rng(2024);
  for (int trial = 0; trial < 200; ++trial) {
    Dataset d;
    d.n = 60 + rng() % 400;
    const int districts = 3 + rng() % 6;
    d.attribute_sizes = {districts, 2};
    d.attributes.assign(2, {});
    std::vector<double> district_weights;
    for (int i = 0; i < districts; ++i) district_weights.push_back(i == 0 ? 60.0 : 1.0 + rng() % 8);
    std::discrete_distribution<int> district_of(district_weights.begin(), district_weights.end());
    auto col = Choice(FivePoint(), {});
    std::discrete_distribution<int> answer({30, 25, 20, 10, 5, 10});
    for (size_t i = 0; i < d.n; ++i) {
      d.attributes[0].push_back(static_cast<uint8_t>(district_of(rng)));
      d.attributes[1].push_back(static_cast<uint8_t>(rng() % 2));
      col.codes.push_back(static_cast<uint8_t>(answer(rng)));
    }
    d.columns.push_back(col);
    const int k = 3 + rng() % 8;
    for (const std::vector<int>& dims : {std::vector<int>{0}, std::vector<int>{0, 1}}) {
      auto t = MakeTable(CrossTabulate(d, d.columns[0], dims, nullptr));
      Suppress(t, {k, 5 * k});
      for (int r = 0; r <= t.rows; ++r) {
        for (int c = 0; c <= t.cols; ++c) {
          const int64_t v = t.at(r, c);
          if (t.hidden_at(r, c) == Hidden::kNo) {
            ASSERT_FALSE(v >= 1 && v < k) << "published small cell, trial " << trial;
          } else {
            ASSERT_TRUE(Undetermined(t, r, c)) << "recoverable cell, trial " << trial;
          }
        }
      }
      // Deterministic: the same table gives the same pattern.
      auto again = MakeTable(CrossTabulate(d, d.columns[0], dims, nullptr));
      Suppress(again, {k, 5 * k});
      ASSERT_EQ(again.hidden, t.hidden);
    }
  }
}

TEST(SuppressionProperty, MultipleChoiceColumnsProtected) {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 100; ++trial) {
    Dataset d;
    d.n = 40 + rng() % 200;
    d.attribute_sizes = {5};
    d.attributes.assign(1, {});
    Column c;
    c.type = ColumnType::kMultiple;
    c.options.resize(4);
    for (size_t i = 0; i < d.n; ++i) {
      d.attributes[0].push_back(static_cast<uint8_t>(rng() % 10 < 6 ? 0 : 1 + rng() % 4));
      c.chosen.push_back(1 + rng() % 15);
    }
    d.columns.push_back(c);
    auto t = MakeTable(CrossTabulate(d, d.columns[0], {0}, nullptr));
    ASSERT_FALSE(t.additive);
    Suppress(t, {10, 50});
    for (int r = 0; r <= t.rows; ++r) {
      for (int col = 0; col <= t.cols; ++col) {
        const int64_t v = t.at(r, col);
        if (t.hidden_at(r, col) == Hidden::kNo) {
          ASSERT_FALSE(v >= 1 && v < 10);
        } else {
          ASSERT_TRUE(Undetermined(t, r, col));
        }
      }
    }
  }
}

}  // namespace
}  // namespace sokei::survey::stats
