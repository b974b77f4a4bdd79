// The port through which a table the KPI domain has built becomes the file a city opens: TSV, CSV
// with a BOM, CSV in CP932 or xlsx. The domain builds the rows; an adapter renders them
// (format_table_writer.h), given to KpiDomain as its repository is — the domain neither touches
// the file system nor links a file format's library.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sokei/kpi/v1/kpi_service.pb.h"

namespace sokei::kpi {

// One row of a table: the header first, then section headings (one cell) and indicator rows.
struct ExportRow {
  bool section = false;  // a heading line (one cell)
  std::vector<std::string> cells;
  std::string grade;
  std::string color;  // #RRGGBB of the grade, for xlsx
  bool wrap = false;  // long text (a sheet's 成果と課題): wrapped, top-aligned in xlsx
};

class TableWriter {
 public:
  virtual ~TableWriter() = default;
  // `rows` as a file of `format` named `base` and the format's extension; `title` heads the
  // printed xlsx sheet. INTERNAL (EXPORT_FAILED) when the file cannot be made.
  virtual absl::StatusOr<v1::ExportedFile> Write(v1::TableFormat format, const std::string& base,
                                                 const std::string& title,
                                                 const std::vector<ExportRow>& rows) const = 0;
};

}  // namespace sokei::kpi
