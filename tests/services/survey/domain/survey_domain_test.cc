// The survey domain on real SQLite stores, with the KPI and plan services in process: the demo
// 市民意識調査 imported and analysed, malformed and hostile files, disclosure control by role,
// weighting, CS analysis, wave comparison, publication into the KPI service (±3-point band), the
// audited raw export, and nothing half-written on any refusal.
#include "services/survey/domain/survey_domain.h"

#include <gtest/gtest.h>

#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/jp/text.h"
#include "common/status/status.h"
#include "demo/demo_survey.h"
#include "services/survey/stats/cell_ranges.h"
#include "services/survey/storage/sql_survey_repository.h"
#include "tests/services/survey/domain/table_attacker.h"
#include "tests/support/domain_stack.h"
#include "tests/support/in_process_kpi_client.h"
#include "tests/support/plan_fixtures.h"
#include "tests/support/status_details.h"
#include "tests/support/survey_fixtures.h"
#include "tests/support/test_databases.h"

namespace sokei::survey {
namespace {

using auth::Role;
using sokei::testing::Field;
using sokei::testing::Reason;

constexpr char kM[] = "municipalities/142140";
constexpr char kPlan[] = "municipalities/142140/plans/next-basic-plan";
constexpr char kIndicator[] = "municipalities/142140/indicators/consult";
constexpr char kSurvey[] = "municipalities/142140/surveys/citizen-2024";

Principal Make(Role role, std::set<std::string> departments = {}) {
  return sokei::testing::TestPrincipal(role, "142140", std::move(departments));
}

class SurveyDomainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    plan_db_ = testing::TestDatabase::Make("sqlite");
    kpi_db_ = testing::TestDatabase::Make("sqlite");
    survey_db_ = testing::TestDatabase::Make("sqlite");
    ASSERT_TRUE(plan_db_ && kpi_db_ && survey_db_);
    auto below = sokei::testing::DomainStack::Make(plan_db_->db(), kpi_db_->db());
    ASSERT_TRUE(below.ok()) << below.status();
    below_ = std::move(*below);
    plans_ = below_->plans.get();
    kpi_ = below_->kpi.get();
    kpi_client_ = std::make_unique<testing::InProcessKpiClient>(kpi_);
    repo_ = std::make_unique<SqlSurveyRepository>(survey_db_->db());
    ASSERT_TRUE(repo_->Migrate().ok());
    domain_ = std::make_unique<SurveyDomain>(repo_.get(), kpi_client_.get(), &absl::Now);

    auto pr = testing::PlanRequest(kM, "next-basic-plan", 2);
    auto created_plan = plans_->CreatePlan(admin_, pr);
    ASSERT_TRUE(created_plan.ok()) << created_plan.status();
    plan::v1::CreateNodeRequest nr;
    nr.set_parent(kPlan);
    nr.set_node_id("f05");
    nr.mutable_node()->set_code("05");
    nr.mutable_node()->set_level(1);
    nr.mutable_node()->set_display_name("地域福祉");
    auto node = plans_->CreateNode(admin_, nr);
    ASSERT_TRUE(node.ok()) << node.status();
  }

  // The 困りごと indicator: a survey-based perception indicator judged by direction from a 70%
  // baseline, with a ±3-point "no change" band in the plan's scheme.
  void CreateConsultIndicator() {
    kpi::v1::CreateIndicatorRequest r = sokei::testing::ConsultIndicatorRequest(kM, kPlan);
    auto* ind = r.mutable_indicator();
    ind->set_formula(kpi::v1::FORMULA_F8_DIRECTION);
    ind->mutable_baseline()->set_fiscal_year(2019);
    ind->mutable_baseline()->mutable_value()->set_raw("70.0%");
    auto* target = ind->add_target_specs()->add_targets();
    target->set_fiscal_year(2024);
    target->mutable_value()->set_raw("75%");
    auto created = kpi_->CreateIndicator(planner_, r);
    ASSERT_TRUE(created.ok()) << created.status();
    kpi::v1::UpdateGradingSchemeRequest u;
    u.mutable_scheme()->set_name(absl::StrCat(kPlan, "/gradingScheme"));
    u.mutable_scheme()->set_no_change_band_points(3);
    u.mutable_update_mask()->add_paths("no_change_band_points");
    auto scheme = kpi_->UpdateGradingScheme(planner_, u);
    ASSERT_TRUE(scheme.ok()) << scheme.status();
  }

  demo::DemoSurvey Demo(int year = 2024, int n = 3000, double shift = 0, bool link = false) {
    demo::DemoOptions o;
    o.fiscal_year = year;
    o.wave = year - 2022;
    o.respondents = n;
    o.seed = static_cast<uint64_t>(year);
    o.satisfaction_shift = shift;
    if (link) o.consult_indicator = kIndicator;
    return demo::MakeIseharaSurvey(o);
  }

  // Creates the survey and its questionnaire; returns the CSV to import.
  std::string Define(const demo::DemoSurvey& d, const std::string& id = "citizen-2024") {
    pb::CreateSurveyRequest cs;
    cs.set_parent(kM);
    cs.set_survey_id(id);
    *cs.mutable_survey() = d.survey;
    auto s = domain_->CreateSurvey(planner_, cs);
    EXPECT_TRUE(s.ok()) << s.status();
    pb::BatchCreateQuestionsRequest bq;
    bq.set_parent(absl::StrCat(kM, "/surveys/", id));
    for (const auto& q : d.questions) *bq.add_requests() = q;
    auto qs = domain_->BatchCreateQuestions(planner_, bq);
    EXPECT_TRUE(qs.ok()) << qs.status();
    return d.csv;
  }

  absl::StatusOr<pb::ImportResponsesResponse> Import(const std::string& content,
                                                     const std::string& survey = kSurvey,
                                                     bool dry_run = false,
                                                     const std::string& request_id = "") {
    pb::ImportResponsesRequest r;
    r.set_survey(survey);
    r.set_content(content);
    r.set_dry_run(dry_run);
    r.set_request_id(request_id);
    return domain_->ImportResponses(planner_, r);
  }

  void LoadDemo(bool link = false) {
    auto imported = Import(Define(Demo(2024, 3000, 0, link)));
    ASSERT_TRUE(imported.ok()) << imported.status();
    ASSERT_TRUE(imported->committed());
  }

  pb::Survey Survey(const std::string& name = kSurvey) {
    pb::GetSurveyRequest r;
    r.set_name(name);
    auto s = domain_->GetSurvey(planner_, r);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : pb::Survey();
  }

