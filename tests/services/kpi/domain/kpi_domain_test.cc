// The KPI domain on real SQLite stores (KPI and plan), the plan service in-process: the progress
// table importer on seed 001 and its variants, the review workflow and its authorization matrix,
// summaries, evaluations, history and export round trips.
#include "services/kpi/domain/kpi_domain.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_replace.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/jp/text.h"
#include "common/status/status.h"
#include "services/kpi/import/xlsx_reader.h"
#include "tests/support/domain_stack_fixture.h"
#include "tests/support/fixture_files.h"
#include "tests/support/plan_fixtures.h"
#include "tests/support/redis_server.h"
#include "tests/support/status_details.h"
#include "tests/support/test_databases.h"

namespace sokei::kpi {
namespace {

using auth::Role;
using sokei::testing::ReadFile;
using sokei::testing::Reason;

constexpr char kM[] = "municipalities/142140";
constexpr char kPlan[] = "municipalities/142140/plans/5th";

// Seed 001, the Isehara FY2020 progress table (services/kpi/demo/).
std::string SeedPath() { return SOKEI_SEED_001; }

Principal Make(Role role, std::set<std::string> departments = {}) {
  return sokei::testing::TestPrincipal(role, "142140", std::move(departments));
}

class KpiDomainTest : public sokei::testing::DomainStackTest {
 protected:
  void SetUp() override {
    sokei::testing::DomainStackTest::SetUp();
    if (HasFatalFailure()) return;
    admin_ = Make(Role::kAdmin);
    planner_ = Make(Role::kPlanner);
    CreatePlan("5th", {"まちづくり目標", "基本政策", "施策展開の方向", "施策", "事業"});
  }

  void CreatePlan(const std::string& id, const std::vector<std::string>& levels) {
    auto req = testing::PlanRequest(kM, id, 2018, 2022, levels);
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
  // The header row as understood, for the import wizard.
  std::vector<std::string> columns;
  for (const auto& col : r->columns()) {
    columns.push_back(absl::StrCat(col.header(), "=", col.role(),
                                   col.fiscal_year() ? absl::StrCat("@", col.fiscal_year()) : ""));
  }
  EXPECT_EQ(columns, (std::vector<std::string>{"事業番号=code", "主な事業=project",
                                               "事業指標=indicator", "当初水準=baseline",
                                               "令和2年度目標=target@2020",
                                               "令和2年度実績=actual@2020", "所管課=department"}));
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
  // 1億3,125万 → 1億400万, but a fund's receipts are something to raise: see
  // DirectionInferredFromTheNameAndConfirmedByAPlanner.
  EXPECT_EQ(i.direction(), pb::DIRECTION_INCREASE);
  EXPECT_EQ(i.direction_source(), pb::DIRECTION_SOURCE_DOUBTFUL);
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
  EXPECT_EQ(Indicator("18-102").target_specs(0).targets(0).kind(), pb::TARGET_KIND_MONITORING_ONLY);

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
  std::string fixed = absl::StrReplaceAll(
      seed, {{"176人\t112人", "176人\t118人"}, {"257,000人\t94,552人", "250,000人\t94,552人"}});
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
  std::string big =
      absl::StrReplaceAll(seed, {{"176人\t112人", "176人\t" + std::string(10 << 20, 'x')}});
  auto b = Import(big);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_FALSE(b->committed());
  bool too_long = false;
  for (const auto& f : b->findings()) too_long = too_long || f.code() == "CELL_TOO_LONG";
  EXPECT_TRUE(too_long);
  std::string ragged = absl::StrReplaceAll(
      seed, {{"112人\t子ども家庭相談課", "112人\t子ども家庭相談課\t余分なセル"}});
  auto rg = Import(ragged);
  ASSERT_TRUE(rg.ok());
  bool ragged_found = false;
  for (const auto& f : rg->findings()) ragged_found = ragged_found || f.code() == "RAGGED_ROW";
  EXPECT_TRUE(ragged_found);
  EXPECT_EQ(AuditCount(), audits);  // nothing changed by any of them
  // The stored values are intact.
  EXPECT_EQ(Indicator("06-102").baseline().value().value(), "162");
}

// A short row leaves what it does not reach as stored; a file cut short (mid-row, inside a quote)
// is an error that commits nothing, allowPartial or not.
TEST_F(KpiDomainTest, ShortRowsNeverBlankAndCutFilesCommitNothing) {
  const std::string seed = ReadFile(SeedPath());
  ASSERT_TRUE(Import(seed).ok());
  const pb::Indicator before = Indicator("06-102");
  // 06-102 cut after its indicator name (code, project, indicator only), with its line end.
  const std::string full_row = "06-102\t発達相談等事業\tフォロー教室利用の延べ人数\t162人 (平成29年度)\t176人\t112人\t子ども家庭相談課";
  ASSERT_NE(seed.find(full_row), std::string::npos);
  const std::string short_row =
      absl::StrReplaceAll(seed, {{full_row, "06-102\t発達相談等事業\tフォロー教室利用の延べ人数"}});
  auto r = Import(short_row);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->committed());
  bool ragged = false;
  for (const auto& f : r->findings()) ragged = ragged || f.code() == "RAGGED_ROW";
  EXPECT_TRUE(ragged);
  const pb::Indicator after = Indicator("06-102");
  EXPECT_EQ(after.baseline().value().raw(), before.baseline().value().raw());
  EXPECT_EQ(after.departments(0), before.departments(0));
  EXPECT_EQ(after.target_specs_size(), before.target_specs_size());
  EXPECT_EQ(r->counts().observations_unchanged() + r->counts().observations_updated(), 110);
  EXPECT_EQ(r->counts().observations_updated(), 0);

  const int audits = AuditCount();
  // Cut in the middle of the last row (no line end), and inside a quoted cell.
  std::string cut = seed;
  while (!cut.empty() && (cut.back() == '\n' || cut.back() == '\r')) cut.pop_back();
  cut = cut.substr(0, cut.rfind('\t'));  // the last row loses its last cell
  cut = cut.substr(0, cut.rfind('\t'));
  const std::string quote = seed + "99-999\t新しい事業\t\"途中で切れた";
  for (const std::string& text : {cut, quote}) {
    for (bool partial : {false, true}) {
      pb::ImportProgressTableRequest req;
      req.set_parent(kPlan);
      req.set_content(text);
      req.set_allow_partial(partial);
      auto t = domain_->ImportProgressTable(planner_, req);
      ASSERT_TRUE(t.ok()) << t.status();
      EXPECT_FALSE(t->committed());
      bool truncated = false;
      for (const auto& f : t->findings()) truncated = truncated || f.code() == "TRUNCATED_FILE";
      EXPECT_TRUE(truncated);
    }
  }
  EXPECT_EQ(AuditCount(), audits);
  EXPECT_EQ(Indicator("99-999").name(), "");
}

// allowPartial with every row refused says so and writes nothing; thousands of findings are
// listed up to a cap and all counted by kind.
TEST_F(KpiDomainTest, AllRowsRefusedAndFindingsCapped) {
  const std::string seed = ReadFile(SeedPath());
  // Every value cell 4 KiB+: an ERROR on every data row.
  std::string bad;
  for (absl::string_view line : absl::StrSplit(seed, '\n')) {
    std::vector<std::string> cells = absl::StrSplit(line, '\t');
    if (cells.size() == 7 && cells[0] != "事業番号" && !absl::StartsWith(cells[0], "-")) {
      cells[5] = std::string(5000, 'x');
    }
    absl::StrAppend(&bad, absl::StrJoin(cells, "\t"), "\n");
  }
  pb::ImportProgressTableRequest req;
  req.set_parent(kPlan);
  req.set_content(bad);
  req.set_allow_partial(true);
  auto r = domain_->ImportProgressTable(planner_, req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->committed());
  ASSERT_EQ(r->finding_counts().count("ALL_ROWS_REFUSED"), 1u);
  EXPECT_GE(r->finding_counts().at("CELL_TOO_LONG"), 111);
  EXPECT_EQ(r->findings(0).severity(), pb::FINDING_SEVERITY_ERROR);  // errors first
  EXPECT_EQ(AuditCount(), 0);

  // 3,000 rows, each with a partly understood value: 1,000 listed, the rest counted.
  std::string many = "事業番号\t事業指標\t当初水準\t令和2年度目標\t令和2年度実績\t所管課\n";
  absl::StrAppend(&many, "【施策01】 テスト\n");
  for (int i = 0; i < 3000; ++i) {
    absl::StrAppend(&many, "01-", 1000 + i, "\t指標", i, "\t10人\t12人\t約11人ほか\t企画課\n");
  }
  CreatePlan("many", {"施策", "事業"});
  auto m = Import(many, /*dry_run=*/true, "municipalities/142140/plans/many");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->findings_size(), 1000);
  int counted = 0;
  for (const auto& [code, n] : m->finding_counts()) counted += n;
  EXPECT_EQ(counted, m->findings_size() + m->findings_omitted());
  EXPECT_GE(m->finding_counts().at("PARTIAL_VALUE"), 3000);
}

// 39-105 寄附金受入額 at 56% of its target was graded A: its direction was taken from a target
// below the baseline. The name decides, the disagreement is a warning, the grade provisional
// until a planner sets the direction — which later imports then keep.
TEST_F(KpiDomainTest, DirectionInferredFromTheNameAndConfirmedByAPlanner) {
  auto r = Import(ReadFile(SeedPath()));
  ASSERT_TRUE(r.ok()) << r.status();
  bool warned = false;
  for (const auto& f : r->findings()) {
    warned = warned || (f.code() == "DIRECTION_DOUBTFUL" && f.raw() == "寄附金受入額");
  }
  EXPECT_TRUE(warned);
  pb::Indicator fund = Indicator("39-105");
  EXPECT_EQ(fund.direction(), pb::DIRECTION_INCREASE);
  EXPECT_EQ(fund.direction_source(), pb::DIRECTION_SOURCE_DOUBTFUL);
  auto result = [&](const std::string& code) {
    const pb::PlanSummary s = Summary(2020);
    for (const auto& ir : s.indicators()) {
      if (ir.code() == code) return ir;
    }
    return pb::IndicatorResult();
  };
  pb::IndicatorResult ir = result("39-105");
  EXPECT_NEAR(ir.achievement(), 58122000.0 / 104000000, 1e-9);  // 5,812万2千円 / 1億400万円
  EXPECT_NE(ir.grade(), "A");
  EXPECT_TRUE(ir.provisional());
  EXPECT_FALSE(result("06-102").provisional());  // フォロー教室利用の延べ人数: name and values agree

  pb::UpdateIndicatorRequest ur;
  ur.mutable_indicator()->set_name(fund.name());
  ur.mutable_indicator()->set_direction(pb::DIRECTION_INCREASE);
  ur.mutable_update_mask()->add_paths("direction");
  auto updated = domain_->UpdateIndicator(planner_, ur);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->direction_source(), pb::DIRECTION_SOURCE_STATED);
  EXPECT_FALSE(result("39-105").provisional());
  // The same table again: the confirmed direction stays.
  ASSERT_TRUE(Import(ReadFile(SeedPath())).ok());
  EXPECT_EQ(Indicator("39-105").direction_source(), pb::DIRECTION_SOURCE_STATED);
  std::string provisional;
  const pb::PlanSummary after = Summary(2020);
  for (const auto& ir2 : after.indicators()) {
    if (ir2.provisional()) absl::StrAppend(&provisional, " ", ir2.code(), " ", ir2.display_name());
  }
  EXPECT_EQ(provisional, "") << "seed 001's other directions are not in doubt";
}

