#include "services/kpi/domain/achievement.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/jp/measurement.h"
#include "common/jp/text.h"
#include "services/kpi/domain/placeholder_reading.h"

namespace sokei::kpi {
namespace {

using type::v1::Measurement;

bool IsIncrease(v1::Direction d) { return d != v1::DIRECTION_DECREASE; }

bool Contains(const std::string& s, const char* word) { return s.find(word) != std::string::npos; }

Achievement Graded(Formula f, double ratio, std::string reason = "") {
  Achievement a;
  a.outcome = Outcome::kGraded;
  a.formula = f;
  a.ratio = ratio;
  a.reason = std::move(reason);
  return a;
}

Achievement NotGraded(Outcome o, Formula f, std::string reason) {
  Achievement a;
  a.outcome = o;
  a.formula = f;
  a.reason = std::move(reason);
  return a;
}

// Status of an actual that is not a number to grade.
std::optional<Achievement> StatusBlocks(const Measurement& actual, Formula f) {
  switch (actual.status()) {
    case type::v1::VALUE_STATUS_UNPUBLISHED:
      return NotGraded(Outcome::kPending, f, "未公表 (公表待ち)");
    case type::v1::VALUE_STATUS_NOT_APPLICABLE:
      return NotGraded(Outcome::kNotEvaluable, f, "該当なし");
    case type::v1::VALUE_STATUS_NOT_EVALUABLE:
      return NotGraded(Outcome::kNotEvaluable, f, "評価不能");
    default:
      break;
  }
  if (actual.partial_period()) {
    return NotGraded(Outcome::kPending, f, "期間途中の実績は年間目標と比較しない");
  }
  if (actual.raw().empty() && actual.value().empty() && actual.qualitative().empty()) {
    return NotGraded(Outcome::kPending, f, "実績未入力");
  }
  return std::nullopt;
}

Achievement Ladder(const AchievementInput& in) {
  const Formula f = v1::FORMULA_F9_LADDER;
  const std::string t =
      in.target->qualitative().empty() ? in.target->raw() : in.target->qualitative();
  const std::string a =
      in.actual->qualitative().empty() ? in.actual->raw() : in.actual->qualitative();
  if (!t.empty() && jp::SearchFold(t) == jp::SearchFold(a)) {
    return Graded(f, 1.0, "目標の段階に到達");
  }
  auto ts = jp::QualitativeStep(t);
  auto as = jp::QualitativeStep(a);
  if (!as) {
    // 制度創設 10人任命 against 0人: the actual reports the number part of the milestone — grade
    // that part (A / T) rather than leave it 評価不能.
    const auto tv = jp::MeasurementValue(*in.target);
    const auto av = jp::MeasurementValue(*in.actual);
    const bool same_unit = in.actual->unit().empty() || in.actual->unit() == in.target->unit();
    if (tv && av && *tv > 0 && *av >= 0 && same_unit) {
      return Graded(
          v1::FORMULA_F1_RATIO, *av / *tv,
          absl::StrCat("目標の数値部分 (", in.target->value(), in.target->unit(), ") で判定"));
    }
  }
  if (!ts || !as) return NotGraded(Outcome::kNotEvaluable, f, "段階を判定できない記述");
  if (*ts == 0) return Graded(f, 1.0, "目標段階 0");
  return Graded(f, static_cast<double>(*as) / *ts, absl::StrCat("段階 ", *as, " / 目標段階 ", *ts));
}

// Cells with several labelled values (5、6年生17回/年 3、4年生20回/年): each part of the actual
// against the part of the target with the same label (matched as SearchFold matches), the
// indicator's achievement the mean of the parts. Only labels in both are compared.
std::optional<Achievement> ByBreakdown(const AchievementInput& in, Formula f) {
  if (in.target->breakdowns().empty() || in.actual->breakdowns().empty()) return std::nullopt;
  const bool up = IsIncrease(in.direction);
  double sum = 0;
  int n = 0;
  std::string parts;
  for (const auto& tb : in.target->breakdowns()) {
    for (const auto& ab : in.actual->breakdowns()) {
      if (jp::SearchFold(tb.key()) != jp::SearchFold(ab.key())) continue;
      double T = 0, A = 0;
      if (!absl::SimpleAtod(tb.value(), &T) || !absl::SimpleAtod(ab.value(), &A) || T <= 0) break;
      const double ratio = up ? A / T : std::max(0.0, (2 * T - A) / T);
      sum += ratio;
      ++n;
      absl::StrAppend(&parts, parts.empty() ? "" : "、", tb.key(), " ", PercentText(ratio));
      break;
    }
  }
  if (n == 0) return NotGraded(Outcome::kNotEvaluable, f, "目標と実績の内訳が対応しない");
  return Graded(f == v1::FORMULA_F2_INVERSE ? f : v1::FORMULA_F1_RATIO, sum / n,
                absl::StrCat("内訳ごとに判定し平均 (", parts, ")"));
}

}  // namespace

Formula DefaultFormula(v1::Direction direction, v1::AggregationKind aggregation,
                       v1::TargetKind target_kind) {
  switch (target_kind) {
    case v1::TARGET_KIND_QUALITATIVE:
      return v1::FORMULA_F9_LADDER;
    case v1::TARGET_KIND_INEQUALITY:
    case v1::TARGET_KIND_RANGE:
      return v1::FORMULA_F7_INEQUALITY;
    case v1::TARGET_KIND_DIRECTION_ONLY:
      return v1::FORMULA_F8_DIRECTION;
    default:
      break;
  }
  if (aggregation == v1::AGGREGATION_KIND_CUMULATIVE) return v1::FORMULA_F5_CUMULATIVE;
  if (direction == v1::DIRECTION_MAINTAIN) return v1::FORMULA_F6_MAINTAIN;
  if (direction == v1::DIRECTION_DECREASE || aggregation == v1::AGGREGATION_KIND_RANK) {
    return v1::FORMULA_F2_INVERSE;
  }
  return v1::FORMULA_F1_RATIO;
}

v1::TargetKind ClassifyTarget(const Measurement& m) {
  const std::string text = jp::Nfkc(m.raw());
  if (m.understood() == type::v1::UNDERSTANDING_PLACEHOLDER || Contains(text, "設定しない") ||
      Contains(text, "モニタリング")) {
    return v1::TARGET_KIND_MONITORING_ONLY;
  }
  if (m.operator_() == type::v1::OPERATOR_BETWEEN) return v1::TARGET_KIND_RANGE;
  if (m.operator_() == type::v1::OPERATOR_GE || m.operator_() == type::v1::OPERATOR_GT ||
      m.operator_() == type::v1::OPERATOR_LE || m.operator_() == type::v1::OPERATOR_LT) {
    return v1::TARGET_KIND_INEQUALITY;
  }
  if (m.value().empty() && m.breakdowns().empty()) {
    for (const char* w : {"増加", "減少", "向上", "抑制", "維持", "上昇", "低下", "改善"}) {
      if (Contains(text, w) && !jp::QualitativeStep(text)) return v1::TARGET_KIND_DIRECTION_ONLY;
    }
    return v1::TARGET_KIND_QUALITATIVE;
  }
  if (m.understood() == type::v1::UNDERSTANDING_PARTIAL && !m.qualitative().empty() &&
      jp::QualitativeStep(m.qualitative())) {
    return v1::TARGET_KIND_QUALITATIVE;  // 制度創設 10人任命 is a milestone with a number in it
  }
  return v1::TARGET_KIND_NUMERIC;
}

namespace {

// F3 (progress from the baseline) and F4 (the same against a target prorated over the years).
Achievement Progress(const AchievementInput& in, Formula f, double A, double T, bool up) {
  if (!in.baseline) return NotGraded(Outcome::kNotEvaluable, f, "基準値がない");
  const double B = *in.baseline;
  if (T == B) {
    // Nothing to progress: judged as maintaining the level.
    const bool met = up ? A >= T : A <= T;
    return Graded(f, met ? 1.0 : (T != 0 ? (up ? A / T : std::max(0.0, (2 * T - A) / T)) : 0.0),
                  "目標値 = 基準値 (維持として判定)");
  }
  if ((T - B > 0) != up) {
    // The baseline already passed the target: progress from it means nothing.
    return Graded(v1::FORMULA_F1_RATIO, up ? A / T : std::max(0.0, (2 * T - A) / T),
                  "基準値が既に目標を超えている (A/T で判定)");
  }
  double expected = T - B;
  if (f == v1::FORMULA_F4_PRORATED) {
    if (in.years_total <= 0 || in.years_elapsed <= 0) {
      return NotGraded(Outcome::kNotEvaluable, f, "経過年数が不明");
    }
    expected = expected * in.years_elapsed / in.years_total;
    return Graded(f, (A - B) / expected,
                  absl::StrCat("按分目標 (", in.years_elapsed, "/", in.years_total, "年)"));
  }
  return Graded(f, (A - B) / expected);
}

// F7: the target's inequality (≥, >, ≤, <, between) met or not; the ratio says by how much.
Achievement Inequality(const AchievementInput& in, Formula f, double A, double T, bool up) {
  bool met = false;
  double ratio = 0.0;
  switch (in.target->operator_()) {
    case type::v1::OPERATOR_GE:
      met = A >= T;
      ratio = T == 0 ? (met ? 1.0 : 0.0) : A / T;
      break;
    case type::v1::OPERATOR_GT:
      met = A > T;
      ratio = T == 0 ? (met ? 1.0 : 0.0) : A / T;
      break;
    case type::v1::OPERATOR_LE:
      met = A <= T;
      ratio = T == 0 ? (met ? 1.0 : 0.0) : std::max(0.0, (2 * T - A) / T);
      break;
    case type::v1::OPERATOR_LT:
      met = A < T;
      ratio = T == 0 ? (met ? 1.0 : 0.0) : std::max(0.0, (2 * T - A) / T);
      break;
    case type::v1::OPERATOR_BETWEEN: {
      const double hi = jp::MeasurementValue([&] {
                          Measurement u;
                          u.set_value(in.target->upper());
                          return u;
                        }())
                            .value_or(T);
      met = A >= T && A <= hi;
      ratio = met ? 1.0 : (A < T ? (T == 0 ? 0.0 : A / T) : (hi == 0 ? 0.0 : hi / A));
      break;
    }
    default:
      met = up ? A >= T : A <= T;
      ratio = T == 0 ? (met ? 1.0 : 0.0) : (up ? A / T : std::max(0.0, (2 * T - A) / T));
  }
  // A met inequality is 100% at least; an unmet one stays below.
  if (met) ratio = std::max(ratio, 1.0);
  if (!met) ratio = std::min(ratio, 0.999);
  return Graded(f, ratio, met ? "条件を満たす" : "条件を満たさない");
}

}  // namespace

Achievement ComputeAchievement(const AchievementInput& in) {
  Formula f = in.formula;
  if (in.target_kind == v1::TARGET_KIND_MONITORING_ONLY) {
    return NotGraded(Outcome::kNoTarget, f, "目標値なし (モニタリング)");
  }
  if (f == v1::FORMULA_UNSPECIFIED) {
    f = DefaultFormula(in.direction, v1::AGGREGATION_KIND_UNSPECIFIED, in.target_kind);
  }
  if (auto blocked = StatusBlocks(*in.actual, f)) return *blocked;
  if (auto parts = ByBreakdown(in, f)) return *parts;
  if (f == v1::FORMULA_F9_LADDER) return Ladder(in);

  const auto t = jp::MeasurementValue(*in.target);
  const auto a = jp::MeasurementValue(*in.actual);
  if (!a) {
    // A milestone written against a numeric target, or text nobody can grade.
    if (!in.actual->qualitative().empty() && !in.target->qualitative().empty()) return Ladder(in);
    return NotGraded(Outcome::kNotEvaluable, f, "実績が数値でない");
  }
  if (!t && f != v1::FORMULA_F8_DIRECTION && f != v1::FORMULA_F5_CUMULATIVE) {
    return NotGraded(Outcome::kNoTarget, f, "目標が数値でない");
  }
  Achievement out;
  const double A = *a;
  const double T = t.value_or(0.0);
  const bool up = IsIncrease(in.direction);
  switch (f) {
    case v1::FORMULA_F1_RATIO:
      if (T == 0) return NotGraded(Outcome::kNotEvaluable, f, "目標値が0 (A/T は定義されない)");
      if (T < 0 || A < 0) {
        if (!in.baseline || *in.baseline == T) {
          return NotGraded(Outcome::kNotEvaluable, f, "負の値: 基準値がなく進捗率を計算できない");
        }
        out = Graded(v1::FORMULA_F3_PROGRESS, (A - *in.baseline) / (T - *in.baseline),
                     "負の値のため基準値からの進捗 (F3)");
      } else {
        out = Graded(f, A / T);
      }
      break;
    case v1::FORMULA_F2_INVERSE:
      if (T == 0) {
        out = Graded(f, A <= 0 ? 1.0 : 0.0, A <= 0 ? "目標0を達成" : "目標0に対し発生あり");
      } else {
        out = Graded(f, std::max(0.0, (2 * T - A) / T));
      }
      break;
    case v1::FORMULA_F3_PROGRESS:
    case v1::FORMULA_F4_PRORATED:
      out = Progress(in, f, A, T, up);
      if (out.outcome != Outcome::kGraded) return out;
      break;
    case v1::FORMULA_F5_CUMULATIVE: {
      const double ca = in.cumulative_actual.value_or(A);
      const double ct = in.cumulative_target ? *in.cumulative_target : T;
      if (ct == 0) return NotGraded(Outcome::kNotEvaluable, f, "累計目標が0");
      out = Graded(f, ca / ct, "累計");
      break;
    }
    case v1::FORMULA_F6_MAINTAIN: {
      const double lo = T - std::abs(T) * in.tolerance;
      if (A >= lo) {
        out = Graded(f, T == 0 ? 1.0 : std::max(1.0, A / T), "維持");
      } else {
        out = Graded(f, T == 0 ? 0.0 : A / T, "維持できていない");
      }
      break;
    }
    case v1::FORMULA_F7_INEQUALITY:
      out = Inequality(in, f, A, T, up);
      break;
    case v1::FORMULA_F8_DIRECTION: {
      const std::optional<double> ref = in.previous_actual ? in.previous_actual : in.baseline;
      if (!ref) return NotGraded(Outcome::kNotEvaluable, f, "比較する基準値・前年値がない");
      const double band = in.survey_based && in.no_change_band_points > 0
                              ? in.no_change_band_points
                              : std::abs(*ref) * in.tolerance;
      const double d = A - *ref;
      if (std::abs(d) <= band) {
        out = Graded(f, 0.5, "変化なし (許容幅内)");
      } else if ((d > 0) == up) {
        out = Graded(f, 1.0, "目標の方向に変化");
      } else {
        out = Graded(f, 0.0, "目標と逆の方向に変化");
      }
      break;
    }
    default:
      return NotGraded(Outcome::kNotEvaluable, f, "未対応の算定式");
  }
  if (t) out.gap = A - T;
  if (in.actual->status() == type::v1::VALUE_STATUS_FORECAST) {
    out.reason = out.reason.empty() ? "見込値" : out.reason + " (見込値)";
  }
  return out;
}

// ---- Indicator evaluation ----

const v1::TargetSpec* SpecInForce(const v1::Indicator& ind, int fiscal_year) {
  if (ind.target_specs().empty()) return nullptr;
  const v1::TargetSpec* best = &ind.target_specs(0);
  for (const auto& spec : ind.target_specs()) {
    if (spec.valid_from_year() <= fiscal_year) best = &spec;  // oldest first: the newest wins
  }
  return best;
}

int FirstYearRead(const v1::Indicator& ind, int fiscal_year) {
  int from = fiscal_year;
  if (ind.aggregation().kind() == v1::AGGREGATION_KIND_CUMULATIVE &&
      (ind.formula() == v1::FORMULA_F5_CUMULATIVE || ind.formula() == v1::FORMULA_UNSPECIFIED)) {
    from = std::min(from, ind.aggregation().start_year());
  }
  if (ind.formula() == v1::FORMULA_F8_DIRECTION) from = std::min(from, fiscal_year - 1);
  const YearTarget yt = TargetFor(SpecInForce(ind, fiscal_year), fiscal_year);
  if (yt.target != nullptr && yt.target->kind() == v1::TARGET_KIND_DIRECTION_ONLY) {
    from = std::min(from, fiscal_year - 1);
  }
  return from;
}

YearTarget TargetFor(const v1::TargetSpec* spec, int fiscal_year) {
  YearTarget out;
  if (spec == nullptr) return out;
  const v1::Target* final_target = nullptr;
  for (const auto& t : spec->targets()) {
    if (t.fiscal_year() == fiscal_year) {
      out.target = &t;
      return out;
    }
    if (t.fiscal_year() > fiscal_year &&
        (final_target == nullptr || t.fiscal_year() < final_target->fiscal_year())) {
      final_target = &t;  // the nearest later target
    }
  }
  if (final_target != nullptr) {
    out.target = final_target;
    out.interim = true;
  }
  return out;
}

namespace {

// 累計 (cumulative) indicators: the running total of the actuals, or — when the city reports
// running totals — the share of the cumulative target due by the year.
void ApplyCumulative(const v1::Indicator& ind, int fiscal_year, const YearTarget& yt,
                     const ObservationsByYear& observations, AchievementInput& in) {
  // Running totals from the start year.
  if (in.formula == v1::FORMULA_F5_CUMULATIVE &&
      ind.aggregation().kind() == v1::AGGREGATION_KIND_CUMULATIVE) {
    const int start = ind.aggregation().start_year();
    double sum = ind.aggregation().baseline_included() ? in.baseline.value_or(0.0) : 0.0;
    bool any = false;
    for (const auto& [year, obs] : observations) {
      if (year > fiscal_year || (start > 0 && year < start)) continue;
      if (auto v = jp::MeasurementValue(obs->value())) {
        sum += *v;
        any = true;
      }
    }
    if (any) in.cumulative_actual = sum;
  }
  // 累計 reported as running totals (an import sets F1 for them): a year before the final
  // target is measured against the share of the cumulative target due by then — never pro-rated
  // from a baseline that is a single year's value (150 of a 500 total against a 100/year baseline
  // was (150 − 100) / 160 = 31%; it is 150 / 200 = 75%).
  if (yt.interim && ind.aggregation().kind() == v1::AGGREGATION_KIND_CUMULATIVE &&
      in.formula != v1::FORMULA_F9_LADDER && in.formula != v1::FORMULA_F7_INEQUALITY &&
      in.formula != v1::FORMULA_F8_DIRECTION && ind.formula() != v1::FORMULA_F5_CUMULATIVE) {
    const int target_year = yt.target->fiscal_year();
    const int start = ind.aggregation().start_year() > 0 ? ind.aggregation().start_year()
                      : ind.baseline().fiscal_year() > 0 ? ind.baseline().fiscal_year() + 1
                                                         : 0;
    const auto total = jp::MeasurementValue(yt.target->value());
    if (start > 0 && total && fiscal_year >= start && target_year >= fiscal_year) {
      in.formula = v1::FORMULA_F5_CUMULATIVE;
      in.cumulative_target = *total * (fiscal_year - start + 1) / (target_year - start + 1);
      in.cumulative_actual = jp::MeasurementValue(*in.actual);
    }
  }
}

// A placeholder the row was read as (なし, －, 0: placeholder_reading.h) decides or explains the
// grade.
void ApplyPlaceholder(const PlaceholderReading& reading, Achievement& a) {
  switch (reading.meaning) {
    case PlaceholderMeaning::kNotYet:
      a = Graded(v1::FORMULA_F9_LADDER, 0.0, reading.explanation);
      break;
    case PlaceholderMeaning::kStillReached:
      a = Graded(v1::FORMULA_F9_LADDER, 1.0, reading.explanation);
      break;
    case PlaceholderMeaning::kNotMeasured:
      a = NotGraded(Outcome::kNotEvaluable, a.formula, reading.explanation);
      break;
    case PlaceholderMeaning::kZero:
    case PlaceholderMeaning::kUndecided:
      a.reason = a.reason.empty() ? reading.explanation
                                  : absl::StrCat(reading.explanation, " / ", a.reason);
      break;
    case PlaceholderMeaning::kNone:
      break;
  }
}

}  // namespace

v1::IndicatorResult EvaluateIndicator(const v1::Indicator& ind, const v1::GradingScheme& scheme,
                                      int fiscal_year, const ObservationsByYear& observations) {
  v1::IndicatorResult r;
  EvaluateIndicator(ind, scheme, fiscal_year, observations, &r);
  return r;
}

void EvaluateIndicator(const v1::Indicator& ind, const v1::GradingScheme& scheme, int fiscal_year,
                       const ObservationsByYear& observations, v1::IndicatorResult* out) {
  v1::IndicatorResult& r = *out;
  r.set_indicator(ind.name());
  r.set_code(ind.code());
  r.set_display_name(ind.display_name());
  r.set_fiscal_year(fiscal_year);
  *r.mutable_nodes() = ind.nodes();
  *r.mutable_departments() = ind.departments();

  AchievementInput in;
  in.direction = ind.direction();
  in.formula = ind.formula();
  in.tolerance = scheme.tolerance();
  in.survey_based = ind.survey_based();
  in.no_change_band_points = scheme.no_change_band_points();
  in.baseline = jp::MeasurementValue(ind.baseline().value());

  const v1::TargetSpec* spec = SpecInForce(ind, fiscal_year);
  const YearTarget yt = TargetFor(spec, fiscal_year);
  if (yt.target != nullptr) {
    in.target = &yt.target->value();
    in.target_kind = yt.target->kind() != v1::TARGET_KIND_UNSPECIFIED
                         ? yt.target->kind()
                         : ClassifyTarget(yt.target->value());
  } else {
    in.target_kind = v1::TARGET_KIND_MONITORING_ONLY;
  }
  if (in.formula == v1::FORMULA_UNSPECIFIED) {
    in.formula = DefaultFormula(ind.direction(), ind.aggregation().kind(), in.target_kind);
  }
  // A later final target for an interim year: pro-rate from the baseline (F4).
  if (yt.interim && in.baseline && in.formula != v1::FORMULA_F9_LADDER &&
      in.formula != v1::FORMULA_F7_INEQUALITY && in.formula != v1::FORMULA_F8_DIRECTION) {
    const int base_year = ind.baseline().fiscal_year();
    if (base_year > 0 && yt.target->fiscal_year() > base_year) {
      in.formula = v1::FORMULA_F4_PRORATED;
      in.years_elapsed = fiscal_year - base_year;
      in.years_total = yt.target->fiscal_year() - base_year;
    }
  }
  const auto it = observations.find(fiscal_year);
  if (it != observations.end()) {
    in.actual = &it->second->value();
    r.set_review_state(it->second->review_state());
    r.set_reported_rate(it->second->reported_rate());
    r.set_reported_grade(it->second->reported_grade());
  }
  ApplyCumulative(ind, fiscal_year, yt, observations, in);
  if (auto prev = observations.find(fiscal_year - 1); prev != observations.end()) {
    in.previous_actual = jp::MeasurementValue(prev->second->value());
  }
  if (in.target_kind != v1::TARGET_KIND_DIRECTION_ONLY) in.previous_actual.reset();

  // なし / － / 0 read from the row (placeholder_reading.h).
  PlaceholderReading reading;
  type::v1::Measurement zero;  // the actual a placeholder was read as (0), graded instead
  if (it != observations.end()) {
    std::map<int, const type::v1::Measurement*> earlier;
    for (const auto& [y, o] : observations) {
      if (y < fiscal_year) earlier[y] = &o->value();
    }
    reading = ReadPlaceholder(ind, *in.actual, *in.target, in.target_kind, fiscal_year, earlier);
    if (reading.meaning == PlaceholderMeaning::kZero) {
      zero = *in.actual;
      zero.set_value("0");
      zero.set_unit(in.target->unit());
      zero.set_status(type::v1::VALUE_STATUS_UNSPECIFIED);
      zero.set_understood(type::v1::UNDERSTANDING_FULL);
      in.actual = &zero;
    }
  }
  Achievement a = ComputeAchievement(in);
  ApplyPlaceholder(reading, a);
  // The result shows the target and the actual as read (also when a placeholder was graded as 0):
  // one copy each, from the indicator and the observation.
  const bool actual_read = it != observations.end();
  const std::optional<double> actual_value = jp::MeasurementValue(*in.actual);
  if (yt.target != nullptr) *r.mutable_target() = yt.target->value();
  if (actual_read) *r.mutable_actual() = it->second->value();
  if (it != observations.end() && it->second->reference()) {
    a = NotGraded(Outcome::kNoTarget, a.formula,
                  "参考値（参考として示された値、または基準年より前の年）: 評価しない");
  }
  r.set_formula(a.formula);
  r.set_reason(a.reason);
  if (a.outcome == Outcome::kGraded) {
    r.set_has_achievement(true);
    r.set_achievement(a.ratio);
  }
  if (a.gap) {
    r.set_has_gap(true);
    r.set_gap(*a.gap);
    const std::string unit = r.actual().unit().empty() ? ind.unit() : r.actual().unit();
    r.set_gap_unit(ind.survey_based() && (unit == "%" || unit.empty()) ? "pt" : unit);
  }
  const Grade g = GradeOf(scheme, a, in.baseline, actual_value, ind.direction());
  r.set_grade(g.label);
  r.set_provisional(a.outcome == Outcome::kGraded &&
                    ind.direction_source() == v1::DIRECTION_SOURCE_DOUBTFUL);
  r.set_symbol(g.symbol);
  // Attention: graded in the worst band, or no value where one was due.
  const bool worst = g.band >= 0 && g.band == scheme.bands_size() - 1;
  r.set_needs_attention(worst || (a.outcome == Outcome::kNotEvaluable && yt.target != nullptr));
}

}  // namespace sokei::kpi