  absl::StatusOr<pb::CrossTab> CrossTab(const Principal& p, const std::string& question,
                                        std::vector<std::string> dims,
                                        pb::Disclosure disclosure = pb::DISCLOSURE_UNSPECIFIED,
                                        bool weighted = false) {
    pb::GetCrossTabRequest r;
    r.set_question(absl::StrCat(kSurvey, "/questions/", question));
    for (auto& d : dims) r.add_dimensions(d);
    r.set_disclosure(disclosure);
    r.set_weighted(weighted);
    return domain_->GetCrossTab(p, r);
  }

  void Publish() {
    pb::PublishRequest r;
    r.set_name(kSurvey);
    r.set_request_id("publish-1");
    auto pub = domain_->Publish(planner_, r);
    ASSERT_TRUE(pub.ok()) << pub.status();
  }

  int AuditCount(const std::string& method) {
    pb::ListAuditEventsRequest r;
    r.set_parent(kM);
    r.set_page_size(500);
    auto resp = domain_->ListAuditEvents(admin_, r);
    EXPECT_TRUE(resp.ok()) << resp.status();
    int n = 0;
    for (const auto& e : resp->audit_events()) n += e.method() == method;
    return n;
  }

  Principal admin_ = Make(Role::kAdmin);
  Principal planner_ = Make(Role::kPlanner);
  Principal viewer_ = Make(Role::kViewer);
  Principal public_ = Make(Role::kPublic);
  std::unique_ptr<testing::TestDatabase> plan_db_, kpi_db_, survey_db_;
  std::unique_ptr<sokei::testing::DomainStack> below_;  // the plan and KPI domains the survey calls
  plan::PlanDomain* plans_ = nullptr;
  kpi::KpiDomain* kpi_ = nullptr;
  std::unique_ptr<testing::InProcessKpiClient> kpi_client_;
  std::unique_ptr<SqlSurveyRepository> repo_;
  std::unique_ptr<SurveyDomain> domain_;
};

TEST_F(SurveyDomainTest, DemoSurveyImportsAndGivesPlausibleStatistics) {
  const auto demo = Demo();
  auto imported = Import(Define(demo));
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_TRUE(imported->committed());
  EXPECT_EQ(imported->rows(), 3000);
  EXPECT_EQ(imported->imported(), 3000);
  EXPECT_EQ(imported->total_respondents(), 3000);
  // Over-marked 問3 answers are warnings, never errors.
  for (const auto& f : imported->findings()) {
    EXPECT_NE(f.severity(), pb::FINDING_SEVERITY_ERROR) << f.code() << " row " << f.row();
  }
  const pb::Survey s = Survey();
  EXPECT_EQ(s.valid_responses(), 3000);
  EXPECT_EQ(s.data_version(), 2);

  pb::GetQuestionStatsRequest r;
  r.set_question(absl::StrCat(kSurvey, "/questions/sat-01"));
  auto st = domain_->GetQuestionStats(planner_, r);
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_EQ(st->respondents(), 3000);
  double sum = 0;
  int64_t counted = 0;
  for (const auto& o : st->options()) {
    if (o.in_base()) sum += o.percent();
    counted += o.count();
  }
  EXPECT_NEAR(sum, 100.0, 0.31);  // one-decimal rounding of five shares
  EXPECT_EQ(counted, st->answered());
  EXPECT_GT(st->base(), 2400);
  EXPECT_TRUE(st->has_mean());
  EXPECT_GE(st->mean_score(), -2);
  EXPECT_LE(st->mean_score(), 2);
  EXPECT_NEAR(st->net_score(), st->positive_percent() - st->negative_percent(), 0.11);
  // 95% margin of error near ±1.9 points at n ≈ 2,700 (finite-population factor for N = 85,000).
  EXPECT_GT(st->margin_of_error_max_points(), 1.7);
  EXPECT_LT(st->margin_of_error_max_points(), 2.0);

  // Weighted: the unweighted n stays, the effective base shrinks.
  r.set_weighted(true);
  auto wst = domain_->GetQuestionStats(planner_, r);
  ASSERT_TRUE(wst.ok()) << wst.status();
  EXPECT_EQ(wst->base(), st->base());
  EXPECT_LT(wst->effective_base(), static_cast<double>(st->base()));
  EXPECT_NE(wst->positive_percent(), st->positive_percent());

  // Multiple choice: shares over respondents add up to more than 100.
  r.set_weighted(false);
  r.set_question(absl::StrCat(kSurvey, "/questions/channels"));
  auto mc = domain_->GetQuestionStats(planner_, r);
  ASSERT_TRUE(mc.ok()) << mc.status();
  double total = 0;
  for (const auto& o : mc->options()) total += o.percent();
  EXPECT_GT(total, 100);
}

TEST_F(SurveyDomainTest, WeightingReportShowsRakingConverged) {
  LoadDemo();
  pb::GetWeightingReportRequest r;
  r.set_survey(kSurvey);
  auto rep = domain_->GetWeightingReport(planner_, r);
  ASSERT_TRUE(rep.ok()) << rep.status();
  EXPECT_EQ(rep->method(), pb::WEIGHTING_METHOD_RAKING);
  EXPECT_LT(rep->max_margin_gap(), 0.01);
  EXPECT_GT(rep->design_effect(), 1.0);
  EXPECT_GT(rep->unweightable(), 0);  // blank sex or age: weight 1, counted
  EXPECT_LE(rep->max_weight(), 3.0 * 1.05);
  // Viewers do not see weighting internals.
  EXPECT_EQ(domain_->GetWeightingReport(viewer_, r).status().code(),
            absl::StatusCode::kPermissionDenied);
}

