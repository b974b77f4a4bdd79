// Rows as an .xlsx workbook (libxlsxwriter): frozen header, column widths, grade colours, every
// cell as text.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/kpi/files/table_writer.h"

namespace sokei::kpi {

absl::StatusOr<std::string> XlsxTable(const std::vector<ExportRow>& rows,
                                      const std::string& sheet_title);

}  // namespace sokei::kpi
