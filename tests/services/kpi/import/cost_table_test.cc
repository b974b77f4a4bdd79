// The budget / settlement table reader and the cost arithmetic: units from the header or a 単位
// line, negatives as cities write them, findings for what cannot be read, トータルコスト with the
// 人件費単価, a 施策's sum and the cost per unit of a result.
#include "services/kpi/import/cost_table.h"

#include <gtest/gtest.h>

#include "common/status/status.h"
#include "services/kpi/domain/costing.h"

namespace sokei::kpi {
namespace {

std::vector<std::string> Codes(const CostTable& t) {
  std::vector<std::string> out;
  for (const auto& f : t.findings) out.push_back(f.code());
  return out;
}

TEST(CostTable, AmountsInYenAndThousands) {
  bool blank = false;
  EXPECT_EQ(ParseYen("1,234", 1, &blank), 1234);
  EXPECT_EQ(ParseYen("１，２３４", 1000, &blank), 1234000);
  EXPECT_EQ(ParseYen("△500", 1000, &blank), -500000);
  EXPECT_EQ(ParseYen("▲1,000", 1, &blank), -1000);
  EXPECT_EQ(ParseYen("12.5", 1000, &blank), 12500);
  EXPECT_EQ(ParseYen("3,000円", 1000, &blank), 3000);  // the cell's own unit wins
  EXPECT_EQ(ParseYen("—", 1000, &blank), 0);
  EXPECT_TRUE(blank);
  EXPECT_EQ(ParseYen("0.5", 1, &blank), std::nullopt);  // half a yen
  EXPECT_EQ(ParseYen("未定", 1, &blank), std::nullopt);
}

TEST(CostTable, AUnitLineHeaderNamesAndRawTextKept) {
  const std::string text =
      "令和2年度 事業別予算・決算（単位：千円）\n"
      "予算事業コード\t事業番号\t事業名\t当初予算\t補正予算（第1号）\t補正予算（第2号）\t決算額\t"
      "国庫支出金\t一般財源\t人工\n"
      "0601010\t06-101\t子育て世代包括支援センター事業\t1,000\t200\t△50\t1,100\t300\t800\t"
      "1.5\n"
      "\t\t（空行の後）\t\t\t\t\t\t\t\n"
      "0601020\t06-102\t発達相談等事業\t500\t\t\t未定\t\t\t\n";
  auto t = ParseCostTable(text, 2020);
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->rows.size(), 3u);
  const v1::ProjectCost& c = t->rows[0].cost;
  EXPECT_EQ(t->rows[0].budget_code, "0601010");
  EXPECT_EQ(t->rows[0].node_code, "06-101");
  EXPECT_EQ(t->rows[0].fiscal_year, 2020);
  EXPECT_EQ(c.initial_budget(), 1000000);
  ASSERT_EQ(c.supplementary_budgets_size(), 2);
  EXPECT_EQ(c.supplementary_budgets(1), -50000);
  EXPECT_TRUE(c.has_settlement());
  EXPECT_EQ(c.settlement(), 1100000);
  EXPECT_EQ(c.funding().national(), 300000);
  EXPECT_EQ(c.funding().general(), 800000);
  EXPECT_DOUBLE_EQ(c.staff_fte(), 1.5);
  ASSERT_GE(c.raw_size(), 2);
  EXPECT_EQ(c.raw(0).field(), "initial_budget");
  EXPECT_EQ(c.raw(0).text(), "1,000");
  EXPECT_EQ(c.raw(1).field(), "supplementary_budgets");
  EXPECT_EQ(c.raw(1).text(), "200 / △50");
  // The row without a key, and the amount that is not one: errors naming row and column.
  EXPECT_TRUE(t->rows[1].bad);
  EXPECT_TRUE(t->rows[2].bad);
  EXPECT_EQ(Codes(*t), (std::vector<std::string>{"ROW_WITHOUT_KEY", "UNPARSED_AMOUNT"}));
  EXPECT_EQ(t->findings[1].row(), 5);
  EXPECT_EQ(t->findings[1].column(), "決算額");
  EXPECT_EQ(t->findings[1].raw(), "未定");
}

TEST(CostTable, UnitInTheHeaderYearColumnAndWarnings) {
  const std::string text =
      "事業番号,年度,当初予算額(円),決算額(円),国庫支出金(円),一般財源(円)\n"
      "06-101,令和3年度,\"1,000,000\",\"900,000\",\"100,000\",\"700,000\"\n"
      "06-102,R2,100,90,,\n";
  auto t = ParseCostTable(text, 0);
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0].fiscal_year, 2021);
  EXPECT_EQ(t->rows[1].fiscal_year, 2020);
  EXPECT_EQ(t->rows[0].cost.initial_budget(), 1000000);
  // 100,000 + 700,000 is not the 900,000 spent.
  EXPECT_EQ(Codes(*t), (std::vector<std::string>{"FUNDING_MISMATCH"}));
  // No unit anywhere: read as 円, with a warning.
  auto plain = ParseCostTable("事業番号\t当初予算\n06-101\t5\n", 2020);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(Codes(*plain), (std::vector<std::string>{"UNIT_NOT_STATED"}));
  EXPECT_EQ(plain->rows[0].cost.initial_budget(), 5);
}

