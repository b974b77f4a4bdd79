// Delimited text as spreadsheets save it: TSV, or CSV with RFC 4180 quotes (newlines inside
// quotes), the delimiter detected outside quotes, formula-guard apostrophes dropped on reading and
// added on writing. Shared by the importers and the exporters.
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

// The same rows one at a time, for files too large to hold as cells all at once. `text` must
// outlive the reader.
class DelimitedReader {
 public:
  DelimitedReader(absl::string_view text, char delim) : text_(text), delim_(delim) {}
  // The next row into `row`, reusing the strings it holds; false at the end of the text.
  bool Next(DelimitedRow* row);

 private:
  absl::string_view text_;
  char delim_;
  size_t pos_ = 0;
  int line_ = 1;
};

// Tabs or commas, whichever separates more cells outside quotes in the first 64 KiB.
char DetectDelimiter(const std::string& text);

// ASCII blanks and the ideographic space trimmed from both ends.
std::string TrimCell(absl::string_view s);
// The same as a view into `s`, for readers that copy only what they keep.
absl::string_view TrimCellView(absl::string_view s);

// One cell written for a spreadsheet (the inverse of SplitDelimited): quoted when it holds the
// delimiter, a quote or a line break; a cell a spreadsheet would evaluate (=1+1, +SUM(…), -cmd,
// @x) gets Excel's text marker ', while plain numbers (-5, +2.3) and the placeholders - and +
// stay as they are.
std::string QuoteCell(const std::string& text, char delimiter);

}  // namespace sokei::jp
