// The KPI domain on real SQLite stores (KPI and plan), the plan service in-process: the progress
// table importer on seed 001 and its variants, the review workflow and its authorization matrix,
// summaries, evaluations, history and export round trips.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/jp/text.h"
#include "common/status/status.h"
#include "services/kpi/domain/kpi_domain.h"
#include "services/kpi/storage/sql_kpi_repository.h"
#include "services/plan/storage/sql_plan_repository.h"
#include "tests/support/in_process_plan_client.h"
#include "tests/support/plan_fixtures.h"
#include "tests/support/test_databases.h"

namespace sokei::kpi {
namespace {

using auth::Role;

constexpr char kM[] = "municipalities/142140";
constexpr char kPlan[] = "municipalities/142140/plans/5th";

std::string SeedPath() {
  for (const char* dir : {SOKEI_SEEDS_DIR, "../shared/seeds"}) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().filename().string().rfind("001_", 0) == 0) return entry.path().string();
    }
  }
  return "";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Principal Make(Role role, std::set<std::string> departments = {}) {
  Principal p;
  p.subject = "user-" + std::to_string(static_cast<int>(role));
  p.roles = {role};
  p.municipality = "142140";
  p.departments = std::move(departments);
  return p;
}

std::string Reason(const absl::Status& s) {
  auto info = status::GetErrorInfo(s);
  return info ? info->reason : "";
}

class KpiDomainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    plan_db_ = testing::TestDatabase::Make("sqlite");
    kpi_db_ = testing::TestDatabase::Make("sqlite");
    ASSERT_TRUE(plan_db_ && kpi_db_);
    plan_repo_ = std::make_unique<plan::SqlPlanRepository>(plan_db_->db());
    ASSERT_TRUE(plan_repo_->Migrate().ok());
    kpi_repo_ = std::make_unique<SqlKpiRepository>(kpi_db_->db());
    ASSERT_TRUE(kpi_repo_->Migrate().ok());
    plans_ = std::make_unique<plan::PlanDomain>(plan_repo_.get());
    client_ = std::make_unique<testing::InProcessPlanClient>(plans_.get());
    domain_ = std::make_unique<KpiDomain>(kpi_repo_.get(), client_.get());
    admin_ = Make(Role::kAdmin);
    planner_ = Make(Role::kPlanner);
    plan::v1::CreateMunicipalityRequest cm;
    cm.set_municipality_id("142140");
    cm.mutable_municipality()->set_display_name("伊勢原市");
    ASSERT_TRUE(plans_->CreateMunicipality(admin_, cm).ok());
    CreatePlan("5th", {"まちづくり目標", "基本政策", "施策展開の方向", "施策", "事業"});
  }

  void CreatePlan(const std::string& id, const std::vector<std::string>& levels) {
    auto req = testing::PlanRequest(kM, id, 0);
    req.mutable_plan()->mutable_period()->set_start_year(2018);
    req.mutable_plan()->mutable_period()->set_end_year(2022);
    for (size_t i = 0; i < levels.size(); ++i) {
      auto* l = req.mutable_plan()->add_levels();
      l->set_depth(static_cast<int>(i) + 1);
      l->set_display_name(levels[i]);
    }
    auto s = plans_->CreatePlan(admin_, req);
    ASSERT_TRUE(s.ok()) << s.status();
  }

  absl::StatusOr<pb::ImportProgressTableResponse> Import(const std::string& content,
                                                         bool dry_run = false,
                                                         const std::string& plan = kPlan) {
    pb::ImportProgressTableRequest r;
    r.set_parent(plan);
    r.set_content(content);
    r.set_dry_run(dry_run);
    return domain_->ImportProgressTable(planner_, r);
  }

  pb::Indicator Indicator(const std::string& code, const std::string& plan = kPlan) {
    pb::ListIndicatorsRequest r;
    r.set_parent(kM);
    r.set_filter("code=\"" + code + "\" AND plan=\"" + plan + "\"");
    auto resp = domain_->ListIndicators(planner_, r);
    EXPECT_TRUE(resp.ok()) << resp.status();
    if (!resp.ok() || resp->indicators().empty()) return {};
    return resp->indicators(0);
  }

  int AuditCount() {
    pb::ListAuditEventsRequest r;
    r.set_parent(kM);
    r.set_page_size(500);
    int n = 0;
    while (true) {
      auto resp = domain_->ListAuditEvents(planner_, r);
      EXPECT_TRUE(resp.ok());
      n += resp->audit_events_size();
      if (resp->next_page_token().empty()) return n;
      r.set_page_token(resp->next_page_token());
    }
  }

  pb::PlanSummary Summary(int year, const std::string& plan = kPlan) {
    pb::GetPlanSummaryRequest r;
    r.set_plan(plan);
    r.set_fiscal_year(year);
    r.set_view(pb::SUMMARY_VIEW_FULL);
    auto s = domain_->GetPlanSummary(planner_, r);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : pb::PlanSummary();
  }

  std::unique_ptr<testing::TestDatabase> plan_db_, kpi_db_;
  std::unique_ptr<plan::SqlPlanRepository> plan_repo_;
  std::unique_ptr<SqlKpiRepository> kpi_repo_;
  std::unique_ptr<plan::PlanDomain> plans_;
  std::unique_ptr<testing::InProcessPlanClient> client_;
  std::unique_ptr<KpiDomain> domain_;
  Principal admin_, planner_;
};