// Several indicators under one 主要施策コード: identity is number + name — the second is stored
// beside the first (was: it overwrote it), a re-import changes nothing, and the same number and
// name twice is an error.
// A row that gives one year twice (two 実績 columns of 令和5年度) for an indicator the import
// creates: stored once, the second value over the first, as for an indicator already stored.
TEST_F(KpiDomainTest, OneYearTwiceInARowOfANewIndicator) {
  CreatePlan("twice", {"施策", "事業"});
  const std::string plan = "municipalities/142140/plans/twice";
  const std::string table =
      "主要施策コード\t指標名\t基準値\t令和5年度目標\t令和5年度実績\t令和5年度実績\t担当課\n"
      "【施策1】 子育て支援\n"
      "1-1\t保育所待機児童数\t12人\t0人\t3人\t2人\t保育課\n";
  auto r = Import(table, false, plan);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->committed());
  EXPECT_EQ(r->counts().indicators_created(), 1);
  EXPECT_EQ(r->counts().observations_created() + r->counts().observations_updated(), 2);
  auto again = Import(table, false, plan);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->committed());
  EXPECT_EQ(again->counts().indicators_unchanged(), 1);
}

// A dry run is rolled back: it builds no audit or outbox rows, and so does not use up the outbox
// prune that falls due, which the next real write then makes. (Before, the dry run's prune was
// rolled back with it and the next write saw none due for another ten minutes.)
TEST_F(KpiDomainTest, ADryRunLeavesTheOutboxPruneToTheNextWrite) {
  CreatePlan("prune", {"施策", "事業"});
  const std::string plan = "municipalities/142140/plans/prune";
  auto table = [](const std::string& actual) {
    return "主要施策コード\t指標名\t基準値\t令和5年度目標\t令和5年度実績\t担当課\n"
           "【施策1】 子育て支援\n"
           "1-1\t保育所待機児童数\t12人\t0人\t" +
           actual + "\t保育課\n";
  };
  // Later than any clock this binary used, so a prune is due at each step the test expects one.
  absl::Time now = absl::Now() + absl::Hours(24 * 1000);
  KpiDomain timed(stack_->kpi_repo.get(), stack_->plan_client.get(), &stack_->files,
                  [&now] { return now; });
  auto import = [&](const std::string& actual, bool dry_run) {
    pb::ImportProgressTableRequest r;
    r.set_parent(plan);
    r.set_content(table(actual));
    r.set_dry_run(dry_run);
    return timed.ImportProgressTable(planner_, r);
  };
  const absl::Time first = now;
  auto made = import("3人", false);
  ASSERT_TRUE(made.ok()) << made.status();
  ASSERT_TRUE(made->committed());
  auto changes_at = [&](absl::Time t) {
    int n = 0;
    EXPECT_TRUE(stack_->kpi_repo
                    ->Read([&](KpiTx& tx) -> absl::Status {
                      SOKEI_ASSIGN_OR_RETURN(auto rows, tx.ChangesAfter("142140", 0, 10000));
                      for (const auto& row : rows) n += row.time_micros == absl::ToUnixMicros(t);
                      return absl::OkStatus();
                    })
                    .ok());
    return n;
  };
  ASSERT_GT(changes_at(first), 0);
  // Past the retention (7 days): a dry run, then a real write a second later.
  now = first + absl::Hours(24 * 8);
  auto dry = import("2人", true);
  ASSERT_TRUE(dry.ok()) << dry.status();
  EXPECT_FALSE(dry->committed());
  EXPECT_EQ(dry->counts().observations_updated(), 1);
  now += absl::Seconds(1);
  auto real = import("2人", false);
  ASSERT_TRUE(real.ok()) << real.status();
  ASSERT_TRUE(real->committed());
  EXPECT_EQ(real->counts().observations_updated(), 1);
  EXPECT_EQ(changes_at(first), 0) << "the write after the dry run prunes the week-old changes";
  EXPECT_GT(changes_at(now), 0);
}

TEST_F(KpiDomainTest, RepeatedCodesAreSeveralIndicators) {
  CreatePlan("rep", {"施策", "事業"});
  const std::string plan = "municipalities/142140/plans/rep";
  const std::string table =
      "主要施策コード\t指標名\t基準値\t令和5年度目標\t令和5年度実績\t担当課\n"
      "【施策1】 子育て支援\n"
      "1-1\t保育所待機児童数\t12人\t0人\t3人\t保育課\n"
      "1-1\t放課後児童クラブ登録児童数\t800人\t900人\t870人\t青少年課\n"
      "1-1-2\t子育て支援センター利用者数\t5000人\t6000人\t5500人\t子育て支援課\n";
  auto r = Import(table, false, plan);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->committed());
  EXPECT_EQ(r->counts().indicators_created(), 3);
  EXPECT_EQ(r->finding_counts().at("REPEATED_CODE"), 1);
  EXPECT_EQ(Indicator("1-1", plan).display_name(), "保育所待機児童数");
  EXPECT_EQ(Indicator("1-1", plan).direction(), pb::DIRECTION_DECREASE);
  // 1-1-2 is the table's own number: the repeated 1-1 becomes 1-1-3.
  EXPECT_EQ(Indicator("1-1-3", plan).display_name(), "放課後児童クラブ登録児童数");
  EXPECT_EQ(Indicator("1-1-2", plan).display_name(), "子育て支援センター利用者数");
  auto again = Import(table, false, plan);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->counts().indicators_unchanged(), 3);
  EXPECT_EQ(again->counts().observations_unchanged(), 3);
  auto dup = Import(table + "1-1\t保育所待機児童数\t12人\t0人\t4人\t保育課\n", false, plan);
  ASSERT_TRUE(dup.ok());
  EXPECT_FALSE(dup->committed());
  EXPECT_EQ(dup->finding_counts().at("DUPLICATE_INDICATOR"), 1);
}

// Seed 003 (平塚市's draft KPI tables): no number column, sections 重点戦略1–4 with local (1)–(3)
// under each, targets for 2027 and 2031 still blank, the unit printed in the last column. Was
// IMPORT_EMPTY "the table has no data rows"; every indicator now imports under its section,
// identified by its name there (the same name under two sections is two indicators).
TEST_F(KpiDomainTest, HiratsukaKpiTablesWithoutNumbersImport) {
  CreatePlan("hiratsuka", {"重点戦略", "取組"});
  const std::string plan = "municipalities/142140/plans/hiratsuka";
  auto r = Import(ReadFile(SOKEI_FIXTURES "/tables/hiratsuka-2023-kpi-draft.tsv"), false, plan);
  ASSERT_TRUE(r.ok()) << r.status();
  for (const auto& f : r->findings()) {
    EXPECT_NE(f.severity(), pb::FINDING_SEVERITY_ERROR) << f.ShortDebugString();
  }
  EXPECT_TRUE(r->committed());
  EXPECT_EQ(r->counts().indicators_created(), 39);
  std::vector<std::string> columns;
  for (const auto& c : r->columns()) {
    columns.push_back(absl::StrCat(c.role(), c.fiscal_year() ? absl::StrCat("@", c.fiscal_year()) : ""));
  }
  EXPECT_EQ(columns, (std::vector<std::string>{"indicator", "baseline", "target@2027", "target@2031"}));
  pb::ListIndicatorsRequest lr;
  lr.set_parent(kM);
  lr.set_page_size(200);
  lr.set_filter("plan=\"" + plan + "\"");
  auto list = domain_->ListIndicators(planner_, lr);
  ASSERT_TRUE(list.ok()) << list.status();
  std::map<std::string, pb::Indicator> by_code;
  int filling = 0;
  for (const auto& i : list->indicators()) {
    by_code[i.code()] = i;
    filling += i.display_name() == "保育ニーズに対する入所充足率";
  }
  EXPECT_EQ(filling, 2);  // under 重点戦略1 and under its (1)
  EXPECT_EQ(by_code["1-1"].display_name(), "育児・子育ては、夫婦同じくらい 分担していると回答した割合");
  EXPECT_EQ(by_code["1-1"].unit(), "%");
  EXPECT_EQ(by_code["2-1-1"].display_name(), "企業立地支援件数【累計】");
  EXPECT_EQ(by_code["2-1-1"].unit(), "件");
  EXPECT_EQ(by_code["2-1-1"].aggregation().kind(), pb::AGGREGATION_KIND_CUMULATIVE);
  // Re-imported: nothing changes.
  auto again = Import(ReadFile(SOKEI_FIXTURES "/tables/hiratsuka-2023-kpi-draft.tsv"), false, plan);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->counts().indicators_unchanged(), 39);
  EXPECT_EQ(again->counts().nodes_created(), 0);
}

// なし and － in actual cells are read from their rows, said per cell on import, and graded so:
// a milestone not reached is step 0, a count is 0, a survey row is not measured, and a row that
// does not decide stays ungraded with a warning. The raw text is what is stored.
TEST_F(KpiDomainTest, PlaceholdersInActualCellsAreReadFromTheirRows) {
  CreatePlan("marks", {"施策", "事業"});
  const std::string plan = "municipalities/142140/plans/marks";
  const std::string table =
      "No.\t事業名\t指標名\t目標値(令和4年度)\t令和4年度実績\n"
      "【施策1】 くらし\n"
      "1-1\t条例\t空家条例の制定\t制定\tなし\n"
      "1-2\t相談\t空家相談件数\t120件\t－\n"
      "1-3\t調査\t住み続けたいと回答した市民の割合\t70%\t－\n"
      "1-4\t耐震\t耐震化率\t95%\tなし\n";
  auto r = Import(table, false, plan);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->committed());
  EXPECT_EQ(r->finding_counts().at("PLACEHOLDER_READ"), 4);
  int warnings = 0;
  for (const auto& f : r->findings()) {
    if (f.code() == "PLACEHOLDER_READ" && f.severity() == pb::FINDING_SEVERITY_WARNING) ++warnings;
  }
  EXPECT_EQ(warnings, 1) << "only 耐震化率's なし is undecided";
  std::map<std::string, pb::IndicatorResult> by_code;
  const pb::PlanSummary summary = Summary(2022, plan);
  for (const auto& res : summary.indicators()) by_code[res.code()] = res;
  ASSERT_EQ(by_code.size(), 4u);
  EXPECT_TRUE(by_code["1-1"].has_achievement());
  EXPECT_EQ(by_code["1-1"].achievement(), 0.0);
  EXPECT_TRUE(by_code["1-2"].has_achievement());
  EXPECT_EQ(by_code["1-2"].achievement(), 0.0);
  EXPECT_EQ(by_code["1-2"].actual().raw(), "－");
  EXPECT_FALSE(by_code["1-3"].has_achievement());
  EXPECT_NE(by_code["1-3"].reason().find("測定なし"), std::string::npos);
  EXPECT_FALSE(by_code["1-4"].has_achievement());
}

