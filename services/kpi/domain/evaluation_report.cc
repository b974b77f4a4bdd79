// ExportEvaluationReport: a yearly evaluation as the HTML or Markdown report a city publishes.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/api/names.h"
#include "common/jp/fiscal_year.h"
#include "services/kpi/domain/achievement.h"
#include "services/kpi/domain/kpi_internal.h"
#include "services/kpi/domain/sheet_html.h"

namespace sokei::kpi {
namespace {

// A document built heading by heading and table by table, as HTML or as Markdown.
class Document {
 public:
  explicit Document(bool html) : html_(html) {}

  std::string Escape(const std::string& t) const {
    if (html_) return HtmlEscape(t);
    std::string o;
    for (char c : t) {
      if (c == '|') o += '\\';
      o.push_back(c);
    }
    return o;
  }

  void Begin(const std::string& title) {
    if (html_) {
      absl::StrAppend(&out_,
                      "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\"><title>",
                      Escape(title), "</title></head><body>\n");
    }
    Heading(1, title);
  }

  void Heading(int level, const std::string& text) {
    if (html_) {
      absl::StrAppend(&out_, "<h", level, ">", Escape(text), "</h", level, ">\n");
    } else {
      absl::StrAppend(&out_, std::string(level, '#'), " ", Escape(text), "\n\n");
    }
  }

  void Table(const std::vector<std::string>& header,
             const std::vector<std::vector<std::string>>& rows) {
    if (html_) {
      out_ += "<table>\n<tr>";
      for (const auto& h : header) absl::StrAppend(&out_, "<th>", Escape(h), "</th>");
      out_ += "</tr>\n";
      for (const auto& row : rows) {
        out_ += "<tr>";
        for (const auto& c : row) absl::StrAppend(&out_, "<td>", Escape(c), "</td>");
        out_ += "</tr>\n";
      }
      out_ += "</table>\n";
      return;
    }
    absl::StrAppend(&out_, "| ", absl::StrJoin(header, " | "), " |\n|");
    for (size_t i = 0; i < header.size(); ++i) out_ += "---|";
    out_ += "\n";
    for (const auto& row : rows) {
      std::vector<std::string> cells;
      for (const auto& c : row) cells.push_back(Escape(c));
      absl::StrAppend(&out_, "| ", absl::StrJoin(cells, " | "), " |\n");
    }
    out_ += "\n";
  }

  std::string Finish() {
    if (html_) out_ += "</body></html>\n";
    return std::move(out_);
  }

 private:
  bool html_;
  std::string out_;
};

// The stage as the city's documents name it (the report goes to committees and the public).
const char* StageName(pb::EvaluationStage stage) {
  switch (stage) {
    case pb::EVALUATION_STAGE_SELF:
      return "所管課による自己評価";
    case pb::EVALUATION_STAGE_PLANNING_REVIEW:
      return "企画課による評価";
    case pb::EVALUATION_STAGE_COMMITTEE:
      return "外部評価委員会による評価";
    case pb::EVALUATION_STAGE_PUBLISHED:
      return "公表版";
    default:
      return "作成中";
  }
}

// A roll-up (施策, package or department) as a section: code, name, graded/indicators, value,
// grade and the manual judgement.
void Rollups(Document& doc, const std::string& heading,
             const google::protobuf::RepeatedPtrField<v1::RollupResult>& list) {
  if (list.empty()) return;
  std::vector<std::vector<std::string>> rows;
  for (const auto& x : list) {
    rows.push_back(
        {x.code(), x.display_name(), absl::StrCat(x.graded_count(), "/", x.indicator_count()),
         !x.has_value()                                   ? ""
         : x.value_unit() == v1::ROLLUP_VALUE_UNIT_POINTS ? absl::StrFormat("%.2f点", x.value())
                                                          : PercentText(x.value()),
         x.computed_grade(),
         x.override_grade().empty() ? "" : x.override_grade() + " (" + x.override_comment() + ")"});
  }
  doc.Heading(2, heading);
  doc.Table({"番号", "名称", "評価済/指標", "値", "評価", "判断 (手動)"}, rows);
}

}  // namespace

absl::StatusOr<pb::ExportedFile> KpiDomain::ExportEvaluationReport(
    const Principal& p, const pb::ExportEvaluationReportRequest& r) {
  pb::GetEvaluationRequest get;
  get.set_name(r.name());
  SOKEI_ASSIGN_OR_RETURN(auto e, GetEvaluation(p, get));
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kEvaluationPattern, "name"));
  const bool html = r.format() == pb::REPORT_FORMAT_HTML;
  const pb::PlanSummary& s = e.summary();
  Document doc(html);
  doc.Begin(absl::StrCat(jp::FormatFiscalYear(e.fiscal_year()), " 施策評価 (", StageName(e.stage()),
                         ")"));
  std::vector<std::vector<std::string>> rows;
  for (const auto& gc : s.grade_counts()) rows.push_back({gc.grade(), absl::StrCat(gc.count())});
  doc.Heading(2, absl::StrCat("評価の内訳 (指標 ", s.indicator_count(), ")"));
  doc.Table({"評価", "指標数"}, rows);
  Rollups(doc, "施策・政策", s.nodes());
  Rollups(doc, "重点戦略・パッケージ", s.packages());
  Rollups(doc, "所管課", s.departments());
  rows.clear();
  for (const auto& ir : s.indicators()) {
    rows.push_back({ir.code(), ir.display_name(), ir.target().raw(), ir.actual().raw(),
                    AchievementPercent(ir), ir.grade(), ir.reason()});
  }
  doc.Heading(2, "指標");
  doc.Table({"番号", "指標", "目標", "実績", "達成率", "評価", "備考"}, rows);
  if (!e.amendments().empty()) {
    rows.clear();
    for (const auto& a : e.amendments()) {
      rows.push_back({a.after().code(), a.before().grade() + " → " + a.after().grade(), a.reason(),
                      a.author()});
    }
    doc.Heading(2, "公表後の修正");
    doc.Table({"番号", "評価", "理由", "修正者"}, rows);
  }
  pb::ExportedFile file;
  file.set_filename(
      absl::StrCat(name.Id("plans"), "-evaluation-", e.fiscal_year(), html ? ".html" : ".md"));
  file.set_content_type(html ? "text/html; charset=utf-8" : "text/markdown; charset=utf-8");
  file.set_content(doc.Finish());
  return file;
}

}  // namespace sokei::kpi
