// A plan's evaluation-sheet template (評価シートの様式): the default fields, and the rules a
// template a planner writes must follow. Pure functions on messages, no storage.
#pragma once

#include <string>
#include <vector>

#include "sokei/kpi/v1/resources.pb.h"

namespace sokei::kpi {

// The template of docs/domain.md §3 (事務事業評価シート and 施策評価シート): 目的, 手段, the four
// viewpoints with a reason each, 成果と課題, 今後の方向性; the 企画課's 二次評価; the committee's
// opinion. Named `name`, levels 0 (resolved against the plan when sheets are made).
v1::SheetTemplate DefaultSheetTemplate(const std::string& name);

// Why `t` cannot be stored ("" when it can), with the field it is about in `*field` (as a path of
// UpdateSheetTemplateRequest). `plan_levels` is the number of levels of the plan's tree.
std::string ValidateSheetTemplate(const v1::SheetTemplate& t, int plan_levels, std::string* field);

// The depths whose nodes have sheets, with the template's zeros resolved against the plan.
struct SheetLevels {
  int project = 0;
  int measure = 0;  // 0 when the plan has one level only
};
SheetLevels ResolveSheetLevels(const v1::SheetTemplate& t, int plan_levels);

// The sheet kind of a node at `depth`, UNSPECIFIED when nodes at that depth have no sheet.
v1::SheetKind SheetKindAt(const SheetLevels& levels, int depth);

// The field `key` of sheets of `kind`, or nullptr.
const v1::SheetField* FindSheetField(const v1::SheetTemplate& t, v1::SheetKind kind,
                                     const std::string& key);

// The columns a 施策 sheet shows for each of its 事業: the choice fields of the 事業 sheets
// (今後の方向性 and the like) outside the committee's section, in the template's order.
std::vector<const v1::SheetField*> ChildChoiceFields(const v1::SheetTemplate& t);

// A field's limit in characters (its max_chars, or the default of 1,000).
int SheetFieldLimit(const v1::SheetField& f);

}  // namespace sokei::kpi