// Years in the notations tables use, the basis kept (年 is not 年度), a part-year column kept but
// never graded.
TEST_F(KpiDomainTest, YearNotationsBasisAndPartYearColumns) {
  CreatePlan("years", {"施策", "事業"});
  const std::string plan = "municipalities/142140/plans/years";
  const std::string fiscal =
      "No.\t指標名\t基準値(H25)\t目標値 (2031)\t2019年度実績\tR2実績\t令和3年9月末現在\tFY2022見込"
      "\t担当課\n"
      "【施策1】 健康づくり\n"
      "1\t特定健診受診率\t38.5%\t60%\t41.0%\t42.5%\t20.1%\t43%\t健康課\n";
  auto r = Import(fiscal, false, plan);
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<std::string> cols;
  for (const auto& c : r->columns()) {
    if (c.fiscal_year() == 0) continue;
    cols.push_back(absl::StrCat(c.role(), "@", c.fiscal_year(), c.calendar_year() ? " 年" : "",
                                c.partial() ? " partial" : ""));
  }
  EXPECT_EQ(cols, (std::vector<std::string>{"baseline@2013", "target@2031", "actual@2019",
                                            "actual@2020", "actual@2021 partial",
                                            "forecast@2022"}));
  const pb::Indicator ind = Indicator("1", plan);
  EXPECT_EQ(ind.period_basis(), pb::PERIOD_BASIS_FISCAL_YEAR);
  pb::ListObservationsRequest lr;
  lr.set_parent(ind.name());
  auto obs = domain_->ListObservations(planner_, lr);
  ASSERT_TRUE(obs.ok());
  ASSERT_EQ(obs->observations_size(), 4);  // 2019, 2020, the part-year 2021, the 2022 forecast
  for (const auto& o : obs->observations()) {
    EXPECT_EQ(o.value().partial_period(), o.fiscal_year() == 2021) << o.fiscal_year();
  }
  const pb::PlanSummary s = Summary(2021, plan);
  ASSERT_EQ(s.indicators_size(), 1);
  EXPECT_FALSE(s.indicators(0).has_achievement());  // 20.1% at 9月末 is not the year's value
  EXPECT_EQ(s.indicators(0).grade(), "未報告");

  // A city that reports by 年.
  CreatePlan("calendar", {"施策", "事業"});
  const std::string by_year =
      "番号\t指標名\t基準値(平成27年)\t目標値(令和7年)\t令和2年実績\t担当課\n"
      "【施策1】 観光\n"
      "1\t観光入込客数\t120万人\t150万人\t98万人\t観光課\n";
  auto c = Import(by_year, false, "municipalities/142140/plans/calendar");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(Indicator("1", "municipalities/142140/plans/calendar").period_basis(),
            pb::PERIOD_BASIS_CALENDAR_YEAR);
  for (const auto& col : c->columns()) {
    if (col.fiscal_year() != 0) {
      EXPECT_TRUE(col.calendar_year()) << col.header();
    }
  }
}

// The city's own printed 達成率 and 評価 are read beside Sokei's: where they agree nothing more is
// stored; where not, they are kept on the year's observation, shown in the results, and the
// import names the likely cause.
TEST_F(KpiDomainTest, TheCitysOwnRatesAndGradesBesideSokeis) {
  CreatePlan("own", {"施策", "事業"});
  const std::string plan = "municipalities/142140/plans/own";
  const std::string table =
      "番号\t指標名\t基準値\t令和2年度目標\t令和2年度実績\t達成率\t評価\t担当課\n"
      "【施策1】 子育て\n"
      "1-1\tフォロー教室利用の延べ人数\t162人\t176人\t112人\t63.6%\tC\t子ども家庭相談課\n"
      "1-2\t子育て支援センター利用者数\t5000人\t6000人\t5739人\t95.6%\tB\t子育て支援課\n"
      "1-3\t保育所の定員数\t1000人\t1100人\t1100人\t100.0%\tA\t保育課\n";
  auto r = Import(table, false, plan);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->committed());
  std::vector<std::string> columns;
  for (const auto& c : r->columns()) columns.push_back(c.role());
  EXPECT_EQ(columns, (std::vector<std::string>{"code", "indicator", "baseline", "target", "actual",
                                               "reported_rate", "reported_grade", "department"}));
  std::map<std::string, std::string> causes;
  for (const auto& f : r->findings()) {
    if (f.code() == "REPORTED_DIFFERS") causes[f.raw().substr(0, 3)] = f.understood();
  }
  // 1-1 agrees (63.6%, C); 1-2: 95.65% truncated by the city; 1-3: 100% graded B by Sokei's ABCD
  // (A from 110%), A by the city: another scheme.
  ASSERT_EQ(causes.size(), 2u);
  EXPECT_NE(causes["1-2"].find("切り捨て"), std::string::npos) << causes["1-2"];
  EXPECT_NE(causes["1-3"].find("評価基準"), std::string::npos) << causes["1-3"];
  const pb::PlanSummary s = Summary(2020, plan);
  std::map<std::string, pb::IndicatorResult> by_code;
  for (const auto& ir : s.indicators()) by_code[ir.code()] = ir;
  EXPECT_EQ(by_code["1-1"].reported_rate(), "");
  EXPECT_EQ(by_code["1-2"].reported_rate(), "95.6%");
  EXPECT_EQ(by_code["1-3"].reported_grade(), "A");
  EXPECT_EQ(by_code["1-3"].grade(), "B");
  // The same table again: nothing changes.
  auto again = Import(table, false, plan);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->counts().observations_unchanged(), 3);
}

// Headings given in columns: 基本目標 and 施策 on the first row of each, blank below (filled
// once), with or without numbers of their own; no number column for the indicators.
TEST_F(KpiDomainTest, SectionsGivenInColumns) {
  CreatePlan("cols", {"基本目標", "施策"});
  const std::string plan = "municipalities/142140/plans/cols";
  const std::string table =
      "基本目標\t施策名\t指標名\t基準値\t目標値(2027)\t令和5年度実績\t担当課\n"
      "1 安心して暮らせるまち\t1-1 地域福祉の推進\t地域の支え合い活動の参加者数\t1200人\t1500人\t1350人\t福祉総務課\n"
      "\t\t民生委員の充足率\t95%\t100%\t97%\t福祉総務課\n"
      "\t1-2 健康づくり\t特定健診受診率\t38%\t60%\t41%\t健康課\n"
      "活気あるまち\t産業振興\t創業者数【累計】\t0人\t100人\t35人\t商工課\n"
      "\t観光振興\t観光入込客数\t120万人\t150万人\t98万人\t観光課\n";
  auto r = Import(table, false, plan);
  ASSERT_TRUE(r.ok()) << r.status();
  for (const auto& f : r->findings()) {
    EXPECT_NE(f.severity(), pb::FINDING_SEVERITY_ERROR) << f.ShortDebugString();
  }
  EXPECT_TRUE(r->committed());
  EXPECT_EQ(r->counts().indicators_created(), 5);
  EXPECT_EQ(r->counts().nodes_created(), 2 + 4);
  EXPECT_EQ(r->columns(0).role(), "section");
  EXPECT_EQ(r->columns(1).role(), "section");
  // Under the headings they belong to: numbers as written, or by place (2, 2-1, 2-2).
  std::map<std::string, std::string> under;  // indicator → its node's code
  plan::v1::GetPlanTreeRequest tr;
  tr.set_name(plan);
  plan::v1::PlanTree tree;
  ASSERT_TRUE(plans_->GetPlanTree(admin_, tr, &tree).ok());
  std::map<std::string, std::string> code_of_node;
  for (const auto& tn : tree.nodes()) code_of_node[tn.node().name()] = tn.node().code();
  pb::ListIndicatorsRequest lr;
  lr.set_parent(kM);
  lr.set_page_size(100);
  lr.set_filter("plan=\"" + plan + "\"");
  auto list = domain_->ListIndicators(planner_, lr);
  ASSERT_TRUE(list.ok());
  for (const auto& i : list->indicators()) under[i.display_name()] = code_of_node[i.nodes(0)];
  EXPECT_EQ(under["地域の支え合い活動の参加者数"], "1-1");
  EXPECT_EQ(under["民生委員の充足率"], "1-1");
  EXPECT_EQ(under["特定健診受診率"], "1-2");
  EXPECT_EQ(under["創業者数【累計】"], "2-1");
  EXPECT_EQ(under["観光入込客数"], "2-2");
  auto again = Import(table, false, plan);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->counts().indicators_unchanged(), 5);
  EXPECT_EQ(again->counts().nodes_created(), 0);
}

// Years that come from a neighbouring column (基準値 | 基準年度, 目標値 | 目標年度), and a target
// with no year anywhere: the plan's last year, said in a finding — never the table's own year.
TEST_F(KpiDomainTest, TargetAndBaselineYearsFromTheirOwnColumns) {
  CreatePlan("neigh", {"施策", "事業"});
  const std::string plan = "municipalities/142140/plans/neigh";
  const std::string table =
      "番号\t指標名\t基準値\t基準年度\t目標値\t目標年度\t令和2年度実績\t担当課\n"
      "【施策1】 健康\n"
      "1-1\t特定健診受診率\t38.5%\t平成28年度\t60%\t令和4年度\t41.0%\t健康課\n"
      "1-2\tがん検診受診率\t20%\tH29\t30%\tR3\t24%\t健康課\n";
  auto r = Import(table, false, plan);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->committed());
  const pb::Indicator a = Indicator("1-1", plan), b = Indicator("1-2", plan);
  EXPECT_EQ(a.baseline().fiscal_year(), 2016);
  EXPECT_EQ(a.target_specs(0).targets(0).fiscal_year(), 2022);
  EXPECT_EQ(b.baseline().fiscal_year(), 2017);
  EXPECT_EQ(b.target_specs(0).targets(0).fiscal_year(), 2021);

  const std::string no_year =
      "番号\t指標名\t基準値\t目標値\t令和2年度実績\t担当課\n"
      "【施策1】 健康\n"
      "1-3\t健康教室参加者数\t100人\t150人\t120人\t健康課\n";
  auto n = Import(no_year, false, plan);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(Indicator("1-3", plan).target_specs(0).targets(0).fiscal_year(), 2022);  // the plan's end
  EXPECT_EQ(n->finding_counts().at("TARGET_YEAR_FROM_PLAN"), 1);
}

// The shape of a table, read without writing: roles with their evidence, the header row, the
// sections and rows found — what the import wizard shows before anything is imported.
TEST_F(KpiDomainTest, InferTableShapeWritesNothing) {
  pb::InferTableShapeRequest r;
  r.set_parent(kM);
  r.set_content(ReadFile(SOKEI_FIXTURES "/tables/hiratsuka-2023-kpi-draft.tsv"));
  auto s = domain_->InferTableShape(Make(Role::kViewer), r);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->header_row(), 1);
  EXPECT_EQ(s->data_rows(), 39);
  EXPECT_EQ(s->sections(), 16);  // 4 重点戦略 and their 12 (1)–(3)
  EXPECT_FALSE(s->numbered());
  ASSERT_EQ(s->columns_size(), 4);
  EXPECT_EQ(s->columns(3).role(), "target");
  EXPECT_EQ(s->columns(3).fiscal_year(), 2031);
  EXPECT_NE(s->columns(3).evidence().find("目標値 (2031)"), std::string::npos);
  EXPECT_DOUBLE_EQ(s->columns(3).confidence(), 0.9);
  // A role given by the caller wins, with its evidence.
  (*r.mutable_mapping())["策定時実績値"] = "ignore";
  s = domain_->InferTableShape(Make(Role::kViewer), r);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->columns(1).role(), "ignore");
  EXPECT_DOUBLE_EQ(s->columns(1).confidence(), 1.0);
  EXPECT_EQ(AuditCount(), 0);
  // The public may not read tables through Sokei.
  EXPECT_EQ(domain_->InferTableShape(Make(Role::kPublic), r).status().code(),
            absl::StatusCode::kPermissionDenied);
}

