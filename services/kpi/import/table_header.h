// How a table's header and cells are read (shared by the parsing stage's files; not part of
// the importer's interface): header synonyms to roles, years and periods in headers, row kinds,
// units in brackets.
#pragma once

#include <initializer_list>
#include <string>

#include "absl/strings/string_view.h"
#include "services/kpi/import/progress_table.h"

namespace sokei::kpi {

// Cells trimmed of ASCII blanks and the ideographic space (progress_table.cc).
std::string Trim(absl::string_view s);

}  // namespace sokei::kpi

namespace sokei::kpi::table {

bool ContainsAny(const std::string& s, std::initializer_list<const char*> words);
bool EqualsAny(const std::string& s, std::initializer_list<const char*> words);
// Header synonyms of docs/domain.md §4 (the header NFKC'd).
Field Classify(const std::string& header_nfkc);
// "(%)", "（人）", "(件)" → the unit inside; "" for anything else.
std::string BracketedUnit(const std::string& cell);
// "雇用創出数 [人]" → "雇用創出数" and "人"; anything else unchanged.
void SplitBracketedUnit(std::string* name, std::string* unit);
// Basis and part-year of a value column's header (NFKC): 年 vs 年度, FY, a month or a half year.
void HeaderPeriod(const std::string& n, Column* c);
// A header that is a year and nothing else: 令和2年度, R3, H30年度, 2022, (2031), FY2020.
bool YearOnlyHeader(const std::string& n);
// What a 区分 cell says a row holds.
Field RowKind(const std::string& cell);
// The year a header names (0 if none); with `end_of_range`, a period's last year.
int HeaderYear(const std::string& header, bool end_of_range = false);

}  // namespace sokei::kpi::table