TEST(CostTable, NoHeaderOrNoYearIsRefused) {
  auto none = ParseCostTable("名称\t金額\nA\t1\n", 2020);
  EXPECT_EQ(status::GetErrorInfo(none.status())->reason, "COST_TABLE_INVALID");
  auto no_year = ParseCostTable("事業番号\t当初予算(千円)\n06-101\t5\n", 0);
  EXPECT_EQ(status::GetFieldViolations(no_year.status())[0].field, "fiscal_year");
  EXPECT_EQ(ParseCostTable(std::string("事業番号\t当初\x01", 15), 2020).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(Costing, TotalCostPersonnelSumsAndCostPerUnit) {
  v1::CostSettings settings;
  auto* rate = settings.add_personnel_rates();
  rate->set_fiscal_year(2020);
  rate->set_yen_per_fte(8000000);
  v1::ProjectCost c;
  c.set_fiscal_year(2020);
  c.set_initial_budget(1000000);
  c.add_supplementary_budgets(200000);
  c.set_staff_fte(0.5);
  DeriveCost(settings, &c);
  EXPECT_EQ(c.current_budget(), 1200000);  // 当初 + 補正 when none was given
  EXPECT_EQ(c.personnel_cost(), 4000000);
  EXPECT_EQ(c.total_cost(), 5200000);  // not settled: 予算現額 + 人件費
  c.set_has_settlement(true);
  c.set_settlement(1100000);
  DeriveCost(settings, &c);
  EXPECT_EQ(c.total_cost(), 5100000);
  v1::ProjectCost other = c;
  other.set_fiscal_year(2021);  // no 単価 for 2021: no 人件費
  DeriveCost(settings, &other);
  EXPECT_EQ(other.personnel_cost(), 0);

  const v1::ProjectCost sum = SumCosts({c, c});
  EXPECT_EQ(sum.total_cost(), 10200000);
  EXPECT_EQ(sum.supplementary_budgets(0), 400000);
  EXPECT_TRUE(sum.has_settlement());

  google::protobuf::RepeatedPtrField<v1::IndicatorResult> results;
  auto* people = results.Add();
  people->set_display_name("参加者数");
  people->mutable_actual()->set_value("255");
  people->mutable_actual()->set_unit("人");
  auto* share = results.Add();  // a rate: no cost per unit
  share->mutable_actual()->set_value("54.0");
  share->mutable_actual()->set_unit("%");
  auto* none = results.Add();  // no actual
  none->mutable_actual()->set_raw("未公表");
  const auto units = UnitCosts(c, results);
  ASSERT_EQ(units.size(), 1u);
  EXPECT_EQ(units[0].unit(), "人");
  EXPECT_NEAR(units[0].yen_per_unit(), 5100000.0 / 255, 1e-6);
}

}  // namespace
}  // namespace sokei::kpi