// Reference years: a 参考 column, and a year before the baseline's — kept and shown, not graded.
TEST_F(KpiDomainTest, ReferenceYearsAreKeptNotGraded) {
  CreatePlan("ref", {"施策", "事業"});
  const std::string plan = "municipalities/142140/plans/ref";
  const std::string table =
      "番号\t指標名\t基準値(R2)\t目標値(2022)\t令和元年度実績(参考)\t平成30年度実績\t令和3年度実績\t担当課\n"
      "【施策1】 健康\n"
      "1-1\t健康教室参加者数\t100人\t150人\t90人\t80人\t120人\t健康課\n";
  auto r = Import(table, false, plan);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->committed());
  EXPECT_TRUE(r->columns(4).reference());
  auto grade_of = [&](int year) {
    const pb::PlanSummary s = Summary(year, plan);
    return s.indicators_size() == 1 ? s.indicators(0) : pb::IndicatorResult();
  };
  for (int year : {2018, 2019}) {
    const pb::IndicatorResult ir = grade_of(year);
    EXPECT_FALSE(ir.has_achievement()) << year;
    EXPECT_EQ(ir.grade(), "−") << year;
    EXPECT_NE(ir.reason().find("参考値"), std::string::npos) << year;
    EXPECT_FALSE(ir.actual().raw().empty()) << year;  // kept and shown
  }
  EXPECT_TRUE(grade_of(2021).has_achievement());
}

// Several rows per indicator: a 目標 row and a 実績 row (a 達成率 row too), years as columns.
TEST_F(KpiDomainTest, SeveralRowsPerIndicatorYearsAsColumns) {
  CreatePlan("rows", {"施策", "事業"});
  const std::string plan = "municipalities/142140/plans/rows";
  const std::string table =
      "番号\t指標名\t基準値\t区分\t令和元年度\t令和2年度\t令和3年度\t担当課\n"
      "【施策1】 子育て\n"
      "1-1\t保育所入所児童数\t1000人\t目標\t1050人\t1100人\t1150人\t保育課\n"
      "\t\t\t実績\t1040人\t1120人\t\t\n"
      "\t\t\t達成率\t99.0%\t101.8%\t\t\n"
      "1-2\t放課後児童クラブ登録児童数\t800人\t目標\t820人\t840人\t860人\t青少年課\n"
      "1-2\t放課後児童クラブ登録児童数\t\t実績\t810人\t850人\t\t\n";
  auto r = Import(table, false, plan);
  ASSERT_TRUE(r.ok()) << r.status();
  for (const auto& f : r->findings()) {
    EXPECT_NE(f.severity(), pb::FINDING_SEVERITY_ERROR) << f.ShortDebugString();
  }
  EXPECT_TRUE(r->committed());
  EXPECT_EQ(r->counts().rows(), 2);
  EXPECT_EQ(r->counts().indicators_created(), 2);
  EXPECT_EQ(r->counts().observations_created(), 4);
  EXPECT_EQ(r->fiscal_year(), 2020);
  EXPECT_EQ(r->columns(3).role(), "row_kind");
  EXPECT_EQ(r->columns(4).role(), "year_value");
  const pb::Indicator a = Indicator("1-1", plan);
  ASSERT_EQ(a.target_specs_size(), 1);
  EXPECT_EQ(a.target_specs(0).targets_size(), 3);
  const pb::PlanSummary s = Summary(2020, plan);
  std::map<std::string, pb::IndicatorResult> by_code;
  for (const auto& ir : s.indicators()) by_code[ir.code()] = ir;
  EXPECT_NEAR(by_code["1-1"].achievement(), 1120.0 / 1100, 1e-12);
  EXPECT_NEAR(by_code["1-2"].achievement(), 850.0 / 840, 1e-12);
  auto again = Import(table, false, plan);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->counts().indicators_unchanged(), 2);
  EXPECT_EQ(again->counts().observations_unchanged(), 4);
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

TEST_F(KpiDomainTest, ExplicitMappingAsOfDateForecastAndFinalTargets) {
  // Headers detection cannot read (内容, ものさし) mapped by hand; an as-of-date
  // actual, a 見込 column, a 5ヵ年目標 for the plan's last year, and a repeated header row.
  const std::string tsv =
      "施策コード\t内容\tものさし\t策定時\t5ヵ年目標\t令和2年9月30日現在\t令和2年度見込\t担当課\n"
      "【施策1】 子育て\n"
      "1-01\t相談事業\t相談件数\t100件 (平成29年度)\t150件\t60件\t130件\t子ども課\n"
      "施策コード\t内容\tものさし\t策定時\t5ヵ年目標\t令和2年9月30日現在\t令和2年度見込\t担当課\n"
      "1-02\t訪問事業\t訪問率\t80%\t90%\t\t88% (見込)\t\n";
  CreatePlan("mapped", {"施策", "事業"});
  pb::ImportProgressTableRequest r;
  r.set_parent("municipalities/142140/plans/mapped");
  r.set_content(tsv);
  // Without a mapping: no indicator column → no header.
  auto none = domain_->ImportProgressTable(planner_, r);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(Reason(none.status()), "IMPORT_HEADER_NOT_FOUND");
  (*r.mutable_mapping())["施策コード"] = "code";
  (*r.mutable_mapping())["内容"] = "project";
  (*r.mutable_mapping())["ものさし"] = "indicator";
  auto res = domain_->ImportProgressTable(planner_, r);
  ASSERT_TRUE(res.ok()) << res.status();
  ASSERT_TRUE(res->committed()) << res->ShortDebugString();
  EXPECT_EQ(res->counts().indicators_created(), 2);
  EXPECT_EQ(res->fiscal_year(), 2020);
  const std::string plan = "municipalities/142140/plans/mapped";
  auto a = Indicator("1-01", plan);
  ASSERT_EQ(a.target_specs_size(), 1);
  EXPECT_EQ(a.target_specs(0).targets(0).fiscal_year(), 2022);  // 5ヵ年目標 → the plan's end
  EXPECT_EQ(a.baseline().label(), "策定時");
  // The as-of actual is kept with the year-end forecast beside it (not dropped); a forecast
  // alone is the year's value.
  pb::ListObservationsRequest lr;
  lr.set_parent(a.name());
  auto obs = domain_->ListObservations(planner_, lr);
  ASSERT_EQ(obs->observations_size(), 1);
  EXPECT_EQ(obs->observations(0).value().value(), "60");
  EXPECT_TRUE(obs->observations(0).value().partial_period());
  EXPECT_EQ(obs->observations(0).forecast().raw(), "130件");
  EXPECT_EQ(obs->observations(0).forecast().status(), type::v1::VALUE_STATUS_FORECAST);
  lr.set_parent(Indicator("1-02", plan).name());
  obs = domain_->ListObservations(planner_, lr);
  ASSERT_EQ(obs->observations_size(), 1);
  EXPECT_EQ(obs->observations(0).value().status(), type::v1::VALUE_STATUS_FORECAST);
  // The ditto department on the second row.
  EXPECT_EQ(Indicator("1-02", plan).departments(0), a.departments(0));
  // A mapping to an unknown field is refused with the header named.
  (*r.mutable_mapping())["ものさし"] = "measure";
  auto bad = domain_->ImportProgressTable(planner_, r);
  ASSERT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Reason(bad.status()), "IMPORT_MAPPING_INVALID");
}

TEST_F(KpiDomainTest, CodesSharedAcrossLevelsRoundTrip) {
  // 基本政策 1 and 施策 1: node codes are unique per plan, so the 施策 is stored as 施策1.
  CreatePlan("clash", {"基本政策", "施策", "事業"});
  const std::string plan = "municipalities/142140/plans/clash";
  const std::string tsv =
      "事業番号\t主な事業\t事業指標\t当初水準\t令和2年度目標\t令和2年度実績\t所管課\n"
      "■基本政策1 くらし\n"
      "【施策1】 防災\n"
      "1-101\t防災訓練\t参加者数\t100人\t120人\t90人\t危機管理課\n";
  auto first = Import(tsv, false, plan);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->committed()) << first->ShortDebugString();
  EXPECT_EQ(first->counts().nodes_created(), 3);
  auto again = Import(tsv, false, plan);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->counts().nodes_created(), 0);
  EXPECT_EQ(again->counts().indicators_unchanged(), 1);
  pb::ExportProgressTableRequest er;
  er.set_plan(plan);
  er.set_fiscal_year(2020);
  auto file = domain_->ExportProgressTable(planner_, er);
  ASSERT_TRUE(file.ok());
  EXPECT_NE(file->content().find("【施策1】"), std::string::npos) << file->content();
  auto back = Import(file->content(), false, plan);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->committed()) << back->ShortDebugString();
  EXPECT_EQ(back->counts().nodes_created(), 0);
  EXPECT_EQ(back->counts().observations_unchanged(), 1);
}

TEST_F(KpiDomainTest, ExportGuardsFormulasAndQuotesSeparators) {
  CreatePlan("guard", {"施策", "事業"});
  const std::string plan = "municipalities/142140/plans/guard";
  // A name a spreadsheet would run as a formula, a cell with a tab inside (quoted), a negative.
  const std::string tsv =
      "事業番号\t主な事業\t事業指標\t当初水準\t令和2年度目標\t令和2年度実績\t所管課\n"
      "【施策1】 安全\n"
      "1-101\t=HYPERLINK(\"http://x\")\t\"件数\tA\"\t-5\t+3\t△2\t課\n";
  auto first = Import(tsv, false, plan);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->committed()) << first->ShortDebugString();
  auto ind = Indicator("1-101", plan);
  EXPECT_EQ(ind.display_name(), "件数\tA");
  EXPECT_EQ(ind.project_name(), "=HYPERLINK(\"http://x\")");
  for (auto format : {pb::TABLE_FORMAT_TSV, pb::TABLE_FORMAT_CSV_UTF8_BOM}) {
    pb::ExportProgressTableRequest er;
    er.set_plan(plan);
    er.set_fiscal_year(2020);
    er.set_format(format);
    auto file = domain_->ExportProgressTable(planner_, er);
    ASSERT_TRUE(file.ok());
    EXPECT_NE(file->content().find("'=HYPERLINK"), std::string::npos) << file->content();
    EXPECT_EQ(file->content().find("\t=HYPERLINK"), std::string::npos);
    EXPECT_EQ(file->content().find(",=HYPERLINK"), std::string::npos);
    auto back = Import(file->content(), false, plan);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->counts().indicators_unchanged(), 1) << file->content();
    EXPECT_EQ(back->counts().observations_unchanged(), 1);
  }
  EXPECT_EQ(Indicator("1-101", plan).baseline().value().value(), "-5");
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
  EXPECT_EQ(by_code["28-101"].grade(), "A");         // 累計 as reported: 303 / 230
  // (第3四半期): a part-year value is never graded against the year's target — not reported yet.
  EXPECT_EQ(by_code["23-103"].grade(), "未報告");
  EXPECT_FALSE(by_code["23-103"].needs_attention());
  // Per part (3、4年生 20/20, 5、6年生 30/20) and on the number in a milestone (0人 of 10人任命):
  // graded, no longer 評価不能.
  EXPECT_NEAR(by_code["09-102"].achievement(), 1.25, 1e-12);
  EXPECT_TRUE(by_code["14-101"].has_achievement());
  EXPECT_EQ(by_code["14-101"].achievement(), 0.0);
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

