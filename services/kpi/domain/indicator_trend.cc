#include "services/kpi/domain/indicator_trend.h"

#include "absl/strings/numbers.h"

namespace sokei::kpi {

v1::TrendChange CompareActuals(v1::Direction direction, const type::v1::Measurement& before,
                               const type::v1::Measurement& now) {
  double a = 0, b = 0;
  if (!absl::SimpleAtod(before.value(), &a) || !absl::SimpleAtod(now.value(), &b)) {
    return v1::TREND_CHANGE_UNKNOWN;
  }
  if (direction != v1::DIRECTION_INCREASE && direction != v1::DIRECTION_DECREASE) {
    return v1::TREND_CHANGE_UNKNOWN;
  }
  if (a == b) return v1::TREND_CHANGE_UNCHANGED;
  const bool up = b > a;
  return up == (direction == v1::DIRECTION_INCREASE) ? v1::TREND_CHANGE_IMPROVED
                                                     : v1::TREND_CHANGE_WORSENED;
}

v1::IndicatorTrend TrendOf(const v1::Indicator& indicator, const v1::IndicatorResult& now,
                           const std::vector<v1::Observation>& observations) {
  v1::IndicatorTrend t;
  t.set_indicator(indicator.name());
  const v1::Observation* latest = nullptr;
  for (const auto& o : observations) {
    if (!o.breakdown_key().empty() || o.fiscal_year() >= now.fiscal_year()) continue;
    if (o.value().value().empty()) continue;
    if (latest == nullptr || o.fiscal_year() > latest->fiscal_year()) latest = &o;
  }
  if (latest != nullptr) {
    t.set_compared_year(latest->fiscal_year());
    *t.mutable_compared() = latest->value();
  } else if (indicator.has_baseline() && !indicator.baseline().value().raw().empty()) {
    t.set_from_baseline(true);
    t.set_compared_year(indicator.baseline().fiscal_year());
    *t.mutable_compared() = indicator.baseline().value();
  } else {
    t.set_change(v1::TREND_CHANGE_UNKNOWN);
    return t;
  }
  t.set_change(CompareActuals(indicator.direction(), t.compared(), now.actual()));
  return t;
}

}  // namespace sokei::kpi