// Everything a public caller can get for the published demo survey — every choice question's
// distribution and its cross-tab by every declared dimension set — attacked together: before the
// tables were protected jointly, one subtraction per cell recovered 1,068 hidden cells with 1–9
// respondents over REST. Now no hidden cell with 1 ≤ n < k is determined, or confined to a range
// narrower than k, by all the published cells together; the weighted tables hide the same cells.
TEST_F(SurveyDomainTest, NoHiddenCellIsRecoveredAcrossThePublishedTables) {
  LoadDemo();
  Publish();
  const pb::Survey survey = Survey();
  const int k = survey.disclosure().min_cell_count() > 0 ? survey.disclosure().min_cell_count() : 10;
  std::vector<std::vector<std::string>> sets;
  for (const auto& d : survey.tabulation_dimensions()) {
    sets.emplace_back(d.attributes().begin(), d.attributes().end());
  }
  pb::ListQuestionsRequest lq;
  lq.set_parent(kSurvey);
  lq.set_page_size(1000);
  auto questions = domain_->ListQuestions(public_, lq);
  ASSERT_TRUE(questions.ok()) << questions.status();
  sokei::testing::AttackTally tally;
  int weighted_tables = 0, withheld = 0, cells = 0, small_options = 0;
  for (const auto& q : questions->questions()) {
    if (q.type() != pb::QUESTION_TYPE_SINGLE && q.type() != pb::QUESTION_TYPE_LIKERT &&
        q.type() != pb::QUESTION_TYPE_MULTIPLE) {
      continue;
    }
    const std::string id = q.name().substr(q.name().rfind('/') + 1);
    pb::GetQuestionStatsRequest sr;
    sr.set_question(q.name());
    auto pub = domain_->GetQuestionStats(public_, sr);
    auto truth = domain_->GetQuestionStats(planner_, sr);
    ASSERT_TRUE(pub.ok() && truth.ok()) << pub.status() << truth.status();
    withheld += pub->summaries_withheld();
    int options = 0;
    bool small_option = false;
    for (const auto& o : truth->options()) {
      options += o.in_base();
      small_option |= o.in_base() && o.count() >= 1 && o.count() < k;
    }
    small_options += small_option;
    sokei::testing::TableAttacker attacker(survey, options, q.type() != pb::QUESTION_TYPE_MULTIPLE);
    stats::CellRanges ranges(attacker.variables());
    attacker.AddStructure(ranges);
    struct Unknown {
      std::vector<int> vars;
      int64_t n;
      std::string where;
    };
    std::vector<Unknown> hidden;
    auto read = [&](bool suppressed, int64_t published, int64_t n, std::vector<int> vars,
                    std::string where) {
      ++cells;
      if (suppressed) {
        hidden.push_back({std::move(vars), n, std::move(where)});
      } else {
        ranges.AddSum(vars, static_cast<double>(published));
      }
    };
    // The distribution: the in-base options and their base.
    ++tally.tables;
    const bool all_withheld = pub->options_size() == 0;
    for (int o = 0, j = 0; o < truth->options_size(); ++o) {
      if (!truth->options(o).in_base()) continue;
      read(all_withheld || pub->options(o).suppressed(), all_withheld ? 0 : pub->options(o).count(),
           truth->options(o).count(), attacker.Cell({}, {}, j), absl::StrCat(id, " option ", j));
      ++j;
    }
    read(all_withheld, pub->base(), truth->base(), attacker.Cell({}, {}, -1),
         absl::StrCat(id, " base"));
    // The cross-tabs, their rows, totals and margins.
    for (const auto& set : sets) {
      auto pub_tab = CrossTab(public_, id, set);
      auto true_tab = CrossTab(planner_, id, set);
      auto weighted_tab = CrossTab(public_, id, set, pb::DISCLOSURE_UNSPECIFIED, true);
      ASSERT_TRUE(pub_tab.ok() && true_tab.ok() && weighted_tab.ok())
          << pub_tab.status() << true_tab.status() << weighted_tab.status();
      ++tally.tables;
      ++weighted_tables;
      const std::string where = absl::StrCat(id, " by ", absl::StrJoin(set, "×"));
      auto read_row = [&](const pb::CrossTabRow& p, const pb::CrossTabRow& t,
                          const pb::CrossTabRow& w, const std::vector<std::string>& codes) {
        for (int j = 0; j < p.cells_size(); ++j) {
          EXPECT_EQ(p.cells(j).suppressed(), w.cells(j).suppressed()) << where << " weighted";
          read(p.cells(j).suppressed(), p.cells(j).count(), t.cells(j).count(),
               attacker.Cell(set, codes, j),
               absl::StrCat(where, " [", absl::StrJoin(codes, ","), "] option ", j));
        }
        EXPECT_EQ(p.total().suppressed(), w.total().suppressed()) << where << " weighted";
        read(p.total().suppressed(), p.total().count(), t.total().count(),
             attacker.Cell(set, codes, -1),
             absl::StrCat(where, " [", absl::StrJoin(codes, ","), "] total"));
      };
      ASSERT_EQ(pub_tab->rows_size(), true_tab->rows_size());
      for (int i = 0; i < pub_tab->rows_size(); ++i) {
        const auto& row = pub_tab->rows(i);
        read_row(row, true_tab->rows(i), weighted_tab->rows(i),
                 {row.codes().begin(), row.codes().end()});
      }
      read_row(pub_tab->column_totals(), true_tab->column_totals(), weighted_tab->column_totals(),
               {});
    }
    for (const Unknown& u : hidden) {
      ++tally.hidden;
      if (u.n < 1 || u.n >= k) continue;
      ++tally.small;
      const auto [lo, hi] = ranges.Range(u.vars);
      EXPECT_LE(lo, u.n + 1e-6) << u.where;
      EXPECT_GE(hi, u.n - 1e-6) << u.where;
      tally.narrowest = std::min(tally.narrowest, hi - lo);
      if (hi - lo < 0.5) ++tally.determined;
      if (!(hi - lo >= k - 1e-6)) {
        ++tally.narrow;
        if (tally.example.empty()) {
          tally.example = absl::StrCat(u.where, ": n = ", u.n, ", range [", lo, ", ", hi, "]");
        }
      }
    }
  }
  std::printf(
      "attack on the published demo survey: %d tables (and %d weighted), %d cells, %d hidden, %d "
      "with 1 ≤ n < %d; %d determined, %d confined to a range narrower than %d (narrowest %.1f); "
      "%d distributions withhold their mean and shares (%d have an option chosen by 1 ≤ n < k)\n",
      tally.tables, weighted_tables, cells, tally.hidden, tally.small, k, tally.determined,
      tally.narrow, k, tally.narrowest, withheld, small_options);
  EXPECT_GT(tally.small, 100);  // the attack has something to aim at
  EXPECT_EQ(tally.determined, 0);
  EXPECT_EQ(tally.narrow, 0) << tally.example;
}

