// The diff of two versions of a plan, by lineage (pure; DiffPlans reads the two trees). A node
// of the newer plan is ADDED without lineage into the base, MERGED with several sources (or a
// MERGED_FROM one), one of several SPLIT from the same source, else continued — RENAMED when its
// code or name changed, MOVED when its parent is not the continuation of its source's parent.
// A base node no newer node comes from is REMOVED.
#pragma once

#include "sokei/plan/v1/plan_service.pb.h"

namespace sokei::plan {

v1::PlanDiff DiffPlanTrees(const v1::PlanTree& base, const v1::PlanTree& plan);

}  // namespace sokei::plan
