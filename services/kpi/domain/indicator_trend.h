// 推移 on a 評価シート: which way an indicator's actual moved against its latest earlier actual
// (else its baseline), judged by its direction — 改善, 悪化 or 横ばい. Pure.
#pragma once

#include <vector>

#include "sokei/kpi/v1/resources.pb.h"

namespace sokei::kpi {

// Higher is better for 増加, lower for 減少; 維持 and monitoring-only indicators, and values that
// are not numbers, give UNKNOWN.
v1::TrendChange CompareActuals(v1::Direction direction, const type::v1::Measurement& before,
                               const type::v1::Measurement& now);

// The trend of `now` (the sheet year's result) from the indicator's earlier observations (any
// order; breakdowns ignored) or its baseline.
v1::IndicatorTrend TrendOf(const v1::Indicator& indicator, const v1::IndicatorResult& now,
                           const std::vector<v1::Observation>& observations);

}  // namespace sokei::kpi
