// The corpus of published tables (tests/fixtures/tables/, each with its source in README.md):
// every one imports with no mapping, and what Sokei makes of it is checked against what the city
// published — names, units, years, baselines, targets, actuals, and the city's own rates where it
// printed them. Each test prints one line: rows imported, cells understood, rates agreeing.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>

#include "absl/strings/str_cat.h"
#include "common/jp/percent.h"
#include "services/kpi/domain/kpi_domain.h"
#include "tests/support/domain_stack_fixture.h"
#include "tests/support/fixture_files.h"
#include "tests/support/plan_fixtures.h"
#include "tests/support/test_databases.h"

namespace sokei::kpi {
namespace {

constexpr char kM[] = "municipalities/142140";

std::string Fixture(const std::string& name) {
  return sokei::testing::ReadFile(std::string(SOKEI_FIXTURES) + "/tables/" + name);
}

class TableCorpusTest : public sokei::testing::DomainStackTest {
 protected:
  void SetUp() override {
    sokei::testing::DomainStackTest::SetUp();
    if (HasFatalFailure()) return;
    planner_ = sokei::testing::TestPrincipal(auth::Role::kAdmin);
  }

  // A plan for the table: its period and level names as the city's plan has them.
  std::string Plan(const std::string& id, int start, int end, const std::vector<std::string>& levels) {
    auto req = testing::PlanRequest(kM, id, start, end, levels);
    auto s = plans_->CreatePlan(planner_, req);
    EXPECT_TRUE(s.ok()) << s.status();
    return absl::StrCat(kM, "/plans/", id);
  }

  pb::ImportProgressTableResponse Import(const std::string& plan, const std::string& file) {
    pb::ImportProgressTableRequest r;
    r.set_parent(plan);
    r.set_content(Fixture(file));
    auto resp = domain_->ImportProgressTable(planner_, r);
    EXPECT_TRUE(resp.ok()) << resp.status();
    if (!resp.ok()) return {};
    for (const auto& f : resp->findings()) {
      EXPECT_NE(f.severity(), v1::FINDING_SEVERITY_ERROR) << file << ": " << f.ShortDebugString();
    }
    EXPECT_TRUE(resp->committed()) << file;
    return *resp;
  }

  // The plan's indicators by display name.
  std::map<std::string, pb::Indicator> Indicators(const std::string& plan) {
    pb::ListIndicatorsRequest r;
    r.set_parent(kM);
    r.set_page_size(500);
    r.set_filter("plan=\"" + plan + "\"");
    auto resp = domain_->ListIndicators(planner_, r);
    EXPECT_TRUE(resp.ok()) << resp.status();
    std::map<std::string, pb::Indicator> out;
    if (resp.ok()) {
      for (const auto& i : resp->indicators()) out[i.display_name()] = i;
    }
    return out;
  }

  std::map<int, pb::Observation> Observations(const pb::Indicator& ind) {
    pb::ListObservationsRequest r;
    r.set_parent(ind.name());
    r.set_page_size(100);
    auto resp = domain_->ListObservations(planner_, r);
    EXPECT_TRUE(resp.ok()) << resp.status();
    std::map<int, pb::Observation> out;
    if (resp.ok()) {
      for (const auto& o : resp->observations()) out[o.fiscal_year()] = o;
    }
    return out;
  }

  static std::string TargetRaw(const pb::Indicator& ind, int year) {
    if (ind.target_specs().empty()) return "";
    for (const auto& t : ind.target_specs().rbegin()->targets()) {
      if (t.fiscal_year() == year) return t.value().raw();
    }
    return "";
  }

  // Sokei's achievement for a year, as printed.
  std::string Achievement(const std::string& plan, const pb::Indicator& ind, int year) {
    pb::GetPlanSummaryRequest r;
    r.set_plan(plan);
    r.set_fiscal_year(year);
    r.set_view(pb::SUMMARY_VIEW_FULL);
    auto s = domain_->GetPlanSummary(planner_, r);
    EXPECT_TRUE(s.ok()) << s.status();
    if (!s.ok()) return "";
    for (const auto& res : s->indicators()) {
      if (res.indicator() == ind.name()) {
        return res.has_achievement() ? jp::PercentText(res.achievement()) + " " + res.grade() : res.grade();
      }
    }
    return "";
  }

  static void Report(const std::string& file, const pb::ImportProgressTableResponse& r,
                     int agreeing, int printed) {
    std::printf("[corpus] %s: %d rows, %d indicators, %d of %d cells fully understood, %d of %d "
                "printed rates agree\n",
                file.c_str(), r.counts().rows(), r.counts().indicators_created(),
                r.counts().cells_fully_understood(), r.counts().cells_parsed(), agreeing, printed);
  }

