// Every formula (F1–F9), every grading preset and every roll-up method, with the edge cases of
// docs/domain.md §3: T = B, no baseline, zero target, negative values, targets already passed, partial
// periods, 未公表 not a 0, survey points.
#include "services/kpi/domain/achievement.h"

#include <google/protobuf/arena.h>
#include <gtest/gtest.h>

#include <deque>

#include "common/jp/measurement.h"

namespace sokei::kpi {
namespace {

using type::v1::Measurement;

Measurement M(const char* raw) { return jp::ParseMeasurement(raw); }

// A measurement kept for the test's life, for AchievementInput to point at.
const Measurement* P(const char* raw) {
  static std::deque<Measurement> kept;
  return &kept.emplace_back(jp::ParseMeasurement(raw));
}

AchievementInput In(Formula f, const char* target, const char* actual,
                    std::optional<double> baseline = std::nullopt) {
  AchievementInput in;
  in.formula = f;
  in.target = P(target);
  in.target_kind = ClassifyTarget(*in.target);
  in.actual = P(actual);
  in.baseline = baseline;
  return in;
}

TEST(Achievement, F1Ratio) {
  auto a = ComputeAchievement(In(v1::FORMULA_F1_RATIO, "176人", "112人"));
  ASSERT_EQ(a.outcome, Outcome::kGraded);
  EXPECT_NEAR(a.ratio, 112.0 / 176.0, 1e-12);
  EXPECT_NEAR(*a.gap, -64, 1e-12);
  // Unclamped above 100%.
  a = ComputeAchievement(In(v1::FORMULA_F1_RATIO, "3,400点", "4,985点"));
  EXPECT_NEAR(a.ratio, 4985.0 / 3400.0, 1e-12);
  // Zero target: undefined, not a division by zero.
  a = ComputeAchievement(In(v1::FORMULA_F1_RATIO, "0件", "0件"));
  EXPECT_EQ(a.outcome, Outcome::kNotEvaluable);
  // Negative target with a baseline: progress from the baseline instead.
  a = ComputeAchievement(In(v1::FORMULA_F1_RATIO, "△1,000人", "△2,000人", -3000));
  ASSERT_EQ(a.outcome, Outcome::kGraded);
  EXPECT_EQ(a.formula, v1::FORMULA_F3_PROGRESS);
  EXPECT_NEAR(a.ratio, 0.5, 1e-12);
  a = ComputeAchievement(In(v1::FORMULA_F1_RATIO, "△1,000人", "△2,000人"));
  EXPECT_EQ(a.outcome, Outcome::kNotEvaluable);
}

TEST(Achievement, F2Inverse) {
  auto in = In(v1::FORMULA_F2_INVERSE, "651人", "655人");
  auto a = ComputeAchievement(in);
  EXPECT_NEAR(a.ratio, (2 * 651.0 - 655) / 651, 1e-12);
  // Floored at 0 when the actual is more than twice the target.
  a = ComputeAchievement(In(v1::FORMULA_F2_INVERSE, "3.4ha", "72ha"));
  EXPECT_EQ(a.ratio, 0.0);
  // Zero target: 0 reached is 100%, anything else 0%.
  EXPECT_EQ(ComputeAchievement(In(v1::FORMULA_F2_INVERSE, "0件", "0件")).ratio, 1.0);
  EXPECT_EQ(ComputeAchievement(In(v1::FORMULA_F2_INVERSE, "0件", "2件")).ratio, 0.0);
}

TEST(Achievement, F3ProgressAndEdges) {
  auto a = ComputeAchievement(In(v1::FORMULA_F3_PROGRESS, "257,000人", "94,552人", 254189));
  EXPECT_NEAR(a.ratio, (94552.0 - 254189) / (257000 - 254189), 1e-9);  // negative, kept
  EXPECT_LT(a.ratio, 0);
  // Decrease from the baseline works with the same formula.
  auto in = In(v1::FORMULA_F3_PROGRESS, "18,136千円", "20,000千円", 24878000);
  in.direction = v1::DIRECTION_DECREASE;
  a = ComputeAchievement(in);
  EXPECT_NEAR(a.ratio, (20000000.0 - 24878000) / (18136000.0 - 24878000), 1e-9);
  // T = B: judged as maintaining.
  a = ComputeAchievement(In(v1::FORMULA_F3_PROGRESS, "22棟", "22棟", 22));
  EXPECT_EQ(a.ratio, 1.0);
  EXPECT_NE(a.reason.find("維持"), std::string::npos);
  // No baseline.
  EXPECT_EQ(ComputeAchievement(In(v1::FORMULA_F3_PROGRESS, "10件", "5件")).outcome,
            Outcome::kNotEvaluable);
  // Baseline already beyond the target (increase): A/T instead of a meaningless progress.
  a = ComputeAchievement(In(v1::FORMULA_F3_PROGRESS, "170件", "68件", 180));
  EXPECT_EQ(a.formula, v1::FORMULA_F1_RATIO);
  EXPECT_NEAR(a.ratio, 68.0 / 170, 1e-12);
}

TEST(Achievement, F4Prorated) {
  auto in = In(v1::FORMULA_F4_PRORATED, "100%", "30%", 0);
  in.years_elapsed = 1;
  in.years_total = 4;
  auto a = ComputeAchievement(in);
  EXPECT_NEAR(a.ratio, 30.0 / 25.0, 1e-12);
  in.years_elapsed = 0;
  EXPECT_EQ(ComputeAchievement(in).outcome, Outcome::kNotEvaluable);
}

TEST(Achievement, F5Cumulative) {
  auto in = In(v1::FORMULA_F5_CUMULATIVE, "63名", "69名");
  in.cumulative_actual = 150;
  in.cumulative_target = 200;
  EXPECT_NEAR(ComputeAchievement(in).ratio, 0.75, 1e-12);
}

TEST(Achievement, F6Maintain) {
  auto in = In(v1::FORMULA_F6_MAINTAIN, "95%", "94%");
  EXPECT_LT(ComputeAchievement(in).ratio, 1.0);
  in.tolerance = 0.05;
  EXPECT_GE(ComputeAchievement(in).ratio, 1.0);
}

TEST(Achievement, F7Inequality) {
  auto a = ComputeAchievement(In(v1::FORMULA_F7_INEQUALITY, "54.0以上", "55.2"));
  EXPECT_GE(a.ratio, 1.0);
  a = ComputeAchievement(In(v1::FORMULA_F7_INEQUALITY, "54.0以上", "53.9"));
  EXPECT_LT(a.ratio, 1.0);
  a = ComputeAchievement(In(v1::FORMULA_F7_INEQUALITY, "0.1未満", "0.05"));
  EXPECT_GE(a.ratio, 1.0);
  a = ComputeAchievement(In(v1::FORMULA_F7_INEQUALITY, "0.1未満", "0.1"));
  EXPECT_LT(a.ratio, 1.0);  // equal is not below
  a = ComputeAchievement(In(v1::FORMULA_F7_INEQUALITY, "10～20人", "15人"));
  EXPECT_EQ(a.ratio, 1.0);
  a = ComputeAchievement(In(v1::FORMULA_F7_INEQUALITY, "10～20人", "25人"));
  EXPECT_LT(a.ratio, 1.0);
  EXPECT_EQ(ClassifyTarget(M("54.0以上")), v1::TARGET_KIND_INEQUALITY);
  EXPECT_EQ(ClassifyTarget(M("10～20人")), v1::TARGET_KIND_RANGE);
}

TEST(Achievement, F8DirectionWithSurveyBand) {
  auto in = In(v1::FORMULA_F8_DIRECTION, "増加を目指す", "52.0%", 50.0);
  EXPECT_EQ(in.target_kind, v1::TARGET_KIND_DIRECTION_ONLY);
  in.direction = v1::DIRECTION_INCREASE;
  EXPECT_EQ(ComputeAchievement(in).ratio, 1.0);
  // Survey indicator: +2 points is inside the ±3 point sampling band.
  in.survey_based = true;
  in.no_change_band_points = 3.0;
  auto a = ComputeAchievement(in);
  EXPECT_EQ(a.ratio, 0.5);
  in.actual = P("45.0%");
  EXPECT_EQ(ComputeAchievement(in).ratio, 0.0);
  // Against the previous year when the target says 前年より.
  in.previous_actual = 40.0;
  EXPECT_EQ(ComputeAchievement(in).ratio, 1.0);
}

TEST(Achievement, F9Ladder) {
  auto a = ComputeAchievement(In(v1::FORMULA_F9_LADDER, "試行、検証", "試行、検証"));
  EXPECT_EQ(a.ratio, 1.0);
  a = ComputeAchievement(In(v1::FORMULA_F9_LADDER, "実施", "検討・調整"));
  EXPECT_NEAR(a.ratio, 1.0 / 3, 1e-12);
  a = ComputeAchievement(In(v1::FORMULA_F9_LADDER, "合意形成", "移転場所の絞り込み"));
  EXPECT_EQ(a.outcome, Outcome::kNotEvaluable);
  EXPECT_EQ(ClassifyTarget(M("制度創設 10人任命")), v1::TARGET_KIND_QUALITATIVE);
  EXPECT_EQ(ClassifyTarget(M("センター開設")), v1::TARGET_KIND_QUALITATIVE);
}

TEST(Achievement, StatusesAreNeverZero) {
  for (const char* actual : {"（R5実績値はR7.6月頃に公表予定）", "未公表", ""}) {
    auto a = ComputeAchievement(In(v1::FORMULA_F1_RATIO, "100人", actual));
    EXPECT_EQ(a.outcome, Outcome::kPending) << actual;
  }
  EXPECT_EQ(ComputeAchievement(In(v1::FORMULA_F1_RATIO, "100人", "—")).outcome,
            Outcome::kNotEvaluable);
  EXPECT_EQ(ComputeAchievement(In(v1::FORMULA_F1_RATIO, "100人", "評価不能")).outcome,
            Outcome::kNotEvaluable);
  // A partial period is never graded against the annual target.
  auto a = ComputeAchievement(In(v1::FORMULA_F2_INVERSE, "18,136千円", "12,825千円 (第3四半期)"));
  EXPECT_EQ(a.outcome, Outcome::kPending);
  // Monitoring-only targets.
  EXPECT_EQ(ComputeAchievement(In(v1::FORMULA_F1_RATIO, "—", "357.1m")).outcome,
            Outcome::kNoTarget);
}

TEST(Achievement, DefaultFormula) {
  EXPECT_EQ(DefaultFormula(v1::DIRECTION_INCREASE, v1::AGGREGATION_KIND_PER_PERIOD,
                           v1::TARGET_KIND_NUMERIC),
            v1::FORMULA_F1_RATIO);
  EXPECT_EQ(DefaultFormula(v1::DIRECTION_DECREASE, v1::AGGREGATION_KIND_PER_PERIOD,
                           v1::TARGET_KIND_NUMERIC),
            v1::FORMULA_F2_INVERSE);
  EXPECT_EQ(DefaultFormula(v1::DIRECTION_INCREASE, v1::AGGREGATION_KIND_CUMULATIVE,
                           v1::TARGET_KIND_NUMERIC),
            v1::FORMULA_F5_CUMULATIVE);
  EXPECT_EQ(DefaultFormula(v1::DIRECTION_MAINTAIN, v1::AGGREGATION_KIND_PER_PERIOD,
                           v1::TARGET_KIND_NUMERIC),
            v1::FORMULA_F6_MAINTAIN);
  EXPECT_EQ(
      DefaultFormula(v1::DIRECTION_INCREASE, v1::AGGREGATION_KIND_RANK, v1::TARGET_KIND_NUMERIC),
      v1::FORMULA_F2_INVERSE);
}

Achievement Ratio(double r) {
  Achievement a;
  a.outcome = Outcome::kGraded;
  a.ratio = r;
  return a;
}

TEST(Grading, Presets) {
  const auto abcd = PresetScheme(v1::GRADING_PRESET_ABCD);
  EXPECT_EQ(GradeOf(abcd, Ratio(1.10)).label, "A");  // inclusive bound
  EXPECT_EQ(GradeOf(abcd, Ratio(1.0999)).label, "B");
  EXPECT_EQ(GradeOf(abcd, Ratio(0.80)).label, "B");
  EXPECT_EQ(GradeOf(abcd, Ratio(0.5)).label, "C");
  EXPECT_EQ(GradeOf(abcd, Ratio(0.4999)).label, "D");
  EXPECT_EQ(GradeOf(abcd, Ratio(-2.0)).label, "D");
  const auto j = PresetScheme(v1::GRADING_PRESET_JUNCHO);
  EXPECT_EQ(GradeOf(j, Ratio(0.8)).label, "順調");
  EXPECT_EQ(GradeOf(j, Ratio(0.6)).label, "やや遅れ");
  EXPECT_EQ(GradeOf(j, Ratio(0.59)).label, "遅れ");
  const auto sym = PresetScheme(v1::GRADING_PRESET_SYMBOLS);
  EXPECT_EQ(GradeOf(sym, Ratio(1.0)).symbol, "◎");
  EXPECT_EQ(GradeOf(sym, Ratio(0.99)).symbol, "○");
  EXPECT_EQ(GradeOf(sym, Ratio(0.5)).symbol, "△");
  EXPECT_EQ(GradeOf(sym, Ratio(0.1)).symbol, "×");
  const auto sabc = PresetScheme(v1::GRADING_PRESET_SABC_BAND);
  EXPECT_EQ(GradeOf(sabc, Ratio(1.0), 100, 130).label, "S");
  EXPECT_EQ(GradeOf(sabc, Ratio(0.9), 100, 115).label, "A");
  EXPECT_EQ(GradeOf(sabc, Ratio(0.9), 100, 110).label, "B");  // +10% is still within the band
  EXPECT_EQ(GradeOf(sabc, Ratio(0.5), 100, 95).label, "B");
  EXPECT_EQ(GradeOf(sabc, Ratio(0.5), 100, 85).label, "C");
  EXPECT_EQ(GradeOf(sabc, Ratio(0.5), 100, 85, v1::DIRECTION_DECREASE).label, "A");
  // Special labels.
  Achievement pending;
  pending.outcome = Outcome::kPending;
  EXPECT_EQ(GradeOf(abcd, pending).label, "未報告");  // nothing to grade yet
  Achievement unusable;
  unusable.outcome = Outcome::kNotEvaluable;
  EXPECT_EQ(GradeOf(abcd, unusable).label, "評価不能");
  Achievement none;
  none.outcome = Outcome::kNoTarget;
  EXPECT_EQ(GradeOf(abcd, none).label, "−");
}

TEST(Grading, CustomSchemeWithExclusiveBounds) {
  v1::GradingScheme s;
  s.set_preset(v1::GRADING_PRESET_CUSTOM);
  auto* a = s.add_bands();
  a->set_label("達成");
  a->set_min_percent(100);
  a->set_min_exclusive(true);
  auto* b = s.add_bands();
  b->set_label("未達成");
  s = Normalize(s);
  std::string field;
  EXPECT_EQ(ValidateScheme(s, &field), "");
  EXPECT_EQ(GradeOf(s, Ratio(1.0)).label, "未達成");
  EXPECT_EQ(GradeOf(s, Ratio(1.001)).label, "達成");
  s.mutable_bands(0)->clear_label();
  EXPECT_NE(ValidateScheme(s, &field), "");
  EXPECT_EQ(field, "scheme.bands[0].label");
}

TEST(Rollup, Methods) {
  const auto scheme = PresetScheme(v1::GRADING_PRESET_ABCD);
  std::vector<v1::IndicatorResult> rs(4);
  const double ratios[] = {1.2, 0.9, 0.3, -1};  // A, B, D, not graded
  for (int i = 0; i < 4; ++i) {
    if (ratios[i] >= 0) {
      rs[i].set_has_achievement(true);
      rs[i].set_achievement(ratios[i]);
      rs[i].set_grade(GradeOf(scheme, Ratio(ratios[i])).label);
    } else {
      rs[i].set_grade("評価不能");
    }
  }
  RollupInput in;
  for (auto& r : rs) in.results.push_back(&r);
  in.weights = {1, 1, 2, 1};

  auto mean = Rollup(scheme, RuleFor(scheme, 3), in);
  EXPECT_EQ(mean.indicator_count(), 4);
  EXPECT_EQ(mean.graded_count(), 3);
  EXPECT_NEAR(mean.value(), 0.8, 1e-12);
  EXPECT_EQ(mean.computed_grade(), "B");
  EXPECT_EQ(mean.grade_counts(0).grade(), "A");
  EXPECT_EQ(mean.grade_counts(0).count(), 1);
  EXPECT_EQ(mean.grade_counts(4).grade(), "評価不能");

  v1::RollupRule rule;
  rule.set_method(v1::ROLLUP_METHOD_WEIGHTED_MEAN);
  EXPECT_NEAR(Rollup(scheme, rule, in).value(), (1.2 + 0.9 + 0.6) / 4, 1e-12);

  rule.set_method(v1::ROLLUP_METHOD_SHARE_AT_OR_ABOVE);
  rule.set_threshold_grade("B");
  auto* band = rule.add_bands();
  band->set_label("順調");
  band->set_min(60);
  band = rule.add_bands();
  band->set_label("遅れ");
  band->set_min(0);
  // One unit in the contract: a share is a ratio like a mean (2 of 3 at B or above = 0.667, not
  // 66.7), while the rule's bands stay written in percent (60 = 60%).
  auto share = Rollup(scheme, rule, in);
  EXPECT_NEAR(share.value(), 2.0 / 3, 1e-9);
  EXPECT_EQ(share.value_unit(), v1::ROLLUP_VALUE_UNIT_RATIO);
  EXPECT_EQ(share.computed_grade(), "順調");
  EXPECT_EQ(mean.value_unit(), v1::ROLLUP_VALUE_UNIT_RATIO);

  rule.set_method(v1::ROLLUP_METHOD_POINTS_SUM_BANDED);
  rule.mutable_bands(0)->set_min(2.0);
  auto points = Rollup(scheme, rule, in);
  EXPECT_NEAR(points.value(), (3 + 2 + 0) / 3.0, 1e-12);
  EXPECT_EQ(points.value_unit(), v1::ROLLUP_VALUE_UNIT_POINTS);
  EXPECT_EQ(points.computed_grade(), "遅れ");

  rule.set_method(v1::ROLLUP_METHOD_WORST_OF);
  EXPECT_EQ(Rollup(scheme, rule, in).computed_grade(), "D");
  rule.set_method(v1::ROLLUP_METHOD_MANUAL);
  EXPECT_EQ(Rollup(scheme, rule, in).computed_grade(), "");
}

// 累計 as running totals, a cumulative target for the plan's last year: an earlier year is graded
// on the running total against the share of the target due by then.
TEST(Evaluate, CumulativeInterimYearsAgainstTheShareDue) {
  v1::Indicator ind;
  ind.set_name("municipalities/142140/indicators/c");
  ind.set_display_name("創業者数【累計】");
  ind.set_direction(v1::DIRECTION_INCREASE);
  ind.set_formula(v1::FORMULA_F1_RATIO);  // as the importer sets it for 累計
  ind.mutable_aggregation()->set_kind(v1::AGGREGATION_KIND_CUMULATIVE);
  *ind.mutable_baseline()->mutable_value() = M("100人");  // one year's figure (2017)
  ind.mutable_baseline()->set_fiscal_year(2017);
  auto* t = ind.add_target_specs()->add_targets();
  t->set_fiscal_year(2022);
  *t->mutable_value() = M("500人");  // the running total due by 2022
  v1::Observation o2019, o2022;
  *o2019.mutable_value() = M("150人");  // running total after 2018–2019
  *o2022.mutable_value() = M("480人");
  ObservationsByYear obs{{2019, &o2019}, {2022, &o2022}};
  const auto scheme = PresetScheme(v1::GRADING_PRESET_ABCD);
  auto r = EvaluateIndicator(ind, scheme, 2019, obs);
  EXPECT_EQ(r.formula(), v1::FORMULA_F5_CUMULATIVE);
  EXPECT_NEAR(r.achievement(), 150.0 / 200, 1e-12);  // 2 of 5 years: 200 due
  r = EvaluateIndicator(ind, scheme, 2022, obs);      // the target's own year: as it stands
  EXPECT_NEAR(r.achievement(), 480.0 / 500, 1e-12);
}

TEST(Evaluate, TargetVersionsAndInterimProrating) {
  v1::Indicator ind;
  ind.set_name("municipalities/142140/indicators/x");
  ind.set_direction(v1::DIRECTION_INCREASE);
  *ind.mutable_baseline()->mutable_value() = M("0%");
  ind.mutable_baseline()->set_fiscal_year(2017);
  auto* spec = ind.add_target_specs();
  spec->set_version(1);
  auto* t = spec->add_targets();
  t->set_fiscal_year(2021);
  *t->mutable_value() = M("100%");
  auto* spec2 = ind.add_target_specs();
  spec2->set_version(2);
  spec2->set_valid_from_year(2022);
  t = spec2->add_targets();
  t->set_fiscal_year(2022);
  *t->mutable_value() = M("80%");
  v1::Observation o2019, o2022;
  *o2019.mutable_value() = M("40%");
  *o2022.mutable_value() = M("80%");
  ObservationsByYear obs{{2019, &o2019}, {2022, &o2022}};
  const auto scheme = PresetScheme(v1::GRADING_PRESET_ABCD);
  // 2019: no target for the year; the 2021 target pro-rated over 2 of 4 years → 50% expected.
  auto r = EvaluateIndicator(ind, scheme, 2019, obs);
  EXPECT_EQ(r.formula(), v1::FORMULA_F4_PRORATED);
  EXPECT_NEAR(r.achievement(), 0.8, 1e-12);
  // 2022: the revised target (version 2) is in force.
  r = EvaluateIndicator(ind, scheme, 2022, obs);
  EXPECT_EQ(r.target().value(), "80");
  EXPECT_NEAR(r.achievement(), 1.0, 1e-12);
  EXPECT_EQ(r.grade(), "B");
  // A year without an actual is 未報告 (not reported yet), not 0 and not 評価不能.
  r = EvaluateIndicator(ind, scheme, 2020, obs);
  EXPECT_FALSE(r.has_achievement());
  EXPECT_EQ(r.grade(), "未報告");
}

TEST(Evaluate, SurveyGapInPoints) {
  v1::Indicator ind;
  ind.set_survey_based(true);
  auto* t = ind.add_target_specs()->add_targets();
  t->set_fiscal_year(2024);
  *t->mutable_value() = M("60.0%");
  v1::Observation o;
  *o.mutable_value() = M("57.5%");
  auto r = EvaluateIndicator(ind, PresetScheme(v1::GRADING_PRESET_ABCD), 2024, {{2024, &o}});
  EXPECT_TRUE(r.has_gap());
  EXPECT_NEAR(r.gap(), -2.5, 1e-12);
  EXPECT_EQ(r.gap_unit(), "pt");
}

TEST(Forecast, LinearTrend) {
  auto f = LinearForecast({{2018, 10}, {2019, 20}, {2020, 30}}, 2022, 50, v1::DIRECTION_INCREASE);
  EXPECT_NEAR(f.value(), 50, 1e-9);
  EXPECT_NEAR(f.slope_per_year(), 10, 1e-9);
  EXPECT_EQ(f.outlook(), v1::TREND_OUTLOOK_ON_TRACK);
  f = LinearForecast({{2018, 10}, {2019, 20}, {2020, 30}}, 2022, 51, v1::DIRECTION_INCREASE);
  EXPECT_EQ(f.outlook(), v1::TREND_OUTLOOK_AT_RISK);
  f = LinearForecast({{2018, 30}, {2019, 20}}, 2022, 0, v1::DIRECTION_DECREASE);
  EXPECT_EQ(f.outlook(), v1::TREND_OUTLOOK_ON_TRACK);
  EXPECT_EQ(LinearForecast({{2018, 1}}, 2022, 5, v1::DIRECTION_INCREASE).outlook(),
            v1::TREND_OUTLOOK_INSUFFICIENT_DATA);
}

}  // namespace
// Seed 001's cells that ended as 評価不能: graded by the indicator's formula per part, or on the
// number inside a milestone.
TEST(Achievement, BreakdownsAndTheNumberInAMilestone) {
  AchievementInput in;
  in.formula = v1::FORMULA_F1_RATIO;
  in.direction = v1::DIRECTION_INCREASE;
  in.target = P("3、4年生20回/年 5、6年生20回/年");  // 09-102
  in.actual = P("5、6年生30回/年 3、4年生20回/年");
  ASSERT_EQ(in.target->breakdowns_size(), 2);
  Achievement a = ComputeAchievement(in);
  ASSERT_EQ(a.outcome, Outcome::kGraded) << a.reason;
  EXPECT_NEAR(a.ratio, (1.0 + 1.5) / 2, 1e-12);  // 3、4年生 20/20, 5、6年生 30/20, matched by label
  EXPECT_NE(a.reason.find("5、6年生 150.0%"), std::string::npos) << a.reason;
  in.actual = P("1年生10回/年");  // no common label
  EXPECT_EQ(ComputeAchievement(in).outcome, Outcome::kNotEvaluable);

  in = AchievementInput();
  in.target = P("制度創設 10人任命");  // 14-101
  in.actual = P("0人");
  in.target_kind = ClassifyTarget(*in.target);
  in.formula = DefaultFormula(v1::DIRECTION_INCREASE, v1::AGGREGATION_KIND_UNSPECIFIED,
                              in.target_kind);
  a = ComputeAchievement(in);
  ASSERT_EQ(a.outcome, Outcome::kGraded) << a.reason;
  EXPECT_EQ(a.ratio, 0.0);
  EXPECT_NE(a.reason.find("10人"), std::string::npos) << a.reason;
  in.actual = P("10人");
  EXPECT_EQ(ComputeAchievement(in).ratio, 1.0);
  in.actual = P("制度創設");  // the milestone's own step: still the ladder
  EXPECT_EQ(ComputeAchievement(in).formula, v1::FORMULA_F9_LADDER);
}

// What a report prints beside a grade is what was graded: never rounded up into the next band.
TEST(PercentText, NeverRoundsUpOntoAThresholdNotReached) {
  EXPECT_EQ(PercentText(0.9996), "99.9%");  // graded below 100%: never printed as 100.0%
  EXPECT_EQ(PercentText(0.79951), "79.9%");  // nor as 80.0%
  EXPECT_EQ(PercentText(0.999), "99.9%");
  EXPECT_EQ(PercentText(1.0), "100.0%");
  EXPECT_EQ(PercentText(1.00004), "100.0%");  // rounding down onto it is fine: it was reached
  EXPECT_EQ(PercentText(0.7), "70.0%");       // 0.7 × 1000 is 699.99…: still 70.0%
  EXPECT_EQ(PercentText(0.9859375), "98.6%");  // otherwise ordinary rounding
  EXPECT_EQ(PercentText(112.0 / 176), "63.6%");
  EXPECT_EQ(PercentText(-0.755), "-75.5%");
  EXPECT_EQ(PercentText(0.0), "0.0%");
}

}  // namespace sokei::kpi