// An indicator of one department, created through the API (nodes through the plan service).
class WorkflowTest : public KpiDomainTest {
 protected:
  void SetUp() override {
    KpiDomainTest::SetUp();
    for (const char* d : {"kodomo", "kikaku"}) {
      plan::v1::CreateDepartmentRequest cd;
      cd.set_parent(kM);
      cd.set_department_id(d);
      cd.mutable_department()->set_display_name(d);
      ASSERT_TRUE(plans_->CreateDepartment(admin_, cd).ok());
    }
    plan::v1::CreateNodeRequest cn;
    cn.set_parent(kPlan);
    cn.set_node_id("g1");
    cn.mutable_node()->set_code("1");
    cn.mutable_node()->set_display_name("目標1");
    cn.mutable_node()->set_level(1);
    ASSERT_TRUE(plans_->CreateNode(admin_, cn).ok());
    pb::CreateIndicatorRequest ci;
    ci.set_parent(kM);
    ci.set_indicator_id("hoiku");
    auto* ind = ci.mutable_indicator();
    ind->set_display_name("保育所待機児童数");
    ind->set_code("K-1");
    ind->set_kind(pb::INDICATOR_KIND_OUTCOME);
    ind->set_direction(pb::DIRECTION_DECREASE);
    ind->add_nodes(std::string(kPlan) + "/nodes/g1");
    ind->add_departments(std::string(kM) + "/departments/kodomo");
    ind->mutable_baseline()->mutable_value()->set_raw("40人");
    ind->mutable_baseline()->set_fiscal_year(2017);
    auto* t = ind->add_target_specs()->add_targets();
    t->set_fiscal_year(2020);
    t->mutable_value()->set_raw("0人");
    auto created = domain_->CreateIndicator(planner_, ci);
    ASSERT_TRUE(created.ok()) << created.status();
    indicator_ = *created;
  }

  // Records the indicator's actual for `year`, through `via` (another replica) or domain_.
  absl::StatusOr<pb::RecordObservationsResponse> Record(const Principal& who, int year,
                                                        const std::string& raw,
                                                        KpiDomain* via = nullptr) {
    pb::RecordObservationsRequest r;
    r.set_parent(kM);
    auto* o = r.add_observations();
    o->set_indicator(indicator_.name());
    o->set_fiscal_year(year);
    o->set_raw_value(raw);
    return (via != nullptr ? via : domain_)->RecordObservations(who, r);
  }

  absl::StatusOr<pb::ReviewObservationsResponse> Review(const Principal& who,
                                                        const std::string& verb,
                                                        const std::string& comment = "") {
    pb::ReviewObservationsRequest r;
    r.set_parent(kM);
    r.add_names(indicator_.name() + "/observations/2020");
    r.set_comment(comment);
    if (verb == "submit") return domain_->SubmitObservations(who, r);
    if (verb == "approve") return domain_->ApproveObservations(who, r);
    return domain_->ReturnObservations(who, r);
  }

  pb::Indicator indicator_;
};

