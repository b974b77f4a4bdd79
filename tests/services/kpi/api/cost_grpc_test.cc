// Costs over real gRPC, on the seed 001 plan and the demo's sample budget table: the importer
// (dry run, commit, idempotent re-import, bad input that writes nothing), the 人件費単価, a
// correction by hand with its etag, and the sheet of a 事業 and of its 施策 showing the money and
// the cost per unit of result.
#include "tests/services/kpi/api/kpi_grpc_fixture.h"

namespace sokei::kpi::grpc_test {
namespace {

std::string SampleCosts() {
  std::string path = SOKEI_SEED_001;
  path = path.substr(0, path.rfind('/')) + "/isehara-5th-sample-costs-fy2020.tsv";
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class CostTest : public KpiGrpcTest {
 protected:
  pb::ImportCostTableResponse Import(const std::string& content, bool dry_run,
                                     absl::Status* status = nullptr) {
    pb::ImportCostTableRequest r;
    r.set_parent(kPlan);
    r.set_content(content);
    r.set_fiscal_year(2020);
    r.set_dry_run(dry_run);
    pb::ImportCostTableResponse out;
    absl::Status s = Call(&pb::KpiService::Stub::ImportCostTable, r, &out);
    if (status != nullptr) *status = s;
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }

  std::vector<pb::ProjectCost> Costs() {
    pb::ListProjectCostsRequest r;
    r.set_parent(kPlan);
    r.set_fiscal_year(2020);
    pb::ListProjectCostsResponse out;
    EXPECT_TRUE(Call(&pb::KpiService::Stub::ListProjectCosts, r, &out).ok());
    return {out.costs().begin(), out.costs().end()};
  }
};

TEST_F(CostTest, TheSampleTableGivesEachProjectItsCostAndEachResultItsUnitCost) {
  EnsureImported();
  const std::string table = SampleCosts();
  ASSERT_NE(table.find("サンプル"), std::string::npos);
  // The 人件費単価 of FY2020: planners only.
  pb::UpdateCostSettingsRequest u;
  u.mutable_settings()->set_name(std::string(kM) + "/costSettings");
  auto* rate = u.mutable_settings()->add_personnel_rates();
  rate->set_fiscal_year(2020);
  rate->set_yen_per_fte(8000000);
  pb::CostSettings settings;
  const Caller editor{"e", "editor", "142140", "x"};
  EXPECT_EQ(Call(&pb::KpiService::Stub::UpdateCostSettings, u, &settings, editor).code(),
            absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(Call(&pb::KpiService::Stub::UpdateCostSettings, u, &settings).ok());

  // A dry run shows every 事業's cost and writes nothing.
  auto dry = Import(table, true);
  EXPECT_FALSE(dry.committed());
  EXPECT_EQ(dry.costs_size(), 109);
  EXPECT_TRUE(Costs().empty());
  auto done = Import(table, false);
  ASSERT_TRUE(done.committed());
  EXPECT_EQ(done.unchanged(), 0);
  for (const auto& f : done.findings()) ADD_FAILURE() << f.code() << " row " << f.row();
  auto again = Import(table, false);
  EXPECT_EQ(again.unchanged(), 109);

  // In tree order; amounts in 円 from a table in 千円; トータルコスト = 決算額 + 人工 × 単価.
  std::vector<pb::ProjectCost> costs = Costs();
  ASSERT_EQ(costs.size(), 109u);
  const pb::ProjectCost& first = costs[0];
  EXPECT_EQ(first.node(),
            std::string(kPlan) + "/nodes/" + first.name().substr(first.name().find("2020-") + 5));
  EXPECT_TRUE(first.has_settlement());
  EXPECT_EQ(first.settlement() % 1000, 0);
  EXPECT_EQ(first.personnel_cost(), std::llround(first.staff_fte() * 8000000));
  EXPECT_EQ(first.total_cost(), first.settlement() + first.personnel_cost());
  auto text_of = [](const pb::ProjectCost& c, const std::string& field) {
    for (const auto& cell : c.raw()) {
      if (cell.field() == field) return cell.text();
    }
    return std::string();
  };
  EXPECT_FALSE(text_of(first, "settlement").empty());

  // Bad rows: nothing written, each named.
  std::string bad = table;
  bad += "099-9990\t99-999\t存在しない事業\t1,000\t\t\t1,000\t900\t0\t0\t0\t0\t0\t900\t0.1\n";
  bad.replace(bad.find("\t51,440\t"), 8, "\t未定\t");
  auto refused = Import(bad, false);
  EXPECT_FALSE(refused.committed());
  std::set<std::string> codes;
  for (const auto& f : refused.findings()) codes.insert(f.code());
  EXPECT_EQ(codes, (std::set<std::string>{"ROW_NOT_MATCHED", "UNPARSED_AMOUNT"}));
  EXPECT_EQ(Costs()[0].settlement(), first.settlement());

  // A correction by hand: the etag guards it, the table's cell text goes.
  pb::UpdateProjectCostRequest fix;
  *fix.mutable_cost() = first;
  fix.mutable_cost()->set_settlement(first.settlement() - 1000);
  fix.mutable_update_mask()->add_paths("settlement");
  pb::ProjectCost fixed;
  ASSERT_TRUE(Call(&pb::KpiService::Stub::UpdateProjectCost, fix, &fixed).ok());
  EXPECT_EQ(fixed.settlement(), first.settlement() - 1000);
  EXPECT_EQ(text_of(fixed, "settlement"), "");
  EXPECT_EQ(fixed.source(), "planner-1");
  EXPECT_EQ(Call(&pb::KpiService::Stub::UpdateProjectCost, fix, &fixed).code(),
            absl::StatusCode::kAborted);  // the etag read before the correction
  pb::UpdateProjectCostRequest wrong = fix;
  wrong.mutable_cost()->set_name(std::string(kPlan) + "/costs/20x0-a");
  EXPECT_EQ(Call(&pb::KpiService::Stub::UpdateProjectCost, wrong, &fixed).code(),
            absl::StatusCode::kInvalidArgument);

  // The sheets of FY2020: a 事業's money and cost per unit of its results; its 施策's sum.
  pb::CreateEvaluationRequest cr;
  cr.set_parent(kPlan);
  cr.set_fiscal_year(2020);
  pb::Evaluation e;
  ASSERT_TRUE(Call(&pb::KpiService::Stub::CreateEvaluation, cr, &e).ok());
  pb::ListEvaluationSheetsRequest lr;
  lr.set_parent(e.name());
  lr.set_kind(pb::SHEET_KIND_MEASURE);
  pb::ListEvaluationSheetsResponse measures;
  ASSERT_TRUE(Call(&pb::KpiService::Stub::ListEvaluationSheets, lr, &measures).ok());
  bool seen_unit_cost = false;
  for (const auto& m : measures.sheets()) {
    pb::GetEvaluationSheetRequest g;
    g.set_name(m.name());
    pb::EvaluationSheet measure;
    ASSERT_TRUE(Call(&pb::KpiService::Stub::GetEvaluationSheet, g, &measure).ok());
    if (measure.children().empty()) continue;
    int64_t children_total = 0;
    for (const auto& child : measure.children()) {
      pb::EvaluationSheet project;
      g.set_name(child.sheet());
      ASSERT_TRUE(Call(&pb::KpiService::Stub::GetEvaluationSheet, g, &project).ok());
      ASSERT_TRUE(project.has_cost()) << child.code();
      children_total += project.cost().total_cost();
      for (const auto& uc : project.unit_costs()) {
        seen_unit_cost = true;
        EXPECT_GT(uc.yen_per_unit(), 0);
        for (const auto& ir : project.indicators()) {
          if (ir.indicator() != uc.indicator()) continue;
          EXPECT_NEAR(uc.yen_per_unit() * std::stod(ir.actual().value()),
                      static_cast<double>(project.cost().total_cost()), 1.0);
        }
      }
    }
    EXPECT_EQ(measure.cost().total_cost(), children_total) << m.code();
  }
  EXPECT_TRUE(seen_unit_cost);
  // The printable page carries the money.
  pb::ExportEvaluationSheetRequest er;
  er.set_name(measures.sheets(0).name());
  pb::ExportedFile f;
  ASSERT_TRUE(Call(&pb::KpiService::Stub::ExportEvaluationSheet, er, &f).ok());
  EXPECT_NE(f.content().find("トータルコスト"), std::string::npos);
  EXPECT_NE(f.content().find("人件費"), std::string::npos);
}

}  // namespace
}  // namespace sokei::kpi::grpc_test
