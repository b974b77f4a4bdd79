// Delimited text as spreadsheets save it: TSV, or CSV with RFC 4180 quotes (newlines inside
// quotes), the delimiter detected outside quotes, formula-guard apostrophes dropped on reading.
// Shared by the progress-table importer and the survey response importer.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace sokei::jp {

// One row of cells with the 1-based line it starts on. The last row of a text says how it ended:
// inside a quoted cell (the file was cut: an unterminated quote) or without a line break.
struct DelimitedRow {
  int line = 0;
  std::vector<std::string> cells;
  bool open_quote = false;
  bool no_line_end = false;
};

std::vector<DelimitedRow> SplitDelimited(const std::string& text, char delim);

// Tabs or commas, whichever separates more cells outside quotes in the first 64 KiB.
char DetectDelimiter(const std::string& text);

// ASCII blanks and the ideographic space trimmed from both ends.
std::string TrimCell(absl::string_view s);

}  // namespace sokei::jp
