#include "services/kpi/files/format_table_writer.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/jp/delimited.h"
#include "common/jp/text.h"
#include "common/status/status.h"
#include "services/kpi/files/xlsx_table.h"

namespace sokei::kpi {

absl::StatusOr<v1::ExportedFile> FormatTableWriter::Write(
    v1::TableFormat format, const std::string& base, const std::string& title,
    const std::vector<ExportRow>& rows) const {
  v1::ExportedFile file;
  if (format == v1::TABLE_FORMAT_XLSX) {
    SOKEI_ASSIGN_OR_RETURN(std::string bytes, XlsxTable(rows, title));
    file.set_filename(base + ".xlsx");
    file.set_content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    file.set_content(std::move(bytes));
    return file;
  }
  const char delim = format == v1::TABLE_FORMAT_TSV ? '\t' : ',';
  std::string out;
  for (const auto& row : rows) {
    std::vector<std::string> cells;
    for (const auto& c : row.cells) cells.push_back(jp::QuoteCell(c, delim));
    if (row.section && !rows.empty()) cells.resize(rows.front().cells.size());
    absl::StrAppend(&out, absl::StrJoin(cells, std::string(1, delim)), "\r\n");
  }
  if (format == v1::TABLE_FORMAT_TSV) {
    file.set_filename(base + ".tsv");
    file.set_content_type("text/tab-separated-values; charset=utf-8");
    file.set_content(out);
  } else if (format == v1::TABLE_FORMAT_CSV_UTF8_BOM) {
    file.set_filename(base + ".csv");
    file.set_content_type("text/csv; charset=utf-8");
    file.set_content("\xEF\xBB\xBF" + out);
  } else {
    SOKEI_ASSIGN_OR_RETURN(std::string sjis, jp::Utf8ToCp932(out));
    file.set_filename(base + "-sjis.csv");
    file.set_content_type("text/csv; charset=Shift_JIS");
    file.set_content(std::move(sjis));
  }
  return file;
}

}  // namespace sokei::kpi