TEST_F(WorkflowTest, AuthorizationMatrix) {
  const Principal own = Make(Role::kEditor, {"kodomo"});
  const Principal other = Make(Role::kEditor, {"kikaku"});
  const Principal viewer = Make(Role::kViewer);
  const Principal pub = Make(Role::kPublic);
  const int audits = AuditCount();
  // Another department's editor, a viewer, the public: refused, nothing written.
  auto denied = Record(other, 2020, "12人");
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Reason(denied.status()), "DEPARTMENT_NOT_OWNER");
  EXPECT_EQ(Record(viewer, 2020, "12人").status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Record(pub, 2020, "12人").status().code(), absl::StatusCode::kPermissionDenied);
  Principal elsewhere = Make(Role::kPlanner);
  elsewhere.municipality = "142034";
  EXPECT_EQ(Record(elsewhere, 2020, "12人").status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(AuditCount(), audits);
  // The owning department drafts and submits; it may not approve.
  auto drafted = Record(own, 2020, "12人");
  ASSERT_TRUE(drafted.ok()) << drafted.status();
  EXPECT_EQ(drafted->observations(0).review_state(), pb::REVIEW_STATE_DRAFT);
  EXPECT_EQ(drafted->observations(0).value().value(), "12");
  EXPECT_EQ(Review(other, "submit").status().code(), absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(Review(own, "submit").ok());
  EXPECT_EQ(Review(own, "approve").status().code(), absl::StatusCode::kPermissionDenied);
  // Submitted values are locked for the editor.
  auto locked = Record(own, 2020, "10人");
  EXPECT_EQ(Reason(locked.status()), "OBSERVATION_LOCKED");
  // The planner returns with a comment (required), the editor corrects and resubmits.
  auto no_comment = Review(planner_, "return");
  EXPECT_EQ(no_comment.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(Review(planner_, "return", "内訳を確認してください").ok());
  ASSERT_TRUE(Record(own, 2020, "10人").ok());
  ASSERT_TRUE(Review(own, "submit").ok());
  auto approved = Review(planner_, "approve");
  ASSERT_TRUE(approved.ok());
  const auto& obs = approved->observations(0);
  EXPECT_EQ(obs.review_state(), pb::REVIEW_STATE_APPROVED);
  // draft, submit, return, draft, submit, approve
  ASSERT_EQ(obs.review_history_size(), 6);
  EXPECT_EQ(obs.review_history(2).comment(), "内訳を確認してください");
  // Approving twice is a state error.
  EXPECT_EQ(Reason(Review(planner_, "approve").status()), "REVIEW_STATE_INVALID");
  // Every change is audited with before and after.
  pb::ListAuditEventsRequest ar;
  ar.set_parent(kM);
  ar.set_filter("resource=\"" + indicator_.name() + "/observations/2020\"");
  auto events = domain_->ListAuditEvents(planner_, ar);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->audit_events_size(), 6);
  EXPECT_NE(events->audit_events(0).before_json().find("SUBMITTED"), std::string::npos);
  EXPECT_NE(events->audit_events(0).after_json().find("APPROVED"), std::string::npos);
  // Only planners read the audit trail and edit indicators.
  EXPECT_EQ(domain_->ListAuditEvents(own, ar).status().code(), absl::StatusCode::kPermissionDenied);
  pb::UpdateIndicatorRequest ur;
  ur.mutable_indicator()->set_name(indicator_.name());
  ur.mutable_indicator()->set_display_name("x");
  ur.mutable_update_mask()->add_paths("display_name");
  EXPECT_EQ(domain_->UpdateIndicator(own, ur).status().code(), absl::StatusCode::kPermissionDenied);
  // Viewers read.
  pb::GetIndicatorRequest gr;
  gr.set_name(indicator_.name());
  EXPECT_TRUE(domain_->GetIndicator(viewer, gr).ok());
  EXPECT_EQ(domain_->GetIndicator(pub, gr).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(WorkflowTest, ValidateOnlyParsesAsAWriteWouldAndWritesNothing) {
  const Principal own = Make(Role::kEditor, {"kodomo"});
  const int audits = AuditCount();
  pb::RecordObservationsRequest r;
  r.set_parent(kM);
  r.set_validate_only(true);
  auto* o = r.add_observations();
  o->set_indicator(indicator_.name());
  o->set_fiscal_year(2020);
  o->set_raw_value("１２人（速報値）");
  auto preview = domain_->RecordObservations(own, r);
  ASSERT_TRUE(preview.ok()) << preview.status();
  ASSERT_EQ(preview->observations_size(), 1);
  EXPECT_EQ(preview->observations(0).name(), indicator_.name() + "/observations/2020");
  EXPECT_EQ(preview->observations(0).value().value(), "12");
  EXPECT_EQ(preview->observations(0).value().unit(), "人");
  EXPECT_EQ(preview->observations(0).value().raw(), "１２人（速報値）");
  EXPECT_EQ(preview->observations(0).value().status(), type::v1::VALUE_STATUS_PRELIMINARY);
  // Nothing stored, nothing audited.
  pb::ListObservationsRequest lr;
  lr.set_parent(indicator_.name());
  EXPECT_EQ(domain_->ListObservations(planner_, lr)->observations_size(), 0);
  EXPECT_EQ(AuditCount(), audits);
  // The same refusals as a write: another department, an unknown indicator.
  const Principal other = Make(Role::kEditor, {"kikaku"});
  EXPECT_EQ(Reason(domain_->RecordObservations(other, r).status()), "DEPARTMENT_NOT_OWNER");
  o->set_indicator(std::string(kM) + "/indicators/missing");
  EXPECT_EQ(domain_->RecordObservations(own, r).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(WorkflowTest, BadInputNamesTheField) {
  pb::RecordObservationsRequest r;
  r.set_parent(kM);
  auto* o = r.add_observations();
  o->set_indicator(indicator_.name());
  o->set_fiscal_year(20);
  auto s = domain_->RecordObservations(planner_, r);
  ASSERT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  auto v = status::GetFieldViolations(s.status());
  std::set<std::string> fields;
  for (const auto& f : v) fields.insert(f.field);
  EXPECT_TRUE(fields.count("observations[0].fiscal_year"));
  EXPECT_TRUE(fields.count("observations[0].raw_value"));
  // One bad item spoils the batch: nothing is written.
  r.mutable_observations(0)->set_fiscal_year(2020);
  r.mutable_observations(0)->set_raw_value("5人");
  auto* bad = r.add_observations();
  bad->set_indicator(std::string(kM) + "/indicators/missing");
  bad->set_fiscal_year(2021);
  bad->set_raw_value("1人");
  EXPECT_EQ(domain_->RecordObservations(planner_, r).status().code(), absl::StatusCode::kNotFound);
  pb::ListObservationsRequest lr;
  lr.set_parent(indicator_.name());
  EXPECT_EQ(domain_->ListObservations(planner_, lr)->observations_size(), 0);
  // Indicator validation.
  pb::CreateIndicatorRequest ci;
  ci.set_parent(kM);
  ci.set_indicator_id("Bad_ID");
  EXPECT_EQ(Reason(domain_->CreateIndicator(planner_, ci).status()), "ID_INVALID");
  ci.set_indicator_id("ok");
  auto e = domain_->CreateIndicator(planner_, ci);
  ASSERT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  fields.clear();
  for (const auto& f : status::GetFieldViolations(e.status())) fields.insert(f.field);
  EXPECT_TRUE(fields.count("indicator.display_name"));
  EXPECT_TRUE(fields.count("indicator.kind"));
  EXPECT_TRUE(fields.count("indicator.direction"));
  EXPECT_TRUE(fields.count("indicator.nodes"));
  // A node that does not exist.
  ci.mutable_indicator()->set_display_name("x");
  ci.mutable_indicator()->set_kind(pb::INDICATOR_KIND_KPI);
  ci.mutable_indicator()->set_direction(pb::DIRECTION_INCREASE);
  ci.mutable_indicator()->add_nodes(std::string(kPlan) + "/nodes/nope");
  EXPECT_EQ(Reason(domain_->CreateIndicator(planner_, ci).status()), "INDICATOR_NODE_NOT_FOUND");
  pb::UpdateIndicatorRequest ui;
  ui.mutable_indicator()->set_name(indicator_.name());
  ui.mutable_indicator()->add_nodes(std::string(kPlan) + "/nodes/nope");
  ui.mutable_update_mask()->add_paths("nodes");
  EXPECT_EQ(Reason(domain_->UpdateIndicator(planner_, ui).status()), "INDICATOR_NODE_NOT_FOUND");
  // ReviseTargets needs a reason; the old version stays.
  pb::ReviseTargetsRequest rt;
  rt.set_name(indicator_.name());
  rt.set_valid_from_year(2021);
  auto* t = rt.add_targets();
  t->set_fiscal_year(2021);
  t->mutable_value()->set_raw("5人");
  EXPECT_EQ(domain_->ReviseTargets(planner_, rt).status().code(),
            absl::StatusCode::kInvalidArgument);
  rt.set_reason("国の基準変更");
  auto revised = domain_->ReviseTargets(planner_, rt);
  ASSERT_TRUE(revised.ok()) << revised.status();
  ASSERT_EQ(revised->target_specs_size(), 2);
  EXPECT_EQ(revised->target_specs(1).reason(), "国の基準変更");
  // Stale etag.
  rt.set_etag(indicator_.etag());
  EXPECT_EQ(domain_->ReviseTargets(planner_, rt).status().code(), absl::StatusCode::kAborted);
}

TEST_F(WorkflowTest, EvaluationLifecycleAndAmendment) {
  ASSERT_TRUE(Record(planner_, 2020, "8人").ok());
  pb::CreateEvaluationRequest cr;
  cr.set_parent(kPlan);
  cr.set_fiscal_year(2020);
  auto e = domain_->CreateEvaluation(planner_, cr);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->stage(), pb::EVALUATION_STAGE_SELF);
  ASSERT_EQ(e->summary().indicators_size(), 1);
  // decrease to 0: 8 people left → 0%.
  EXPECT_EQ(e->summary().indicators(0).grade(), "D");
  EXPECT_EQ(Reason(domain_->CreateEvaluation(planner_, cr).status()), "EVALUATION_ALREADY_EXISTS");
  // The plan's list: staff see the draft (an index, without the snapshot); the public does not.
  pb::ListEvaluationsRequest lr;
  lr.set_parent(kPlan);
  auto staff_list = domain_->ListEvaluations(Make(Role::kViewer), lr);
  ASSERT_TRUE(staff_list.ok()) << staff_list.status();
  ASSERT_EQ(staff_list->evaluations_size(), 1);
  EXPECT_EQ(staff_list->evaluations(0).stage(), pb::EVALUATION_STAGE_SELF);
  EXPECT_EQ(staff_list->evaluations(0).summary().indicators_size(), 0);
  EXPECT_EQ(staff_list->evaluations(0).summary().indicator_count(), 1);
  EXPECT_EQ(domain_->ListEvaluations(Make(Role::kPublic), lr)->evaluations_size(), 0);
  lr.set_parent("municipalities/142140/plans");
  EXPECT_EQ(domain_->ListEvaluations(planner_, lr).status().code(),
            absl::StatusCode::kInvalidArgument);
  lr.set_parent(kPlan);
  // Stages in order only.
  pb::AdvanceEvaluationRequest ar;
  ar.set_name(e->name());
  ar.set_stage(pb::EVALUATION_STAGE_PUBLISHED);
  EXPECT_EQ(Reason(domain_->AdvanceEvaluation(planner_, ar).status()), "EVALUATION_STAGE_INVALID");
  // A manual judgement beside the computed one.
  pb::OverrideRollupRequest orr;
  orr.set_name(e->name());
  orr.set_subject(std::string(kPlan) + "/nodes/g1");
  orr.set_grade("C");
  EXPECT_EQ(domain_->OverrideRollup(planner_, orr).status().code(),
            absl::StatusCode::kInvalidArgument);  // comment required
  orr.set_comment("国の制度変更の影響を考慮");
  auto over = domain_->OverrideRollup(planner_, orr);
  ASSERT_TRUE(over.ok()) << over.status();
  EXPECT_EQ(over->summary().nodes(0).computed_grade(), "D");
  EXPECT_EQ(over->summary().nodes(0).override_grade(), "C");
  EXPECT_EQ(over->summary().nodes(0).override_author(), planner_.subject);
  for (auto stage : {pb::EVALUATION_STAGE_PLANNING_REVIEW, pb::EVALUATION_STAGE_COMMITTEE,
                     pb::EVALUATION_STAGE_PUBLISHED}) {
    ar.set_stage(stage);
    ar.set_recompute(stage != pb::EVALUATION_STAGE_PUBLISHED);
    auto adv = domain_->AdvanceEvaluation(planner_, ar);
    ASSERT_TRUE(adv.ok()) << adv.status();
  }
  // Once published, the public finds it in the list.
  auto public_list = domain_->ListEvaluations(Make(Role::kPublic), lr);
  ASSERT_TRUE(public_list.ok());
  ASSERT_EQ(public_list->evaluations_size(), 1);
  EXPECT_EQ(public_list->evaluations(0).fiscal_year(), 2020);
  // Published: frozen. A corrected value does not change it silently.
  ASSERT_TRUE(Record(planner_, 2020, "0人").ok());
  pb::GetEvaluationRequest gr;
  gr.set_name(e->name());
  auto published = domain_->GetEvaluation(Make(Role::kPublic), gr);
  ASSERT_TRUE(published.ok());
  EXPECT_EQ(published->summary().indicators(0).grade(), "D");
  EXPECT_EQ(Reason(domain_->OverrideRollup(planner_, orr).status()), "EVALUATION_PUBLISHED");
  ar.set_stage(pb::EVALUATION_STAGE_PUBLISHED);
  EXPECT_EQ(Reason(domain_->AdvanceEvaluation(planner_, ar).status()), "EVALUATION_PUBLISHED");
  // The correction is an amendment with a reason.
  pb::AmendEvaluationRequest am;
  am.set_name(e->name());
  am.set_indicator(indicator_.name());
  EXPECT_EQ(domain_->AmendEvaluation(planner_, am).status().code(),
            absl::StatusCode::kInvalidArgument);
  am.set_reason("実績値の確定に伴う修正");
  auto amended = domain_->AmendEvaluation(planner_, am);
  ASSERT_TRUE(amended.ok()) << amended.status();
  ASSERT_EQ(amended->amendments_size(), 1);
  EXPECT_EQ(amended->amendments(0).before().grade(), "D");
  EXPECT_EQ(amended->amendments(0).after().grade(), "B");  // 0 of target 0: 100%
  // The report lists grades and the amendment.
  pb::ExportEvaluationReportRequest rr;
  rr.set_name(e->name());
  rr.set_format(pb::REPORT_FORMAT_HTML);
  auto report = domain_->ExportEvaluationReport(planner_, rr);
  ASSERT_TRUE(report.ok());
  EXPECT_NE(report->content().find("実績値の確定に伴う修正"), std::string::npos);
  EXPECT_NE(report->content().find("<table>"), std::string::npos);
  rr.set_format(pb::REPORT_FORMAT_MARKDOWN);
  report = domain_->ExportEvaluationReport(planner_, rr);
  ASSERT_TRUE(report.ok());
  EXPECT_NE(report->content().find("| 評価 | 指標数 |"), std::string::npos);
  EXPECT_NE(report->content().find("(公表版)"), std::string::npos);
  // Staff see who overrode and amended; the public sees the judgements and reasons, not the
  // accounts.
  EXPECT_NE(report->content().find(planner_.subject), std::string::npos);
  auto public_view = domain_->GetEvaluation(Make(Role::kPublic), gr);
  ASSERT_TRUE(public_view.ok());
  for (const auto& n : public_view->summary().nodes()) EXPECT_EQ(n.override_author(), "");
  ASSERT_EQ(public_view->amendments_size(), 1);
  EXPECT_EQ(public_view->amendments(0).reason(), "実績値の確定に伴う修正");
  EXPECT_EQ(public_view->amendments(0).author(), "");
  auto public_report = domain_->ExportEvaluationReport(Make(Role::kPublic), rr);
  ASSERT_TRUE(public_report.ok());
  EXPECT_EQ(public_report->content().find(planner_.subject), std::string::npos);
  EXPECT_NE(public_report->content().find("実績値の確定に伴う修正"), std::string::npos);
}

TEST_F(WorkflowTest, GradingSchemeChangesTheGrades) {
  ASSERT_TRUE(Record(planner_, 2020, "8人").ok());  // decrease 40 → 0: (2·0 − 8)/0 … 0%
  pb::GetGradingSchemeRequest gr;
  gr.set_name(std::string(kPlan) + "/gradingScheme");
  auto scheme = domain_->GetGradingScheme(Make(Role::kViewer), gr);
  ASSERT_TRUE(scheme.ok()) << scheme.status();
  EXPECT_EQ(scheme->preset(), pb::GRADING_PRESET_ABCD);  // the default until changed
  // 順調 / やや遅れ / 遅れ, with department roll-ups as the share at or above 順調.
  pb::UpdateGradingSchemeRequest ur;
  ur.mutable_scheme()->set_name(gr.name());
  ur.mutable_scheme()->set_preset(pb::GRADING_PRESET_JUNCHO);
  auto* rule = ur.mutable_scheme()->add_rollup_rules();
  rule->set_level(-1);
  rule->set_method(pb::ROLLUP_METHOD_SHARE_AT_OR_ABOVE);
  rule->set_threshold_grade("順調");
  ur.mutable_update_mask()->add_paths("preset");
  ur.mutable_update_mask()->add_paths("rollup_rules");
  EXPECT_EQ(domain_->UpdateGradingScheme(Make(Role::kEditor, {"kodomo"}), ur).status().code(),
            absl::StatusCode::kPermissionDenied);
  auto updated = domain_->UpdateGradingScheme(planner_, ur);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->bands_size(), 3);
  pb::GetPlanSummaryRequest sr;
  sr.set_plan(kPlan);
  sr.set_fiscal_year(2020);
  auto s = domain_->GetPlanSummary(planner_, sr);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->grade_counts(0).grade(), "順調");
  EXPECT_EQ(s->grade_counts(2).grade(), "遅れ");
  EXPECT_EQ(s->grade_counts(2).count(), 1);
  ASSERT_EQ(s->departments_size(), 1);
  EXPECT_EQ(s->departments(0).method(), pb::ROLLUP_METHOD_SHARE_AT_OR_ABOVE);
  EXPECT_EQ(s->departments(0).value(), 0.0);
  // A custom scheme with a bad threshold is refused with the field named; the stored one stays.
  ur.mutable_scheme()->set_preset(pb::GRADING_PRESET_CUSTOM);
  ur.mutable_update_mask()->add_paths("bands");
  for (const char* l : {"達成", "未達成"}) ur.mutable_scheme()->add_bands()->set_label(l);
  ur.mutable_scheme()->mutable_bands(0)->set_min_percent(100);
  auto bad = domain_->UpdateGradingScheme(planner_, ur);
  ASSERT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status::GetFieldViolations(bad.status())[0].field,
            "scheme.rollup_rules[0].threshold_grade");
  EXPECT_EQ(domain_->GetGradingScheme(planner_, gr)->preset(), pb::GRADING_PRESET_JUNCHO);
  // A stale etag.
  ur.mutable_scheme()->mutable_rollup_rules(0)->set_threshold_grade("達成");
  ur.mutable_scheme()->set_etag("stale");
  EXPECT_EQ(domain_->UpdateGradingScheme(planner_, ur).status().code(), absl::StatusCode::kAborted);
  ur.mutable_scheme()->set_etag(updated->etag());
  ASSERT_TRUE(domain_->UpdateGradingScheme(planner_, ur).ok());
}

TEST_F(WorkflowTest, DeleteNeedsForceWhenObservationsExist) {
  ASSERT_TRUE(Record(planner_, 2020, "8人").ok());
  pb::DeleteIndicatorRequest dr;
  dr.set_name(indicator_.name());
  auto s = domain_->DeleteIndicator(planner_, dr);
  EXPECT_EQ(Reason(s.status()), "INDICATOR_HAS_OBSERVATIONS");
  dr.set_force(true);
  ASSERT_TRUE(domain_->DeleteIndicator(planner_, dr).ok());
  pb::GetIndicatorRequest gr;
  gr.set_name(indicator_.name());
  EXPECT_EQ(domain_->GetIndicator(planner_, gr).status().code(), absl::StatusCode::kNotFound);
  pb::GetPlanSummaryRequest sr;
  sr.set_plan(kPlan);
  sr.set_fiscal_year(2020);
  EXPECT_EQ(domain_->GetPlanSummary(planner_, sr)->indicator_count(), 0);
}

TEST_F(WorkflowTest, UncachedSummaryReadsThePlanTreeOnlyWhenTheStructureChanged) {
  ASSERT_TRUE(Record(planner_, 2020, "8人").ok());
  pb::GetPlanSummaryRequest sr;
  sr.set_plan(kPlan);
  sr.set_fiscal_year(2020);
  sr.set_view(pb::SUMMARY_VIEW_FULL);
  auto first = domain_->GetPlanSummary(planner_, sr);
  ASSERT_TRUE(first.ok()) << first.status();
  const int trees = stack_->plan_client->tree_calls;
  const int departments = stack_->plan_client->department_calls;
  auto second = domain_->GetPlanSummary(planner_, sr);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(stack_->plan_client->tree_calls, trees) << "the structure is unchanged";
  EXPECT_EQ(stack_->plan_client->department_calls, departments) << "so are the departments";
  EXPECT_EQ(first->SerializeAsString(), second->SerializeAsString());
  // A KPI write leaves the structure alone; the values are read afresh.
  ASSERT_TRUE(Record(planner_, 2020, "0人").ok());
  auto after_write = domain_->GetPlanSummary(planner_, sr);
  ASSERT_TRUE(after_write.ok());
  EXPECT_EQ(after_write->indicators(0).actual().value(), "0");
  EXPECT_EQ(stack_->plan_client->tree_calls, trees);
  // The node renamed: the tree is read again and the summary says the new name.
  plan::v1::UpdateNodeRequest un;
  un.mutable_node()->set_name(std::string(kPlan) + "/nodes/g1");
  un.mutable_node()->set_display_name("目標1(改称)");
  un.mutable_update_mask()->add_paths("display_name");
  ASSERT_TRUE(plans_->UpdateNode(admin_, un).ok());
  auto renamed = domain_->GetPlanSummary(planner_, sr);
  ASSERT_TRUE(renamed.ok());
  EXPECT_EQ(stack_->plan_client->tree_calls, trees + 1);
  EXPECT_EQ(stack_->plan_client->department_calls, departments + 1);
  ASSERT_GT(renamed->nodes_size(), 0);
  EXPECT_EQ(renamed->nodes(0).display_name(), "目標1(改称)");
  // The department renamed from FY2020 on: the departments are read again, the roll-up says it.
  plan::v1::UpdateDepartmentRequest ud;
  ud.mutable_department()->set_name(std::string(kM) + "/departments/kodomo");
  ud.mutable_department()->set_display_name("こども未来課");
  ud.mutable_update_mask()->add_paths("display_name");
  ud.mutable_rename_effective_date()->set_year(2020);
  ud.mutable_rename_effective_date()->set_month(4);
  ud.mutable_rename_effective_date()->set_day(1);
  ASSERT_TRUE(plans_->UpdateDepartment(admin_, ud).ok());
  auto dept_renamed = domain_->GetPlanSummary(planner_, sr);
  ASSERT_TRUE(dept_renamed.ok());
  EXPECT_EQ(stack_->plan_client->department_calls, departments + 2);
  ASSERT_EQ(dept_renamed->departments_size(), 1);
  EXPECT_EQ(dept_renamed->departments(0).display_name(), "こども未来課");
  EXPECT_EQ(renamed->departments(0).display_name(), "kodomo") << "the name before";
}

TEST_F(WorkflowTest, CachedSummaryIsNeverStale) {
  // A real redis-server; the domain with the cache in front of GetPlanSummary.
  sokei::testing::RedisServer redis;
  cache::Cache cache({redis.addr()});
  KpiDomain cached(stack_->kpi_repo.get(), stack_->plan_client.get(), &stack_->files, &absl::Now,
                   &cache);
  ASSERT_TRUE(Record(planner_, 2020, "8人").ok());
  pb::GetPlanSummaryRequest sr;
  sr.set_plan(kPlan);
  sr.set_fiscal_year(2020);
  sr.set_view(pb::SUMMARY_VIEW_FULL);
  auto first = cached.GetPlanSummary(planner_, sr);
  ASSERT_TRUE(first.ok()) << first.status();
  const int trees_before_hit = stack_->plan_client->tree_calls;
  auto second = cached.GetPlanSummary(planner_, sr);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(cache.stats().hits, 1);
  // A hit checks generations only: it does not fetch the plan tree.
  EXPECT_EQ(stack_->plan_client->tree_calls, trees_before_hit);
  EXPECT_EQ(first->SerializeAsString(), second->SerializeAsString());
  // A KPI write: the next read computes again and shows it.
  ASSERT_TRUE(Record(planner_, 2020, "0人").ok());
  auto after_write = cached.GetPlanSummary(planner_, sr);
  ASSERT_TRUE(after_write.ok());
  EXPECT_EQ(cache.stats().hits, 1);
  EXPECT_EQ(after_write->indicators(0).actual().value(), "0");
  // A plan-structure change (a new node): the structure's generation changes, so does the key.
  plan::v1::CreateNodeRequest cn;
  cn.set_parent(kPlan);
  cn.set_node_id("g2");
  cn.mutable_node()->set_code("2");
  cn.mutable_node()->set_display_name("目標2");
  cn.mutable_node()->set_level(1);
  ASSERT_TRUE(plans_->CreateNode(admin_, cn).ok());
  const int misses = static_cast<int>(cache.stats().misses);
  ASSERT_TRUE(cached.GetPlanSummary(planner_, sr).ok());
  EXPECT_EQ(cache.stats().misses, misses + 1);
  // Another view or year is another entry; the uncached domain agrees with the cached one.
  auto direct = domain_->GetPlanSummary(planner_, sr);
  auto via_cache = cached.GetPlanSummary(planner_, sr);
  ASSERT_TRUE(direct.ok() && via_cache.ok());
  EXPECT_EQ(direct->SerializeAsString(), via_cache->SerializeAsString());
  // Redis gone: the read still answers (fail open).
  redis.Kill();
  auto no_redis = cached.GetPlanSummary(planner_, sr);
  ASSERT_TRUE(no_redis.ok()) << no_redis.status();
  EXPECT_EQ(no_redis->SerializeAsString(), direct->SerializeAsString());
}

TEST_F(WorkflowTest, KeptParsedRecordsNeverHideAWriteFromAnotherReplica) {
  // Two KPI replicas on one database: the summaries of `domain_` keep the rows they parsed by
  // their bytes (parsed_records.h); every write is made through the other one.
  KpiDomain replica(stack_->kpi_repo.get(), stack_->plan_client.get(), &stack_->files);
  ASSERT_TRUE(Record(planner_, 2020, "8人", &replica).ok());
  pb::GetPlanSummaryRequest sr;
  sr.set_plan(kPlan);
  sr.set_fiscal_year(2020);
  sr.set_view(pb::SUMMARY_VIEW_FULL);
  EXPECT_EQ(domain_->parsed_record_bytes(), 0u);
  auto first = domain_->GetPlanSummary(planner_, sr);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->indicators_size(), 1);
  EXPECT_EQ(first->indicators(0).actual().value(), "8");
  EXPECT_GT(domain_->parsed_record_bytes(), 0u) << "the indicator and its observation are kept";
  // The actual corrected elsewhere: read and parsed afresh here.
  ASSERT_TRUE(Record(planner_, 2020, "0人", &replica).ok());
  auto corrected = domain_->GetPlanSummary(planner_, sr);
  ASSERT_TRUE(corrected.ok());
  EXPECT_EQ(corrected->indicators(0).actual().value(), "0");
  EXPECT_NE(corrected->indicators(0).grade(), first->indicators(0).grade());
  // The indicator renamed elsewhere: so is the summary's row.
  pb::UpdateIndicatorRequest ur;
  ur.mutable_indicator()->set_name(indicator_.name());
  ur.mutable_indicator()->set_display_name("待機児童数（4月1日）");
  ur.mutable_update_mask()->add_paths("display_name");
  ASSERT_TRUE(replica.UpdateIndicator(planner_, ur).ok());
  auto renamed = domain_->GetPlanSummary(planner_, sr);
  ASSERT_TRUE(renamed.ok());
  EXPECT_EQ(renamed->indicators(0).display_name(), "待機児童数（4月1日）");
  // What it keeps changes nothing: the summary is the one a replica that kept nothing computes.
  auto fresh = replica.GetPlanSummary(planner_, sr);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(renamed->SerializeAsString(), fresh->SerializeAsString());
  domain_->ForgetParsedRecords();
  EXPECT_EQ(domain_->parsed_record_bytes(), 0u);
  auto cold = domain_->GetPlanSummary(planner_, sr);
  ASSERT_TRUE(cold.ok());
  EXPECT_EQ(cold->SerializeAsString(), renamed->SerializeAsString());
  // The indicator deleted elsewhere: gone from the summary here.
  pb::DeleteIndicatorRequest dr;
  dr.set_name(indicator_.name());
  dr.set_force(true);
  ASSERT_TRUE(replica.DeleteIndicator(planner_, dr).ok());
  auto deleted = domain_->GetPlanSummary(planner_, sr);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(deleted->indicator_count(), 0);
}

