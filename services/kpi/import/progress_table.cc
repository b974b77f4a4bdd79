#include "services/kpi/import/progress_table.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/jp/delimited.h"
#include "common/jp/fiscal_year.h"
#include "common/jp/measurement.h"
#include "common/jp/text.h"
#include "services/kpi/import/findings.h"
#include "common/status/status.h"
#include "services/kpi/import/table_header.h"

namespace sokei::kpi {

// Cells trimmed of ASCII blanks and the ideographic space (shared by the parsing stage's files).
std::string Trim(absl::string_view s) { return jp::TrimCell(s); }

namespace {

using type::v1::Measurement;
using jp::DetectDelimiter;
using RawRow = jp::DelimitedRow;
using table::BracketedUnit;
using table::Classify;
using table::ContainsAny;
using table::EqualsAny;
using table::HeaderPeriod;
using table::HeaderYear;
using table::RowKind;
using table::SplitBracketedUnit;
using table::YearOnlyHeader;

std::vector<RawRow> SplitRows(const std::string& text, char delim) {
  return jp::SplitDelimited(text, delim);
}

bool IsSeparatorRow(const std::vector<std::string>& cells) {
  bool any = false;
  for (const auto& c : cells) {
    const std::string t = Trim(c);
    if (t.empty()) continue;
    if (t.find_first_not_of("-=_") != std::string::npos) return false;
    any = true;
  }
  return any;
}


// What the parser made of a cell, for findings.
std::string Describe(const Measurement& m) {
  std::string out;
  if (!m.value().empty()) absl::StrAppend(&out, "value ", m.value(), m.unit());
  if (!m.breakdowns().empty()) {
    absl::StrAppend(&out, m.breakdowns_size(), " breakdowns");
  }
  if (!m.qualitative().empty()) {
    absl::StrAppend(&out, out.empty() ? "" : "; ", "milestone 「", m.qualitative(), "」");
  }
  if (!m.note().empty()) absl::StrAppend(&out, out.empty() ? "" : "; ", "note 「", m.note(), "」");
  if (m.partial_period()) absl::StrAppend(&out, "; partial period");
  if (m.has_secondary()) {
    absl::StrAppend(&out, "; second value ", m.secondary().value(), m.secondary().unit());
  }
  if (out.empty()) out = "nothing";
  return out;
}

}  // namespace

// One pass over the rows, longer than a function should be and kept whole on purpose: a row's
// reading depends on everything before it — the header found, the sections opened, the 所管課
// carried down, the indicator a 区分 row continues — and splitting that state across helpers made
// it harder to follow, not easier. The header's words (table_header) and the section lines
// (section_line) are read elsewhere.
absl::StatusOr<ParsedTable> ParseProgressTable(const std::string& text,
                                               const std::map<std::string, ColumnMapping>& mapping,
                                               int fiscal_year_hint) {
  ParsedTable t;
  if (jp::HasControlCharacters(text) || !jp::IsValidUtf8(text)) {
    return status::InvalidField("IMPORT_NOT_A_TABLE", "content",
                                "contains binary data or control characters: save the sheet as "
                                "TSV or CSV (UTF-8 or Shift_JIS)");
  }
  t.delimiter = DetectDelimiter(text);
  std::vector<RawRow> rows = SplitRows(text, t.delimiter);

  // The header: the first row where at least three cells are recognised, one of them an
  // indicator or project column.
  auto header_fields = [&](const RawRow& r, std::vector<Column>* cols) {
    int recognised = 0;
    bool key = false;
    cols->clear();
    for (size_t i = 0; i < r.cells.size(); ++i) {
      const std::string raw = Trim(r.cells[i]);
      Column c;
      c.index = static_cast<int>(i);
      c.header = raw;
      auto m = mapping.find(raw);
      c.mapped = m != mapping.end();
      c.field = c.mapped ? m->second.field : Classify(jp::Nfkc(raw));
      if (c.field == Field::kIgnore && YearOnlyHeader(jp::Nfkc(raw))) {
        c.field = Field::kYearValue;
        c.year = HeaderYear(raw);
      }
      if (c.field == Field::kTarget || c.field == Field::kActual || c.field == Field::kForecast ||
          c.field == Field::kBaseline) {
        c.year = HeaderYear(raw, c.field == Field::kTarget);
        if (c.field == Field::kTarget && c.year > HeaderYear(raw)) c.range_start = HeaderYear(raw);
        const std::string n = jp::Nfkc(raw);
        c.is_final = ContainsAny(n, {"ヵ年", "カ年", "か年", "ケ年", "最終", "計画期間"});
        HeaderPeriod(n, &c);
        c.reference = n.find("参考") != std::string::npos;
      }
      if (c.mapped) {
        // What the caller says beats what the header suggests.
        const ColumnMapping& cm = m->second;
        if (cm.year > 0) c.year = cm.year;
        if (cm.calendar >= 0) c.calendar = cm.calendar == 1;
        if (cm.partial >= 0) c.partial = cm.partial == 1;
        if (cm.reference >= 0) c.reference = cm.reference == 1;
      }
      if (c.field != Field::kIgnore) ++recognised;
      key = key || c.field == Field::kIndicator || c.field == Field::kProject;
      cols->push_back(c);
    }
    return recognised >= 3 && key;
  };
  size_t start = 0;
  for (; start < rows.size(); ++start) {
    if (header_fields(rows[start], &t.columns)) break;
  }
  if (start == rows.size()) {
    return status::InvalidField(
        "IMPORT_HEADER_NOT_FOUND", "content",
        "no header row was recognised (expected columns such as 事業番号, 事業指標, 当初水準, "
        "目標, 実績, 所管課); pass a mapping for the headers this table uses");
  }
  // Section headings can come before the first header row (■基本政策… then the header).
  for (size_t ri = 0; ri < start; ++ri) {
    int non_empty = 0;
    for (const auto& c : rows[ri].cells) non_empty += !Trim(c).empty();
    if (non_empty != 1 || Trim(rows[ri].cells[0]).empty()) continue;
    SectionLine s;
    if (rows[ri].cells[0].size() <= kMaxCellBytes && ParseSectionLine(rows[ri].cells[0], &s)) {
      s.row = rows[ri].line;
      t.sections.push_back(s);
    } else {
      t.findings.push_back(MakeFinding(rows[ri].line, "", Trim(rows[ri].cells[0]).substr(0, 200),
                                   "a title line before the header", v1::FINDING_SEVERITY_INFO,
                                   "LINE_IGNORED"));
    }
  }
  const std::vector<std::string> header_cells = rows[start].cells;
  t.header_row = rows[start].line;
  auto col_of = [&](Field f) -> const Column* {
    for (const auto& c : t.columns) {
      if (c.field == f) return &c;
    }
    return nullptr;
  };
  const Column* code_col = col_of(Field::kCode);
  t.numbered = code_col != nullptr;
  const Column* project_col = col_of(Field::kProject);
  const Column* indicator_col = col_of(Field::kIndicator);
  const Column* dept_col = col_of(Field::kDepartment);
  const Column* unit_col = col_of(Field::kUnit);
  // The fiscal year of the table: the actual column's year, else the hint, else a target's.
  for (const auto& c : t.columns) {
    if (c.field == Field::kActual && c.year > 0 && t.fiscal_year == 0) t.fiscal_year = c.year;
  }
  if (t.fiscal_year == 0) t.fiscal_year = fiscal_year_hint;
  // A target's year is the table's only for an actual column that names none (目標値(R4) | 実績);
  // with years as columns the table's year is the latest with an actual, found below.
  const bool yearless_values = std::any_of(t.columns.begin(), t.columns.end(), [](const Column& c) {
    return (c.field == Field::kActual || c.field == Field::kForecast) && c.year == 0;
  });
  int first_target_year = 0;
  for (const auto& c : t.columns) {
    if (c.field == Field::kTarget && c.year > 0 && !c.is_final && first_target_year == 0) {
      first_target_year = c.year;
    }
  }
  if (t.fiscal_year == 0 && yearless_values) t.fiscal_year = first_target_year;
  for (const auto& c : t.columns) {
    // A target without a year takes the row's 目標年度 or the plan's last year (the planner says
    // which); an actual or forecast without one has no year at all.
    if ((c.field == Field::kActual || c.field == Field::kForecast) && c.year == 0 &&
        t.fiscal_year == 0) {
      t.findings.push_back(MakeFinding(rows[start].line, c.header, c.header,
                                   "no year in the header and no fiscalYear given",
                                   v1::FINDING_SEVERITY_ERROR, "YEAR_UNKNOWN"));
    }
  }

  // Headings given in columns (基本目標, 施策): outermost first. A cell left blank is the heading
  // above (filled once, blank below); a new value opens that heading (and those inside it) as if
  // it were a heading line. A heading without a number of its own is numbered by its place under
  // its parent (1, 1-2 …).
  std::vector<const Column*> section_cols;
  for (const auto& c : t.columns) {
    if (c.field == Field::kSection) section_cols.push_back(&c);
  }
  std::vector<std::string> section_now(section_cols.size()), section_code(section_cols.size());
  std::map<std::string, int> ordinal_under;      // parent code → headings numbered under it
  std::map<std::string, std::string> code_of;    // level / parent / title → number given
  std::set<std::string> codes_used;              // level / number, written or given
  std::string last_department;
  int last_code_row = -1;
  for (size_t ri = start + 1; ri < rows.size(); ++ri) {
    RawRow& r = rows[ri];
    // Blank and separator rows.
    bool blank = true;
    for (const auto& c : r.cells) blank = blank && Trim(c).empty();
    if (blank || IsSeparatorRow(r.cells)) continue;
    // Repeated header rows: the header's cells again (compared before anything is classified:
    // classifying every row's cells as headers was a third of the reading time).
    if (r.cells.size() == header_cells.size()) {
      bool same = true;
      for (size_t i = 0; same && i < r.cells.size(); ++i)
        same = Trim(r.cells[i]) == Trim(header_cells[i]);
      if (same) continue;
    }
    for (auto& c : r.cells) {
      if (c.size() > kMaxCellBytes) {
        t.findings.push_back(MakeFinding(r.line, "", c.substr(0, 64), "cell longer than 4 KiB",
                                     v1::FINDING_SEVERITY_ERROR, "CELL_TOO_LONG"));
        c.clear();
      }
    }
    // Section line: one non-empty cell, the first.
    int non_empty = 0;
    for (const auto& c : r.cells) non_empty += !Trim(c).empty();
    if (non_empty == 1 && !Trim(r.cells[0]).empty()) {
      SectionLine s;
      if (ParseSectionLine(r.cells[0], &s)) {
        s.row = r.line;
        t.sections.push_back(s);
      } else {
        t.findings.push_back(MakeFinding(r.line, "", Trim(r.cells[0]),
                                     "a line with one cell that is not a section heading",
                                     v1::FINDING_SEVERITY_WARNING, "LINE_IGNORED"));
      }
      continue;
    }
    const size_t reached = r.cells.size();  // cells beyond it are absent, not empty
    if (r.open_quote || (r.no_line_end && reached < header_cells.size())) {
      // The file ends inside a quoted cell, or cut in the middle of its last row: what else is
      // missing cannot be known. Nothing of it is written.
      t.findings.push_back(MakeFinding(
          0, "", "",
          absl::StrCat("the file ends ",
                       r.open_quote ? "inside a quoted cell" : "in the middle of a row",
                       " (line ", r.line, "): it was cut short; save or download it again"),
          v1::FINDING_SEVERITY_ERROR, "TRUNCATED_FILE"));
      continue;
    }
    if (reached != header_cells.size()) {
      t.findings.push_back(MakeFinding(
          r.line, "", "",
          absl::StrCat(reached, " cells where the header has ", header_cells.size(),
                       reached < header_cells.size()
                           ? "; the missing cells are left as stored (nothing is blanked)"
                           : "; extra cells ignored"),
          v1::FINDING_SEVERITY_WARNING, "RAGGED_ROW"));
    }
    auto cell = [&](const Column* c) {
      return c == nullptr || c->index >= static_cast<int>(r.cells.size()) ? std::string()
                                                                          : Trim(r.cells[c->index]);
    };
    bool opened = false;
    for (size_t i = 0; i < section_cols.size(); ++i) {
      const int ci = section_cols[i]->index;
      std::string v = ci < static_cast<int>(reached) ? Trim(r.cells[ci]) : "";
      if (v.empty()) v = section_now[i];
      if (!opened && v == section_now[i]) continue;
      opened = true;
      section_now[i] = v;
      if (v.empty()) continue;
      SectionLine sl;
      sl.row = r.line;
      sl.raw = v;
      sl.label = std::string(absl::StripSuffix(section_cols[i]->header, "名"));
      const std::string parent = i > 0 ? section_code[i - 1] : "";
      SectionLine parsed;
      std::string head, rest;
      const std::string n = jp::Nfkc(v);
      const size_t sp = n.find(' ');
      if (ParseSectionLine(v, &parsed)) {
        sl.code = parsed.code;
        sl.title = parsed.title.empty() ? v : parsed.title;
      } else if (sp != std::string::npos && sp > 0 &&
                 std::all_of(n.begin(), n.begin() + sp, [](char ch) {
                   return absl::ascii_isdigit(static_cast<unsigned char>(ch)) || ch == '-' ||
                          ch == '.';
                 })) {
        sl.code = n.substr(0, sp);  // 1-1 地域福祉の推進
        sl.title = Trim(n.substr(sp + 1));
      } else {
        // The same heading again keeps its number; a new one takes the next free place.
        std::string& code = code_of[absl::StrCat(i, "/", parent, "/", jp::SearchFold(v))];
        while (code.empty()) {
          const int k = ++ordinal_under[absl::StrCat(i, "/", parent)];
          const std::string c = parent.empty() ? absl::StrCat(k) : absl::StrCat(parent, "-", k);
          if (!codes_used.count(absl::StrCat(i, "/", c))) code = c;
        }
        sl.code = code;
        sl.title = v;
      }
      section_code[i] = sl.code;
      codes_used.insert(absl::StrCat(i, "/", sl.code));
      t.sections.push_back(sl);
    }
    DataRow d;
    d.row = r.line;
    d.section_count = static_cast<int>(t.sections.size());
    for (const auto& c : t.columns) {
      if (c.index >= static_cast<int>(reached) && c.field != Field::kIgnore) {
        d.absent.push_back(c.field);
      }
    }
    d.code = jp::Nfkc(cell(code_col));
    d.project = cell(project_col);
    d.indicator = cell(indicator_col);
    d.unit = cell(unit_col);
    // Several rows per indicator (a 目標 row, a 実績 row …, years as columns): a row that names no
    // other indicator adds its year values to the indicator above.
    const Column* kind_col = col_of(Field::kRowKind);
    const Field row_kind = kind_col ? RowKind(cell(kind_col)) : Field::kIgnore;
    DataRow* into_row = &d;
    if (kind_col != nullptr && !t.rows.empty() &&
        t.rows.back().section_count == static_cast<int>(t.sections.size()) &&
        (d.indicator.empty() || jp::SearchFold(d.indicator) == jp::SearchFold(t.rows.back().indicator)) &&
        (d.code.empty() || d.code == t.rows.back().code)) {
      into_row = &t.rows.back();
    } else if (d.indicator.empty() && d.project.empty()) {
      t.findings.push_back(MakeFinding(r.line, "", "", "a row without indicator and project",
                                   v1::FINDING_SEVERITY_WARNING, "ROW_IGNORED"));
      continue;
    }
    auto year_values = [&](DataRow* row) {
      std::vector<Cell>* list = row_kind == Field::kTarget          ? &row->targets
                                : row_kind == Field::kActual        ? &row->actuals
                                : row_kind == Field::kForecast      ? &row->forecasts
                                : row_kind == Field::kReportedRate  ? &row->reported_rates
                                : row_kind == Field::kReportedGrade ? &row->reported_grades
                                                                    : nullptr;
      if (list == nullptr) return;
      for (const auto& c : t.columns) {
        // A merged target row (a revised 期待値) also carries the 目標値 column of its year.
        const bool own_target = row != &d && row_kind == Field::kTarget &&
                                c.field == Field::kTarget && c.year > 0;
        if ((c.field != Field::kYearValue && !own_target) ||
            c.index >= static_cast<int>(reached)) {
          continue;
        }
        const std::string raw = Trim(r.cells[c.index]);
        if (raw.empty()) continue;
        Cell v{&c, jp::ParseMeasurement(raw)};
        ++t.cells;
        t.cells_full += v.value.understood() == type::v1::UNDERSTANDING_FULL ||
                        v.value.understood() == type::v1::UNDERSTANDING_PLACEHOLDER ||
                        v.value.understood() == type::v1::UNDERSTANDING_QUALITATIVE;
        list->push_back(std::move(v));
      }
    };
    if (into_row != &d) {
      year_values(into_row);
      continue;
    }
    if (d.indicator.empty()) d.indicator = d.project;
    // The unit in brackets after the name, where there is no unit column: 雇用創出数 [人].
    if (d.unit.empty()) SplitBracketedUnit(&d.indicator, &d.unit);
    if (code_col == nullptr) {
      d.named = true;
    } else if (d.code.empty()) {
      if (last_code_row < 0) {
        t.findings.push_back(MakeFinding(r.line, code_col ? code_col->header : "", "",
                                     "a row without a number and no project above it",
                                     v1::FINDING_SEVERITY_ERROR, "CODE_MISSING"));
        continue;
      }
      d.continuation = true;
      t.findings.push_back(
          MakeFinding(r.line, code_col ? code_col->header : "", "",
                  absl::StrCat("another indicator of project ", t.rows[last_code_row].code),
                  v1::FINDING_SEVERITY_INFO, "CONTINUATION_ROW"));
    } else {
      last_code_row = static_cast<int>(t.rows.size());
    }
    for (const auto& [field, into] :
         {std::pair{Field::kTargetYear, &d.target_year}, std::pair{Field::kBaselineYear, &d.baseline_year}}) {
      if (const std::string y = cell(col_of(field)); !y.empty()) *into = HeaderYear(y);
    }
    d.reported_rate = cell(col_of(Field::kReportedRate));
    d.reported_grade = cell(col_of(Field::kReportedGrade));
    const std::string dept = cell(dept_col);
    if (std::find(d.absent.begin(), d.absent.end(), Field::kDepartment) != d.absent.end()) {
      d.department.clear();  // absent: the stored department stays (no ditto either)
    } else if (dept.empty() && dept_col != nullptr) {
      d.department = last_department;
    } else {
      d.department = dept;
      last_department = dept;
    }
    for (const auto& c : t.columns) {
      std::vector<Cell>* into = nullptr;
      switch (c.field) {
        case Field::kBaseline:
          into = &d.baselines;
          break;
        case Field::kTarget:
          into = &d.targets;
          break;
        case Field::kActual:
          into = &d.actuals;
          break;
        case Field::kForecast:
          into = &d.forecasts;
          break;
        default:
          continue;
      }
      if (c.index >= static_cast<int>(reached)) continue;  // absent: nothing to change
      std::string raw = r.cells[c.index];
      // A value cell holding only a unit in brackets — (%), （人） — is the row's unit, printed
      // where the values will go (平塚市's draft): no value yet.
      if (const std::string u = BracketedUnit(Trim(raw)); !u.empty()) {
        if (d.unit.empty()) d.unit = u;
        raw.clear();
      }
      Cell v{&c, jp::ParseMeasurement(Trim(raw))};
      if (c.partial && !raw.empty()) v.value.set_partial_period(true);
      ++t.cells;
      switch (v.value.understood()) {
        case type::v1::UNDERSTANDING_FULL:
        case type::v1::UNDERSTANDING_PLACEHOLDER:
          ++t.cells_full;
          break;
        case type::v1::UNDERSTANDING_QUALITATIVE:
          ++t.cells_full;
          t.findings.push_back(MakeFinding(r.line, c.header, v.value.raw(), Describe(v.value),
                                       v1::FINDING_SEVERITY_INFO, "QUALITATIVE_VALUE"));
          break;
        default:
          t.findings.push_back(MakeFinding(r.line, c.header, v.value.raw(), Describe(v.value),
                                       v1::FINDING_SEVERITY_WARNING, "PARTIAL_VALUE"));
      }
      into->push_back(std::move(v));
    }
    year_values(&d);
    t.rows.push_back(std::move(d));
  }
  if (t.rows.empty()) {
    return status::InvalidField("IMPORT_EMPTY", "content", "the table has no data rows");
  }
  // Years as columns: the table's year is the latest with an actual in it; a table of targets
  // alone takes its first target's year.
  if (t.fiscal_year == 0) {
    for (const auto& row : t.rows) {
      for (const Cell& c : row.actuals) t.fiscal_year = std::max(t.fiscal_year, c.column->year);
    }
  }
  if (t.fiscal_year == 0) t.fiscal_year = first_target_year;
  return t;
}

}  // namespace sokei::kpi