TEST_F(SurveyDomainTest, CrossTabsOnlyOverDeclaredDimensionsAndSuppressedForOthers) {
  LoadDemo();
  auto undeclared = CrossTab(planner_, "settle", {"sex", "district"});
  EXPECT_EQ(undeclared.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Reason(undeclared.status()), "CROSSTAB_UNDECLARED_DIMENSIONS");
  EXPECT_EQ(Field(undeclared.status()), "dimensions");

  // Planners: the full table, with what publication would hide marked.
  auto full = CrossTab(planner_, "settle", {"district", "age"});
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_FALSE(full->disclosure_applied());
  EXPECT_EQ(full->rows_size(), 36);
  int marked = 0;
  for (const auto& row : full->rows()) {
    for (const auto& c : row.cells()) marked += !c.reason().empty();
  }
  EXPECT_GT(marked, 0) << "大山 is small: some cells must fall below k";

  // Viewers and the public (after publication) get the suppressed table.
  auto pub = CrossTab(viewer_, "settle", {"age", "district"});
  ASSERT_TRUE(pub.ok()) << pub.status();
  EXPECT_TRUE(pub->disclosure_applied());
  EXPECT_GT(pub->suppressed_cells(), 0);
  for (const auto& row : pub->rows()) {
    for (const auto& c : row.cells()) {
      if (!c.suppressed()) {
        EXPECT_FALSE(c.count() >= 1 && c.count() < 10);
      } else {
        EXPECT_EQ(c.count(), 0);
        EXPECT_EQ(c.display(), "*");
        EXPECT_TRUE(c.reason().empty()) << "the reason would tell the value is small";
      }
    }
  }
  // Identical queries, identical outputs.
  auto again = CrossTab(viewer_, "settle", {"age", "district"});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->SerializeAsString(), pub->SerializeAsString());

  // Viewers cannot ask for the full table.
  EXPECT_EQ(CrossTab(viewer_, "settle", {"age"}, pb::DISCLOSURE_FULL).status().code(),
            absl::StatusCode::kPermissionDenied);

  // Weighted: the same cells hidden (thresholds on unweighted counts), weighted values differ.
  auto weighted = CrossTab(viewer_, "settle", {"age", "district"}, pb::DISCLOSURE_PUBLISHED, true);
  ASSERT_TRUE(weighted.ok()) << weighted.status();
  EXPECT_EQ(weighted->suppressed_cells(), pub->suppressed_cells());
}

TEST_F(SurveyDomainTest, PublicSeesOnlyPublishedSurveys) {
  LoadDemo();
  pb::GetSurveyRequest g;
  g.set_name(kSurvey);
  EXPECT_EQ(domain_->GetSurvey(public_, g).status().code(), absl::StatusCode::kNotFound);
  pb::ListSurveysRequest l;
  l.set_parent(kM);
  auto listed = domain_->ListSurveys(public_, l);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->surveys_size(), 0);
  EXPECT_EQ(CrossTab(public_, "settle", {"age"}).status().code(), absl::StatusCode::kNotFound);
  Publish();
  EXPECT_TRUE(domain_->GetSurvey(public_, g).ok());
  auto tab = CrossTab(public_, "settle", {"district"});
  ASSERT_TRUE(tab.ok()) << tab.status();
  EXPECT_TRUE(tab->disclosure_applied());
  EXPECT_EQ(CrossTab(public_, "settle", {"district"}, pb::DISCLOSURE_FULL).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(SurveyDomainTest, CsAnalysisRanksTheThirtySevenAreas) {
  LoadDemo();
  pb::RunCsAnalysisRequest r;
  r.set_survey(kSurvey);
  auto cs = domain_->RunCsAnalysis(planner_, r);
  ASSERT_TRUE(cs.ok()) << cs.status();
  ASSERT_EQ(cs->items_size(), 37);
  EXPECT_EQ(cs->priority_index(), "improvement_index");
  double imp = 0;
  std::set<std::string> quadrants;
  for (int i = 0; i < cs->items_size(); ++i) {
    const auto& it = cs->items(i);
    EXPECT_EQ(it.rank(), i + 1);
    if (i > 0) {
      EXPECT_LE(it.priority(), cs->items(i - 1).priority());
    }
    imp += it.importance();
    quadrants.insert(it.quadrant());
    // Centred on the item means: x is satisfaction minus its centre.
    EXPECT_NEAR(it.x(), it.satisfaction() - cs->satisfaction_centre(), 1e-9);
  }
  EXPECT_NEAR(imp / 37, cs->importance_centre(), 1e-9);
  EXPECT_TRUE(quadrants.count("重点改善分野")) << "the city's own labels";
  EXPECT_EQ(cs->items(0).quadrant(), "重点改善分野");

  r.set_priority_index("z_gap");
  r.set_deviation_scores(true);
  auto z = domain_->RunCsAnalysis(planner_, r);
  ASSERT_TRUE(z.ok());
  const auto& top = z->items(0);
  EXPECT_NEAR(top.priority(),
              (top.importance_deviation() - 50) / 10 - (top.satisfaction_deviation() - 50) / 10,
              1e-9);
  r.set_priority_index("made-up");
  auto bad = domain_->RunCsAnalysis(planner_, r);
  EXPECT_EQ(Field(bad.status()), "priority_index");
}

TEST_F(SurveyDomainTest, WaveComparisonFlagsARealChange) {
  ASSERT_TRUE(
      Import(Define(Demo(2023, 3000, 0), "citizen-2023"), absl::StrCat(kM, "/surveys/citizen-2023"))
          .ok());
  ASSERT_TRUE(Import(Define(Demo(2024, 3000, 0.35))).ok());
  pb::CompareWavesRequest r;
  r.set_question(absl::StrCat(kSurvey, "/questions/sat-05"));
  r.set_baseline_question(absl::StrCat(kM, "/surveys/citizen-2023/questions/sat-05"));
  auto w = domain_->CompareWaves(planner_, r);
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_GT(w->change(), 3);
  EXPECT_TRUE(w->significant());
  EXPECT_NE(w->summary().find("上昇"), std::string::npos);
  // The same wave against itself: no change.
  r.set_baseline_question(r.question());
  auto same = domain_->CompareWaves(planner_, r);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->change(), 0);
  EXPECT_FALSE(same->significant());
}

