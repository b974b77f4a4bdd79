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

namespace sokei::kpi {
namespace {

using type::v1::Measurement;

using jp::DetectDelimiter;
using RawRow = jp::DelimitedRow;

std::string Trim(absl::string_view s) { return jp::TrimCell(s); }
std::vector<RawRow> SplitRows(const std::string& text, char delim) {
  return jp::SplitDelimited(text, delim);
}

bool ContainsAny(const std::string& s, std::initializer_list<const char*> words) {
  for (const char* w : words) {
    if (s.find(w) != std::string::npos) return true;
  }
  return false;
}

bool EqualsAny(const std::string& s, std::initializer_list<const char*> words) {
  for (const char* w : words) {
    if (s == w) return true;
  }
  return false;
}

// Header synonyms of DOMAIN.md §4, in the order they must be tried (策定時実績値 is a baseline,
// 見込 before 実績).
Field Classify(const std::string& header_nfkc) {
  const std::string& h = header_nfkc;
  if (h.empty()) return Field::kIgnore;
  // Prose about the indicator: 目標(指標)の説明, 設定根拠, 備考 — never a value.
  if (ContainsAny(h, {"説明", "根拠", "備考", "考え方", "定義", "出典"})) return Field::kIgnore;
  // A heading column: 基本目標, 施策, 政策, 分野 (with or without 名) — before 目標 makes 基本目標
  // a target.
  // What a row measures, under headers that would otherwise read as a target or a heading:
  // 数値目標 (出雲市), 目標(指標)名 (美馬市), 項目 [単位] (茨城県's KPI 進捗状況調書).
  if (EqualsAny(h, {"数値目標", "数値目標名", "目標(指標)名", "目標指標", "目標指標名", "成果指標名"}) ||
      (absl::StartsWith(h, "項目") && h.find("単位") != std::string::npos)) {
    return Field::kIndicator;
  }
  if (absl::StartsWith(h, "まちづくりの方針")) return Field::kSection;
  if (EqualsAny(h, {"基本目標", "施策", "項目", "施策名", "政策", "政策名", "分野", "分野名", "基本施策",
                    "基本政策", "施策の方向", "施策展開の方向", "まちづくり目標", "重点戦略",
                    "基本方針", "章", "節"})) {
    return Field::kSection;
  }
  // The kind of each row when an indicator takes several rows (目標 row, 実績 row …).
  if (EqualsAny(h, {"区分", "種別", "値の区分", "目標・実績", "目標/実績"})) return Field::kRowKind;
  // A column that only dates its neighbour: 基準値 | 基準年度, 目標値 | 目標年度.
  if (EqualsAny(h, {"基準年度", "基準年", "基準時点", "基準値の年度", "現状値の年度", "策定時点"})) {
    return Field::kBaselineYear;
  }
  if (EqualsAny(h, {"目標年度", "目標年", "目標時点", "目標値の年度", "達成年度"})) {
    return Field::kTargetYear;
  }
  if (h == "現状" || h == "現況") return Field::kBaseline;
  if (ContainsAny(h, {"基準値", "当初値", "当初水準", "現状値", "現況値", "策定時", "基準年"})) {
    return Field::kBaseline;
  }
  // The city's own achievement and grade (目標達成率 is a rate, not a target).
  if (ContainsAny(h, {"達成率", "進捗率", "達成度(%)"})) return Field::kReportedRate;
  if (EqualsAny(h, {"評価", "判定", "評価結果", "達成状況", "進捗状況", "総合評価", "達成度",
                    "進捗評価", "達成度評価", "評価区分", "判定結果"})) {
    return Field::kReportedGrade;
  }
  if (ContainsAny(h, {"見込"})) return Field::kForecast;
  if (ContainsAny(h, {"目標"})) return Field::kTarget;
  if (ContainsAny(h, {"実績", "現在", "達成値"})) return Field::kActual;
  if (ContainsAny(h, {"所管", "担当課", "担当部", "課名", "担当部署"})) return Field::kDepartment;
  if (ContainsAny(h, {"指標"}) || EqualsAny(h, {"KPI", "kpi"})) return Field::kIndicator;
  if (ContainsAny(h, {"事業番号", "番号", "コード"}) || EqualsAny(h, {"No", "No.", "NO", "no"})) {
    return Field::kCode;
  }
  if (ContainsAny(h, {"事業名", "主な事業", "事務事業", "取組"}) || h == "事業") {
    return Field::kProject;
  }

  if (h == "単位") return Field::kUnit;
  return Field::kIgnore;
}

// "(%)", "（人）", "(件)" → the unit inside; "" for anything else (a number or words inside).
std::string BracketedUnit(const std::string& cell) {
  const std::string n = jp::Nfkc(cell);
  if (n.size() < 3 || n.front() != '(' || n.back() != ')') return "";
  const std::string inner = n.substr(1, n.size() - 2);
  if (inner.empty() || inner.size() > 12) return "";
  for (unsigned char c : inner) {
    if (absl::ascii_isdigit(c) || c == '(' || c == ')' || c == ' ') return "";
  }
  return inner;
}

// "雇用創出数 [人]" → "雇用創出数" and "人"; anything else unchanged.
void SplitBracketedUnit(std::string* name, std::string* unit) {
  const std::string n = jp::Nfkc(*name);
  if (n.empty() || n.back() != ']') return;
  const size_t open = n.rfind('[');
  if (open == std::string::npos || open == 0) return;
  const std::string inner = n.substr(open + 1, n.size() - open - 2);
  if (inner.empty() || inner.size() > 12) return;
  *unit = inner;
  *name = std::string(absl::StripTrailingAsciiWhitespace(n.substr(0, open)));
}

// The month of a date in a header (9月末, 12月末時点), 0 if none.
int HeaderMonth(const std::string& n) {
  const size_t at = n.find("月");
  if (at == std::string::npos || at == 0) return 0;
  size_t start = at;
  while (start > 0 && absl::ascii_isdigit(static_cast<unsigned char>(n[start - 1]))) --start;
  int month = 0;
  if (start == at || !absl::SimpleAtoi(n.substr(start, at - start), &month)) return 0;
  return month >= 1 && month <= 12 ? month : 0;
}

// Basis and part-year of a value column's header (NFKC): 年 vs 年度, FY, a month or a half year.
void HeaderPeriod(const std::string& n, Column* c) {
  const int month = HeaderMonth(n);
  c->partial = month > 0 || ContainsAny(n, {"上半期", "下半期", "四半期", "中間時点"});
  if (c->partial) {
    // A date: its fiscal year (January–March belong to the year before).
    if (month >= 1 && month <= 3 && c->year > 0) --c->year;
    return;
  }
  if (n.find("FY") != std::string::npos || n.find("年度") != std::string::npos) return;
  auto y = jp::ParseYear(n);
  c->calendar = y.ok() && y->basis == jp::YearBasis::kCalendarYear;
}

// A header that is a year and nothing else: 令和2年度, R3, H30年度, 2022, (2031), FY2020.
bool YearOnlyHeader(const std::string& n) {
  auto y = jp::ParseYear(n);
  if (!y.ok()) return false;
  std::string rest = n;
  for (const char* w : {"令和", "平成", "昭和", "年度", "年", "FY", "元", "(", ")", " ", "R", "H"}) {
    for (size_t at; (at = rest.find(w)) != std::string::npos;) rest.erase(at, strlen(w));
  }
  return std::all_of(rest.begin(), rest.end(),
                     [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); });
}

// What a 区分 cell says a row holds.
Field RowKind(const std::string& cell) {
  const std::string n = jp::Nfkc(cell);
  if (ContainsAny(n, {"達成率", "進捗率"})) return Field::kReportedRate;
  if (ContainsAny(n, {"評価", "判定"})) return Field::kReportedGrade;
  if (ContainsAny(n, {"見込"})) return Field::kForecast;
  if (ContainsAny(n, {"目標", "期待", "計画"})) return Field::kTarget;
  if (ContainsAny(n, {"実績", "現状", "結果"})) return Field::kActual;
  return Field::kIgnore;
}

int HeaderYear(const std::string& header, bool end_of_range = false) {
  auto y = jp::ParseYear(header);
  if (!y.ok() || y->start_year < 1900 || y->start_year > 2200) return 0;
  // A target over a period (目標値(H27～H31)) is due at its end.
  if (end_of_range) {
    if (y->end_year > y->start_year) return y->end_year;
    const std::string n = jp::Nfkc(header);
    size_t tilde = n.find('~'), after = tilde + 1;
    if (tilde == std::string::npos) {
      tilde = n.find("〜");
      after = tilde + std::string("〜").size();
    }
    if (tilde != std::string::npos) {
      auto end = jp::ParseYear(n.substr(after));
      if (!end.ok()) {
        // "H31)": the closing bracket of the header is no part of the year.
        std::string rest = n.substr(after);
        while (!rest.empty() && !absl::ascii_isalnum(static_cast<unsigned char>(rest.back()))) {
          rest.pop_back();
        }
        end = jp::ParseYear(rest);
      }
      if (end.ok() && end->start_year > y->start_year && end->start_year <= 2200) {
        return end->start_year;
      }
    }
  }
  return y->start_year;
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

const char* FieldName(Field f) {
  switch (f) {
    case Field::kIgnore:
      return "ignore";
    case Field::kCode:
      return "code";
    case Field::kProject:
      return "project";
    case Field::kIndicator:
      return "indicator";
    case Field::kBaseline:
      return "baseline";
    case Field::kTarget:
      return "target";
    case Field::kActual:
      return "actual";
    case Field::kForecast:
      return "forecast";
    case Field::kDepartment:
      return "department";
    case Field::kUnit:
      return "unit";
    case Field::kReportedRate:
      return "reported_rate";
    case Field::kReportedGrade:
      return "reported_grade";
    case Field::kSection:
      return "section";
    case Field::kTargetYear:
      return "target_year";
    case Field::kBaselineYear:
      return "baseline_year";
    case Field::kRowKind:
      return "row_kind";
    case Field::kYearValue:
      return "year_value";
  }
  return "ignore";
}

namespace {
constexpr Field kAllFields[] = {
    Field::kIgnore,       Field::kCode,          Field::kProject,    Field::kIndicator,
    Field::kBaseline,     Field::kTarget,        Field::kActual,     Field::kForecast,
    Field::kDepartment,   Field::kUnit,          Field::kReportedRate, Field::kReportedGrade,
    Field::kSection,      Field::kTargetYear,    Field::kBaselineYear, Field::kRowKind,
    Field::kYearValue};
}  // namespace

bool ParseFieldName(const std::string& name, Field* out) {
  for (Field f : kAllFields) {
    if (name == FieldName(f)) {
      *out = f;
      return true;
    }
  }
  return false;
}

absl::StatusOr<std::map<std::string, ColumnMapping>> ParseMapping(
    const google::protobuf::Map<std::string, std::string>& mapping) {
  std::map<std::string, ColumnMapping> out;
  for (const auto& [header, value] : mapping) {
    const std::string field = absl::StrCat("mapping[", status::Quote(header), "]");
    // role[@year][,calendar|fiscal][,partial|whole][,reference]
    std::vector<std::string> parts = absl::StrSplit(jp::Nfkc(value), ',');
    std::string role = Trim(parts[0]);
    ColumnMapping m;
    if (const size_t at = role.find('@'); at != std::string::npos) {
      if (!absl::SimpleAtoi(role.substr(at + 1), &m.year) || m.year < 1900 || m.year > 2200) {
        return status::InvalidField("IMPORT_MAPPING_INVALID", field,
                                    "the year after @ must be a year between 1900 and 2200");
      }
      role = role.substr(0, at);
    }
    if (!ParseFieldName(role, &m.field)) {
      std::vector<std::string> roles;
      for (Field r : kAllFields) roles.push_back(FieldName(r));
      return status::InvalidField(
          "IMPORT_MAPPING_INVALID", field,
          absl::StrCat("must be one of ", absl::StrJoin(roles, ", "),
                       ", optionally with @year and ,calendar / ,fiscal / ,partial / ,reference"));
    }
    for (size_t i = 1; i < parts.size(); ++i) {
      const std::string flag = Trim(parts[i]);
      if (flag == "calendar") {
        m.calendar = 1;
      } else if (flag == "fiscal") {
        m.calendar = 0;
      } else if (flag == "partial") {
        m.partial = 1;
      } else if (flag == "whole") {
        m.partial = 0;
      } else if (flag == "reference") {
        m.reference = 1;
      } else {
        return status::InvalidField("IMPORT_MAPPING_INVALID", field,
                                    "flags are calendar, fiscal, partial, whole and reference");
      }
    }
    out[header] = m;
  }
  return out;
}

// "1章 …", "第2節 …" (label 章 / 節 / 編), "① …" and "1.…" (numbers without a label); false for
// anything else.
bool ParseNumberedHeading(const std::string& raw, const std::string& t, SectionLine* out) {
  const std::string r = Trim(raw);
  // ① … ⑳ (U+2460–2473): NFKC turns them into plain digits, so look before it.
  if (r.size() > 3 && static_cast<unsigned char>(r[0]) == 0xE2 &&
      static_cast<unsigned char>(r[1]) == 0x91) {
    const int n = static_cast<unsigned char>(r[2]) - 0xA0 + 1;
    const std::string title = Trim(r.substr(3));
    if (n < 1 || n > 20 || title.empty()) return false;
    *out = SectionLine{0, raw, "", absl::StrCat(n), title, "circled"};
    return true;
  }
  size_t i = absl::StartsWith(t, "第") ? 3 : 0;
  const size_t digits = i;
  while (i < t.size() && absl::ascii_isdigit(static_cast<unsigned char>(t[i]))) ++i;
  if (i == digits || i - digits > 3) return false;
  const std::string code = t.substr(digits, i - digits);
  for (const char* unit : {"章", "節", "編"}) {
    if (t.compare(i, strlen(unit), unit) == 0) {
      const std::string title = Trim(t.substr(i + strlen(unit)));
      if (title.empty()) return false;
      *out = SectionLine{0, raw, unit, code, title, ""};
      return true;
    }
  }
  // 1.競争力のある… (not 1.5, a number).
  if (digits == 0 && i < t.size() && t[i] == '.' && i + 1 < t.size() &&
      !absl::ascii_isdigit(static_cast<unsigned char>(t[i + 1]))) {
    const std::string title = Trim(t.substr(i + 1));
    if (title.empty()) return false;
    *out = SectionLine{0, raw, "", code, title, "n."};
    return true;
  }
  return false;
}

bool ParseSectionLine(const std::string& raw, SectionLine* out) {
  std::string t = Trim(jp::Nfkc(raw));
  if (t.empty() || t.size() > 600) return false;
  if (ParseNumberedHeading(raw, t, out)) return true;
  // Leading marks: ■ □ ● ◆ ◇ ○ ・
  for (const char* mark : {"■", "□", "●", "◆", "◇", "▲", "▼", "◎"}) {
    if (absl::StartsWith(t, mark)) {
      t = Trim(t.substr(strlen(mark)));
      break;
    }
  }
  std::string closer;
  if (absl::StartsWith(t, "(")) {
    closer = ")";
  } else if (absl::StartsWith(t, "【")) {
    closer = "】";
  } else if (absl::StartsWith(t, "[")) {
    closer = "]";
  } else if (absl::StartsWith(t, "〔")) {
    closer = "〕";
  }
  std::string head, title;
  if (!closer.empty()) {
    const size_t open = closer == ")" || closer == "]" ? 1 : 3;
    const size_t end = t.find(closer);
    if (end == std::string::npos) return false;
    head = Trim(t.substr(open, end - open));
    title = Trim(t.substr(end + closer.size()));
  } else {
    // まちづくり目標3:個性豊かで… / 基本政策1-2 子どもの…
    size_t sep = std::string::npos;
    for (const char* s : {":", " ", "、"}) {
      const size_t at = t.find(s);
      if (at != std::string::npos && at < sep) sep = at;
    }
    if (sep == std::string::npos) return false;
    head = Trim(t.substr(0, sep));
    title = Trim(t.substr(sep + (t[sep] == ':' || t[sep] == ' ' ? 1 : 3)));
  }
  title = std::string(absl::StripPrefix(title, ":"));
  title = Trim(title);
  // head = label + code: the code is the trailing run of digits, '-', '.', roman numerals.
  size_t code_start = head.size();
  while (code_start > 0) {
    const unsigned char c = static_cast<unsigned char>(head[code_start - 1]);
    if (absl::ascii_isdigit(c) || c == '-' || c == '.') {
      --code_start;
      continue;
    }
    // Roman numerals Ⅰ–Ⅹ (U+2160–2169) survive NFKC as ASCII letters I, V, X.
    if (c == 'I' || c == 'V' || c == 'X') {
      --code_start;
      continue;
    }
    break;
  }
  std::string label = Trim(head.substr(0, code_start));
  std::string code = head.substr(code_start);
  while (!code.empty() && (code.front() == '-' || code.front() == '.')) code.erase(0, 1);
  // A bare number needs its brackets and a title: (1) 希望する妊娠・出産が叶う.
  if (code.empty() || (label.empty() && (closer.empty() || title.empty()))) return false;
  // A label is words, not a sentence: reject long heads and heads with digits inside.
  if (jp::CodePointCount(label) > 12) return false;
  for (char c : label) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  out->raw = raw;
  out->label = label;
  out->code = code;
  out->title = title;
  out->style = label.empty() ? "(n)" : "";
  return true;
}

void DescribeColumn(const Column& c, v1::ImportColumn* out) {
  out->set_index(c.index);
  out->set_header(c.header);
  out->set_role(FieldName(c.field));
  out->set_fiscal_year(c.year);
  out->set_is_final(c.is_final);
  out->set_calendar_year(c.calendar);
  out->set_partial(c.partial);
  out->set_reference(c.reference);
  if (c.mapped) {
    out->set_evidence("指定された対応 (mapping)");
    out->set_confidence(1.0);
  } else if (c.field == Field::kIgnore) {
    out->set_evidence(c.header.empty() ? "見出しが空" : "見出しから役割を判断できない");
    out->set_confidence(0.5);
  } else {
    std::string e = absl::StrCat("見出し「", c.header, "」から");
    if (c.year > 0) {
      absl::StrAppend(&e, "、", c.partial ? "年度途中の時点" : c.calendar ? "暦年" : "年度", " ",
                      c.year);
    }
    out->set_evidence(e);
    out->set_confidence(0.9);
  }
}


std::string CsvQuote(const std::string& text, char delimiter) {
  std::string cell = text;
  // A cell a spreadsheet would evaluate (=1+1, +SUM(…), -cmd, @x) gets Excel's text marker; plain
  // numbers (-5, +2.3) and the placeholders - and + stay as they are.
  if (!cell.empty() && std::strchr("=+-@", cell[0]) != nullptr && cell.size() > 1 &&
      !jp::ParseDecimal(cell)) {
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
    // Repeated header rows.
    std::vector<Column> again;
    if (r.cells.size() == header_cells.size() && header_fields(r, &again)) {
      bool same = true;
      for (size_t i = 0; i < r.cells.size(); ++i)
        same = same && Trim(r.cells[i]) == Trim(header_cells[i]);
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
