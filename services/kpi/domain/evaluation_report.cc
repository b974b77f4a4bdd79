// ExportEvaluationReport: a yearly evaluation as the HTML or Markdown report a city publishes.
#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/api/hash.h"
#include "common/api/names.h"
#include "common/api/resources.h"
#include "common/jp/fiscal_year.h"
#include "common/jp/measurement.h"
#include "common/jp/text.h"
#include "services/kpi/domain/achievement.h"
#include "services/kpi/domain/kpi_internal.h"
#include "services/kpi/import/progress_table.h"
#include "services/kpi/import/direction.h"
#include "services/kpi/import/reported.h"
#include "services/kpi/import/table_text.h"

namespace sokei::kpi {
absl::StatusOr<pb::ExportedFile> KpiDomain::ExportEvaluationReport(
    const Principal& p, const pb::ExportEvaluationReportRequest& r) {
  pb::GetEvaluationRequest get;
  get.set_name(r.name());
  SOKEI_ASSIGN_OR_RETURN(auto e, GetEvaluation(p, get));
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kEvaluationPattern, "name"));
  const bool html = r.format() == pb::REPORT_FORMAT_HTML;
  const pb::PlanSummary& s = e.summary();
  auto esc = [&](const std::string& t) {
    if (!html) {
      std::string o;
      for (char c : t) {
        if (c == '|')
          o += "\\|";
        else
          o.push_back(c);
      }
      return o;
    }
    std::string o;
    for (char c : t) {
      switch (c) {
        case '<':
          o += "&lt;";
          break;
        case '>':
          o += "&gt;";
          break;
        case '&':
          o += "&amp;";
          break;
        case '"':
          o += "&quot;";
          break;
        default:
          o.push_back(c);
      }
    }
    return o;
  };
  std::vector<std::vector<std::string>> tables;
  std::string out;
  // The stage as the city's documents name it (the report goes to committees and the public).
  const char* stage = "";
  switch (e.stage()) {
    case pb::EVALUATION_STAGE_SELF:
      stage = "所管課による自己評価";
      break;
    case pb::EVALUATION_STAGE_PLANNING_REVIEW:
      stage = "企画課による評価";
      break;
    case pb::EVALUATION_STAGE_COMMITTEE:
      stage = "外部評価委員会による評価";
      break;
    case pb::EVALUATION_STAGE_PUBLISHED:
      stage = "公表版";
      break;
    default:
      stage = "作成中";
  }
  const std::string title =
      absl::StrCat(jp::FormatFiscalYear(e.fiscal_year()), " 施策評価 (", stage, ")");
  auto heading = [&](int level, const std::string& text) {
    if (html) {
      absl::StrAppend(&out, "<h", level, ">", esc(text), "</h", level, ">\n");
    } else {
      absl::StrAppend(&out, std::string(level, '#'), " ", esc(text), "\n\n");
    }
  };
  auto table = [&](const std::vector<std::string>& header,
                   const std::vector<std::vector<std::string>>& rows) {
    if (html) {
      out += "<table>\n<tr>";
      for (const auto& h : header) absl::StrAppend(&out, "<th>", esc(h), "</th>");
      out += "</tr>\n";
      for (const auto& row : rows) {
        out += "<tr>";
        for (const auto& c : row) absl::StrAppend(&out, "<td>", esc(c), "</td>");
        out += "</tr>\n";
      }
      out += "</table>\n";
    } else {
      absl::StrAppend(&out, "| ", absl::StrJoin(header, " | "), " |\n|");
      for (size_t i = 0; i < header.size(); ++i) out += "---|";
      out += "\n";
      for (const auto& row : rows) {
        std::vector<std::string> cells;
        for (const auto& c : row) cells.push_back(esc(c));
        absl::StrAppend(&out, "| ", absl::StrJoin(cells, " | "), " |\n");
      }
      out += "\n";
    }
  };
  if (html) {
    absl::StrAppend(&out,
                    "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\"><title>",
                    esc(title), "</title></head><body>\n");
  }
  heading(1, title);
  std::vector<std::vector<std::string>> rows;
  for (const auto& gc : s.grade_counts()) rows.push_back({gc.grade(), absl::StrCat(gc.count())});
  heading(2, absl::StrCat("評価の内訳 (指標 ", s.indicator_count(), ")"));
  table({"評価", "指標数"}, rows);
  auto rollups = [&](const std::string& h,
                     const google::protobuf::RepeatedPtrField<v1::RollupResult>& list) {
    if (list.empty()) return;
    std::vector<std::vector<std::string>> rr;
    for (const auto& x : list) {
      rr.push_back(
          {x.code(), x.display_name(), absl::StrCat(x.graded_count(), "/", x.indicator_count()),
           !x.has_value()                                        ? ""
           : x.value_unit() == v1::ROLLUP_VALUE_UNIT_POINTS ? absl::StrFormat("%.2f点", x.value())
                                                            : PercentText(x.value()),
           x.computed_grade(),
           x.override_grade().empty() ? ""
                                      : x.override_grade() + " (" + x.override_comment() + ")"});
    }
    heading(2, h);
    table({"番号", "名称", "評価済/指標", "値", "評価", "判断 (手動)"}, rr);
  };
  rollups("施策・政策", s.nodes());
  rollups("重点戦略・パッケージ", s.packages());
  rollups("所管課", s.departments());
  rows.clear();
  for (const auto& ir : s.indicators()) {
    rows.push_back({ir.code(), ir.display_name(), ir.target().raw(), ir.actual().raw(), AchievementPercent(ir),
                    ir.grade(), ir.reason()});
  }
  heading(2, "指標");
  table({"番号", "指標", "目標", "実績", "達成率", "評価", "備考"}, rows);
  if (!e.amendments().empty()) {
    rows.clear();
    for (const auto& a : e.amendments()) {
      rows.push_back({a.after().code(), a.before().grade() + " → " + a.after().grade(), a.reason(),
                      a.author()});
    }
    heading(2, "公表後の修正");
    table({"番号", "評価", "理由", "修正者"}, rows);
  }
  if (html) out += "</body></html>\n";
  pb::ExportedFile file;
  const std::string base =
      absl::StrCat(name.Id("plans"), "-evaluation-", e.fiscal_year(), html ? ".html" : ".md");
  file.set_filename(base);
  file.set_content_type(html ? "text/html; charset=utf-8" : "text/markdown; charset=utf-8");
  file.set_content(out);
  return file;
}

}  // namespace sokei::kpi