TEST_F(SurveyDomainTest, PublishRecordsTheActualInTheKpiServiceWithTheBand) {
  CreateConsultIndicator();
  LoadDemo(/*link=*/true);
  pb::PublishRequest r;
  r.set_name(kSurvey);
  r.set_request_id("publish-1");
  auto pub = domain_->Publish(planner_, r);
  ASSERT_TRUE(pub.ok()) << pub.status();
  EXPECT_EQ(pub->survey().status(), pb::SURVEY_STATUS_PUBLISHED);
  ASSERT_EQ(pub->actuals_size(), 1);
  const auto& a = pub->actuals(0);
  EXPECT_EQ(a.indicator(), kIndicator);
  EXPECT_EQ(a.fiscal_year(), 2024);
  EXPECT_GT(a.n(), 2500);
  EXPECT_GT(a.margin_of_error(), 1.0);
  EXPECT_NE(a.note().find("n="), std::string::npos);
  EXPECT_NE(a.note().find("標本誤差"), std::string::npos);

  // The observation is in the KPI service, with the same value and the note.
  kpi::v1::GetIndicatorHistoryRequest h;
  h.set_name(kIndicator);
  auto hist = kpi_->GetIndicatorHistory(planner_, h);
  ASSERT_TRUE(hist.ok()) << hist.status();
  bool found = false;
  for (const auto& pt : hist->points()) {
    if (pt.fiscal_year() != 2024 || !pt.has_observation()) continue;
    found = true;
    EXPECT_EQ(pt.observation().value().value(), a.value());
    EXPECT_NE(pt.observation().value().note().find("n="), std::string::npos);
    // ≈72% against a 70% baseline: inside the ±3-point band, "no change".
    const double v = std::stod(a.value());
    ASSERT_LE(std::abs(v - 70), 3) << "the demo's consult share is about 72%";
    EXPECT_NE(pt.result().reason().find("変化なし"), std::string::npos)
        << pt.result().reason() << " " << pt.result().grade() << " " << v;
  }
  EXPECT_TRUE(found);

  // A retry with the same request id answers from the record; published data are frozen.
  const int calls = kpi_client_->calls;
  auto again = domain_->Publish(planner_, r);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->actuals(0).value(), a.value());
  EXPECT_EQ(kpi_client_->calls, calls);
  auto frozen = Import(Demo().csv);
  EXPECT_EQ(Reason(frozen.status()), "SURVEY_PUBLISHED");
}

TEST_F(SurveyDomainTest, PublishFailsCleanlyWhenTheKpiServiceIsDown) {
  CreateConsultIndicator();
  LoadDemo(/*link=*/true);
  kpi_client_->fail = true;
  pb::PublishRequest r;
  r.set_name(kSurvey);
  auto pub = domain_->Publish(planner_, r);
  EXPECT_EQ(pub.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Survey().status(), pb::SURVEY_STATUS_CLOSED);  // not published
  kpi_client_->fail = false;
  EXPECT_TRUE(domain_->Publish(planner_, r).ok());
}

TEST_F(SurveyDomainTest, Cp932AndBomFilesImport) {
  const auto demo = Demo(2024, 200);
  Define(demo);
  auto cp932 = jp::Utf8ToCp932(demo.csv);
  ASSERT_TRUE(cp932.ok()) << cp932.status();
  auto dry = Import(*cp932, kSurvey, /*dry_run=*/true);
  ASSERT_TRUE(dry.ok()) << dry.status();
  EXPECT_FALSE(dry->committed());
  EXPECT_EQ(Survey().valid_responses(), 0) << "a dry run writes nothing";
  auto imported = Import(*cp932);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->imported(), 200);
  // The same people again (UTF-8 with a BOM): duplicates, refused, nothing written.
  auto dup = Import("\xEF\xBB\xBF" + demo.csv);
  EXPECT_EQ(Reason(dup.status()), "RESPONSES_DUPLICATE_RESPONDENT");
  EXPECT_EQ(Survey().valid_responses(), 200);
  // With replace: the stored ones go, the file's come in.
  pb::ImportResponsesRequest r;
  r.set_survey(kSurvey);
  r.set_content("\xEF\xBB\xBF" + demo.csv);
  r.set_replace(true);
  auto replaced = domain_->ImportResponses(planner_, r);
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_EQ(replaced->total_respondents(), 200);
}

// Ages written as their labels (18〜29歳) and saved by Excel as CP932 come back as 18～29歳: the
// labels still match (one folding for every label match), no row is refused.
TEST_F(SurveyDomainTest, LabelsSavedByExcelAsCp932StillMatch) {
  const auto demo = Demo(2024, 200);
  Define(demo);
  const std::vector<std::string> ages = {"18〜29歳", "30〜39歳", "40〜49歳",
                                         "50〜59歳", "60〜69歳", "70歳以上"};
  std::vector<std::string> lines = absl::StrSplit(demo.csv, '\n');
  int labelled = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string> cells = absl::StrSplit(lines[i], ',');
    if (cells.size() < 3 || cells[2].empty()) continue;
    int age = 0;
    ASSERT_TRUE(absl::SimpleAtoi(cells[2], &age));
    cells[2] = ages.at(age - 1);
    labelled += age <= 5;  // the ones with a wave dash
    lines[i] = absl::StrJoin(cells, ",");
  }
  ASSERT_GT(labelled, 50);
  auto cp932 = jp::Utf8ToCp932(absl::StrJoin(lines, "\n"));
  ASSERT_TRUE(cp932.ok()) << cp932.status();
  ASSERT_NE(jp::Cp932ToUtf8(*cp932)->find("18～29歳"), std::string::npos);  // what Excel gives back
  auto imported = Import(*cp932);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->imported(), 200);
  for (const auto& f : imported->findings()) {
    EXPECT_NE(f.severity(), pb::FINDING_SEVERITY_ERROR) << f.ShortDebugString();
  }
}