TEST_F(KpiDomainTest, ImportsSeed001) {
  const std::string seed = ReadFile(SeedPath());
  ASSERT_FALSE(seed.empty());
  auto r = Import(seed);
  ASSERT_TRUE(r.ok()) << r.status();
  for (const auto& f : r->findings()) {
    EXPECT_NE(f.severity(), pb::FINDING_SEVERITY_ERROR) << f.ShortDebugString();
  }
  EXPECT_TRUE(r->committed());
  EXPECT_EQ(r->fiscal_year(), 2020);
  const auto& c = r->counts();
  EXPECT_EQ(c.rows(), 111);
  EXPECT_EQ(c.indicators_created(), 111);
  EXPECT_EQ(c.observations_created(), 111);
  // まちづくり目標 5 (1, 2 and 5 implied by codes) + 基本政策 9 + 施策展開の方向 16 + 施策 35
  // + 事業 109.
  plan::v1::GetPlanTreeRequest tr;
  tr.set_name(kPlan);
  plan::v1::PlanTree tree;
  ASSERT_TRUE(plans_->GetPlanTree(planner_, tr, &tree).ok());
  std::map<int, int> per_level;
  for (const auto& n : tree.nodes()) per_level[n.node().level()]++;
  EXPECT_EQ(per_level[5], 109);
  EXPECT_EQ(per_level[4], 35);
  EXPECT_EQ(per_level[3], 16);
  EXPECT_EQ(per_level[2], 9);
  EXPECT_EQ(per_level[1], 5);
  EXPECT_EQ(c.nodes_created(), static_cast<int>(tree.nodes_size()));
  // Codes and titles split, and the chain 06-101 → 施策06 → 1-2-1 → 1-2 → 1 (implied).
  std::map<std::string, plan::v1::Node> by_name;
  for (const auto& n : tree.nodes()) by_name[n.node().name()] = n.node();
  const plan::v1::Node* project = nullptr;
  for (const auto& [name, n] : by_name) {
    if (n.code() == "06-101") project = &n;
  }
  ASSERT_NE(project, nullptr);
  EXPECT_EQ(project->display_name(), "子育て世代包括支援センター事業");
  const auto& shisaku = by_name[project->parent()];
  EXPECT_EQ(shisaku.code(), "06");
  EXPECT_EQ(shisaku.display_name(), "子育て家庭への支援の充実");
  const auto& direction = by_name[shisaku.parent()];
  EXPECT_EQ(direction.code(), "1-2-1");
  EXPECT_EQ(direction.display_name(), "子どもを産み育てやすいまちをつくる");
  const auto& policy = by_name[direction.parent()];
  EXPECT_EQ(policy.code(), "1-2");
  EXPECT_EQ(by_name[policy.parent()].code(), "1");

  // Sampled values.
  auto i = Indicator("39-105");
  EXPECT_EQ(i.display_name(), "寄附金受入額");
  EXPECT_EQ(i.baseline().value().value(), "131250000");
  EXPECT_EQ(i.baseline().fiscal_year(), 2016);
  EXPECT_EQ(i.baseline().label(), "当初水準");
  ASSERT_EQ(i.target_specs_size(), 1);
  EXPECT_EQ(i.target_specs(0).targets(0).fiscal_year(), 2020);
  EXPECT_EQ(i.target_specs(0).targets(0).value().value(), "104000000");
  EXPECT_EQ(i.direction(), pb::DIRECTION_DECREASE);  // 1億3,125万 → 1億400万
  // Ditto department: 06-104 has an empty 所管課 → 子育て支援課 from the row above.
  auto i104 = Indicator("06-104");
  auto i103 = Indicator("06-103");
  ASSERT_EQ(i104.departments_size(), 1);
  EXPECT_EQ(i104.departments(0), i103.departments(0));
  // Continuation rows: 19-103 has three indicators under one project.
  EXPECT_EQ(Indicator("19-103-2").display_name(), "高齢者虐待防止研修会等参加者数");
  EXPECT_EQ(Indicator("19-103-3").project_name(), "虐待防止事業 (障がい者)");
  EXPECT_EQ(Indicator("19-103-2").nodes(0), Indicator("19-103").nodes(0));
  // 累計 in the name.
  EXPECT_EQ(Indicator("28-101").aggregation().kind(), pb::AGGREGATION_KIND_CUMULATIVE);
  // Qualitative target to the ladder.
  EXPECT_EQ(Indicator("14-101").target_specs(0).targets(0).kind(), pb::TARGET_KIND_QUALITATIVE);
  EXPECT_EQ(Indicator("18-102").target_specs(0).targets(0).kind(),
            pb::TARGET_KIND_MONITORING_ONLY);

  // The findings name every cell not fully understood, with row and column.
  int partial = 0;
  for (const auto& f : r->findings()) {
    EXPECT_NE(f.severity(), pb::FINDING_SEVERITY_ERROR) << f.ShortDebugString();
    if (f.code() == "PARTIAL_VALUE") {
      ++partial;
      EXPECT_GT(f.row(), 0);
      EXPECT_FALSE(f.column().empty());
    }
  }
  EXPECT_GT(partial, 0);
  EXPECT_EQ(c.cells_parsed(), 111 * 3);
  EXPECT_GT(c.cells_fully_understood(), 300);
}

