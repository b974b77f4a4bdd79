#include "services/kpi/import/table_text.h"

#include "common/jp/delimited.h"
#include "common/jp/text.h"
#include "common/status/status.h"
#include "services/kpi/import/progress_table.h"
#include "services/kpi/import/xlsx_reader.h"

namespace sokei::kpi {

absl::StatusOr<std::string> TableText(const std::string& content, v1::TableEncoding encoding,
                                      const std::string& sheet) {
  if (!LooksLikeXlsx(content)) {
    return jp::DecodeText(content, encoding == v1::TABLE_ENCODING_UTF8    ? jp::TextEncoding::kUtf8
                                   : encoding == v1::TABLE_ENCODING_CP932 ? jp::TextEncoding::kCp932
                                                                          : jp::TextEncoding::kAuto);
  }
  SOKEI_ASSIGN_OR_RETURN(XlsxSheet s, ReadXlsxSheet(content, sheet));
  std::string text;
  for (const auto& row : s.rows) {
    for (size_t c = 0; c < row.size(); ++c) {
      if (c > 0) text += '\t';
      text += jp::QuoteCell(row[c], '\t');
    }
    text += '\n';
  }
  return text;
}

}  // namespace sokei::kpi
