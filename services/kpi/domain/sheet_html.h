// One 評価シート as printable HTML — the sheet page (ExportEvaluationSheet) and the year's
// 評価結果報告書 (ExportEvaluationBook) print the same sections: the node and its departments
// (named as they were that year), the indicators with grades coloured by the plan's scheme, the
// year's money, the 市民意識調査's importance and satisfaction, the 事業 under a 施策, each section
// of the template, the amendments.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "services/kpi/domain/sheet_read.h"
#include "sokei/plan/v1/resources.pb.h"

namespace sokei::kpi {

// Department resource name → its name in the fiscal year (names as they were).
using DepartmentNames = std::map<std::string, std::string>;
DepartmentNames DepartmentNamesIn(const std::vector<plan::v1::Department>& departments,
                                  int fiscal_year);

// 重要度 / 満足度, and a survey measure's mean and positive share with their 95% margins
// ("0.42点（±0.06）", "58.3%（±2.9ポイント）"; "—" without answers).
const char* PerceptionRoleLabel(v1::PerceptionRole role);
std::string PerceptionMeanText(const v1::PerceptionMeasure& m);
std::string PerceptionShareText(const v1::PerceptionMeasure& m);

// 推移 of an indicator on the sheet: "改善（令和元年度 150人から）", "悪化（基準値 162人（平成29年度）
// から）", "—" when nothing can be said. Empty when the sheet has no trend for it.
std::string TrendText(const v1::EvaluationSheet& sheet, const std::string& indicator);

// The sheet's departments by their names that year, joined with ・ ("" for none).
std::string SheetDepartments(const v1::EvaluationSheet& sheet, const DepartmentNames& names);

std::string HtmlEscape(const std::string& text);
const char* SheetTitle(v1::SheetKind kind);
// 作成中 / 提出済 / 差戻し / 確認済.
const char* SheetStateLabel(v1::SheetState state);
// 一次評価（所管課） / 二次評価（企画課） / 外部評価委員会.
const char* SheetSectionHeading(v1::SheetSection section);
// 1234567 → "1,234,567円" (negative: △).
std::string Yen(int64_t yen);
// A grade with the colour of its band in the plan's scheme.
std::string GradeHtml(const v1::GradingScheme& scheme, const std::string& label);

// One sheet as a printable section, its title at <h1> (a page) or <h2> (in a book).
std::string SheetHtml(const SheetRead& s, const DepartmentNames& names, bool in_book);

// A whole A4 document around `body`: the print style, the title, a footer.
std::string PrintableDocument(const std::string& title, const std::string& body);

}  // namespace sokei::kpi