TEST_F(KpiDomainTest, ReimportChangesNothingAndCorrectionsOnlyWhatChanged) {
  const std::string seed = ReadFile(SeedPath());
  ASSERT_TRUE(Import(seed).ok());
  const int audits = AuditCount();
  auto again = Import(seed);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->counts().indicators_unchanged(), 111);
  EXPECT_EQ(again->counts().observations_unchanged(), 111);
  EXPECT_EQ(again->counts().indicators_created() + again->counts().indicators_updated(), 0);
  EXPECT_EQ(again->counts().nodes_created(), 0);
  EXPECT_EQ(AuditCount(), audits);
  // A corrected file: one actual and one target changed.
  std::string fixed = absl::StrReplaceAll(seed, {{"176人\t112人", "176人\t118人"},
                                                 {"257,000人\t94,552人", "250,000人\t94,552人"}});
  ASSERT_NE(fixed, seed);
  auto corrected = Import(fixed);
  ASSERT_TRUE(corrected.ok());
  EXPECT_EQ(corrected->counts().observations_updated(), 1);
  EXPECT_EQ(corrected->counts().indicators_updated(), 1);
  EXPECT_EQ(corrected->counts().targets_created(), 1);
  EXPECT_EQ(AuditCount(), audits + 2);
  auto i = Indicator("11-101");
  ASSERT_EQ(i.target_specs_size(), 2);  // versioned, the old one kept
  EXPECT_EQ(i.target_specs(0).targets(0).value().value(), "257000");
  EXPECT_EQ(i.target_specs(1).targets(0).value().value(), "250000");
  EXPECT_EQ(i.target_specs(1).reason(), "進捗管理表の取込で修正");
}

