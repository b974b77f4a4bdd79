// A ratio as printed beside its grade, the one rule for the reports, the exports and the CLI:
// percent rounded to one decimal, except that it is never rounded up onto a whole percent —
// where grading bands' thresholds are — that was not reached (0.9996 prints 99.9%, not 100.0%;
// 0.98594 prints 98.6%). The console's lib/percent.ts follows the same rule.
#pragma once

#include <string>

namespace sokei::jp {

std::string PercentText(double ratio);

}  // namespace sokei::jp
