#include "services/kpi/domain/sheet_rows.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/jp/fiscal_year.h"
#include "services/kpi/domain/costing.h"
#include "services/kpi/domain/kpi_internal.h"
#include "services/kpi/domain/sheet_template.h"

namespace sokei::kpi {
namespace {

ExportRow Heading(const std::string& text) { return ExportRow{true, {text}, "", ""}; }

ExportRow Row(std::vector<std::string> cells) {
  ExportRow r;
  r.cells = std::move(cells);
  return r;
}

std::string GradeColor(const v1::GradingScheme& scheme, const std::string& label) {
  for (const auto& b : scheme.bands()) {
    if (b.label() == label) return b.color();
  }
  return "";
}

void Indicators(const SheetRead& s, std::vector<ExportRow>* rows) {
  rows->push_back(Heading("指標"));
  if (s.sheet.indicators().empty()) {
    rows->push_back(Row({"", "（結び付いた指標はありません）"}));
    return;
  }
  rows->push_back(Row({"番号", "指標", "目標値", "実績値", "達成率", "推移", "評価"}));
  for (const auto& ir : s.sheet.indicators()) {
    ExportRow r = Row({ir.code(), ir.display_name(), ir.target().raw(), ir.actual().raw(),
                       AchievementPercent(ir), TrendText(s.sheet, ir.indicator()), ir.grade()});
    r.grade = ir.grade();
    r.color = GradeColor(s.scheme, ir.grade());
    rows->push_back(std::move(r));
  }
  if (s.sheet.has_rollup() && !s.sheet.rollup().computed_grade().empty()) {
    const auto& u = s.sheet.rollup();
    const std::string grade = u.override_grade().empty() ? u.computed_grade() : u.override_grade();
    ExportRow r = Row({"", "施策の達成状況", "", "",
                       absl::StrCat("評価済 ", u.graded_count(), " / 指標 ", u.indicator_count()),
                       "", grade});
    r.grade = grade;
    r.color = GradeColor(s.scheme, grade);
    rows->push_back(std::move(r));
  }
}

void Costs(const SheetRead& s, std::vector<ExportRow>* rows) {
  if (!s.sheet.has_cost()) return;
  const v1::ProjectCost& c = s.sheet.cost();
  const bool prev = s.sheet.has_previous_cost();
  const auto now = CostLines(c), before = CostLines(s.sheet.previous_cost());
  rows->push_back(Heading("コスト（円）"));
  std::vector<std::string> head = {"", "区分", jp::FormatFiscalYear(c.fiscal_year())};
  if (prev) {
    head.push_back(jp::FormatFiscalYear(s.sheet.previous_cost().fiscal_year()));
    head.push_back("増減");
  }
  rows->push_back(Row(head));
  for (size_t i = 0; i < now.size(); ++i) {
    if (now[i].yen == 0 && (!prev || before[i].yen == 0)) continue;
    std::vector<std::string> cells = {"", now[i].label, absl::StrCat(now[i].yen)};
    if (prev) {
      cells.push_back(absl::StrCat(before[i].yen));
      cells.push_back(absl::StrCat(now[i].yen - before[i].yen));
    }
    rows->push_back(Row(cells));
  }
  std::vector<std::string> fte = {"", "人工", absl::StrFormat("%.2f", c.staff_fte())};
  if (prev) {
    fte.push_back(absl::StrFormat("%.2f", s.sheet.previous_cost().staff_fte()));
    fte.push_back(absl::StrFormat("%+.2f", c.staff_fte() - s.sheet.previous_cost().staff_fte()));
  }
  rows->push_back(Row(fte));
  if (!c.has_settlement()) rows->push_back(Row({"", "決算前: トータルコストは予算現額によります"}));
  for (const auto& u : s.sheet.unit_costs()) {
    rows->push_back(Row({"",
                         absl::StrCat(u.display_name(), " 1", u.unit().empty() ? "単位" : u.unit(),
                                      "当たりのトータルコスト"),
                         absl::StrFormat("%.0f", u.yen_per_unit())}));
  }
}

void Perceptions(const SheetRead& s, std::vector<ExportRow>* rows) {
  if (s.sheet.perceptions().empty()) return;
  rows->push_back(Heading("市民意識調査（± は95%の標本誤差）"));
  rows->push_back(Row({"", "調査", "項目", "回答数", "平均", "肯定的な回答"}));
  for (const auto& np : s.sheet.perceptions()) {
    for (const auto& m : np.measures()) {
      rows->push_back(Row({"",
                           absl::StrCat(np.survey_display_name(), "（",
                                        jp::FormatFiscalYear(np.fiscal_year()), "）", m.number()),
                           PerceptionRoleLabel(m.role()), absl::StrCat(m.n()),
                           PerceptionMeanText(m), PerceptionShareText(m)}));
    }
  }
}

void Children(const SheetRead& s, std::vector<ExportRow>* rows) {
  if (s.sheet.children().empty()) return;
  const std::vector<const v1::SheetField*> cols = ChildChoiceFields(s.sheet_template);
  rows->push_back(Heading("構成事業"));
  std::vector<std::string> head = {"番号", "事業"};
  for (const auto* f : cols) head.push_back(f->label());
  head.push_back("状態");
  rows->push_back(Row(head));
  for (const auto& c : s.sheet.children()) {
    std::vector<std::string> cells = {c.code(), c.display_name()};
    for (const auto* f : cols) {
      auto it = c.choices().find(f->key());
      cells.push_back(it == c.choices().end() ? "" : it->second);
    }
    cells.push_back(SheetStateLabel(c.state()));
    rows->push_back(Row(cells));
  }
}

void Sections(const SheetRead& s, std::vector<ExportRow>* rows) {
  for (auto section :
       {v1::SHEET_SECTION_DEPARTMENT, v1::SHEET_SECTION_PLANNING, v1::SHEET_SECTION_COMMITTEE}) {
    bool headed = false;
    for (const auto& f : s.sheet_template.fields()) {
      if (f.kind() != s.sheet.kind() || f.section() != section) continue;
      if (!headed) rows->push_back(Heading(SheetSectionHeading(section)));
      headed = true;
      auto it = s.sheet.values().find(f.key());
      ExportRow r = Row({"", f.label(), it == s.sheet.values().end() ? "" : it->second});
      r.wrap = true;
      rows->push_back(std::move(r));
    }
  }
}

void Amendments(const SheetRead& s, std::vector<ExportRow>* rows) {
  if (s.sheet.amendments().empty()) return;
  rows->push_back(Heading("公表後の訂正"));
  rows->push_back(Row({"", "項目", "訂正前", "訂正後", "理由"}));
  for (const auto& a : s.sheet.amendments()) {
    const auto* f = FindSheetField(s.sheet_template, s.sheet.kind(), a.field());
    ExportRow r = Row({"", f ? f->label() : a.field(), a.before(), a.after(), a.reason()});
    r.wrap = true;
    rows->push_back(std::move(r));
  }
}

}  // namespace

std::vector<ExportRow> SheetRows(const SheetRead& s, const DepartmentNames& names) {
  const std::string depts = SheetDepartments(s.sheet, names);
  std::vector<ExportRow> rows;
  rows.push_back(Row({"番号", "項目", "内容"}));
  rows.push_back(Row({s.sheet.code(), "シート", SheetTitle(s.sheet.kind())}));
  rows.push_back(Row({"", "年度", jp::FormatFiscalYear(s.sheet.fiscal_year())}));
  rows.push_back(Row({"", "名称", s.sheet.display_name()}));
  rows.push_back(Row({"", "所管", depts.empty() ? "—" : depts}));
  rows.push_back(Row({"", "状態", SheetStateLabel(s.sheet.state())}));
  Indicators(s, &rows);
  Costs(s, &rows);
  Perceptions(s, &rows);
  Children(s, &rows);
  Sections(s, &rows);
  Amendments(s, &rows);
  return rows;
}

}  // namespace sokei::kpi
