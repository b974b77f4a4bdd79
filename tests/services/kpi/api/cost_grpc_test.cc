// Costs over real gRPC, on the seed 001 plan and the demo's sample budget table: the importer
// (dry run, commit, idempotent re-import, bad input that writes nothing), the 人件費単価, a
// correction by hand with its etag, and the sheet of a 事業 and of its 施策 showing the money and
// the cost per unit of result; the year's 評価結果報告書 as HTML and as PDF (read back with
// poppler); the sheet as xlsx (read back with the importer's xlsx reader).
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/kpi/files/chromium_pdf.h"
#include "services/kpi/import/xlsx_reader.h"
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
  // The next year's money of the same 事業, entered by hand: a cost per 事業 and year.
  pb::UpdateProjectCostRequest next_year;
  const std::string node_id = first.node().substr(first.node().rfind('/') + 1);
  next_year.mutable_cost()->set_name(absl::StrCat(kPlan, "/costs/2021-", node_id));
  next_year.mutable_cost()->set_initial_budget(3000000);
  next_year.mutable_update_mask()->add_paths("initial_budget");
  pb::ProjectCost entered;
  auto entered_status = Call(&pb::KpiService::Stub::UpdateProjectCost, next_year, &entered);
  ASSERT_TRUE(entered_status.ok()) << entered_status;
  EXPECT_EQ(entered.fiscal_year(), 2021);
  EXPECT_EQ(entered.node(), first.node());
  EXPECT_EQ(entered.total_cost(), 3000000);  // 予算現額 = 当初; no 人件費単価 for 2021
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
  int trends_judged = 0;
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
      // 推移: each indicator against its baseline (seed 001 has one actual a year).
      ASSERT_EQ(project.trends_size(), project.indicators_size()) << child.code();
      for (const auto& t : project.trends()) {
        if (t.compared().raw().empty()) continue;
        EXPECT_TRUE(t.from_baseline()) << t.indicator();
        trends_judged += t.change() == pb::TREND_CHANGE_IMPROVED ||
                         t.change() == pb::TREND_CHANGE_WORSENED ||
                         t.change() == pb::TREND_CHANGE_UNCHANGED;
      }
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
  EXPECT_GT(trends_judged, 10);
  // The printable page carries the money.
  pb::ExportEvaluationSheetRequest er;
  er.set_name(measures.sheets(0).name());
  pb::ExportedFile f;
  ASSERT_TRUE(Call(&pb::KpiService::Stub::ExportEvaluationSheet, er, &f).ok());
  EXPECT_NE(f.content().find("トータルコスト"), std::string::npos);
  EXPECT_NE(f.content().find("人件費"), std::string::npos);
  // The same sheet as a spreadsheet: one label and value per row, amounts in yen.
  er.set_table_format(pb::TABLE_FORMAT_XLSX);
  ASSERT_TRUE(Call(&pb::KpiService::Stub::ExportEvaluationSheet, er, &f).ok());
  EXPECT_EQ(f.content_type(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_TRUE(absl::EndsWith(f.filename(), ".xlsx")) << f.filename();
  auto grid = ReadXlsxSheet(f.content());
  ASSERT_TRUE(grid.ok()) << grid.status();
  pb::GetEvaluationSheetRequest g0;
  g0.set_name(measures.sheets(0).name());
  pb::EvaluationSheet first_measure;
  ASSERT_TRUE(Call(&pb::KpiService::Stub::GetEvaluationSheet, g0, &first_measure).ok());
  std::map<std::string, std::string> by_label;  // column B → column C
  for (const auto& row : grid->rows) {
    if (row.size() >= 3) by_label.emplace(row[1], row[2]);
  }
  EXPECT_EQ(by_label["シート"], "施策評価シート");
  EXPECT_EQ(by_label["名称"], first_measure.display_name());
  EXPECT_EQ(by_label["トータルコスト"], std::to_string(first_measure.cost().total_cost()));
  EXPECT_NE(by_label["所管"], "—");
  size_t indicator_rows = 0;
  for (const auto& row : grid->rows) {
    for (const auto& ir : first_measure.indicators()) {
      if (!row.empty() && row[0] == ir.code() && row.size() == 7 && row[1] == ir.display_name()) {
        ++indicator_rows;
        EXPECT_EQ(row[6], ir.grade());
      }
    }
  }
  EXPECT_EQ(indicator_rows, static_cast<size_t>(first_measure.indicators_size()));
  er.set_table_format(static_cast<pb::TableFormat>(42));
  EXPECT_EQ(Call(&pb::KpiService::Stub::ExportEvaluationSheet, er, &f).code(),
            absl::StatusCode::kInvalidArgument);
  er.clear_table_format();

  // The year's 評価結果報告書: the summary, then every 施策 sheet in tree order.
  pb::ExportEvaluationBookRequest br;
  br.set_name(e.name());
  ASSERT_TRUE(Call(&pb::KpiService::Stub::ExportEvaluationBook, br, &f).ok());
  EXPECT_EQ(f.content_type(), "text/html; charset=utf-8");
  const std::string& book = f.content();
  EXPECT_NE(book.find("令和2年度 評価結果報告書"), std::string::npos);
  EXPECT_NE(book.find("施策の一覧"), std::string::npos);
  size_t sections = 0;
  for (size_t at = book.find("<section class=\"sheet\">"); at != std::string::npos;
       at = book.find("<section class=\"sheet\">", at + 1)) {
    ++sections;
  }
  EXPECT_EQ(sections, static_cast<size_t>(measures.sheets_size()));
  size_t last = 0;
  for (const auto& m : measures.sheets()) {  // in tree order
    const size_t at = book.find("<h2 class=\"sheet-title\">" + m.code() + " ");
    ASSERT_NE(at, std::string::npos) << m.code();
    EXPECT_GT(at, last) << m.code();
    last = at;
  }
  // PDF: refused where the server cannot print, printed by headless Chromium where it can.
  br.set_format(pb::BOOK_FORMAT_PDF);
  auto unavailable = Call(&pb::KpiService::Stub::ExportEvaluationBook, br, &f);
  EXPECT_EQ(unavailable.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Reason(unavailable), "PDF_UNAVAILABLE");
  ChromiumPdf printer;
  kpi_domain_->set_pdf_renderer(&printer);
  auto printed = Call(&pb::KpiService::Stub::ExportEvaluationBook, br, &f);
  kpi_domain_->set_pdf_renderer(nullptr);
  ASSERT_TRUE(printed.ok()) << printed;
  EXPECT_EQ(f.content_type(), "application/pdf");
  ASSERT_EQ(f.content().rfind("%PDF", 0), 0u);
  // Read back with poppler: its text has the title and a 施策, and its second page renders.
  const std::string dir = ::testing::TempDir() + "/book";
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir + "/book.pdf", std::ios::binary);
    out << f.content();
  }
  auto run = [](const std::string& cmd) {
    std::string text;
    FILE* pipe = popen(cmd.c_str(), "r");
    if (pipe == nullptr) return text;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) text.append(buf, n);
    pclose(pipe);
    return text;
  };
  const std::string text = run("pdftotext -enc UTF-8 " + dir + "/book.pdf -");
  EXPECT_NE(text.find("評価結果報告書"), std::string::npos);
  EXPECT_NE(text.find(measures.sheets(0).display_name()), std::string::npos);
  EXPECT_NE(text.find("トータルコスト"), std::string::npos);
  run("pdftoppm -png -r 40 -f 2 -l 2 " + dir + "/book.pdf " + dir + "/page");
  std::error_code ec;
  uintmax_t png = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".png") png = entry.file_size();
  }
  EXPECT_GT(png, 2000u);  // a page with text on it, not an empty file
}

}  // namespace
}  // namespace sokei::kpi::grpc_test
