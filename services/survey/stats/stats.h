// Survey statistics over the columnar dataset: distributions, cross-tabs, weighting
// (post-stratification, raking with trimming), disclosure control (primary and complementary
// suppression), CS analysis and wave comparison. Pure functions; docs/domain.md §5 is the reference.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/survey/stats/dataset.h"

namespace sokei::survey::stats {

// ---- Distributions ----

struct Distribution {
  std::vector<int64_t> counts;   // per option, unweighted
  std::vector<double> weighted;  // per option
  int64_t answered = 0;          // non-empty answers
  int64_t base = 0;              // answers in the base (excluded options out)
  double weighted_base = 0;
  double sum_w2 = 0;  // Σw² over the base (Kish effective n)
  double weighted_answered = 0;
  bool has_mean = false;
  double mean = 0;      // on the options' scores, over scored options in the base
  double positive = 0;  // share of the base, 0…1
  double negative = 0;
  double effective_base() const { return sum_w2 > 0 ? weighted_base * weighted_base / sum_w2 : 0; }
  // Share (0…1) of option i: of the base, or of everyone answering for excluded options.
  double Share(size_t option, const std::vector<OptionMeta>& meta) const;
};

// `weights` may be null (every weight 1). `rows`, when given, restricts to those respondents.
Distribution Distribute(const Column& column, const std::vector<double>* weights);

struct NumericSummary {
  int64_t n = 0;
  double mean = 0, median = 0, min = 0, max = 0;
};
NumericSummary SummarizeNumbers(const Column& column, const std::vector<double>* weights);

// 95% margin of error in points for share p (0…1) with effective base n, with the
// finite-population factor √((N−m)/(N−1)) when N > m (m = the unweighted base).
double MarginOfErrorPoints(double p, double effective_n, int64_t unweighted_n, int64_t population);

// ---- Cross-tabs ----

struct CrossTabCounts {
  int rows = 0, cols = 0;                  // rows = product of the dimensions' categories
  std::vector<std::vector<int>> row_keys;  // category index per dimension, per row
  std::vector<int64_t> cells;              // rows × cols, unweighted
  std::vector<double> weighted;            // rows × cols
  std::vector<int64_t> row_totals;         // the row's base (respondents)
  std::vector<double> weighted_row_totals;
  bool additive = true;  // false for multiple choice: rows need not sum to totals
  int64_t at(int r, int c) const { return cells[static_cast<size_t>(r) * cols + c]; }
};

// Tabulates the in-base options of `column` by the given attributes (respondents with a missing
// attribute are left out of the table).
CrossTabCounts CrossTabulate(const Dataset& data, const Column& column,
                             const std::vector<int>& attribute_indexes,
                             const std::vector<double>* weights);

// ---- Disclosure control ----

enum class Hidden { kNo, kSmallCell, kDominance, kComplementary };

// The published table with its margins: (rows+1) × (cols+1) cells, the last row the column
// totals, the last column the row totals, the corner the grand total. `additive` = rows and
// columns sum to their margins (single choice); otherwise only columns constrain (multiple
// choice: a respondent may count in several cells of a row).
struct ProtectedTable {
  int rows = 0, cols = 0;
  bool additive = true;
  std::vector<int64_t> values;  // (rows+1) × (cols+1)
  std::vector<Hidden> hidden;
  int64_t& at(int r, int c) { return values[static_cast<size_t>(r) * (cols + 1) + c]; }
  int64_t at(int r, int c) const { return values[static_cast<size_t>(r) * (cols + 1) + c]; }
  Hidden hidden_at(int r, int c) const { return hidden[static_cast<size_t>(r) * (cols + 1) + c]; }
  int64_t HiddenCount() const;
};

ProtectedTable MakeTable(const CrossTabCounts& counts);

struct DisclosureRules {
  int k = 10;                // cells with 1 ≤ n < k are hidden
  int small_row_limit = 50;  // a row below this whose answers all fall in one cell is disclosive
};

// Primary suppression, then complementary suppression until every hidden cell is undetermined by
// the published cells. Deterministic: the same table gives the same pattern.
void Suppress(ProtectedTable& table, const DisclosureRules& rules);

// Whether the published cells of `table` (and non-negativity) leave hidden cell (r, c) open:
// another non-negative integer table agrees with everything published and differs there. Exact
// for these tables (their constraint matrix is a network matrix).
bool Undetermined(const ProtectedTable& table, int r, int c);

// ---- Weighting ----

struct WeightingInput {
  enum class Method { kNone, kPostStratification, kRaking } method = Method::kNone;
  std::vector<int> attributes;  // attribute indexes (cells: in order; raking: each margin's)
  // Post-stratification: population per cell, keyed by the category index per attribute.
  std::map<std::vector<int>, double> cells;
  // Raking: population per category, one vector per attribute in `attributes`.
  std::vector<std::vector<double>> margins;
  int max_iterations = 100;
  double tolerance = 1e-6;
  double trim_min = 0, trim_max = 0;
};

struct CellReport {
  std::vector<int> categories;
  double population_share = 0, sample_share = 0, weight = 0;
  int64_t sample_count = 0;
};

struct WeightingResult {
  std::vector<double> weights;  // mean 1 over respondents
  int iterations = 0;
  bool converged = true;
  double max_margin_gap = 0;
  int trimmed = 0;
  double min_weight = 1, max_weight = 1, design_effect = 1, effective_base = 0;
  int64_t unweightable = 0;
  std::vector<CellReport> cells;
  std::vector<std::string> warnings;
};

absl::StatusOr<WeightingResult> ComputeWeights(const Dataset& data, const WeightingInput& in);

// ---- CS analysis ----

struct CsInput {
  double importance = 0, satisfaction = 0;
};
struct CsOutput {
  double importance_deviation = 50, satisfaction_deviation = 50;
  double dx = 0, dy = 0;  // satisfaction and importance, centred (deviation scores when asked)
  int quadrant = 0;       // 0 high imp/low sat, 1 high/high, 2 low/low, 3 low/high
  double priority = 0;
};
struct CsResult {
  double importance_centre = 0, satisfaction_centre = 0;
  std::vector<CsOutput> items;
};

// A priority index: higher = more urgent to improve. Given the centred coordinates (dx =
// satisfaction, dy = importance) in standard-deviation units of each axis.
using PriorityIndex = std::function<double(double dx_sd, double dy_sd)>;
// improvement_index: distance from the centre × (90° − angle to the high-importance /
// low-satisfaction diagonal) / 90°; z_gap: z(importance) − z(satisfaction).
const PriorityIndex* FindPriorityIndex(const std::string& name);
std::vector<std::string> PriorityIndexNames();

CsResult AnalyseCs(const std::vector<CsInput>& items, bool deviation_scores,
                   const PriorityIndex& index);

// ---- Wave comparison ----

struct WaveResult {
  double change = 0, change_margin = 0;
  bool significant = false;
};
// Shares (0…1) with effective bases: change in points, significant when beyond 1.96·√(se₁²+se₂²).
WaveResult CompareShares(double p1, double n1, double p0, double n0);
// Means with their standard errors.
WaveResult CompareMeans(double m1, double se1, double m0, double se0);

// Standard error of a weighted mean score (for wave comparison of means).
double MeanStandardError(const Column& column, const std::vector<double>* weights);

}  // namespace sokei::survey::stats