TEST_F(SurveyDomainTest, MalformedFilesGiveFindingsOrErrorsAndWriteNothing) {
  Define(Demo(2024, 10));
  const std::string header = "整理番号,性別,年代,地区,居住年数,問1,問2,問3\n";
  struct Case {
    std::string name, content, code;
  };
  const std::vector<Case> cases = {
      {"wrong column count", header + "1,1,2,1,1,1,1\n", "WRONG_COLUMN_COUNT"},
      {"unknown code", header + "1,1,2,1,1,9x,1,1\n", "UNKNOWN_CODE"},
      {"outside the scale", header + "1,1,2,1,1,7,1,1\n", "OUT_OF_SCALE"},
      {"unknown category", header + "1,3,2,1,1,1,1,1\n", "UNKNOWN_CATEGORY"},
      {"duplicate respondent", header + "1,1,2,1,1,1,1,1\n1,2,2,1,1,1,1,1\n",
       "DUPLICATE_RESPONDENT"},
      {"missing id", header + ",1,2,1,1,1,1,1\n", "MISSING_ID"},
      {"huge cell", header + "1,1,2,1,1," + std::string(5000, '1') + ",1,1\n", "CELL_TOO_LONG"},
      {"bad multiple", header + "1,1,2,1,1,1,1,\"1,8\"\n", "OUT_OF_SCALE"},
  };
  for (const auto& c : cases) {
    auto r = Import(c.content);
    ASSERT_TRUE(r.ok()) << c.name << ": " << r.status();
    EXPECT_FALSE(r->committed()) << c.name;
    bool seen = false;
    for (const auto& f : r->findings()) seen |= f.code() == c.code && f.row() >= 2;
    EXPECT_TRUE(seen) << c.name;
  }
  EXPECT_EQ(Survey().valid_responses(), 0);
  EXPECT_EQ(Survey().data_version(), 1);

  // Clear errors: no id column, binary junk, an empty file, an unknown encoding.
  auto no_id = Import("性別,年代\n1,2\n");
  EXPECT_EQ(Reason(no_id.status()), "RESPONSES_NO_ID_COLUMN");
  EXPECT_EQ(Field(no_id.status()), "content");
  EXPECT_EQ(Reason(Import(std::string("\x00\x01\x02junk", 7)).status()), "RESPONSES_NOT_A_TABLE");
  EXPECT_EQ(Reason(Import("").status()), "RESPONSES_NOT_A_TABLE");
  pb::ImportResponsesRequest r;
  r.set_survey(kSurvey);
  r.set_content(header);
  r.set_encoding("ebcdic");
  EXPECT_EQ(Field(domain_->ImportResponses(planner_, r).status()), "encoding");
  // Errors never echo paths or SQL.
  EXPECT_EQ(no_id.status().message().find("/tmp"), std::string::npos);

  // allow_partial: the good row goes in, the bad one is reported.
  r.set_encoding("");
  r.set_content(header + "1,1,2,1,1,1,1,1\n2,1,2,1,1,9x,1,1\n");
  r.set_allow_partial(true);
  auto partial = domain_->ImportResponses(planner_, r);
  ASSERT_TRUE(partial.ok()) << partial.status();
  EXPECT_TRUE(partial->committed());
  EXPECT_EQ(partial->imported(), 1);
  EXPECT_EQ(partial->skipped(), 1);
  EXPECT_EQ(Survey().valid_responses(), 1);
}

TEST_F(SurveyDomainTest, ImportIsIdempotentByRequestId) {
  const auto demo = Demo(2024, 50);
  Define(demo);
  auto first = Import(demo.csv, kSurvey, false, "import-1");
  ASSERT_TRUE(first.ok()) << first.status();
  auto replay = Import(demo.csv, kSurvey, false, "import-1");
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_EQ(replay->imported(), 50);
  EXPECT_EQ(Survey().valid_responses(), 50);
  EXPECT_EQ(AuditCount("ImportResponses"), 1);
  auto reused = Import(Demo(2024, 51).csv, kSurvey, false, "import-1");
  EXPECT_EQ(Reason(reused.status()), "REQUEST_ID_REUSED");
}

TEST_F(SurveyDomainTest, ValidationNamesTheField) {
  pb::CreateSurveyRequest r;
  r.set_parent(kM);
  r.set_survey_id("bad");
  *r.mutable_survey() = Demo(2024, 1).survey;
  r.mutable_survey()->mutable_disclosure()->set_min_cell_count(2);
  auto s = domain_->CreateSurvey(planner_, r);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Field(s.status()), "survey.disclosure.min_cell_count");
  *r.mutable_survey() = Demo(2024, 1).survey;
  r.mutable_survey()->mutable_tabulation_dimensions(0)->set_attributes(0, "income");
  EXPECT_EQ(Field(domain_->CreateSurvey(planner_, r).status()),
            "survey.tabulation_dimensions[0].attributes");
  *r.mutable_survey() = Demo(2024, 1).survey;
  r.mutable_survey()->mutable_weighting()->mutable_margins(0)->set_attribute("age");
  EXPECT_EQ(Field(domain_->CreateSurvey(planner_, r).status()),
            "survey.weighting.margins[0].attribute");
  // Editors and viewers do not define surveys.
  *r.mutable_survey() = Demo(2024, 1).survey;
  EXPECT_EQ(domain_->CreateSurvey(Make(Role::kEditor, {"kikaku"}), r).status().code(),
            absl::StatusCode::kPermissionDenied);
  // Questions: a Likert scale needs scores; an OPTION_SHARE link an existing option.
  Define(Demo(2024, 1), "ok");
  pb::CreateQuestionRequest q;
  q.set_parent(absl::StrCat(kM, "/surveys/ok"));
  q.set_question_id("q-extra");
  q.mutable_question()->set_number("問9");
  q.mutable_question()->set_text("x");
  q.mutable_question()->set_type(pb::QUESTION_TYPE_LIKERT);
  q.mutable_question()->add_options()->set_code("1");
  EXPECT_EQ(Field(domain_->CreateQuestion(planner_, q).status()), "question.options");
  q.mutable_question()->set_type(pb::QUESTION_TYPE_SINGLE);
  auto* link = q.mutable_question()->add_kpi_links();
  link->set_indicator(kIndicator);
  link->set_measure(pb::KPI_MEASURE_OPTION_SHARE);
  link->set_option_code("7");
  EXPECT_EQ(Field(domain_->CreateQuestion(planner_, q).status()),
            "question.kpi_links[0].option_code");
}

TEST_F(SurveyDomainTest, RawExportIsForAdminsAndAudited) {
  LoadDemo();
  pb::ExportResponsesRequest r;
  r.set_survey(kSurvey);
  r.set_purpose("統計委員会への提出");
  EXPECT_EQ(domain_->ExportResponses(planner_, r).status().code(),
            absl::StatusCode::kPermissionDenied);
  pb::ExportResponsesRequest no_purpose;
  no_purpose.set_survey(kSurvey);
  EXPECT_EQ(Field(domain_->ExportResponses(admin_, no_purpose).status()), "purpose");
  auto out = domain_->ExportResponses(admin_, r);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->respondents(), 3000);
  const std::vector<std::string> lines = absl::StrSplit(out->content(), "\r\n", absl::SkipEmpty());
  EXPECT_EQ(lines.size(), 3001u);
  EXPECT_EQ(AuditCount("ExportResponses"), 1);
  // The export round-trips: a fresh survey imports it unchanged.
  Define(Demo(2024, 1), "copy");
  auto again = Import(out->content(), absl::StrCat(kM, "/surveys/copy"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->imported(), 3000);
  pb::GetQuestionStatsRequest a, b;
  a.set_question(absl::StrCat(kSurvey, "/questions/channels"));
  b.set_question(absl::StrCat(kM, "/surveys/copy/questions/channels"));
  auto sa = domain_->GetQuestionStats(planner_, a);
  auto sb = domain_->GetQuestionStats(planner_, b);
  ASSERT_TRUE(sa.ok() && sb.ok());
  for (int i = 0; i < sa->options_size(); ++i)
    EXPECT_EQ(sa->options(i).count(), sb->options(i).count());
}

