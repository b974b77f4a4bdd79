// The first stage of every table import: the uploaded bytes as UTF-8 table text. An .xlsx workbook
// (recognised by its zip signature, whatever the request says) is read sheet by sheet and written
// as TSV with the exporter's quoting, so the table parser sees one shape; text is decoded as
// UTF-8 (with or without BOM) or CP932, detected (UNSPECIFIED) or as the request says.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "sokei/kpi/v1/kpi_service.pb.h"

namespace sokei::kpi {

absl::StatusOr<std::string> TableText(const std::string& content, v1::TableEncoding encoding,
                                      const std::string& sheet);

}  // namespace sokei::kpi