namespace sokei::kpi {
namespace {

// なし / － / 0 read from the row: a milestone not yet reached, a milestone reached before, a count
// with nothing to count, a survey not held; a row that does not decide is not graded.
TEST(Evaluate, PlaceholdersReadInContext) {
  const auto scheme = PresetScheme(v1::GRADING_PRESET_ABCD);
  auto indicator = [](const std::string& name, const std::string& target) {
    v1::Indicator ind;
    ind.set_name("municipalities/142140/indicators/" + name);
    ind.set_display_name(name);
    ind.set_direction(v1::DIRECTION_INCREASE);
    auto* t = ind.add_target_specs()->add_targets();
    t->set_fiscal_year(2022);
    *t->mutable_value() = M(target.c_str());
    t->set_kind(ClassifyTarget(t->value()));
    return ind;
  };
  // A milestone (制度創設): なし before it is reached is step 0 — not achieved, not 評価不能.
  const v1::Indicator plan = indicator("条例制定", "制定");
  v1::Observation none, done;
  *none.mutable_value() = M("なし");
  *done.mutable_value() = M("制定");
  auto r = EvaluateIndicator(plan, scheme, 2022, ObservationsByYear{{2022, &none}});
  ASSERT_TRUE(r.has_achievement()) << r.reason();
  EXPECT_EQ(r.achievement(), 0.0);
  EXPECT_NE(r.reason().find("段階0"), std::string::npos);
  // Reached in 2021, なし in 2022: it stays reached.
  r = EvaluateIndicator(plan, scheme, 2022, ObservationsByYear{{2021, &done}, {2022, &none}});
  ASSERT_TRUE(r.has_achievement());
  EXPECT_EQ(r.achievement(), 1.0);
  EXPECT_NE(r.reason().find("2021"), std::string::npos);
  // A count: － is zero of them.
  const v1::Indicator count = indicator("相談件数", "120件");
  v1::Observation dash;
  *dash.mutable_value() = M("－");
  r = EvaluateIndicator(count, scheme, 2022, ObservationsByYear{{2022, &dash}});
  ASSERT_TRUE(r.has_achievement()) << r.reason();
  EXPECT_EQ(r.achievement(), 0.0);
  EXPECT_EQ(r.actual().raw(), "－") << "the raw text is kept";
  // A survey-based row: － is not measured that year.
  v1::Indicator survey = indicator("市政に満足している市民の割合", "60%");
  r = EvaluateIndicator(survey, scheme, 2022, ObservationsByYear{{2022, &dash}});
  EXPECT_FALSE(r.has_achievement());
  EXPECT_NE(r.reason().find("測定なし"), std::string::npos);
  // A rate that is no survey: the row does not decide — not graded, and it says so.
  const v1::Indicator rate = indicator("耐震化率", "95%");
  r = EvaluateIndicator(rate, scheme, 2022, ObservationsByYear{{2022, &dash}});
  EXPECT_FALSE(r.has_achievement());
  EXPECT_NE(r.reason().find("決められない"), std::string::npos);
  // Zero in any width is the milestone's step 0; a longer number is a number.
  v1::Observation zero_wide, ten;
  *zero_wide.mutable_value() = M("０");
  r = EvaluateIndicator(plan, scheme, 2022, ObservationsByYear{{2022, &zero_wide}});
  ASSERT_TRUE(r.has_achievement()) << r.reason();
  EXPECT_NE(r.reason().find("段階0"), std::string::npos) << r.reason();
  *ten.mutable_value() = M("１０");
  r = EvaluateIndicator(plan, scheme, 2022, ObservationsByYear{{2022, &ten}});
  EXPECT_EQ(r.reason().find("段階0"), std::string::npos) << r.reason();
}

// A result evaluated into a message on an arena (as a summary does) is the one returned by value,
// the target and the actual as read included.
TEST(Evaluate, IntoAnArenaMessageAsByValue) {
  const auto scheme = PresetScheme(v1::GRADING_PRESET_ABCD);
  v1::Indicator ind;
  ind.set_name("municipalities/142140/indicators/i1");
  ind.set_display_name("相談件数");
  ind.set_direction(v1::DIRECTION_INCREASE);
  ind.add_nodes("municipalities/142140/plans/p/nodes/n1");
  auto* t = ind.add_target_specs()->add_targets();
  t->set_fiscal_year(2022);
  *t->mutable_value() = M("120件");
  t->set_kind(ClassifyTarget(t->value()));
  for (const char* actual : {"96件", "－"}) {
    v1::Observation o;
    *o.mutable_value() = M(actual);
    const ObservationsByYear by_year{{2022, &o}};
    const v1::IndicatorResult by_value = EvaluateIndicator(ind, scheme, 2022, by_year);
    google::protobuf::Arena arena;
    auto* on_arena = google::protobuf::Arena::CreateMessage<v1::IndicatorResult>(&arena);
    EvaluateIndicator(ind, scheme, 2022, by_year, on_arena);
    EXPECT_EQ(on_arena->SerializeAsString(), by_value.SerializeAsString()) << actual;
    EXPECT_EQ(on_arena->actual().raw(), actual);
    EXPECT_EQ(on_arena->target().raw(), "120件");
    EXPECT_TRUE(on_arena->has_achievement()) << on_arena->reason();
  }
}

}  // namespace
}  // namespace sokei::kpi