TEST_F(WorkflowTest, HistoryAndForecast) {
  for (auto [year, raw] :
       std::vector<std::pair<int, std::string>>{{2018, "30人"}, {2019, "24人"}, {2020, "18人"}}) {
    ASSERT_TRUE(Record(planner_, year, raw).ok());
  }
  pb::GetIndicatorHistoryRequest hr;
  hr.set_name(indicator_.name());
  auto h = domain_->GetIndicatorHistory(planner_, hr);
  ASSERT_TRUE(h.ok()) << h.status();
  ASSERT_GE(h->points_size(), 3);
  EXPECT_EQ(h->points(0).fiscal_year(), 2018);
  // Baseline 40 (2017), then 30, 24, 18: about −7.3 a year, 10.4 in 2020 > target 0 → at risk.
  EXPECT_EQ(h->forecast().target_year(), 2020);
  EXPECT_EQ(h->forecast().outlook(), pb::TREND_OUTLOOK_AT_RISK);
  EXPECT_LT(h->forecast().slope_per_year(), 0);
  EXPECT_EQ(h->points(2).target().value().value(), "0");
}

// 累計 as running totals: the trend runs on the totals against the cumulative target, without the
// baseline — one year's figure (100) that made a line through 100, 90, 200, 300 fall short (≈421
// in 2022) of a 500 the totals are on course for (≈512).
TEST_F(KpiDomainTest, CumulativeTrendRunsOnTheRunningTotal) {
  CreatePlan("trend", {"施策", "事業"});
  const std::string plan = "municipalities/142140/plans/trend";
  auto r = Import(
      "No.\t事業名\t指標名\t基準値(H29)\t目標値(令和4年度)\tH30実績\tR1実績\tR2実績\n"
      "【施策1】 産業\n"
      "1-1\t創業支援\t創業者数【累計】\t100人\t500人\t90人\t200人\t300人\n",
      false, plan);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->committed());
  const pb::Indicator ind = Indicator("1-1", plan);
  ASSERT_EQ(ind.aggregation().kind(), pb::AGGREGATION_KIND_CUMULATIVE);
  pb::GetIndicatorHistoryRequest hr;
  hr.set_name(ind.name());
  auto h = domain_->GetIndicatorHistory(planner_, hr);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->forecast().target_year(), 2022);
  EXPECT_NEAR(h->forecast().slope_per_year(), 105, 1e-6);
  EXPECT_EQ(h->forecast().outlook(), pb::TREND_OUTLOOK_ON_TRACK);
}

