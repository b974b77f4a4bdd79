#include "common/jp/percent.h"

#include <cmath>

#include "absl/strings/str_format.h"

namespace sokei::jp {

std::string PercentText(double ratio) {
  const double percent = ratio * 100.0;
  double tenths = std::round(percent * 10.0);
  // Rounding up onto a whole percent would print a threshold that was not reached: cut instead.
  if (std::fmod(std::abs(tenths), 10.0) == 0 && tenths / 10.0 > percent + 1e-9) {
    tenths = std::floor(percent * 10.0 + 1e-7);
  }
  return absl::StrFormat("%.1f%%", tenths / 10.0);
}

}  // namespace sokei::jp