TEST_F(KpiDomainTest, EncodingsAndDryRun) {
  const std::string seed = ReadFile(SeedPath());
  auto dry = Import(seed, true);
  ASSERT_TRUE(dry.ok()) << dry.status();
  EXPECT_FALSE(dry->committed());
  EXPECT_EQ(dry->counts().indicators_created(), 111);
  EXPECT_EQ(AuditCount(), 0);
  EXPECT_EQ(Indicator("06-101").name(), "");  // nothing written
  // CP932 (as Excel saves it: ― for the dash) and UTF-8 with a BOM read the same.
  const std::string excel = absl::StrReplaceAll(seed, {{"—", "―"}});
  auto sjis = jp::Utf8ToCp932(excel);
  ASSERT_TRUE(sjis.ok()) << sjis.status();
  auto a = Import(*sjis);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->counts().indicators_created(), 111);
  auto b = Import("\xEF\xBB\xBF" + excel);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->counts().indicators_unchanged(), 111);
  EXPECT_EQ(Indicator("39-105").baseline().value().raw(), "1億3,125万円 (平成28年度)");
}

TEST_F(KpiDomainTest, MalformedInputWritesNothing) {
  const std::string seed = ReadFile(SeedPath());
  ASSERT_TRUE(Import(seed).ok());
  const int audits = AuditCount();
  // Binary junk.
  std::string junk(4096, '\0');
  for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<char>((i * 131) % 256);
  auto s = Import(junk);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  // Unknown encoding: bytes that are neither UTF-8 nor CP932, said to be CP932.
  pb::ImportProgressTableRequest r;
  r.set_parent(kPlan);
  r.set_content("\x81\x7f\xff\xfe\t\xa0\xa0");
  r.set_encoding(pb::TABLE_ENCODING_CP932);
  auto e = domain_->ImportProgressTable(planner_, r);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(Reason(e.status()), "ENCODING_INVALID");
  // No header.
  auto h = Import("a\tb\tc\n1\t2\t3\n");
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(Reason(h.status()), "IMPORT_HEADER_NOT_FOUND");
  // A 10 MB cell and a ragged row: findings; the ERROR means nothing is committed.
  std::string big = absl::StrReplaceAll(seed, {{"176人\t112人", "176人\t" + std::string(10 << 20, 'x')}});
  auto b = Import(big);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_FALSE(b->committed());
  bool too_long = false;
  for (const auto& f : b->findings()) too_long = too_long || f.code() == "CELL_TOO_LONG";
  EXPECT_TRUE(too_long);
  std::string ragged =
      absl::StrReplaceAll(seed, {{"112人\t子ども家庭相談課", "112人\t子ども家庭相談課\t余分なセル"}});
  auto rg = Import(ragged);
  ASSERT_TRUE(rg.ok());
  bool ragged_found = false;
  for (const auto& f : rg->findings()) ragged_found = ragged_found || f.code() == "RAGGED_ROW";
  EXPECT_TRUE(ragged_found);
  EXPECT_EQ(AuditCount(), audits);  // nothing changed by any of them
  // The stored values are intact.
  EXPECT_EQ(Indicator("06-102").baseline().value().value(), "162");
}

