#include "services/kpi/domain/sheet_html.h"

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/jp/fiscal_year.h"
#include "services/kpi/domain/achievement.h"
#include "services/kpi/domain/costing.h"
#include "services/kpi/domain/department_names.h"
#include "services/kpi/domain/kpi_internal.h"
#include "services/kpi/domain/sheet_template.h"

namespace sokei::kpi {
namespace {

std::string Escape(const std::string& t) {
  std::string o;
  o.reserve(t.size());
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
}

constexpr char kStyle[] = R"(
@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK JP", "Noto Sans JP", sans-serif; font-size: 10pt;
       line-height: 1.5; color: #1a1a1c; margin: 0; }
main { max-width: 186mm; margin: 0 auto; }
h1 { font-size: 15pt; margin: 0 0 2mm; padding-bottom: 1.5mm; border-bottom: 2px solid #0031d8; }
h2 { font-size: 11.5pt; margin: 5mm 0 1.5mm; padding-left: 2mm; border-left: 4px solid #0031d8; }
.meta { display: flex; flex-wrap: wrap; gap: 1mm 6mm; margin: 0 0 2mm; color: #333; }
table { width: 100%; border-collapse: collapse; margin: 0 0 2mm; break-inside: auto; }
tr { break-inside: avoid; }
th, td { border: 1px solid #767676; padding: 1.2mm 2mm; vertical-align: top; text-align: left; }
thead th { background: #e8e8eb; font-weight: 700; }
tbody th { background: #f3f3f5; width: 28%; font-weight: 700; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; }
.empty { color: #626264; }
.grade { display: inline-block; min-width: 7mm; padding: 0 1.5mm; border: 1px solid #767676;
         border-left-width: 3mm; font-weight: 700; }
.state { display: inline-block; padding: 0 2mm; border: 1px solid #0031d8; color: #0031d8; }
.unit { color: #333; font-size: 8.5pt; }
footer { margin-top: 4mm; font-size: 8.5pt; color: #333; }
@media print { h2 { break-after: avoid; } }
section.sheet { break-before: page; }
h2.sheet-title { font-size: 14pt; border-left: none; padding-left: 0; border-bottom: 2px solid #0031d8; }
.cover { min-height: 60mm; }
)";

const char* KindTitle(v1::SheetKind k) {
  return k == v1::SHEET_KIND_MEASURE ? "施策評価シート" : "事務事業評価シート";
}

const char* StateLabel(v1::SheetState s) {
  switch (s) {
    case v1::SHEET_STATE_SUBMITTED:
      return "提出済";
    case v1::SHEET_STATE_RETURNED:
      return "差戻し";
    case v1::SHEET_STATE_ACCEPTED:
      return "確認済";
    default:
      return "作成中";
  }
}

const char* SectionHeading(v1::SheetSection s) {
  switch (s) {
    case v1::SHEET_SECTION_PLANNING:
      return "二次評価（企画課）";
    case v1::SHEET_SECTION_COMMITTEE:
      return "外部評価委員会";
    default:
      return "一次評価（所管課）";
  }
}

// A grade with the colour of its band in the plan's scheme (a swatch beside dark text, so the
// contrast does not depend on the colour the city chose).
std::string GradeSwatch(const v1::GradingScheme& scheme, const std::string& label) {
  if (label.empty()) return "";
  std::string color = "#767676";
  for (const auto& b : scheme.bands()) {
    if (b.label() == label && !b.color().empty()) color = b.color();
  }
  return absl::StrCat("<span class=\"grade\" style=\"border-left-color:", Escape(color), "\">",
                      Escape(label), "</span>");
}

std::string Value(const std::string& text) {
  if (text.empty()) return "<span class=\"empty\">（未記入）</span>";
  return absl::StrCat("<span class=\"text\">", Escape(text), "</span>");
}

void Indicators(const SheetRead& s, std::string* out) {
  absl::StrAppend(out, "<h2>指標</h2>\n");
  if (s.sheet.indicators().empty()) {
    absl::StrAppend(out, "<p class=\"empty\">この", KindTitle(s.sheet.kind()),
                    "に結び付いた指標はありません。</p>\n");
    return;
  }
  absl::StrAppend(out,
                  "<table><thead><tr><th>番号</th><th>指標</th><th>目標値</th><th>実績値</th>"
                  "<th>達成率</th><th>推移</th><th>評価</th></tr></thead><tbody>\n");
  for (const auto& ir : s.sheet.indicators()) {
    absl::StrAppend(out, "<tr><td>", Escape(ir.code()), "</td><td>", Escape(ir.display_name()),
                    "</td><td class=\"num\">", Escape(ir.target().raw()), "</td><td class=\"num\">",
                    Escape(ir.actual().raw()), "</td><td class=\"num\">",
                    Escape(AchievementPercent(ir)), "</td><td>",
                    Escape(TrendText(s.sheet, ir.indicator())), "</td><td>",
                    GradeSwatch(s.scheme, ir.grade()), "</td></tr>\n");
  }
  absl::StrAppend(out, "</tbody></table>\n");
  if (s.sheet.has_rollup() && !s.sheet.rollup().computed_grade().empty()) {
    const auto& r = s.sheet.rollup();
    absl::StrAppend(
        out, "<p>施策の達成状況: ",
        GradeSwatch(s.scheme, r.override_grade().empty() ? r.computed_grade() : r.override_grade()),
        "（評価済 ", r.graded_count(), " / 指標 ", r.indicator_count(), "）</p>\n");
  }
}

// 1234567 → "1,234,567".
std::string Grouped(int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return v < 0 ? "△" + out : out;
}

std::string YenText(int64_t v) { return Grouped(v) + "円"; }

// The year's money beside the year before's, and what each unit of result cost.
void Costs(const SheetRead& s, std::string* out) {
  if (!s.sheet.has_cost()) return;
  const v1::ProjectCost& c = s.sheet.cost();
  const bool prev = s.sheet.has_previous_cost();
  const v1::ProjectCost& p = s.sheet.previous_cost();
  const std::vector<CostLine> now = CostLines(c), before = CostLines(p);
  absl::StrAppend(out, "<h2>コスト</h2>\n<table><thead><tr><th>区分</th><th>",
                  jp::FormatFiscalYear(c.fiscal_year()), "</th>");
  if (prev) {
    absl::StrAppend(out, "<th>", jp::FormatFiscalYear(p.fiscal_year()), "</th><th>増減</th>");
  }
  absl::StrAppend(out, "</tr></thead><tbody>\n");
  for (size_t i = 0; i < now.size(); ++i) {
    if (now[i].yen == 0 && (!prev || before[i].yen == 0)) continue;
    absl::StrAppend(out, "<tr><td>", now[i].label, "</td><td class=\"num\">", YenText(now[i].yen),
                    "</td>");
    if (prev) {
      absl::StrAppend(out, "<td class=\"num\">", YenText(before[i].yen), "</td><td class=\"num\">",
                      YenText(now[i].yen - before[i].yen), "</td>");
    }
    absl::StrAppend(out, "</tr>\n");
  }
  absl::StrAppend(out, "<tr><td>人工</td><td class=\"num\">",
                  absl::StrFormat("%.2f", c.staff_fte()), "</td>");
  if (prev) {
    absl::StrAppend(out, "<td class=\"num\">", absl::StrFormat("%.2f", p.staff_fte()),
                    "</td><td class=\"num\">",
                    absl::StrFormat("%+.2f", c.staff_fte() - p.staff_fte()), "</td>");
  }
  absl::StrAppend(out, "</tr>\n</tbody></table>\n");
  if (!c.has_settlement()) {
    absl::StrAppend(out, "<p class=\"unit\">決算前: トータルコストは予算現額によります。</p>\n");
  }
  if (s.sheet.unit_costs().empty()) return;
  absl::StrAppend(out,
                  "<table><thead><tr><th>指標</th><th>単位当たりのトータルコスト</th></tr></thead>"
                  "<tbody>\n");
  for (const auto& u : s.sheet.unit_costs()) {
    absl::StrAppend(out, "<tr><td>", Escape(u.display_name()), "</td><td class=\"num\">",
                    Escape(u.unit().empty() ? "1単位" : "1" + u.unit()), "当たり ",
                    YenText(static_cast<int64_t>(u.yen_per_unit() + 0.5)), "</td></tr>\n");
  }
  absl::StrAppend(out, "</tbody></table>\n");
}

// What the surveys say of the node: importance and satisfaction, each with n and its margin.
void Perceptions(const SheetRead& s, std::string* out) {
  if (s.sheet.perceptions().empty()) return;
  absl::StrAppend(
      out,
      "<h2>市民意識調査</h2>\n<table><thead><tr><th>調査</th><th>項目</th><th>回答数</th>"
      "<th>平均</th><th>肯定的な回答</th></tr></thead><tbody>\n");
  for (const auto& np : s.sheet.perceptions()) {
    for (const auto& m : np.measures()) {
      absl::StrAppend(out, "<tr><td>", Escape(np.survey_display_name()), "（",
                      jp::FormatFiscalYear(np.fiscal_year()), "）", Escape(m.number()), "</td><td>",
                      Escape(PerceptionRoleLabel(m.role())), "</td><td class=\"num\">n=", m.n(),
                      "</td><td class=\"num\">", Escape(PerceptionMeanText(m)),
                      "</td><td class=\"num\">", Escape(PerceptionShareText(m)), "</td></tr>\n");
    }
  }
  absl::StrAppend(out,
                  "</tbody></table>\n<p class=\"unit\">± は95%の標本誤差。肯定的な回答: "
                  "「満足」「やや満足」（重要度は「重要」「やや重要」）の割合。</p>\n");
}

void Children(const SheetRead& s, std::string* out) {
  if (s.sheet.children().empty()) return;
  const std::vector<const v1::SheetField*> cols = ChildChoiceFields(s.sheet_template);
  absl::StrAppend(out, "<h2>構成事業</h2>\n<table><thead><tr><th>番号</th><th>事業</th>");
  for (const auto* f : cols) absl::StrAppend(out, "<th>", Escape(f->label()), "</th>");
  absl::StrAppend(out, "<th>状態</th></tr></thead><tbody>\n");
  for (const auto& c : s.sheet.children()) {
    absl::StrAppend(out, "<tr><td>", Escape(c.code()), "</td><td>", Escape(c.display_name()),
                    "</td>");
    for (const auto* f : cols) {
      auto it = c.choices().find(f->key());
      absl::StrAppend(out, "<td>", it == c.choices().end() ? "" : Escape(it->second), "</td>");
    }
    absl::StrAppend(out, "<td>", StateLabel(c.state()), "</td></tr>\n");
  }
  absl::StrAppend(out, "</tbody></table>\n");
}

void Sections(const SheetRead& s, std::string* out) {
  for (auto section :
       {v1::SHEET_SECTION_DEPARTMENT, v1::SHEET_SECTION_PLANNING, v1::SHEET_SECTION_COMMITTEE}) {
    std::string rows;
    for (const auto& f : s.sheet_template.fields()) {
      if (f.kind() != s.sheet.kind() || f.section() != section) continue;
      auto it = s.sheet.values().find(f.key());
      absl::StrAppend(&rows, "<tr><th scope=\"row\">", Escape(f.label()), "</th><td>",
                      Value(it == s.sheet.values().end() ? "" : it->second), "</td></tr>\n");
    }
    if (rows.empty()) continue;
    absl::StrAppend(out, "<h2>", SectionHeading(section), "</h2>\n<table><tbody>\n", rows,
                    "</tbody></table>\n");
  }
}

void Amendments(const SheetRead& s, std::string* out) {
  if (s.sheet.amendments().empty()) return;
  absl::StrAppend(out,
                  "<h2>公表後の訂正</h2>\n<table><thead><tr><th>項目</th><th>訂正前</th>"
                  "<th>訂正後</th><th>理由</th></tr></thead><tbody>\n");
  for (const auto& a : s.sheet.amendments()) {
    std::string label = a.field();
    if (const auto* f = FindSheetField(s.sheet_template, s.sheet.kind(), a.field())) {
      label = f->label();
    }
    absl::StrAppend(out, "<tr><td>", Escape(label), "</td><td>", Value(a.before()), "</td><td>",
                    Value(a.after()), "</td><td class=\"text\">", Escape(a.reason()),
                    "</td></tr>\n");
  }
  absl::StrAppend(out, "</tbody></table>\n");
}

}  // namespace

DepartmentNames DepartmentNamesIn(const std::vector<plan::v1::Department>& departments,
                                  int fiscal_year) {
  DepartmentNames out;
  for (const auto& d : departments) out[d.name()] = DepartmentNameIn(d, fiscal_year);
  return out;
}

const char* PerceptionRoleLabel(v1::PerceptionRole role) {
  return role == v1::PERCEPTION_ROLE_IMPORTANCE ? "重要度" : "満足度";
}

std::string PerceptionMeanText(const v1::PerceptionMeasure& m) {
  if (m.n() == 0) return "—";
  return m.margin_known()
             ? absl::StrFormat("%.2f点（±%.2f）", m.mean_score(), m.mean_margin_of_error())
             : absl::StrFormat("%.2f点", m.mean_score());
}

std::string PerceptionShareText(const v1::PerceptionMeasure& m) {
  if (m.n() == 0) return "—";
  return m.margin_known() ? absl::StrFormat("%.1f%%（±%.1fポイント）", m.positive_percent(),
                                            m.positive_margin_of_error_points())
                          : absl::StrFormat("%.1f%%", m.positive_percent());
}

std::string TrendText(const v1::EvaluationSheet& sheet, const std::string& indicator) {
  for (const auto& t : sheet.trends()) {
    if (t.indicator() != indicator) continue;
    const char* word = t.change() == v1::TREND_CHANGE_IMPROVED    ? "改善"
                       : t.change() == v1::TREND_CHANGE_WORSENED  ? "悪化"
                       : t.change() == v1::TREND_CHANGE_UNCHANGED ? "横ばい"
                                                                  : "—";
    if (t.compared().raw().empty() || t.change() == v1::TREND_CHANGE_UNKNOWN) return word;
    const std::string year =
        t.compared_year() > 0 ? jp::FormatFiscalYear(t.compared_year()) : std::string();
    if (t.from_baseline()) {
      return absl::StrCat(word, "（基準値 ", t.compared().raw(), year.empty() ? "" : "（", year,
                          year.empty() ? "" : "）", "から）");
    }
    return absl::StrCat(word, "（", year, " ", t.compared().raw(), "から）");
  }
  return "";
}

std::string SheetDepartments(const v1::EvaluationSheet& sheet, const DepartmentNames& names) {
  std::string out;
  for (const auto& d : sheet.departments()) {
    auto it = names.find(d);
    absl::StrAppend(&out, out.empty() ? "" : "・",
                    it == names.end() ? d.substr(d.rfind('/') + 1) : it->second);
  }
  return out;
}

std::string HtmlEscape(const std::string& text) { return Escape(text); }
const char* SheetTitle(v1::SheetKind kind) { return KindTitle(kind); }
const char* SheetStateLabel(v1::SheetState state) { return StateLabel(state); }
const char* SheetSectionHeading(v1::SheetSection section) { return SectionHeading(section); }
std::string Yen(int64_t yen) { return YenText(yen); }
std::string GradeHtml(const v1::GradingScheme& scheme, const std::string& label) {
  return GradeSwatch(scheme, label);
}

std::string SheetHtml(const SheetRead& s, const DepartmentNames& names, bool in_book) {
  const std::string depts = Escape(SheetDepartments(s.sheet, names));
  const std::string year = jp::FormatFiscalYear(s.sheet.fiscal_year());
  std::string html;
  if (in_book) {
    absl::StrAppend(&html, "<section class=\"sheet\">\n<h2 class=\"sheet-title\">",
                    Escape(s.sheet.code()), " ", Escape(s.sheet.display_name()), "</h2>\n");
  } else {
    absl::StrAppend(&html, "<h1>", Escape(year), " ", KindTitle(s.sheet.kind()), "</h1>\n");
  }
  absl::StrAppend(&html, "<div class=\"meta\"><span>", KindTitle(s.sheet.kind()),
                  "</span><span>番号 ", Escape(s.sheet.code()), "</span><span>",
                  Escape(s.sheet.display_name()), "</span><span>所管 ", depts.empty() ? "—" : depts,
                  "</span><span class=\"state\">", StateLabel(s.sheet.state()), "</span></div>\n");
  Indicators(s, &html);
  Costs(s, &html);
  Perceptions(s, &html);
  Children(s, &html);
  Sections(s, &html);
  Amendments(s, &html);
  if (in_book) absl::StrAppend(&html, "</section>\n");
  return html;
}

std::string PrintableDocument(const std::string& title, const std::string& body) {
  return absl::StrCat("<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\"><title>",
                      Escape(title), "</title><style>", kStyle, "</style></head><body><main>\n",
                      body, "<footer>", Escape(title),
                      "（Sokei）</footer>\n</main></body></html>\n");
}

}  // namespace sokei::kpi