TEST_F(KpiDomainTest, ExportImportRoundTrip) {
  ASSERT_TRUE(Import(ReadFile(SeedPath())).ok());
  for (auto format : {pb::TABLE_FORMAT_TSV, pb::TABLE_FORMAT_CSV_UTF8_BOM,
                      pb::TABLE_FORMAT_CSV_CP932, pb::TABLE_FORMAT_XLSX}) {
    pb::ExportProgressTableRequest er;
    er.set_plan(kPlan);
    er.set_fiscal_year(2020);
    er.set_format(format);
    auto file = domain_->ExportProgressTable(planner_, er);
    ASSERT_TRUE(file.ok()) << file.status();
    // Back into the same plan: nothing changes — CP932 included, where — comes back as ― and
    // − as － (no new target versions, no changed observations).
    auto same = Import(file->content());
    ASSERT_TRUE(same.ok()) << same.status();
    EXPECT_TRUE(same->committed());
    EXPECT_EQ(same->counts().indicators_unchanged(), 111) << file->filename();
    EXPECT_EQ(same->counts().observations_unchanged(), 111) << file->filename();
    EXPECT_EQ(same->counts().targets_created(), 0) << file->filename();
    EXPECT_EQ(same->counts().nodes_created(), 0);
  }
  // Into a fresh plan: the same values.
  CreatePlan("copy", {"まちづくり目標", "基本政策", "施策展開の方向", "施策", "事業"});
  pb::ExportProgressTableRequest er;
  er.set_plan(kPlan);
  er.set_fiscal_year(2020);
  auto tsv = domain_->ExportProgressTable(planner_, er);
  ASSERT_TRUE(tsv.ok());
  auto copy = Import(tsv->content(), false, "municipalities/142140/plans/copy");
  ASSERT_TRUE(copy.ok()) << copy.status();
  EXPECT_EQ(copy->counts().indicators_created(), 111);
  const std::string copy_plan = "municipalities/142140/plans/copy";
  for (const char* code : {"39-105", "19-103-3", "34-103", "23-103", "09-102"}) {
    auto a = Indicator(code);
    auto b = Indicator(code, copy_plan);
    EXPECT_EQ(a.baseline().value().SerializeAsString(), b.baseline().value().SerializeAsString())
        << code;
    EXPECT_EQ(a.target_specs(0).targets(0).value().raw(),
              b.target_specs(0).targets(0).value().raw())
        << code;
    EXPECT_EQ(a.departments(0), b.departments(0)) << code;
  }
  const auto s1 = Summary(2020), s2 = Summary(2020, copy_plan);
  ASSERT_EQ(s1.grade_counts_size(), s2.grade_counts_size());
  for (int i = 0; i < s1.grade_counts_size(); ++i) {
    EXPECT_EQ(s1.grade_counts(i).ShortDebugString(), s2.grade_counts(i).ShortDebugString());
  }
  // xlsx: a real zip container.
  er.set_format(pb::TABLE_FORMAT_XLSX);
  auto x = domain_->ExportProgressTable(planner_, er);
  ASSERT_TRUE(x.ok()) << x.status();
  EXPECT_EQ(x->content().substr(0, 2), "PK");
  EXPECT_GT(x->content().size(), 5000u);
}

// A sheet as a department saves it from Excel: every cell text, written by a real xlsx writer.
std::string SaveAsXlsx(const std::vector<std::vector<std::string>>& rows) {
  char path[] = "/tmp/sokei-sheet-XXXXXX";
  close(mkstemp(path));
  lxw_workbook* wb = workbook_new(path);
  lxw_worksheet* ws = workbook_add_worksheet(wb, "入力シート");
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t c = 0; c < rows[r].size(); ++c) {
      if (!rows[r][c].empty()) worksheet_write_string(ws, r, c, rows[r][c].c_str(), nullptr);
    }
  }
  workbook_close(wb);
  std::string bytes = ReadFile(path);
  unlink(path);
  return bytes;
}

// The department's habit: download its input sheet as xlsx, type the year's 実績 in Excel, upload
// it back — findings first, then drafts of its own indicators only, all or nothing.
TEST_F(KpiDomainTest, DepartmentInputSheetRoundTrip) {
  ASSERT_TRUE(Import(ReadFile(SeedPath())).ok());
  const std::string dept = Indicator("06-103").departments(0);  // 子育て支援課
  const Principal own = Make(Role::kEditor, {dept.substr(dept.rfind('/') + 1)});
  pb::ExportProgressTableRequest er;
  er.set_plan(kPlan);
  er.set_fiscal_year(2021);
  er.set_format(pb::TABLE_FORMAT_XLSX);
  er.set_department(dept);
  auto file = domain_->ExportProgressTable(own, er);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_NE(file->filename().find(dept.substr(dept.rfind('/') + 1)), std::string::npos);
  auto sheet = ReadXlsxSheet(file->content());
  ASSERT_TRUE(sheet.ok()) << sheet.status();
  auto& rows = sheet->rows;
  ASSERT_GE(rows.size(), 3u);
  ASSERT_GE(rows[0].size(), 6u);
  EXPECT_EQ(rows[0][5], "令和3年度実績");
  // Only the department's indicators, each under its headings; 06-102 is 子ども家庭相談課's.
  int indicator_rows = 0;
  size_t row_0103 = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    if (rows[i].size() < 3) {
      EXPECT_EQ(rows[i][0].substr(0, 3), "【") << i;  // a heading
      continue;
    }
    ++indicator_rows;
    if (rows[i][0] == "06-103") row_0103 = i;
    EXPECT_NE(rows[i][0], "06-102");
    EXPECT_EQ(rows[i][6], "子育て支援課") << rows[i][0];
  }
  EXPECT_GE(indicator_rows, 2);
  ASSERT_NE(row_0103, 0u);

  // Filled in: one value. A dry run shows how it is read and writes nothing.
  rows[row_0103].resize(9);
  rows[row_0103][5] = "４箇所（速報値）";
  pb::ImportObservationSheetRequest ir;
  ir.set_plan(kPlan);
  ir.set_fiscal_year(2021);
  ir.set_content(SaveAsXlsx(rows));
  ir.set_validate_only(true);
  auto dry = domain_->ImportObservationSheet(own, ir);
  ASSERT_TRUE(dry.ok()) << dry.status();
  EXPECT_FALSE(dry->committed());
  ASSERT_EQ(dry->observations_size(), 1);
  EXPECT_EQ(dry->observations(0).value().value(), "4");
  EXPECT_EQ(dry->observations(0).value().unit(), "箇所");
  EXPECT_EQ(dry->observations(0).value().raw(), "４箇所（速報値）");
  const std::string ind_0103 = Indicator("06-103").name();
  auto stored = [&]() {
    pb::ListObservationsRequest lr;
    lr.set_parent(ind_0103);
    auto l = domain_->ListObservations(planner_, lr);
    EXPECT_TRUE(l.ok());
    for (const auto& o : l->observations()) {
      if (o.fiscal_year() == 2021) return o;
    }
    return pb::Observation();
  };
  EXPECT_TRUE(stored().name().empty());

  // For real: a draft of the department's, from the sheet.
  ir.set_validate_only(false);
  auto done = domain_->ImportObservationSheet(own, ir);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_TRUE(done->committed());
  EXPECT_EQ(stored().value().raw(), "４箇所（速報値）");
  EXPECT_EQ(stored().review_state(), pb::REVIEW_STATE_DRAFT);
  EXPECT_EQ(stored().source(), "入力シート");
  // The same sheet again: nothing to record.
  auto again = domain_->ImportObservationSheet(own, ir);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->unchanged(), 1);
  EXPECT_FALSE(again->committed());
  ASSERT_EQ(again->findings_size(), 1);
  EXPECT_EQ(again->findings(0).code(), "SHEET_NOTHING_TO_RECORD");

  auto codes = [](const pb::ImportObservationSheetResponse& r) {
    std::vector<std::string> out;
    for (const auto& f : r.findings()) out.push_back(f.code());
    return out;
  };
  // Submitted, the value is locked for the department: a finding, nothing written.
  pb::ReviewObservationsRequest sub;
  sub.set_parent(kM);
  sub.add_names(stored().name());
  ASSERT_TRUE(domain_->SubmitObservations(own, sub).ok());
  rows[row_0103][5] = "5箇所";
  ir.set_content(SaveAsXlsx(rows));
  auto locked = domain_->ImportObservationSheet(own, ir);
  ASSERT_TRUE(locked.ok()) << locked.status();
  EXPECT_EQ(codes(*locked), std::vector<std::string>{"SHEET_VALUE_LOCKED"});
  EXPECT_FALSE(locked->committed());
  EXPECT_EQ(stored().value().raw(), "４箇所（速報値）");

  // Another department's editor, a renamed indicator, a sheet of another year: refused per cell
  // or as a whole, nothing written.
  const Principal other = Make(Role::kEditor, {"kikaku"});
  auto theirs = domain_->ImportObservationSheet(other, ir);
  ASSERT_TRUE(theirs.ok()) << theirs.status();
  EXPECT_EQ(codes(*theirs), std::vector<std::string>{"SHEET_NOT_YOUR_INDICATOR"});
  rows[row_0103][2] = "名前を書き換えた指標";
  ir.set_content(SaveAsXlsx(rows));
  auto renamed = domain_->ImportObservationSheet(own, ir);
  ASSERT_TRUE(renamed.ok()) << renamed.status();
  EXPECT_EQ(codes(*renamed), std::vector<std::string>{"SHEET_INDICATOR_UNKNOWN"});
  ir.set_fiscal_year(2022);
  EXPECT_EQ(Reason(domain_->ImportObservationSheet(own, ir).status()), "SHEET_YEAR_MISSING");
  EXPECT_EQ(stored().value().raw(), "４箇所（速報値）");

  // The whole table with another department's value filled in: all or nothing.
  er.clear_department();
  er.set_format(pb::TABLE_FORMAT_TSV);
  auto whole = domain_->ExportProgressTable(own, er);
  ASSERT_TRUE(whole.ok());
  std::string tsv = whole->content();
  const size_t at = tsv.find("06-102\t");
  ASSERT_NE(at, std::string::npos);
  std::vector<std::string> cells = absl::StrSplit(tsv.substr(at, tsv.find('\n', at) - at), '\t');
  ASSERT_GE(cells.size(), 6u);
  cells[5] = "120人";
  const std::string line_0102 = absl::StrJoin(cells, "\t");
  tsv.replace(at, tsv.find('\n', at) - at, line_0102);
  ir.set_fiscal_year(2021);
  ir.set_content(tsv);
  auto mixed = domain_->ImportObservationSheet(own, ir);
  ASSERT_TRUE(mixed.ok()) << mixed.status();
  EXPECT_EQ(codes(*mixed), std::vector<std::string>{"SHEET_NOT_YOUR_INDICATOR"});
  EXPECT_FALSE(mixed->committed());
  // A department id of another municipality is not a filter.
  er.set_department("municipalities/131016/departments/x");
  EXPECT_EQ(Reason(domain_->ExportProgressTable(own, er).status()), "EXPORT_INVALID");
}

}  // namespace
}  // namespace sokei::kpi
