// DiffIndicators: the indicators of two versions of a plan compared (indicator_diff.h), beside
// the plan service's DiffPlans of their nodes.
#include <string>
#include <vector>

#include "common/api/names.h"
#include "common/status/status.h"
#include "services/kpi/domain/indicator_diff.h"
#include "services/kpi/domain/kpi_domain.h"
#include "services/kpi/domain/kpi_internal.h"

namespace sokei::kpi {

absl::StatusOr<pb::IndicatorDiff> KpiDomain::DiffIndicators(const Principal& p,
                                                            const pb::DiffIndicatorsRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto plan, api::ParseName(r.plan(), kPlanPattern, "plan"));
  SOKEI_ASSIGN_OR_RETURN(auto base, api::ParseName(r.base(), kPlanPattern, "base"));
  SOKEI_RETURN_IF_ERROR(CheckKpiRead(p, plan.municipality()));
  if (base.municipality() != plan.municipality()) {
    return status::InvalidField("PLAN_INVALID", "base", "a plan of the same municipality");
  }
  if (r.base() == r.plan()) {
    return status::InvalidField("PLAN_INVALID", "base", "another version than plan");
  }
  SOKEI_ASSIGN_OR_RETURN(planpb::PlanTree base_tree, plans_->GetPlanTree(p, r.base()));
  SOKEI_ASSIGN_OR_RETURN(planpb::PlanTree plan_tree, plans_->GetPlanTree(p, r.plan()));
  std::vector<pb::Indicator> base_indicators, plan_indicators;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](KpiTx& tx) -> absl::Status {
    for (auto [name, into] :
         {std::pair{&r.base(), &base_indicators}, std::pair{&r.plan(), &plan_indicators}}) {
      SOKEI_ASSIGN_OR_RETURN(auto recs, tx.ListPlanIndicators(*name));
      for (const Record& rec : recs) {
        if (!into->emplace_back().ParseFromString(rec.data)) {
          return status::Internal("STORAGE_CORRUPT");
        }
      }
    }
    return absl::OkStatus();
  }));
  return DiffIndicatorSets(base_tree, base_indicators, plan_tree, plan_indicators);
}

}  // namespace sokei::kpi
