// libxlsxwriter 1.1 writes to a file only: a private temporary file (under TMPDIR) is written,
// read back and removed.
#include "services/kpi/files/xlsx_table.h"

#include <unistd.h>
#include <xlsxwriter.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/numbers.h"
#include "common/status/status.h"

namespace sokei::kpi {
namespace {

uint32_t Rgb(const std::string& hex) {
  uint32_t v = 0xFFFFFF;
  if (hex.size() == 7 && hex[0] == '#') {
    uint64_t parsed = 0;
    if (absl::SimpleHexAtoi(hex.substr(1), &parsed)) v = static_cast<uint32_t>(parsed);
  }
  return v;
}

}  // namespace

absl::StatusOr<std::string> XlsxTable(const std::vector<ExportRow>& rows,
                                      const std::string& sheet_title) {
  const char* tmp = std::getenv("TMPDIR");
  std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/sokei-export-XXXXXX";
  const int fd = mkstemp(path.data());
  if (fd < 0) return status::Internal("EXPORT_FAILED");
  close(fd);
  lxw_workbook_options options = {};
  options.constant_memory = LXW_FALSE;
  options.tmpdir = nullptr;
  lxw_workbook* wb = workbook_new_opt(path.c_str(), &options);
  if (wb == nullptr) {
    unlink(path.c_str());
    return status::Internal("EXPORT_FAILED");
  }
  lxw_worksheet* ws = workbook_add_worksheet(wb, nullptr);
  lxw_format* header = workbook_add_format(wb);
  format_set_bold(header);
  format_set_bg_color(header, 0xD9E1F2);
  format_set_border(header, LXW_BORDER_THIN);
  format_set_text_wrap(header);
  lxw_format* section = workbook_add_format(wb);
  format_set_bold(section);
  lxw_format* wrapped = workbook_add_format(wb);
  format_set_text_wrap(wrapped);
  format_set_align(wrapped, LXW_ALIGN_VERTICAL_TOP);
  std::map<std::string, lxw_format*> grade_formats;
  const double widths[] = {10, 28, 36, 20, 20, 20, 18, 9, 9};
  for (int c = 0; c < 9; ++c) worksheet_set_column(ws, c, c, widths[c], nullptr);
  worksheet_freeze_panes(ws, 1, 0);
  worksheet_set_header(ws, sheet_title.c_str());
  for (size_t r = 0; r < rows.size(); ++r) {
    const ExportRow& row = rows[r];
    lxw_format* fmt = r == 0 ? header : row.section ? section : row.wrap ? wrapped : nullptr;
    for (size_t c = 0; c < row.cells.size(); ++c) {
      lxw_format* cell_fmt = fmt;
      if (r > 0 && !row.section && c + 1 == row.cells.size() && !row.color.empty()) {
        auto& g = grade_formats[row.color];
        if (g == nullptr) {
          g = workbook_add_format(wb);
          format_set_bg_color(g, Rgb(row.color));
          format_set_align(g, LXW_ALIGN_CENTER);
        }
        cell_fmt = g;
      }
      // Text, always: a table's 06-101 or 1,600回 must not become a number or a date.
      worksheet_write_string(ws, static_cast<lxw_row_t>(r), static_cast<lxw_col_t>(c),
                             row.cells[c].c_str(), cell_fmt);
    }
  }
  const lxw_error err = workbook_close(wb);
  std::string bytes;
  if (err == LXW_NO_ERROR) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    bytes = ss.str();
  }
  unlink(path.c_str());
  if (err != LXW_NO_ERROR || bytes.empty()) return status::Internal("EXPORT_FAILED");
  return bytes;
}

}  // namespace sokei::kpi
