#include "common/jp/delimited.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "common/jp/measurement.h"

namespace sokei::jp {

absl::string_view TrimCellView(absl::string_view s) {
  // ASCII blanks, then the ideographic space, then ASCII blanks again.
  constexpr absl::string_view kIdeographicSpace = "\u3000";
  s = absl::StripAsciiWhitespace(s);
  while (absl::ConsumePrefix(&s, kIdeographicSpace)) {
  }
  while (absl::ConsumeSuffix(&s, kIdeographicSpace)) {
  }
  return absl::StripAsciiWhitespace(s);
}

std::string TrimCell(absl::string_view s) { return std::string(TrimCellView(s)); }

namespace {

// Exports guard cells that a spreadsheet would run as formulas (=, +, -, @) with a leading
// apostrophe, as Excel itself does; reading drops it again.
void Unguard(std::string* cell) {
  if (cell->size() >= 2 && (*cell)[0] == '\'' && std::strchr("=+-@", (*cell)[1]) != nullptr) {
    cell->erase(0, 1);
  }
}

}  // namespace

// The row's cells are written into the strings `row` already holds, so a reader that passes the
// same row every time allocates only when a cell outgrows what it held before. Unquoted text is
// copied a run at a time, up to the next delimiter, quote or line break.
bool DelimitedReader::Next(DelimitedRow* row) {
  const size_t size = text_.size();
  if (pos_ >= size) return false;
  const char* const data = text_.data();
  std::vector<std::string>& cells = row->cells;
  size_t n = 0;
  auto next_cell = [&]() -> std::string* {
    if (n == cells.size()) cells.emplace_back();
    std::string* c = &cells[n++];
    c->clear();
    return c;
  };
  row->line = line_;
  row->open_quote = false;
  row->no_line_end = false;
  std::string* cell = next_cell();
  bool quoted = false, cell_started = false;
  while (pos_ < size) {
    if (quoted) {
      // Up to the next quote, counting the line breaks inside.
      const char* q = static_cast<const char*>(std::memchr(data + pos_, '"', size - pos_));
      const size_t end = q == nullptr ? size : static_cast<size_t>(q - data);
      line_ += static_cast<int>(std::count(data + pos_, data + end, '\n'));
      cell->append(data + pos_, end - pos_);
      pos_ = end;
      if (pos_ == size) break;
      if (pos_ + 1 < size && data[pos_ + 1] == '"') {
        cell->push_back('"');
        pos_ += 2;
      } else {
        quoted = false;
        ++pos_;
      }
      continue;
    }
    size_t end = pos_;
    while (end < size) {
      const char c = data[end];
      if (c == delim_ || c == '\n' || c == '\r' || c == '"') break;
      ++end;
    }
    if (end > pos_) {
      cell->append(data + pos_, end - pos_);
      cell_started = true;
      pos_ = end;
    }
    if (pos_ == size) break;
    const char c = data[pos_];
    if (c == '"') {
      if (cell_started) {
        cell->push_back('"');  // a quote inside an unquoted cell is text
      } else {
        quoted = true;
        cell_started = true;
      }
      ++pos_;
    } else if (c == delim_) {
      Unguard(cell);
      cell = next_cell();
      cell_started = false;
      ++pos_;
    } else {  // a line break ends the row
      if (c == '\r' && pos_ + 1 < size && data[pos_ + 1] == '\n') ++pos_;
      ++pos_;
      ++line_;
      Unguard(cell);
      cells.resize(n);
      return true;
    }
  }
  if (cell->empty() && n == 1 && !quoted) return false;
  Unguard(cell);
  cells.resize(n);
  row->open_quote = quoted;
  row->no_line_end = true;
  return true;
}

std::vector<DelimitedRow> SplitDelimited(const std::string& text, char delim) {
  std::vector<DelimitedRow> rows;
  DelimitedReader reader(text, delim);
  DelimitedRow row;
  while (reader.Next(&row)) rows.push_back(std::move(row));
  return rows;
}

// Tabs or commas, whichever separates more cells outside quotes (1,600回 has a comma inside a
// TSV cell; a quoted CSV cell may hold a tab).
char DetectDelimiter(const std::string& text) {
  size_t tabs = 0, commas = 0;
  bool quoted = false, start = true;
  const size_t n = std::min<size_t>(text.size(), 1 << 16);
  for (size_t i = 0; i < n; ++i) {
    const char c = text[i];
    if (c == '"' && (quoted || start)) {
      quoted = !quoted;
    } else if (!quoted) {
      tabs += c == '\t';
      commas += c == ',';
    }
    start = !quoted && (c == '\t' || c == ',' || c == '\n');
  }
  return tabs >= commas ? '\t' : ',';
}

std::string QuoteCell(const std::string& text, char delimiter) {
  std::string cell = text;
  // A cell a spreadsheet would evaluate (=1+1, +SUM(…), -cmd, @x) gets Excel's text marker; plain
  // numbers (-5, +2.3) and the placeholders - and + stay as they are.
  if (!cell.empty() && std::strchr("=+-@", cell[0]) != nullptr && cell.size() > 1 &&
      !ParseDecimal(cell)) {
    cell.insert(0, "'");
  }
  if (cell.find_first_of(std::string("\"\r\n") + delimiter) == std::string::npos &&
      (cell.empty() || cell[0] != '"')) {
    return cell;
  }
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace sokei::jp
