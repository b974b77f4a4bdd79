// A city's own printed 達成率 and 評価 beside what Sokei computes for the same year: whether they
// agree, and when not, the likely cause in the words a 企画課 reads — rounding against truncation,
// another formula (progress from the baseline, a decrease), another grading scheme, another
// target year.
#pragma once

#include <optional>
#include <string>

#include "sokei/kpi/v1/resources.pb.h"

namespace sokei::kpi {

// "63.6%", "63.6", "０.６３６", "63.6％" → 63.6 (percent); nullopt when the cell is no rate.
std::optional<double> ReportedPercent(const std::string& cell);

struct ReportedCheck {
  bool agrees = true;
  std::string cause;  // empty when it agrees
};

// `ours` is Sokei's result for the year; baseline, target and actual the numbers it rests on.
ReportedCheck CompareReported(const std::string& reported_rate, const std::string& reported_grade,
                              const v1::IndicatorResult& ours, std::optional<double> baseline,
                              std::optional<double> target, std::optional<double> actual);

}  // namespace sokei::kpi
