// The read-cells-and-infer-shape stage on its own: header roles and years, sections from lines
// and from columns, several rows per indicator, and the caller's mapping overriding role, year,
// basis and part-year. No storage, no RPC.
#include "services/kpi/import/progress_table.h"

#include <gtest/gtest.h>

namespace sokei::kpi {
namespace {

const Column* Col(const ParsedTable& t, const std::string& header) {
  for (const auto& c : t.columns) {
    if (c.header == header) return &c;
  }
  return nullptr;
}

TEST(ParseProgressTable, HeaderRolesYearsAndBasis) {
  auto t = ParseProgressTable(
      "No.\t指標名\t基準値(H25)\t目標値(H27～H31)\t令和2年実績\t令和3年9月末現在\t参考(H24)\n"
      "【施策1】 健康\n"
      "1\t健診受診率\t40%\t50%\t45%\t30%\t38%\n",
      {}, 0);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(Col(*t, "基準値(H25)")->year, 2013);
  EXPECT_EQ(Col(*t, "目標値(H27～H31)")->year, 2019) << "a period target is due at its end";
  EXPECT_EQ(Col(*t, "目標値(H27～H31)")->range_start, 2015);
  EXPECT_TRUE(Col(*t, "令和2年実績")->calendar) << "年, not 年度";
  EXPECT_TRUE(Col(*t, "令和3年9月末現在")->partial);
  EXPECT_EQ(Col(*t, "令和3年9月末現在")->year, 2021);
  ASSERT_EQ(t->sections.size(), 1u);
  EXPECT_EQ(t->sections[0].label, "施策");
  ASSERT_EQ(t->rows.size(), 1u);
  EXPECT_EQ(t->rows[0].indicator, "健診受診率");
}

TEST(ParseProgressTable, TheCallersMappingBeatsDetection) {
  const std::string text =
      "No.\t指標名\t当初\t最終\t今年\n"
      "【施策1】 健康\n"
      "1\t健診受診率\t40%\t50%\t45%\n";
  // Without a mapping, 当初 / 最終 / 今年 say nothing: no header is found.
  EXPECT_EQ(ParseProgressTable(text, {}, 0).status().code(), absl::StatusCode::kInvalidArgument);
  google::protobuf::Map<std::string, std::string> m;
  m["当初"] = "baseline@2016";
  m["最終"] = "target@2031";
  m["今年"] = "actual@2023,calendar,partial";
  auto mapping = ParseMapping(m);
  ASSERT_TRUE(mapping.ok()) << mapping.status();
  auto t = ParseProgressTable(text, *mapping, 0);
  ASSERT_TRUE(t.ok()) << t.status();
  const Column* now = Col(*t, "今年");
  EXPECT_EQ(now->field, Field::kActual);
  EXPECT_EQ(now->year, 2023);
  EXPECT_TRUE(now->calendar);
  EXPECT_TRUE(now->partial);
  EXPECT_TRUE(now->mapped);
  EXPECT_EQ(Col(*t, "最終")->year, 2031);
  ASSERT_EQ(t->rows[0].targets.size(), 1u);
  EXPECT_EQ(t->rows[0].targets[0].value.raw(), "50%");
  // A bad year or flag names the header.
  m["今年"] = "actual@23";
  EXPECT_EQ(ParseMapping(m).status().code(), absl::StatusCode::kInvalidArgument);
  m["今年"] = "actual@2023,halfyear";
  EXPECT_EQ(ParseMapping(m).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ParseProgressTable, SeveralRowsPerIndicatorWithTheCitysRates) {
  auto t = ParseProgressTable(
      "項目 [単位]\t区分\tH27\tH28\t目標値 H31\n"
      "雇用創出数 [人]\t期待値\t2,000\t4,000\t10,000\n"
      "\t実績値\t2,748\t5,163\t\n"
      "\t達成率\t137.4%\t129.0%\t\n"
      "\t評価\tA\tA\t\n",
      {}, 0);
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->rows.size(), 1u);
  const DataRow& d = t->rows[0];
  EXPECT_EQ(d.indicator, "雇用創出数");
  EXPECT_EQ(d.unit, "人");
  EXPECT_EQ(d.targets.size(), 3u) << "H27, H28 and the 目標値 H31 column";
  EXPECT_EQ(d.actuals.size(), 2u);
  ASSERT_EQ(d.reported_rates.size(), 2u);
  EXPECT_EQ(d.reported_rates[1].value.raw(), "129.0%");
  EXPECT_EQ(d.reported_grades.size(), 2u);
  EXPECT_EQ(t->fiscal_year, 2016) << "the latest year with an actual";
}

TEST(ParseSectionLine, NumberingStyles) {
  SectionLine s;
  ASSERT_TRUE(ParseSectionLine("■基本政策1-2 子どもの成長", &s));
  EXPECT_EQ(s.label, "基本政策");
  EXPECT_EQ(s.code, "1-2");
  ASSERT_TRUE(ParseSectionLine("(1)第一次産業の振興", &s));
  EXPECT_EQ(s.style, "(n)");
  ASSERT_TRUE(ParseSectionLine("1.競争力のある産業振興", &s));
  EXPECT_EQ(s.style, "n.");
  EXPECT_EQ(s.title, "競争力のある産業振興");
  ASSERT_TRUE(ParseSectionLine("⑤生涯スポーツ", &s));
  EXPECT_EQ(s.style, "circled");
  EXPECT_EQ(s.code, "5");
  ASSERT_TRUE(ParseSectionLine("第2章 健康・福祉", &s));
  EXPECT_EQ(s.label, "章");
  EXPECT_EQ(s.code, "2");
  EXPECT_FALSE(ParseSectionLine("1.5", &s)) << "a number is no heading";
}

}  // namespace
}  // namespace sokei::kpi
