// A city's printed 達成率 and 評価 against Sokei's: agreement, and the cause named when not.
#include "services/kpi/import/reported.h"

#include <gtest/gtest.h>

namespace sokei::kpi {
namespace {

v1::IndicatorResult Ours(double ratio, const std::string& grade) {
  v1::IndicatorResult r;
  r.set_has_achievement(true);
  r.set_achievement(ratio);
  r.set_grade(grade);
  return r;
}

TEST(ReportedPercent, ReadsWhatCitiesPrint) {
  EXPECT_EQ(*ReportedPercent("63.6%"), 63.6);
  EXPECT_EQ(*ReportedPercent("６３．６％"), 63.6);
  EXPECT_EQ(*ReportedPercent("112"), 112);
  EXPECT_NEAR(*ReportedPercent("0.636"), 63.6, 1e-9);
  EXPECT_FALSE(ReportedPercent("順調").has_value());
  EXPECT_FALSE(ReportedPercent("").has_value());
}

TEST(CompareReported, AgreesWithItsOwnFigures) {
  const auto ours = Ours(112.0 / 176, "C");  // 63.636…%
  EXPECT_TRUE(CompareReported("63.6%", "C", ours, 162, 176, 112).agrees);
  EXPECT_TRUE(CompareReported("63.64%", "", ours, 162, 176, 112).agrees);
  EXPECT_TRUE(CompareReported("", "", ours, 162, 176, 112).agrees);
}

TEST(CompareReported, NamesTheLikelyCause) {
  // 99.96%: the city truncates to 99.9, Sokei rounds… to 99.9 too (never onto 100); 95.66 → 95.6.
  auto c = CompareReported("95.6%", "", Ours(0.9566, "B"), std::nullopt, 100, 95.66);
  EXPECT_FALSE(c.agrees);
  EXPECT_NE(c.cause.find("切り捨て"), std::string::npos) << c.cause;
  c = CompareReported("96%", "", Ours(0.9566, "B"), std::nullopt, 100, 95.66);
  EXPECT_NE(c.cause.find("整数に丸め"), std::string::npos) << c.cause;
  // Progress from the baseline: (120 − 100) / (150 − 100) = 40%; Sokei's A/T = 80%.
  c = CompareReported("40.0%", "", Ours(0.8, "B"), 100, 150, 120);
  EXPECT_NE(c.cause.find("基準値からの進捗"), std::string::npos) << c.cause;
  // A decrease the city computed as (2T − A)/T where Sokei took an increase: 20 of 25 → 120%.
  c = CompareReported("120.0%", "", Ours(0.8, "C"), 30, 25, 20);
  EXPECT_NE(c.cause.find("減らす指標"), std::string::npos) << c.cause;
  // The same rate, another grade: another scheme.
  c = CompareReported("63.6%", "B", Ours(112.0 / 176, "C"), 162, 176, 112);
  EXPECT_FALSE(c.agrees);
  EXPECT_NE(c.cause.find("評価基準"), std::string::npos) << c.cause;
  // Sokei could not grade (未報告) where the city printed a rate.
  v1::IndicatorResult none;
  none.set_grade("未報告");
  c = CompareReported("50%", "", none, 0, 10, std::nullopt);
  EXPECT_NE(c.cause.find("判定していない"), std::string::npos) << c.cause;
}

}  // namespace
}  // namespace sokei::kpi
