// 年度 and 和暦: parsing every notation seen in municipal tables (令和2年度, R2, Ｒ２, H29,
// (平成29年度), 平成32年, 令和元年度, 2027, 目標値 (2027), R1～5年度平均) and formatting them back.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sokei::jp {

enum class YearBasis {
  kUnspecified,  // "2027", "R2": the table does not say 年 or 年度
  kFiscalYear,   // 年度: 1 April – 31 March, named by its start year
  kCalendarYear  // 年
};

enum class Era { kNone, kShowa, kHeisei, kReiwa };

// A year or a range of years found in a text.
struct YearRef {
  int start_year = 0;  // Gregorian; for 年度 the year the fiscal year starts in
  int end_year = 0;    // == start_year unless a range (R1～5年度)
  YearBasis basis = YearBasis::kUnspecified;
  Era era = Era::kNone;     // as written (of the start year)
  bool is_average = false;  // …平均
};

// Finds the first year expression in `text` (NFKC-normalised internally).
// INVALID_ARGUMENT when there is none or it is impossible (令和0年, 昭和65年).
absl::StatusOr<YearRef> ParseYear(absl::string_view text);

// The same without a status, for readers that try many texts (table cells, headers): nullopt
// where ParseYear answers INVALID_ARGUMENT.
std::optional<YearRef> FindYear(absl::string_view text);

// Converts an era year to Gregorian: 令和N = 2018+N, 平成N = 1988+N (平成32 = 令和2 = 2020),
// 昭和N = 1925+N.
absl::StatusOr<int> EraToGregorian(Era era, int era_year);

// The fiscal year (start year) a date falls in: 2021-03-31 → 2020, 2021-04-01 → 2021.
int FiscalYearOfDate(int year, int month, int day);

// "令和2年度", "令和元年度", "平成30年度"; FY2019 is written 令和元年度 (its later and usual name).
std::string FormatFiscalYear(int fiscal_year);

// The era and era year of a date (令和 from 2019-05-01, 平成 from 1989-01-08).
struct EraYear {
  Era era;
  int year;
};
EraYear EraOfDate(int year, int month, int day);

}  // namespace sokei::jp
