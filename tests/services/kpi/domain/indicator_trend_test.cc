// 推移 on a 評価シート: an actual against the latest earlier one, else the baseline, judged by the
// indicator's direction.
#include "services/kpi/domain/indicator_trend.h"

#include <gtest/gtest.h>

#include <vector>

namespace sokei::kpi {
namespace {

namespace pb = ::sokei::kpi::v1;

type::v1::Measurement M(const char* value, const char* raw) {
  type::v1::Measurement m;
  m.set_value(value);
  m.set_raw(raw);
  return m;
}

pb::Observation Obs(int year, const char* value, const char* raw, const char* breakdown = "") {
  pb::Observation o;
  o.set_fiscal_year(year);
  o.set_breakdown_key(breakdown);
  *o.mutable_value() = M(value, raw);
  return o;
}

TEST(IndicatorTrend, ByDirection) {
  EXPECT_EQ(CompareActuals(pb::DIRECTION_INCREASE, M("10", ""), M("12", "")),
            pb::TREND_CHANGE_IMPROVED);
  EXPECT_EQ(CompareActuals(pb::DIRECTION_INCREASE, M("10", ""), M("8", "")),
            pb::TREND_CHANGE_WORSENED);
  EXPECT_EQ(CompareActuals(pb::DIRECTION_DECREASE, M("10", ""), M("8", "")),
            pb::TREND_CHANGE_IMPROVED);
  EXPECT_EQ(CompareActuals(pb::DIRECTION_DECREASE, M("10", ""), M("10", "")),
            pb::TREND_CHANGE_UNCHANGED);
  EXPECT_EQ(CompareActuals(pb::DIRECTION_MAINTAIN, M("10", ""), M("12", "")),
            pb::TREND_CHANGE_UNKNOWN);
  EXPECT_EQ(CompareActuals(pb::DIRECTION_INCREASE, M("", "未集計"), M("12", "")),
            pb::TREND_CHANGE_UNKNOWN);
}

TEST(IndicatorTrend, LatestEarlierActualElseTheBaseline) {
  pb::Indicator ind;
  ind.set_name("municipalities/1/indicators/i");
  ind.set_direction(pb::DIRECTION_INCREASE);
  ind.mutable_baseline()->set_fiscal_year(2017);
  *ind.mutable_baseline()->mutable_value() = M("162", "162人");
  pb::IndicatorResult now;
  now.set_fiscal_year(2021);
  *now.mutable_actual() = M("112", "112人");
  // Earlier years, a breakdown and a later year: the total of 2020 is the one compared.
  const std::vector<pb::Observation> obs = {Obs(2018, "90", "90人"), Obs(2020, "100", "100人"),
                                            Obs(2020, "300", "300人", "地区=北"),
                                            Obs(2022, "500", "500人"), Obs(2021, "112", "112人")};
  auto t = TrendOf(ind, now, obs);
  EXPECT_EQ(t.indicator(), ind.name());
  EXPECT_EQ(t.compared_year(), 2020);
  EXPECT_FALSE(t.from_baseline());
  EXPECT_EQ(t.compared().raw(), "100人");
  EXPECT_EQ(t.change(), pb::TREND_CHANGE_IMPROVED);
  // No earlier actual: the baseline (162人 → 112人 on an increase indicator is worse).
  t = TrendOf(ind, now, {Obs(2021, "112", "112人")});
  EXPECT_TRUE(t.from_baseline());
  EXPECT_EQ(t.compared_year(), 2017);
  EXPECT_EQ(t.change(), pb::TREND_CHANGE_WORSENED);
  // Neither: nothing to say.
  ind.clear_baseline();
  EXPECT_EQ(TrendOf(ind, now, {}).change(), pb::TREND_CHANGE_UNKNOWN);
}

}  // namespace
}  // namespace sokei::kpi