TEST_F(SurveyDomainTest, QuestionShapeIsFrozenOnceResponsesExist) {
  LoadDemo();
  pb::UpdateQuestionRequest u;
  u.mutable_question()->set_name(absl::StrCat(kSurvey, "/questions/settle"));
  u.mutable_question()->add_options()->set_code("1");
  u.mutable_update_mask()->add_paths("options");
  EXPECT_EQ(Reason(domain_->UpdateQuestion(planner_, u).status()), "SURVEY_HAS_RESPONSES");
  u.mutable_question()->set_text("あなたは、これからも伊勢原市に住み続けたいですか。");
  u.mutable_update_mask()->set_paths(0, "text");
  EXPECT_TRUE(domain_->UpdateQuestion(planner_, u).ok());
  // A changed disclosure threshold moves the data version (cached outputs key on it).
  const int64_t before = Survey().data_version();
  pb::UpdateSurveyRequest us;
  us.mutable_survey()->set_name(kSurvey);
  us.mutable_survey()->mutable_disclosure()->set_min_cell_count(5);
  us.mutable_update_mask()->add_paths("disclosure");
  auto updated = domain_->UpdateSurvey(planner_, us);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->data_version(), before + 1);
}

}  // namespace
}  // namespace sokei::survey

namespace sokei::survey {
namespace {

// A city with only its report: the published tables become a survey of aggregates.
class PublishedResultsTest : public SurveyDomainTest {
 protected:
  std::string NewSurvey(const std::string& id, int year) {
    pb::CreateSurveyRequest cs;
    cs.set_parent(kM);
    cs.set_survey_id(id);
    cs.mutable_survey()->set_display_name(absl::StrCat("市民意識調査 ", year));
    cs.mutable_survey()->set_fiscal_year(year);
    cs.mutable_survey()->set_population_size(80000);
    cs.mutable_survey()->set_kind(pb::SURVEY_KIND_CITIZEN_AWARENESS);
    cs.mutable_survey()->set_sampling_frame(pb::SAMPLING_FRAME_RESIDENT_REGISTER_RANDOM);
    auto s = domain_->CreateSurvey(planner_, cs);
    EXPECT_TRUE(s.ok()) << s.status();
    return absl::StrCat(kM, "/surveys/", id);
  }
  absl::StatusOr<pb::ImportPublishedResultsResponse> ImportPublished(const std::string& survey,
                                                                     const std::string& table,
                                                                     bool dry_run = false) {
    pb::ImportPublishedResultsRequest r;
    r.set_survey(survey);
    r.set_content(table);
    r.set_dry_run(dry_run);
    return domain_->ImportPublishedResults(planner_, r);
  }
  pb::Question Question(const std::string& name) {
    pb::GetQuestionRequest r;
    r.set_name(name);
    auto q = domain_->GetQuestion(planner_, r);
    EXPECT_TRUE(q.ok()) << q.status();
    return q.ok() ? *q : pb::Question();
  }
  void Link(const std::string& question, const std::string& node, pb::LinkRole role) {
    pb::Question q = Question(question);
    auto* l = q.add_node_links();
    l->set_node(node);
    l->set_role(role);
    pb::UpdateQuestionRequest u;
    *u.mutable_question() = q;
    u.mutable_update_mask()->add_paths("node_links");
    auto updated = domain_->UpdateQuestion(planner_, u);
    ASSERT_TRUE(updated.ok()) << updated.status();
  }
  std::string Node(const std::string& id, const std::string& code, const std::string& title) {
    plan::v1::CreateNodeRequest nr;
    nr.set_parent(kPlan);
    nr.set_node_id(id);
    nr.mutable_node()->set_code(code);
    nr.mutable_node()->set_level(1);
    nr.mutable_node()->set_display_name(title);
    auto node = plans_->CreateNode(admin_, nr);
    EXPECT_TRUE(node.ok()) << node.status();
    return absl::StrCat(kPlan, "/nodes/", id);
  }
};

// Percent per option with n: the distribution, the mean on the options' scores, the margin of
// error from n; nothing finer (no cross-tab), and no responses on top.
TEST_F(PublishedResultsTest, SharesWithNGiveStatisticsAndNothingFiner) {
  const std::string survey = NewSurvey("report-2023", 2023);
  const std::string table =
      "番号\t設問\t回答者数\t満足\tやや満足\tどちらともいえない\tやや不満\t不満\t無回答\n"
      "問1\t市の住みやすさ\t1,212\t21.3\t38.5\t20.1\t11.2\t6.0\t2.9\n"
      "問2\t困りごとを相談できる窓口\t1,212\t10.0%\t25.4%\t35.6%\t15.3%\t9.1%\t4.6%\n";
  auto dry = ImportPublished(survey, table, /*dry_run=*/true);
  ASSERT_TRUE(dry.ok()) << dry.status();
  EXPECT_FALSE(dry->committed());
  EXPECT_EQ(dry->questions_created(), 2);
  EXPECT_EQ(Survey(survey).source(), pb::SURVEY_SOURCE_UNSPECIFIED) << "a dry run writes nothing";
  auto r = ImportPublished(survey, table);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->committed());
  EXPECT_EQ(r->shape(), "shares");
  EXPECT_EQ(r->questions_created(), 2);
  EXPECT_FALSE(r->not_available().empty());
  EXPECT_EQ(Survey(survey).source(), pb::SURVEY_SOURCE_PUBLISHED_RESULTS);

  pb::GetQuestionStatsRequest sr;
  sr.set_question(survey + "/questions/p1");
  auto st = domain_->GetQuestionStats(public_.municipality.empty() ? planner_ : planner_, sr);
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_TRUE(st->published());
  // The percentages include 無回答 (they add up to 100 with it): they are of all 1,212 asked.
  EXPECT_EQ(st->respondents(), 1212);
  EXPECT_EQ(st->base(), 1177) << "1,212 less the 2.9% 無回答";
  ASSERT_EQ(st->options_size(), 6);
  EXPECT_EQ(st->options(0).percent(), 21.3) << "as printed";
  EXPECT_EQ(st->options(0).count(), 258) << "21.3% of 1,212";
  EXPECT_FALSE(st->options(5).in_base()) << "無回答 is outside the base";
  ASSERT_TRUE(st->has_mean());
  EXPECT_NEAR(st->mean_score(), 57.9 / 97.1, 0.005);
  EXPECT_NEAR(st->positive_percent(), (21.3 + 38.5) / 97.1 * 100, 0.05);
  EXPECT_TRUE(st->has_margin_of_error());
  EXPECT_GT(st->margin_of_error_points(), 2.0);
  EXPECT_LT(st->margin_of_error_points(), 3.5);

