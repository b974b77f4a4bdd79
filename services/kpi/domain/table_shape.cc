// How Sokei reads a table, without writing anything (InferTableShape): the same decoding and
// parsing an import uses, reported column by column for the import wizard.
#include "absl/strings/str_cat.h"
#include "common/api/names.h"
#include "services/kpi/domain/kpi_internal.h"
#include "services/kpi/import/findings.h"
#include "services/kpi/import/progress_table.h"
#include "services/kpi/import/table_text.h"

namespace sokei::kpi {
namespace {

constexpr size_t kMaxShapeBytes = 16 << 20;
constexpr int kMaxShapeFindings = 1000;

}  // namespace

absl::StatusOr<pb::TableShape> KpiDomain::InferTableShape(const Principal& p,
                                                          const pb::InferTableShapeRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), "municipalities/*", "parent"));
  SOKEI_RETURN_IF_ERROR(CheckKpiRead(p, parent.municipality()));
  if (r.content().empty()) {
    return status::InvalidField("IMPORT_EMPTY", "content", "is required: the table as xlsx, TSV or CSV");
  }
  if (r.content().size() > kMaxShapeBytes) {
    return status::InvalidField("IMPORT_TOO_LARGE", "content", "at most 16 MiB per table");
  }
  if (r.fiscal_year() != 0 && (r.fiscal_year() < 1900 || r.fiscal_year() > 2200)) {
    return status::InvalidField("IMPORT_INVALID", "fiscal_year", "a fiscal year between 1900 and 2200");
  }
  SOKEI_ASSIGN_OR_RETURN(const auto mapping, ParseMapping(r.mapping()));
  SOKEI_ASSIGN_OR_RETURN(std::string text, TableText(r.content(), r.encoding(), r.sheet()));
  SOKEI_ASSIGN_OR_RETURN(ParsedTable table, ParseProgressTable(text, mapping, r.fiscal_year()));
  pb::TableShape shape;
  for (const Column& c : table.columns) DescribeColumn(c, shape.add_columns());
  shape.set_header_row(table.header_row);
  shape.set_fiscal_year(table.fiscal_year);
  shape.set_data_rows(static_cast<int>(table.rows.size()));
  shape.set_sections(static_cast<int>(table.sections.size()));
  shape.set_numbered(table.numbered);
  int32_t omitted = 0;
  ListFindings(std::move(table.findings), kMaxShapeFindings, shape.mutable_findings(),
               shape.mutable_finding_counts(), &omitted);
  return shape;
}

}  // namespace sokei::kpi
