// Measured values as cities write them in their tables (docs/domain.md §4): 1億3,125万円, △3,215人,
// 1005.3ha (85.3%), 162人 (平成29年度), L=692m, 5、6年生17回/年 3、4年生20回/年, —, 制度創設
// 10人任命 … parsed into a Measurement that keeps the raw cell text. The parser never fails: what
// it cannot read it keeps as text and says so in `understood`.
#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "sokei/type/v1/types.pb.h"

namespace sokei::jp {

// An exact decimal: mantissa × 10^exponent. 11.4億 is {114, 7}, never a float.
// The significant digits a decimal may have (ParseDecimal, and the amounts the parser sums).
inline constexpr int kMaxDecimalDigits = 30;

struct Decimal {
  __int128 mantissa = 0;
  int exponent = 0;
};

// "1,234.50" → {123450, -2}. Digits with optional sign, thousands separators and one point; at most
// 30 significant digits. nullopt for anything else.
std::optional<Decimal> ParseDecimal(absl::string_view text);
// Canonical text: no separators, the written decimals kept ("54.0"), exponent expanded.
std::string DecimalToString(const Decimal& d);
// Approximate value for arithmetic (achievement rates); exactness is kept in the string.
double DecimalToDouble(const Decimal& d);

// Parses one cell. `raw` is kept verbatim in the result.
sokei::type::v1::Measurement ParseMeasurement(absl::string_view raw);

// The value of a measurement as a double, when it has one.
std::optional<double> MeasurementValue(const sokei::type::v1::Measurement& m);

// Step of a qualitative milestone on the ladder 未着手(0) → 検討(1) → 準備・策定(2) → 実施・設置(3)
// → 完了(4); nullopt when the text names no step.
std::optional<int> QualitativeStep(absl::string_view text);

}  // namespace sokei::jp
