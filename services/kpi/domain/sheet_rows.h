// One 評価シート as the rows of a spreadsheet (ExportEvaluationSheet with a table format): the
// same sections as the printed page (sheet_html.h) — the node and its departments as they were
// named that year, the indicators with their grades, the money beside the year before's, the 事業
// under a 施策, each section of the template, the amendments — one label and value per row, long
// text wrapped.
#pragma once

#include <vector>

#include "services/kpi/domain/sheet_html.h"
#include "services/kpi/domain/sheet_read.h"
#include "services/kpi/files/table_writer.h"

namespace sokei::kpi {

std::vector<ExportRow> SheetRows(const SheetRead& s, const DepartmentNames& names);

}  // namespace sokei::kpi