  Principal planner_;
};

// Codes of the findings of a reply, counted.
int Count(const pb::ImportProgressTableResponse& r, const std::string& code) {
  auto it = r.finding_counts().find(code);
  return it == r.finding_counts().end() ? 0 : it->second;
}

// 茨城県, KPI 進捗状況調書 (2018): one indicator in several rows — 期待値, a revised 期待値, 実績値,
// 達成率 — years as columns, the H31 target in its own column. The city printed 137.4% / 129.0% /
// 117.9%; Sokei computes 137.4% / 129.1% / 117.9%: the 129.075% the city truncated is kept beside
// Sokei's with the cause named.
TEST_F(TableCorpusTest, IbarakiEmploymentSeveralRowsWithPrintedRates) {
  const std::string plan = Plan("ibaraki-2018", 2015, 2019, {"基本目標", "施策"});
  const auto r = Import(plan, "ibaraki-2018-kpi-employment.tsv");
  EXPECT_EQ(Count(r, "NO_SECTIONS"), 1);
  auto inds = Indicators(plan);
  ASSERT_EQ(inds.size(), 1u);
  const pb::Indicator& ind = inds.at("雇用創出数");
  EXPECT_EQ(ind.unit(), "人");
  EXPECT_EQ(TargetRaw(ind, 2016), "4,000");
  EXPECT_EQ(TargetRaw(ind, 2018), "(10,000)") << "the revised 期待値 replaces 8,000";
  EXPECT_EQ(TargetRaw(ind, 2019), "(13,000)");
  auto obs = Observations(ind);
  ASSERT_EQ(obs.size(), 3u);
  EXPECT_EQ(obs.at(2017).value().raw(), "7,077 (速報値)");
  const std::vector<std::pair<int, std::string>> printed = {
      {2015, "137.4%"}, {2016, "129.0%"}, {2017, "117.9%"}};
  int agree = 0;
  for (const auto& [year, rate] : printed) {
    const std::string ours = Achievement(plan, ind, year);
    agree += ours.rfind(rate, 0) == 0;
  }
  EXPECT_EQ(agree, 2);
  EXPECT_EQ(Achievement(plan, ind, 2016), "129.1% A");
  EXPECT_EQ(obs.at(2016).reported_rate(), "129.0%") << "kept where it differs";
  EXPECT_TRUE(obs.at(2015).reported_rate().empty()) << "agreeing figures are not stored";
  EXPECT_EQ(Count(r, "REPORTED_DIFFERS"), 1);
  bool truncation = false;
  for (const auto& f : r.findings()) {
    truncation |= f.code() == "REPORTED_DIFFERS" && f.understood().find("切り捨て") != std::string::npos;
  }
  EXPECT_TRUE(truncation) << "the cause is named";
  Report("ibaraki-2018-kpi-employment.tsv", r, agree, 3);
}

// 茨城県 (2017): the same indicator before the revision, 2,000 expected every year.
TEST_F(TableCorpusTest, IbarakiEmploymentYearlyExpectation) {
  const std::string plan = Plan("ibaraki-2017", 2015, 2019, {"基本目標", "施策"});
  const auto r = Import(plan, "ibaraki-2017-kpi-employment.tsv");
  const pb::Indicator ind = Indicators(plan).at("雇用創出数");
  EXPECT_EQ(ind.baseline().fiscal_year(), 2014) << "基準値 H26 with its cell empty";
  int agree = 0;
  agree += Achievement(plan, ind, 2015).rfind("137.4%", 0) == 0;
  agree += Achievement(plan, ind, 2016).rfind("120.8%", 0) == 0;
  EXPECT_EQ(agree, 2);
  EXPECT_EQ(Count(r, "REPORTED_DIFFERS"), 0);
  EXPECT_EQ(r.counts().cells_fully_understood(), r.counts().cells_parsed());
  Report("ibaraki-2017-kpi-employment.tsv", r, agree, 2);
}

// 茨城県 (2016): 農業産出額 in 億円 from the name's brackets, the H25 現状値 as baseline, yearly
// expectations and the first actual.
TEST_F(TableCorpusTest, IbarakiAgricultureUnitFromTheName) {
  const std::string plan = Plan("ibaraki-2016", 2015, 2019, {"基本目標", "施策"});
  const auto r = Import(plan, "ibaraki-2016-kpi-agriculture.tsv");
  const pb::Indicator ind = Indicators(plan).at("農業産出額");
  EXPECT_EQ(ind.unit(), "億円");
  EXPECT_EQ(ind.baseline().value().raw(), "4,356");
  EXPECT_EQ(ind.baseline().fiscal_year(), 2013);
  EXPECT_EQ(TargetRaw(ind, 2014), "4,278");
  EXPECT_EQ(TargetRaw(ind, 2019), "4,380");
  EXPECT_EQ(Observations(ind).at(2014).value().raw(), "4,292");
  Report("ibaraki-2016-kpi-agriculture.tsv", r, 0, 0);
}

// 安城市: sections in two columns (分野, filled once; 項目 with a page number), baselines with
// their own year in the cell, a mid-term and a final target, ― for no baseline, 累計 in a name,
// a breakdown target (長寿命化13箇所 リニューアル 3箇所).
TEST_F(TableCorpusTest, AnjoSectionColumnsAndYearsInCells) {
  const std::string plan = Plan("anjo", 2016, 2023, {"分野", "項目", "指標"});
  const auto r = Import(plan, "anjo-2016-outcome-indicators.tsv");
  auto inds = Indicators(plan);
  ASSERT_EQ(inds.size(), 10u);
  EXPECT_EQ(r.counts().nodes_created(), 7) << "3 分野 and 4 項目";
  const pb::Indicator& health = inds.at("健康であると感じている人の割合");
  EXPECT_EQ(health.baseline().fiscal_year(), 2012) << "the cell's (2012年度), not the header's 2015";
  EXPECT_EQ(TargetRaw(health, 2019), "73%");
  EXPECT_EQ(TargetRaw(health, 2023), "75%");
  EXPECT_EQ(inds.at("1日に30分以上歩く人の割合").baseline().fiscal_year(), 2015);
  const pb::Indicator& power = inds.at("1人1日あたり家庭用電気使用量(kWh)");
  EXPECT_EQ(power.baseline().value().unit(), "kWh");
  EXPECT_EQ(power.direction(), pb::DIRECTION_DECREASE);
  const pb::Indicator& parks = inds.at("公園の更新数(累計)");
  EXPECT_EQ(parks.aggregation().kind(), pb::AGGREGATION_KIND_CUMULATIVE);
  EXPECT_EQ(parks.baseline().value().understood(), type::v1::UNDERSTANDING_PLACEHOLDER);
  EXPECT_GE(r.counts().cells_fully_understood(), 28);
  Report("anjo-2016-outcome-indicators.tsv", r, 0, 0);
}

// 鯖江市: calendar-year baselines written "(2014 年)" with a blank, 万人 after a blank, 以上 in a
// target, a section column headed まちづくりの方針(ターゲット) with circled numbers.
TEST_F(TableCorpusTest, SabaeCalendarYearsAndBlanks) {
  const std::string plan = Plan("sabae", 2017, 2019, {"方針", "指標"});
  const auto r = Import(plan, "sabae-2017-location-plan-targets.tsv");
  auto inds = Indicators(plan);
  ASSERT_EQ(inds.size(), 9u);
  EXPECT_EQ(r.counts().nodes_created(), 4);
  const pb::Indicator& bus = inds.at("つつじバス年間利用者数");
  EXPECT_EQ(bus.baseline().fiscal_year(), 2014);
  EXPECT_EQ(bus.baseline().value().value(), "188000") << "18.8 万人";
  EXPECT_EQ(bus.baseline().value().unit(), "人");
  EXPECT_EQ(inds.at("元気生活率(高齢者に占める介護認定を受けていない人の割合)").direction_source(),
            pb::DIRECTION_SOURCE_DOUBTFUL)
      << "a rate whose target is below its baseline is for a planner to confirm";
  EXPECT_EQ(Count(r, "DIRECTION_DOUBTFUL"), 1);
  EXPECT_GE(r.counts().cells_fully_understood(), 17);
  Report("sabae-2017-location-plan-targets.tsv", r, 0, 0);
}

// 美馬市: headings above the header (1章 …, ①…), a later ⑤ heading between the rows, 目標(指標)名
// as the name column, 現状 as the baseline, and a 説明 column that is prose, not a target.
TEST_F(TableCorpusTest, MimaChapterAndCircledHeadings) {
  const std::string plan = Plan("mima", 2015, 2019, {"章", "分野", "指標"});
  const auto r = Import(plan, "mima-2015-outcome-indicators.tsv");
  auto inds = Indicators(plan);
  ASSERT_EQ(inds.size(), 6u);
  EXPECT_EQ(r.counts().nodes_created(), 3) << "1章, ① and ⑤";
  const pb::Indicator& consult = inds.at("母子・父子相談件数");
  EXPECT_EQ(consult.unit(), "件");
  EXPECT_EQ(consult.baseline().value().raw(), "943");
  ASSERT_EQ(consult.target_specs_size(), 1);
  EXPECT_EQ(consult.target_specs(0).targets_size(), 1) << "the 説明 column is no target";
  EXPECT_EQ(TargetRaw(consult, 2019), "1,000");
  EXPECT_EQ(inds.at("市スポーツ少年団加入者数").code(), "1-5-3");
  EXPECT_EQ(r.counts().cells_fully_understood(), r.counts().cells_parsed());
  Report("mima-2015-outcome-indicators.tsv", r, 0, 0);
}

// 出雲市: a flat list (no sections), a target over the strategy's period (目標値(H27～H31) is due in
// H31) and a 累計 counted from its first year, 累計 on the values rather than the name, the year's own
// part in brackets.
TEST_F(TableCorpusTest, IzumoFlatListWithPeriodTargets) {
  const std::string plan = Plan("izumo", 2015, 2019, {"基本目標", "施策"});
  const auto r = Import(plan, "izumo-2017-strategy-h28.tsv");
  auto inds = Indicators(plan);
  ASSERT_EQ(inds.size(), 4u);
  const pb::Indicator& jobs = inds.at("雇用創出数");
  EXPECT_EQ(TargetRaw(jobs, 2019), "1,000人(累計)");
  EXPECT_EQ(jobs.aggregation().kind(), pb::AGGREGATION_KIND_CUMULATIVE);
  EXPECT_EQ(Observations(jobs).at(2016).value().raw(), "累計515人(うちH28年度255人)");
  EXPECT_EQ(inds.at("中海・宍道湖・大山圏域の人口").aggregation().kind(),
            pb::AGGREGATION_KIND_PER_PERIOD);
  // 2 of the 5 years: 400 of the 1,000 due, 515 reached.
  EXPECT_EQ(jobs.aggregation().start_year(), 2015);
  EXPECT_EQ(Achievement(plan, jobs, 2016), "128.8% A");
  Report("izumo-2017-strategy-h28.tsv", r, 0, 0);
}

// 浦河町: a list published as 指標: 現状 → 目標, headings numbered 1. above (1), ― for none yet,
// /年 units, and the target's own typo (4億3,0000万円) kept as written.
TEST_F(TableCorpusTest, UrakawaTwoNumberingStylesNest) {
  const std::string plan = Plan("urakawa", 2016, 2020, {"基本目標", "施策", "事業"});
  const auto r = Import(plan, "urakawa-2016-strategy-kpi.tsv");
  auto inds = Indicators(plan);
  EXPECT_EQ(r.counts().indicators_created(), 13);
  ASSERT_EQ(inds.size(), 12u) << "商品開発数 under (1) and under (3): two indicators, one name";
  EXPECT_EQ(inds.at("いちご生産額").code(), "1-1");
  EXPECT_EQ(inds.at("新規就農者数").code(), "1-1-1");
  EXPECT_EQ(r.counts().nodes_created(), 5) << "1., 2. and (1)–(3) under 1.";
  EXPECT_EQ(inds.at("新規雇用者数").baseline().value().understood(),
            type::v1::UNDERSTANDING_PLACEHOLDER);
  EXPECT_EQ(TargetRaw(inds.at("いちご生産額"), 2020), "4億3,0000万円");
  EXPECT_EQ(TargetRaw(inds.at("給食での地場産物利用率"), 2020), "38%/年");
  Report("urakawa-2016-strategy-kpi.tsv", r, 0, 0);
}

// The seeds stay in the corpus: 伊勢原市's FY2020 progress table (seed 001, the demo's) and 平塚市's
// draft KPI tables (seed 003) with their 2027 and 2031 targets.
TEST_F(TableCorpusTest, Seed001IseharaProgressTable) {
  const std::string plan = Plan("isehara", 2018, 2022,
                                {"まちづくり目標", "基本政策", "施策展開の方向", "施策", "事業"});
  pb::ImportProgressTableRequest req;
  req.set_parent(plan);
  req.set_content(sokei::testing::ReadFile(SOKEI_SEED_001));
  auto r = domain_->ImportProgressTable(planner_, req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->committed());
  EXPECT_EQ(r->counts().indicators_created(), 111);
  EXPECT_EQ(r->counts().observations_created(), 111);
  Report("isehara-5th-progress-table-fy2020.tsv (seed 001)", *r, 0, 0);
}

TEST_F(TableCorpusTest, Seed003HiratsukaDraftWithTwoTargetYears) {
  const std::string plan = Plan("hiratsuka", 2023, 2031, {"重点戦略", "取組"});
  const auto r = Import(plan, "hiratsuka-2023-kpi-draft.tsv");
  EXPECT_EQ(r.counts().indicators_created(), 39);
  std::vector<int> years;
  for (const auto& c : r.columns()) {
    if (c.role() == "target") years.push_back(c.fiscal_year());
  }
  EXPECT_EQ(years, (std::vector<int>{2027, 2031}));
  Report("hiratsuka-2023-kpi-draft.tsv (seed 003)", r, 0, 0);
}

}  // namespace
}  // namespace sokei::kpi
