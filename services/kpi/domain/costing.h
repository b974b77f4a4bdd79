// トータルコスト from a 事業's amounts and the municipality's 人件費単価, the sum over a 施策's
// 事業, and the cost per unit of an indicator's result (参加者1人当たりコスト). Pure functions.
#pragma once

#include <cstdint>
#include <vector>

#include "sokei/kpi/v1/resources.pb.h"

namespace sokei::kpi {

// Fills the output fields of `cost`: 予算現額 when none was given (当初 + 補正), 人件費 (人工 ×
// the year's 単価, 0 without one) and トータルコスト (決算額 once known, else 予算現額, + 人件費).
void DeriveCost(const v1::CostSettings& settings, v1::ProjectCost* cost);

// The sum of several 事業's derived costs of one year (a 施策's): every amount added up.
v1::ProjectCost SumCosts(const std::vector<v1::ProjectCost>& costs);

// The cost per unit of each indicator result with a positive numeric actual, when there is a
// トータルコスト.
std::vector<v1::UnitCost> UnitCosts(
    const v1::ProjectCost& cost,
    const google::protobuf::RepeatedPtrField<v1::IndicatorResult>& results);

// The labelled amounts a sheet prints, in print order (当初予算 … トータルコスト); 補正予算 is
// the sum of the year's supplementary budgets.
struct CostLine {
  const char* label;
  int64_t yen;
};
std::vector<CostLine> CostLines(const v1::ProjectCost& cost);

}  // namespace sokei::kpi
