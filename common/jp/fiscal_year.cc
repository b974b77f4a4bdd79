#include "common/jp/fiscal_year.h"

#include <cctype>

#include "absl/strings/str_cat.h"
#include "common/jp/text.h"
#include "common/status/status.h"

namespace sokei::jp {
namespace {

constexpr absl::string_view kReason = "YEAR_INVALID";

struct EraToken {
  absl::string_view text;
  Era era;
};
// Longest first; single letters only count when followed by a digit or 元 (see below).
constexpr EraToken kEraTokens[] = {
    {"令和", Era::kReiwa}, {"平成", Era::kHeisei}, {"昭和", Era::kShowa},
    {"R", Era::kReiwa},    {"H", Era::kHeisei},    {"S", Era::kShowa},
};

bool StartsWith(absl::string_view s, size_t pos, absl::string_view prefix) {
  return s.substr(pos, prefix.size()) == prefix;
}

// Reads digits at pos (or 元 = 1); returns the number of bytes consumed, 0 if none.
size_t ReadNumber(absl::string_view s, size_t pos, int* value) {
  if (StartsWith(s, pos, "元")) {
    *value = 1;
    return absl::string_view("元").size();
  }
  size_t i = pos;
  int v = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && i - pos < 5) {
    v = v * 10 + (s[i] - '0');
    ++i;
  }
  if (i == pos) return 0;
  *value = v;
  return i - pos;
}

// After a year: 年度 / 年 / nothing.
YearBasis ReadBasis(absl::string_view s, size_t* pos) {
  while (*pos < s.size() && s[*pos] == ' ') ++*pos;
  if (StartsWith(s, *pos, "年度")) {
    *pos += absl::string_view("年度").size();
    return YearBasis::kFiscalYear;
  }
  if (StartsWith(s, *pos, "年")) {
    *pos += absl::string_view("年").size();
    // 年 followed by 度 was handled above; 年 alone is a calendar year.
    return YearBasis::kCalendarYear;
  }
  return YearBasis::kUnspecified;
}

bool IsAsciiLetter(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

}  // namespace

namespace {

// The Gregorian year of an era year, or 0 with `why` set: the one conversion behind both
// EraToGregorian and the parser (which must not build a status for every cell it tries).
int Gregorian(Era era, int era_year, const char** why) {
  if (era_year < 1) {
    *why = "an era year starts at 1 (元年)";
    return 0;
  }
  switch (era) {
    case Era::kReiwa:
      if (era_year > 99) break;
      return 2018 + era_year;
    case Era::kHeisei:
      // Documents written before 2019 name later years 平成32年 etc.: the same Gregorian year.
      if (era_year > 99) break;
      return 1988 + era_year;
    case Era::kShowa:
      if (era_year > 64) break;
      return 1925 + era_year;
    case Era::kNone:
      return era_year;
  }
  *why = "the era year is out of range";
  return 0;
}

// ParseYear without a status: the year found, or nullopt with `why` set.
std::optional<YearRef> Find(absl::string_view raw, const char** why) {
  const std::string text = Nfkc(raw);
  const absl::string_view s = text;
  for (size_t pos = 0; pos < s.size(); ++pos) {
    YearRef ref;
    size_t cursor = pos;
    int number = 0;
    bool found = false;
    for (const auto& token : kEraTokens) {
      if (!StartsWith(s, pos, token.text)) continue;
      const bool letter = token.text.size() == 1;
      if (letter && pos > 0 && IsAsciiLetter(s[pos - 1])) continue;  // part of a word
      size_t after = pos + token.text.size();
      if (letter && after < s.size() && s[after] == '.') ++after;  // R.2
      size_t n = ReadNumber(s, after, &number);
      if (n == 0) continue;
      ref.start_year = Gregorian(token.era, number, why);
      if (ref.start_year == 0) return std::nullopt;
      ref.era = token.era;
      cursor = after + n;
      found = true;
      break;
    }
    if (!found) {
      // A four-digit Gregorian year not embedded in a longer number.
      if (!std::isdigit(static_cast<unsigned char>(s[pos]))) continue;
      if (pos > 0 && std::isdigit(static_cast<unsigned char>(s[pos - 1]))) continue;
      size_t n = ReadNumber(s, pos, &number);
      if (n != 4 || number < 1868 || number > 2200) {
        pos += n > 0 ? n - 1 : 0;
        continue;
      }
      ref.start_year = number;
      cursor = pos + n;
    }
    ref.end_year = ref.start_year;
    ref.basis = ReadBasis(s, &cursor);
    // A range: R1～5年度, 2019-2023年度 (NFKC turns ～ into ~).
    if (cursor < s.size() && (s[cursor] == '~' || s[cursor] == '-')) {
      size_t after = cursor + 1;
      int end = 0;
      size_t n = ReadNumber(s, after, &end);
      // The end is an era year of the same era (R1～5) or a four-digit Gregorian year.
      int end_year = 0;
      if (n > 0 && n <= 2 && ref.era != Era::kNone) {
        end_year = Gregorian(ref.era, end, why);
        if (end_year == 0) return std::nullopt;
      } else if (n == 4 && end >= 1868 && end <= 2200) {
        end_year = end;
      }
      if (end_year >= ref.start_year) {
        ref.end_year = end_year;
        cursor = after + n;
        YearBasis b = ReadBasis(s, &cursor);
        if (b != YearBasis::kUnspecified) ref.basis = b;
      }
    }
    ref.is_average = s.find("平均", cursor) != absl::string_view::npos;
    return ref;
  }
  *why = "no year (令和2年度, R2, 2020 …) found";
  return std::nullopt;
}

}  // namespace

absl::StatusOr<int> EraToGregorian(Era era, int era_year) {
  const char* why = "";
  const int year = Gregorian(era, era_year, &why);
  if (year == 0) return status::InvalidField(kReason, "year", why);
  return year;
}

std::optional<YearRef> FindYear(absl::string_view text) {
  const char* why = "";
  return Find(text, &why);
}

absl::StatusOr<YearRef> ParseYear(absl::string_view raw) {
  const char* why = "";
  std::optional<YearRef> ref = Find(raw, &why);
  if (!ref) return status::InvalidField(kReason, "year", why);
  return *ref;
}

int FiscalYearOfDate(int year, int month, int /*day*/) { return month >= 4 ? year : year - 1; }

EraYear EraOfDate(int year, int month, int day) {
  const int ymd = year * 10000 + month * 100 + day;
  if (ymd >= 20190501) return {Era::kReiwa, year - 2018};
  if (ymd >= 19890108) return {Era::kHeisei, year - 1988};
  return {Era::kShowa, year - 1925};
}

std::string FormatFiscalYear(int fiscal_year) {
  absl::string_view era;
  int n = 0;
  if (fiscal_year >= 2019) {
    era = "令和";
    n = fiscal_year - 2018;
  } else if (fiscal_year >= 1989) {
    era = "平成";
    n = fiscal_year - 1988;
  } else {
    era = "昭和";
    n = fiscal_year - 1925;
  }
  return absl::StrCat(era, n == 1 ? std::string("元") : absl::StrCat(n), "年度");
}

}  // namespace sokei::jp
