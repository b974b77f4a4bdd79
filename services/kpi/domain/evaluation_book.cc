// ExportEvaluationBook: the year's 評価結果報告書 — a cover, the grades and the money in summary,
// then every 施策評価シート in tree order (each on its own pages), as one printable document.
#include <string>

#include "absl/strings/str_cat.h"
#include "common/api/names.h"
#include "common/jp/fiscal_year.h"
#include "common/status/status.h"
#include "services/kpi/domain/achievement.h"
#include "services/kpi/domain/kpi_domain.h"
#include "services/kpi/domain/kpi_internal.h"
#include "services/kpi/domain/sheet_html.h"
#include "services/kpi/domain/sheet_read.h"

namespace sokei::kpi {

absl::StatusOr<pb::ExportedFile> KpiDomain::ExportEvaluationBook(
    const Principal& p, const pb::ExportEvaluationBookRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kEvaluationPattern, "name"));
  if (!pb::BookFormat_IsValid(r.format())) {
    return status::InvalidField("EVALUATION_INVALID", "format", "HTML or PDF");
  }
  const bool pdf = r.format() == pb::BOOK_FORMAT_PDF;
  if (pdf && pdf_ == nullptr) {
    return status::FailedPrecondition(
        "PDF_UNAVAILABLE", {"PDF", r.name(), "this server does not print PDF: the HTML works"});
  }
  pb::GetEvaluationRequest get;
  get.set_name(r.name());
  SOKEI_ASSIGN_OR_RETURN(pb::Evaluation e, GetEvaluation(p, get));
  pb::ListEvaluationSheetsRequest list;
  list.set_parent(r.name());
  list.set_kind(pb::SHEET_KIND_MEASURE);
  SOKEI_ASSIGN_OR_RETURN(auto sheets, ListEvaluationSheets(p, list));
  SOKEI_ASSIGN_OR_RETURN(auto departments, plans_->ListDepartments(p, name.municipality()));
  const DepartmentNames names = DepartmentNamesIn(departments, e.fiscal_year());
  const std::string plan = name.Prefix("plans");
  std::string plan_title = name.Id("plans");
  if (auto stored = plans_->GetPlan(p, plan); stored.ok()) {
    plan_title = absl::StrCat(stored->display_name(), " ", stored->version_label());
  }
  const std::string year = jp::FormatFiscalYear(e.fiscal_year());
  const std::string title = absl::StrCat(year, " 評価結果報告書");

  // Each 施策's sheet, read as its readers see it (the plan's tree read once for all of them);
  // the summary is made from the same reads.
  SOKEI_ASSIGN_OR_RETURN(planpb::PlanTree tree, SheetTree(*plans_, p, plan));
  std::string sections, rows;
  for (const auto& index : sheets.sheets()) {
    SOKEI_ASSIGN_OR_RETURN(SheetRead s, ReadSheet(*repo_, *plans_, p, index.name(), "name", &tree));
    sections += SheetHtml(s, names, true);
    std::string grade;
    if (s.sheet.has_rollup()) {
      grade = s.sheet.rollup().override_grade().empty() ? s.sheet.rollup().computed_grade()
                                                        : s.sheet.rollup().override_grade();
    }
    auto value = [&](const char* key) {
      auto it = s.sheet.values().find(key);
      return it == s.sheet.values().end() ? std::string() : it->second;
    };
    absl::StrAppend(&rows, "<tr><td>", HtmlEscape(s.sheet.code()), "</td><td>",
                    HtmlEscape(s.sheet.display_name()), "</td><td>", GradeHtml(s.scheme, grade),
                    "</td><td>", HtmlEscape(value("assessment")), "</td><td>",
                    HtmlEscape(value("planning_assessment")), "</td><td class=\"num\">",
                    s.sheet.has_cost() ? Yen(s.sheet.cost().total_cost()) : "—", "</td></tr>\n");
  }
  std::string body = absl::StrCat("<div class=\"cover\"><h1>", HtmlEscape(title), "</h1>\n<p>",
                                  HtmlEscape(plan_title), "</p></div>\n");
  absl::StrAppend(&body, "<h2>評価の内訳（指標 ", e.summary().indicator_count(),
                  "）</h2>\n<table><thead><tr><th>評価</th><th>指標数</th></tr></thead><tbody>\n");
  for (const auto& g : e.summary().grade_counts()) {
    absl::StrAppend(&body, "<tr><td>", HtmlEscape(g.grade()), "</td><td class=\"num\">", g.count(),
                    "</td></tr>\n");
  }
  absl::StrAppend(&body,
                  "</tbody></table>\n<h2>施策の一覧</h2>\n<table><thead><tr><th>番号</th>"
                  "<th>施策</th><th>達成状況</th><th>所管課の評価</th><th>二次評価</th>"
                  "<th>トータルコスト</th></tr></thead><tbody>\n",
                  rows, "</tbody></table>\n", sections);
  const std::string html = PrintableDocument(title, body);
  pb::ExportedFile file;
  const std::string base = absl::StrCat(name.Id("plans"), "-evaluation-book-", e.fiscal_year());
  if (!pdf) {
    file.set_filename(base + ".html");
    file.set_content_type("text/html; charset=utf-8");
    file.set_content(html);
    return file;
  }
  SOKEI_ASSIGN_OR_RETURN(std::string bytes, pdf_->Render(html));
  file.set_filename(base + ".pdf");
  file.set_content_type("application/pdf");
  file.set_content(std::move(bytes));
  return file;
}

}  // namespace sokei::kpi
