#include "common/jp/delimited.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/jp/measurement.h"

namespace sokei::jp {

std::string TrimCell(absl::string_view s) {
  // ASCII blanks and the ideographic space.
  std::string out(absl::StripAsciiWhitespace(s));
  while (absl::StartsWith(out, "\u3000")) out.erase(0, 3);
  while (absl::EndsWith(out, "\u3000")) out.erase(out.size() - 3);
  return std::string(absl::StripAsciiWhitespace(out));
}

namespace {

// Exports guard cells that a spreadsheet would run as formulas (=, +, -, @) with a leading
// apostrophe, as Excel itself does; reading drops it again.
std::string Unguard(std::string cell) {
  if (cell.size() >= 2 && cell[0] == '\'' && std::strchr("=+-@", cell[1]) != nullptr) {
    cell.erase(0, 1);
  }
  return cell;
}

}  // namespace

bool DelimitedReader::Next(DelimitedRow* row) {
  if (pos_ >= text_.size()) return false;
  DelimitedRow cur;
  cur.line = line_;
  std::string cell;
  bool quoted = false, cell_started = false;
  for (; pos_ < text_.size(); ++pos_) {
    const char c = text_[pos_];
    if (quoted) {
      if (c == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
          cell.push_back('"');
          ++pos_;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line_;
        cell.push_back(c);
      }
      continue;
    }
    if (c == '"' && !cell_started) {
      quoted = true;
      cell_started = true;
    } else if (c == delim_) {
      cur.cells.push_back(Unguard(std::move(cell)));
      cell.clear();
      cell_started = false;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
      ++pos_;
      ++line_;
      cur.cells.push_back(Unguard(std::move(cell)));
      *row = std::move(cur);
      return true;
    } else {
      cell.push_back(c);
      cell_started = true;
    }
  }
  if (cell.empty() && cur.cells.empty() && !quoted) return false;
  cur.cells.push_back(Unguard(std::move(cell)));
  cur.open_quote = quoted;
  cur.no_line_end = true;
  *row = std::move(cur);
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
