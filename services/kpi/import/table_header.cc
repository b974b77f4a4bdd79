// Reading a header: synonyms to roles, years, periods and row kinds (table_header.h), and the
// role names and the caller's mapping (progress_table.h).
#include "services/kpi/import/table_header.h"

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
namespace table {
namespace {

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

}  // namespace

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

// Header synonyms of docs/domain.md §4, in the order they must be tried (策定時実績値 is a baseline,
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
  auto y = jp::FindYear(n);
  c->calendar = y && y->basis == jp::YearBasis::kCalendarYear;
}

// A header that is a year and nothing else: 令和2年度, R3, H30年度, 2022, (2031), FY2020.
bool YearOnlyHeader(const std::string& n) {
  auto y = jp::FindYear(n);
  if (!y) return false;
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

int HeaderYear(const std::string& header, bool end_of_range) {
  auto y = jp::FindYear(header);
  if (!y || y->start_year < 1900 || y->start_year > 2200) return 0;
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
      auto end = jp::FindYear(n.substr(after));
      if (!end) {
        // "H31)": the closing bracket of the header is no part of the year.
        std::string rest = n.substr(after);
        while (!rest.empty() && !absl::ascii_isalnum(static_cast<unsigned char>(rest.back()))) {
          rest.pop_back();
        }
        end = jp::FindYear(rest);
      }
      if (end && end->start_year > y->start_year && end->start_year <= 2200) {
        return end->start_year;
      }
    }
  }
  return y->start_year;
}

}  // namespace table

using table::ContainsAny;
using table::EqualsAny;

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

}  // namespace sokei::kpi
