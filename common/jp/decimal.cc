// Exact decimals as measured values carry them: parsing, canonical text, and the double.
#include "common/jp/measurement.h"

#include <cmath>
#include <string>

namespace sokei::jp {

std::optional<Decimal> ParseDecimal(absl::string_view text) {
  bool negative = false, point = false;
  std::string digits;  // every digit as written
  int fraction = 0;    // digits after the point
  size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
      if (point) ++fraction;
    } else if (c == '.' && !point) {
      point = true;
    } else if (c == ',' && !point && !digits.empty()) {
      continue;
    } else {
      return std::nullopt;
    }
  }
  if (digits.empty()) return std::nullopt;
  Decimal d;
  d.exponent = -fraction;
  // Whole numbers keep their trailing zeros in the exponent (4兆 is 4 × 10^12, not 13 digits);
  // written decimals (54.0) are kept as written.
  if (!point) {
    while (digits.size() > 1 && digits.back() == '0') {
      digits.pop_back();
      ++d.exponent;
    }
  }
  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) first = digits.size() - 1;
  if (digits.size() - first > kMaxDecimalDigits) return std::nullopt;
  for (size_t k = first; k < digits.size(); ++k) d.mantissa = d.mantissa * 10 + (digits[k] - '0');
  if (negative) d.mantissa = -d.mantissa;
  return d;
}

std::string DecimalToString(const Decimal& d) {
  __int128 m = d.mantissa < 0 ? -d.mantissa : d.mantissa;
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
    m /= 10;
  } while (m != 0);
  if (d.exponent > 0) {
    if (digits != "0") digits.append(static_cast<size_t>(d.exponent), '0');
  } else if (d.exponent < 0) {
    const size_t places = static_cast<size_t>(-d.exponent);
    if (digits.size() <= places) digits.insert(0, places - digits.size() + 1, '0');
    digits.insert(digits.size() - places, ".");
  }
  return (d.mantissa < 0 ? "-" : "") + digits;
}

double DecimalToDouble(const Decimal& d) {
  return static_cast<double>(d.mantissa) * std::pow(10.0, d.exponent);
}

}  // namespace sokei::jp