TEST_F(KpiDomainTest, OtherLayoutCsvWithInferredLevels) {
  // Another city's layout: CSV, 番号/指標名/担当課, 基準値 and two target years in the headers,
  // sections 分野 → 施策 only, and a plan without level names for them.
  CreatePlan("other", {"階層1", "階層2"});
  plan::v1::Plan p;
  const std::string csv =
      "番号,指標名,基準値,目標値(2025),目標値(2027),令和5年度実績,担当課\n"
      "分野1 健康・福祉\n"
      "【施策1-1】 健康づくり,,,,,,\n"
      "1-1-1,特定健診受診率,\"38.5%\",45%,50%,41.2%,健康づくり課\n"
      "1-1-2,\"がん検診受診率(胃)\",12.0%,15%,20%,13.1%,\n"
      "【施策1-2】 地域福祉,,,,,,\n"
      "1-2-1,民生委員の充足率,95%,100%,100%,（R5実績値はR7.6月頃に公表予定）,福祉総務課\n";
  pb::ImportProgressTableRequest r;
  r.set_parent("municipalities/142140/plans/other");
  r.set_content(csv);
  auto res = domain_->ImportProgressTable(planner_, r);
  ASSERT_TRUE(res.ok()) << res.status();
  // The plan already has level names that do not match and no nodes: the levels are replaced.
  EXPECT_TRUE(res->committed()) << res->ShortDebugString();
  EXPECT_EQ(res->counts().indicators_created(), 3);
  EXPECT_EQ(res->fiscal_year(), 2023);
  auto i = Indicator("1-1-1", "municipalities/142140/plans/other");
  ASSERT_EQ(i.target_specs_size(), 1);
  EXPECT_EQ(i.target_specs(0).targets_size(), 2);
  EXPECT_EQ(i.target_specs(0).targets(1).fiscal_year(), 2027);
  auto pending = Indicator("1-2-1", "municipalities/142140/plans/other");
  pb::GetIndicatorHistoryRequest hr;
  hr.set_name(pending.name());
  auto h = domain_->GetIndicatorHistory(planner_, hr);
  ASSERT_TRUE(h.ok()) << h.status();
  bool saw = false;
  for (const auto& pt : h->points()) {
    if (pt.fiscal_year() == 2023) {
      saw = true;
      EXPECT_EQ(pt.observation().value().status(), type::v1::VALUE_STATUS_UNPUBLISHED);
      EXPECT_FALSE(pt.result().has_achievement());  // 未公表 is not a 0
    }
  }
  EXPECT_TRUE(saw);
  auto got = plans_->GetPlan(planner_, [] {
    plan::v1::GetPlanRequest g;
    g.set_name("municipalities/142140/plans/other");
    return g;
  }());
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->levels_size(), 3);
  EXPECT_EQ(got->levels(0).display_name(), "分野");
  EXPECT_EQ(got->levels(1).display_name(), "施策");
}

TEST_F(KpiDomainTest, SummaryGradesAndRollups) {
  ASSERT_TRUE(Import(ReadFile(SeedPath())).ok());
  const pb::PlanSummary s = Summary(2020);
  EXPECT_EQ(s.indicator_count(), 111);
  std::map<std::string, pb::IndicatorResult> by_code;
  for (const auto& r : s.indicators()) by_code[r.code()] = r;
  EXPECT_EQ(by_code["06-102"].grade(), "C");  // 112 / 176 = 63.6%
  EXPECT_NEAR(by_code["06-102"].achievement(), 112.0 / 176, 1e-12);
  EXPECT_EQ(by_code["40-101"].grade(), "B");  // decrease: (2·651 − 655) / 651
  EXPECT_NEAR(by_code["40-101"].achievement(), (2 * 651.0 - 655) / 651, 1e-12);
  EXPECT_EQ(by_code["28-101"].grade(), "A");  // 累計 as reported: 303 / 230
  EXPECT_EQ(by_code["23-103"].grade(), "評価不能");  // (第3四半期): partial period
  EXPECT_EQ(by_code["33-102"].grade(), "評価不能");  // "-"
  EXPECT_TRUE(by_code["33-102"].needs_attention());
  EXPECT_EQ(by_code["23-101"].grade(), "−");  // no target (—)
  EXPECT_EQ(by_code["10-103"].grade(), "B");  // milestone reached: 試行、検証 = 100%
  int total = 0;
  for (const auto& gc : s.grade_counts()) total += gc.count();
  EXPECT_EQ(total, 111);
  // Every level-1 node rolls up all indicators below it.
  int level1 = 0;
  for (const auto& n : s.nodes()) {
    if (n.level() == 1) level1 += n.indicator_count();
  }
  EXPECT_EQ(level1, 111);
  EXPECT_FALSE(s.departments().empty());
}

}  // namespace
}  // namespace sokei::kpi
