// TableWriter for the formats cities open: delimited text (TSV; CSV UTF-8 with a BOM; CSV in
// CP932 for older Excel) and xlsx (xlsx_table.h).
#pragma once

#include "services/kpi/files/table_writer.h"

namespace sokei::kpi {

class FormatTableWriter final : public TableWriter {
 public:
  absl::StatusOr<v1::ExportedFile> Write(v1::TableFormat format, const std::string& base,
                                         const std::string& title,
                                         const std::vector<ExportRow>& rows) const override;
};

}  // namespace sokei::kpi
