// Reading the progress tables (進捗管理表) cities keep in Excel, saved as TSV or CSV: header
// detection by synonyms (with years in headers), section lines (■基本政策…, (施策展開の方向…),
// 【施策06】, まちづくり目標3：…), data rows with their conventions (empty 所管課 = same as above,
// empty number = another indicator of the project above), every value cell parsed with the raw
// text kept, and findings for everything not fully understood. No storage and no RPC here.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sokei/kpi/v1/resources.pb.h"

namespace sokei::kpi {

enum class Field {
  kIgnore,
  kCode,
  kProject,
  kIndicator,
  kBaseline,
  kTarget,
  kActual,
  kForecast,
  kDepartment,
  kUnit,
  kReportedRate,   // the city's own printed 達成率 / 進捗率
  kReportedGrade,  // the city's own printed 評価 / 判定
  kSection,        // a 基本目標 / 施策 heading given in a column (on every row, or once and blank below)
  kTargetYear,     // 目標年度 / 目標時点: the year of the row's targets whose header names none
  kBaselineYear,   // 基準年度 / 基準時点: the year of the row's baseline
  kRowKind,        // 区分: 目標 / 実績 / 見込 — several rows per indicator, years as columns
  kYearValue,      // a column headed by a year alone (令和2年度, R3, 2022): its role is the row's 区分
};

const char* FieldName(Field f);
// "code", "baseline" … as used in ImportProgressTableRequest.mapping; false when unknown.
bool ParseFieldName(const std::string& name, Field* out);
// What the caller says of a column: its role, and where detection cannot tell, its year, its
// basis (年 vs 年度), part-year and reference flags. Written "target@2031",
// "actual@2023,calendar", "actual@2023,partial", "actual@2015,reference" — or the role alone.
struct ColumnMapping {
  ColumnMapping(Field f = Field::kIgnore) : field(f) {}  // NOLINT: a role alone is a mapping
  Field field;
  int year = 0;
  int calendar = -1;   // 1: 年, 0: 年度, −1: as detected
  int partial = -1;    // 1 / 0 / as detected
  int reference = -1;  // 1 / 0 / as detected
};

// A request's header → role mapping; IMPORT_MAPPING_INVALID naming the header and every role.
absl::StatusOr<std::map<std::string, ColumnMapping>> ParseMapping(
    const google::protobuf::Map<std::string, std::string>& mapping);

struct Column {
  int index = 0;
  Field field = Field::kIgnore;
  bool mapped = false;  // the role came from the caller's mapping
  std::string header;  // as written
  int year = 0;        // fiscal year named in the header (令和2年度目標 → 2020), 0 if none
  bool is_final = false;  // 5ヵ年目標, 最終目標
  // The header names a calendar year (令和2年実績, 平成27年): the city reports by 年, not 年度.
  bool calendar = false;
  // A part of a year (令和5年9月末現在, 上半期, 12月末時点): its values are kept, shown, never
  // graded against a full-year target and never fed into a trend. `year` is the fiscal year the
  // date falls in (9月末 of 2023 → FY2023; 3月末 of 2024 → FY2023).
  bool partial = false;
  bool reference = false;  // 参考: values kept, not graded
  // A target over a period (目標値(H27～H31)): `year` is its end, this its first year — where a
  // 累計 counts from.
  int range_start = 0;
};

struct SectionLine {
  int row = 0;
  std::string raw;
  std::string label;  // 基本政策, 施策展開の方向, 施策, まちづくり目標
  std::string code;   // 1-2, 1-2-1, 06, 3
  std::string title;
  // How a number without a label is written — "(n)", "n." or "circled" (①) — so that two
  // styles nest (1. above (1), 浦河町's list) instead of meeting on one level.
  std::string style;
};

struct Cell {
  const Column* column = nullptr;
  type::v1::Measurement value;
};

struct DataRow {
  int row = 0;
  int section_count = 0;  // sections[0, section_count) precede this row
  std::string code;       // "" on a continuation row
  bool continuation = false;
  // The table has no number column at all (平塚市's KPI tables: 指標名 / 策定時実績値 / 目標値):
  // the indicator is identified by its name within its section and belongs to that section.
  bool named = false;
  std::string project;
  std::string indicator;
  std::string department;  // after ditto resolution
  std::string unit;
  std::vector<Cell> baselines, targets, actuals, forecasts;
  std::string reported_rate, reported_grade;  // the city's own figures for the table's year
  // …and by year, from a 達成率 / 評価 row under a several-rows indicator (years as columns).
  std::vector<Cell> reported_rates, reported_grades;
  int target_year = 0, baseline_year = 0;     // from 目標年度 / 基準年度 columns (0: none)
  // Fields whose column the row does not reach (a short row): absent, not empty — an import never
  // blanks a stored value for them.
  std::vector<Field> absent;
};

struct ParsedTable {
  char delimiter = '\t';
  int header_row = 0;  // 1-based line
  std::vector<Column> columns;
  std::vector<SectionLine> sections;
  std::vector<DataRow> rows;
  std::vector<v1::ImportFinding> findings;
  int fiscal_year = 0;  // the year of the actual column(s)
  bool numbered = true;  // false: no number column, indicators belong to their sections
  int cells = 0;
  int cells_full = 0;
};

inline constexpr size_t kMaxCellBytes = 4096;

// `text` is UTF-8 (decoded by the caller). `mapping` maps headers as written to field names.
// INVALID_ARGUMENT only when the input is not a table at all (no header found, binary content);
// everything row-level is a finding.
absl::StatusOr<ParsedTable> ParseProgressTable(const std::string& text,
                                               const std::map<std::string, ColumnMapping>& mapping,
                                               int fiscal_year_hint);

// How a column was read, for the import wizard and InferTableShape: role, year, basis, part-year,
// the evidence and a confidence.
void DescribeColumn(const Column& c, v1::ImportColumn* out);

// Splits a section line into label, code and title; false when the text is not one.
bool ParseSectionLine(const std::string& text, SectionLine* out);

}  // namespace sokei::kpi
