// Reading one worksheet of an .xlsx workbook (Office Open XML, as Excel saves it) into a grid of
// cell texts, with Debian's minizip (the zip container) and expat (the XML parts). What a person
// sees in the cell is what comes out:
//  - shared and inline strings with their rich-text runs joined; the phonetic guides Japanese
//    Excel stores beside them (ふりがな, <rPh>) left out;
//  - numbers as Excel stores them ("0.1", "1234"); booleans as TRUE/FALSE; error values (#N/A) as
//    written; a formula cell as its last computed value;
//  - date-formatted numbers as dates (2024-03-31; a time of day keeps hh:mm);
//  - a merged range gives its top-left value to the cells below it in its first column (a section
//    column filled once for several rows), not to the cells to its right (a heading across
//    columns stays one cell).
// Limits against hostile files: at most 64 MiB uncompressed per part, 200,000 rows, 1,000 columns.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace sokei::kpi {

struct XlsxSheet {
  std::string name;                            // the sheet's name as shown on its tab
  std::vector<std::vector<std::string>> rows;  // row-major; short rows are not padded
};

// True when `bytes` starts like a zip archive (an .xlsx, not a text table).
bool LooksLikeXlsx(const std::string& bytes);

// The first sheet (workbook order) or the one named `sheet_name`. INVALID_ARGUMENT with reason
// XLSX_INVALID (not a workbook, a part missing or malformed, too large) or XLSX_SHEET_NOT_FOUND.
absl::StatusOr<XlsxSheet> ReadXlsxSheet(const std::string& bytes,
                                        const std::string& sheet_name = "");

}  // namespace sokei::kpi
