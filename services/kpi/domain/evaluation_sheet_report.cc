// ExportEvaluationSheet: one 評価シート as a printable A4 HTML page (sheet_html.h) or as a
// spreadsheet (sheet_rows.h).
#include <string>

#include "absl/strings/str_cat.h"
#include "common/api/names.h"
#include "common/jp/fiscal_year.h"
#include "common/status/status.h"
#include "services/kpi/domain/kpi_domain.h"
#include "services/kpi/domain/kpi_internal.h"
#include "services/kpi/domain/sheet_html.h"
#include "services/kpi/domain/sheet_read.h"
#include "services/kpi/domain/sheet_rows.h"

namespace sokei::kpi {

absl::StatusOr<pb::ExportedFile> KpiDomain::ExportEvaluationSheet(
    const Principal& p, const pb::ExportEvaluationSheetRequest& r) {
  if (r.format() != pb::REPORT_FORMAT_UNSPECIFIED && r.format() != pb::REPORT_FORMAT_HTML) {
    return status::InvalidField("SHEET_INVALID", "format", "sheets are printed as HTML");
  }
  if (!pb::TableFormat_IsValid(r.table_format())) {
    return status::InvalidField("SHEET_INVALID", "table_format", "not a table format");
  }
  SOKEI_ASSIGN_OR_RETURN(SheetRead s, ReadSheet(*repo_, *plans_, p, r.name(), "name"));
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kSheetPattern, "name"));
  // The departments by the names they had that year.
  SOKEI_ASSIGN_OR_RETURN(auto departments, plans_->ListDepartments(p, name.municipality()));
  const std::string title =
      absl::StrCat(jp::FormatFiscalYear(s.sheet.fiscal_year()), " ", SheetTitle(s.sheet.kind()),
                   " ", s.sheet.code(), " ", s.sheet.display_name());
  const std::string base =
      absl::StrCat(name.Id("plans"), "-", s.sheet.fiscal_year(), "-sheet-", name.Id("sheets"));
  const DepartmentNames names = DepartmentNamesIn(departments, s.sheet.fiscal_year());
  if (r.table_format() != pb::TABLE_FORMAT_UNSPECIFIED) {
    return files_->Write(r.table_format(), base, title, SheetRows(s, names));
  }
  pb::ExportedFile file;
  file.set_filename(base + ".html");
  file.set_content_type("text/html; charset=utf-8");
  file.set_content(PrintableDocument(title, SheetHtml(s, names, false)));
  return file;
}

}  // namespace sokei::kpi
