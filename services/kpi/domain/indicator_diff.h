// How the indicators changed between two versions of a plan (pure; DiffIndicators reads the two
// trees and the indicators of each). An indicator of the newer plan is matched with one of the
// base: the same indicator (carried on, its nodes in both plans), else one with the same code,
// else one with the same name. Unmatched, it is ADDED; a base indicator nothing matches is
// REMOVED. A matched pair is RENAMED (code or name), MOVED (its node is not the continuation, by
// lineage, of the old one's), UNIT_CHANGED, RETARGETED (the targets in force at the newer plan's
// start differ from those in force at the base's end) — one change per difference.
#pragma once

#include <vector>

#include "sokei/kpi/v1/kpi_service.pb.h"
#include "sokei/plan/v1/plan_service.pb.h"

namespace sokei::kpi {

v1::IndicatorDiff DiffIndicatorSets(const plan::v1::PlanTree& base,
                                    const std::vector<v1::Indicator>& base_indicators,
                                    const plan::v1::PlanTree& plan,
                                    const std::vector<v1::Indicator>& plan_indicators);

}  // namespace sokei::kpi
