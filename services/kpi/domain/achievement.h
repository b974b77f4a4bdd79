// Achievement (達成率), grades and roll-ups: pure functions of docs/domain.md §3, no storage and no RPC.
// The ratio is stored unclamped; display code clamps.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/jp/percent.h"
#include "sokei/kpi/v1/kpi_service.pb.h"
#include "sokei/kpi/v1/resources.pb.h"

namespace sokei::kpi {

using v1::Formula;

// What a formula needs besides the indicator's own fields.
struct AchievementInput {
  Formula formula = v1::FORMULA_UNSPECIFIED;
  v1::Direction direction = v1::DIRECTION_UNSPECIFIED;
  std::optional<double> baseline;
  // The target and the actual (not owned: they outlive ComputeAchievement); none: empty.
  const type::v1::Measurement* target = &type::v1::Measurement::default_instance();
  v1::TargetKind target_kind = v1::TARGET_KIND_UNSPECIFIED;
  const type::v1::Measurement* actual = &type::v1::Measurement::default_instance();
  // F4: k of n years elapsed.
  int years_elapsed = 0;
  int years_total = 0;
  // F5: running totals up to the year.
  std::optional<double> cumulative_actual;
  std::optional<double> cumulative_target;
  std::optional<double> previous_actual;  // F8 "前年より"
  double tolerance = 0.0;                 // relative
  bool survey_based = false;
  double no_change_band_points = 0.0;  // survey indicators: ± points that read as no change
};

enum class Outcome {
  kGraded,        // ratio holds the achievement
  kNoTarget,      // monitoring only, or no target for the year
  kPending,       // 未公表, no actual yet, partial period
  kNotEvaluable,  // 評価不能, 該当なし, undefined formula
};

struct Achievement {
  Outcome outcome = Outcome::kNotEvaluable;
  double ratio = 0.0;  // unclamped; 1.0 = 100%
  Formula formula = v1::FORMULA_UNSPECIFIED;
  std::string reason;         // why, in the words a 企画課 reads
  std::optional<double> gap;  // A − T, in the indicator's unit (pt for survey %)
};

// The formula when the indicator does not name one: from the target kind, aggregation and
// direction (docs/domain.md §3).
Formula DefaultFormula(v1::Direction direction, v1::AggregationKind aggregation,
                       v1::TargetKind target_kind);

// Classifies a target cell: numeric, inequality, range, direction-only, milestone, monitoring.
v1::TargetKind ClassifyTarget(const type::v1::Measurement& m);

Achievement ComputeAchievement(const AchievementInput& in);

// A ratio as printed beside its grade (common/jp/percent.h).
using jp::PercentText;

// ---- Grading ----

// The scheme a plan uses until someone changes it, and the presets' bands.
v1::GradingScheme PresetScheme(v1::GradingPreset preset);
// Fills in bands and special labels of a preset scheme (custom schemes are kept as they are).
v1::GradingScheme Normalize(v1::GradingScheme scheme);
// INVALID_ARGUMENT-style description of what is wrong with a custom scheme, or "" when valid.
std::string ValidateScheme(const v1::GradingScheme& scheme, std::string* field);

struct Grade {
  std::string label;
  std::string symbol;
  int band = -1;  // index into scheme.bands(); -1 = special label (評価不能, −)
  int points = 0;
};

// SABC_BAND needs the change from the baseline: pass baseline and actual.
Grade GradeOf(const v1::GradingScheme& scheme, const Achievement& a,
              std::optional<double> baseline = std::nullopt,
              std::optional<double> actual = std::nullopt,
              v1::Direction direction = v1::DIRECTION_INCREASE);

// ---- Indicator evaluation for one fiscal year ----

// The targets in force in `fiscal_year`: the newest spec whose valid_from_year ≤ year (or the
// first spec when none is yet valid).
const v1::TargetSpec* SpecInForce(const v1::Indicator& ind, int fiscal_year);
// The target for a year from a spec, and whether it was pro-rated from a later final target.
struct YearTarget {
  const v1::Target* target = nullptr;
  bool interim = false;  // final target of a later year: F4 pro-rating applies
};
YearTarget TargetFor(const v1::TargetSpec* spec, int fiscal_year);

// The first fiscal year whose observations grading `fiscal_year` reads: that year; the year
// before for 前年比 (direction-only) targets and F8; for 累計 indicators summed here (F5), the
// start of the running total.
int FirstYearRead(const v1::Indicator& ind, int fiscal_year);

// Observations of the total (breakdown "") by fiscal year.
using ObservationsByYear = std::map<int, const v1::Observation*>;

v1::IndicatorResult EvaluateIndicator(const v1::Indicator& ind, const v1::GradingScheme& scheme,
                                      int fiscal_year, const ObservationsByYear& observations);
// The same into `out`, a fresh message (a summary keeps thousands of them on one arena).
void EvaluateIndicator(const v1::Indicator& ind, const v1::GradingScheme& scheme, int fiscal_year,
                       const ObservationsByYear& observations, v1::IndicatorResult* out);

// ---- Roll-up ----

struct RollupInput {
  std::string subject, display_name, code;
  v1::SubjectKind kind = v1::SUBJECT_KIND_UNSPECIFIED;
  int level = 0;
  std::vector<const v1::IndicatorResult*> results;
  std::vector<double> weights;  // parallel to results (WEIGHTED_MEAN)
};

// The rule for a level (0 = packages, −1 = departments); MEAN when the scheme has none.
v1::RollupRule RuleFor(const v1::GradingScheme& scheme, int level);
v1::RollupResult Rollup(const v1::GradingScheme& scheme, const v1::RollupRule& rule,
                        const RollupInput& in);
// The same into `out`, a fresh message.
void Rollup(const v1::GradingScheme& scheme, const v1::RollupRule& rule, const RollupInput& in,
            v1::RollupResult* out);

// ---- Trend ----

// Least-squares line through (year, value); forecast at target_year; on track when the forecast
// meets `target` in the indicator's direction.
v1::Forecast LinearForecast(const std::vector<std::pair<int, double>>& points, int target_year,
                            std::optional<double> target, v1::Direction direction);

}  // namespace sokei::kpi