  pb::GetCrossTabRequest ct;
  ct.set_question(survey + "/questions/p1");
  ct.add_dimensions("sex");
  EXPECT_EQ(Reason(domain_->GetCrossTab(planner_, ct).status()), "SURVEY_PUBLISHED_RESULTS_ONLY");
  auto responses = Import("ID,p1\n1,1\n", survey);
  EXPECT_EQ(Reason(responses.status()), "SURVEY_PUBLISHED_RESULTS_ONLY");
  // A re-import updates the questions in place.
  auto again = ImportPublished(survey, table);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->questions_updated(), 2);
  EXPECT_EQ(again->questions_created(), 0);
}

// Mean scores on the city's own −2…+2 scale with ▲ for negatives: CS analysis runs on them once
// the questions are linked to the plan's 施策, and two published waves compare — with the change
// shown and its significance said to be unknown (no spread, no n).
TEST_F(PublishedResultsTest, MeansWithTrianglesRunCsAndWaveComparison) {
  const std::string y1 = NewSurvey("report-2022", 2022), y2 = NewSurvey("report-2024", 2024);
  const std::string wave1 =
      "No.\t施策\t重要度\t満足度\n"
      "1\t防災対策の推進\t1.35\t▲0.12\n"
      "2\t子育て支援の充実\t1.20\t0.25\n"
      "3\t道路の整備\t0.95\t△0.40\n"
      "4\t文化の振興\t0.40\t0.30\n";
  const std::string wave2 =
      "No.\t施策\t重要度\t満足度\n"
      "1\t防災対策の推進\t1.40\t0.05\n"
      "2\t子育て支援の充実\t1.25\t0.31\n"
      "3\t道路の整備\t0.90\t▲0.35\n"
      "4\t文化の振興\t0.42\t0.28\n";
  auto r1 = ImportPublished(y1, wave1);
  ASSERT_TRUE(r1.ok()) << r1.status();
  EXPECT_EQ(r1->shape(), "means");
  EXPECT_EQ(r1->questions_created(), 8) << "重要度 and 満足度 of four 施策";
  int marks = 0, scales = 0;
  for (const auto& f : r1->findings()) {
    marks += f.code() == "PUBLISHED_NEGATIVE_MARK";
    scales += f.code() == "PUBLISHED_SCALE";
  }
  EXPECT_EQ(marks, 2);
  EXPECT_EQ(scales, 2);
  const pb::Question bousai = Question(y1 + "/questions/p1-s");
  EXPECT_EQ(bousai.published().mean_score(), -0.12);
  EXPECT_EQ(bousai.published().raw_mean(), "▲0.12");
  EXPECT_EQ(bousai.published().scale_min(), -2);
  ASSERT_TRUE(ImportPublished(y2, wave2).ok());

  const std::string nodes[4] = {Node("s1", "S1", "防災"), Node("s2", "S2", "子育て"),
                                Node("s3", "S3", "道路"), Node("s4", "S4", "文化")};
  for (int i = 0; i < 4; ++i) {
    Link(absl::StrCat(y1, "/questions/p", i + 1, "-i"), nodes[i], pb::LINK_ROLE_IMPORTANCE);
    Link(absl::StrCat(y1, "/questions/p", i + 1, "-s"), nodes[i], pb::LINK_ROLE_SATISFACTION);
  }
  pb::RunCsAnalysisRequest cs;
  cs.set_survey(y1);
  auto analysis = domain_->RunCsAnalysis(viewer_, cs);
  ASSERT_TRUE(analysis.ok()) << analysis.status();
  ASSERT_EQ(analysis->items_size(), 4);
  std::map<std::string, pb::CsItem> by_node;
  for (const auto& item : analysis->items()) by_node[item.node()] = item;
  EXPECT_EQ(by_node[nodes[0]].quadrant(), "重点改善") << "important and below-average satisfaction";
  EXPECT_EQ(by_node[nodes[0]].satisfaction(), -0.12);
  EXPECT_FALSE(by_node[nodes[0]].suppressed()) << "published figures are public already";
  EXPECT_EQ(analysis->items(0).node(), nodes[0]) << "first in priority";

  pb::CompareWavesRequest cw;
  cw.set_question(y2 + "/questions/p1-s");
  cw.set_baseline_question(y1 + "/questions/p1-s");
  cw.set_measure(pb::KPI_MEASURE_MEAN_SCORE);
  auto cmp = domain_->CompareWaves(viewer_, cw);
  ASSERT_TRUE(cmp.ok()) << cmp.status();
  EXPECT_NEAR(cmp->change(), 0.17, 1e-9);
  EXPECT_FALSE(cmp->significance_known());
  EXPECT_FALSE(cmp->significant());
  EXPECT_NE(cmp->summary().find("判定できない"), std::string::npos) << cmp->summary();
}

// A survey-derived KPI from published shares: publishing records the actual, noted as published.
TEST_F(PublishedResultsTest, PublishedSharesFeedTheLinkedIndicator) {
  CreateConsultIndicator();
  const std::string survey = NewSurvey("report-2024", 2024);
  ASSERT_TRUE(ImportPublished(survey,
                              "番号\t設問\t回答者数\t相談できる\tどちらともいえない\t相談できない\n"
                              "問5\t困りごとを相談できるか\t980\t72.4\t15.0\t12.6\n")
                  .ok());
  pb::Question q = Question(survey + "/questions/p5");
  ASSERT_EQ(q.options_size(), 3);
  auto* link = q.add_kpi_links();
  link->set_indicator(kIndicator);
  link->set_measure(pb::KPI_MEASURE_OPTION_SHARE);
  link->set_option_code("1");
  pb::UpdateQuestionRequest u;
  *u.mutable_question() = q;
  u.mutable_update_mask()->add_paths("kpi_links");
  ASSERT_TRUE(domain_->UpdateQuestion(planner_, u).ok());
  pb::PublishRequest pr;
  pr.set_name(survey);
  auto pub = domain_->Publish(planner_, pr);
  ASSERT_TRUE(pub.ok()) << pub.status();
  ASSERT_EQ(pub->actuals_size(), 1);
  EXPECT_EQ(pub->actuals(0).value(), "72.4");
  EXPECT_EQ(pub->actuals(0).n(), 980);
  EXPECT_NE(pub->actuals(0).note().find("公表値"), std::string::npos);
}

}  // namespace
}  // namespace sokei::survey
