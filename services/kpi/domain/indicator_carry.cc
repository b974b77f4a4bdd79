// CarryIndicators: a revision's nodes take on the indicators of the nodes they continue, so that
// an indicator of the 5th plan's 事業 keeps one history through the rolling revisions.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/api/names.h"
#include "common/auth/principal.h"
#include "common/status/status.h"
#include "services/kpi/domain/kpi_domain.h"
#include "services/kpi/domain/kpi_internal.h"

namespace sokei::kpi {
namespace {

// Base node → the nodes of the revision that continue it alone. A split node (SPLIT_FROM) has no
// single continuation: which part an indicator measures is for a person to say.
std::map<std::string, std::vector<std::string>> Continuations(const planpb::PlanTree& revision) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& tn : revision.nodes()) {
    for (const auto& l : tn.node().lineage()) {
      if (l.relation() == planpb::LINEAGE_RELATION_CONTINUED ||
          l.relation() == planpb::LINEAGE_RELATION_RENAMED ||
          l.relation() == planpb::LINEAGE_RELATION_MERGED_FROM) {
        out[l.source_node()].push_back(tn.node().name());
      }
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<pb::CarryIndicatorsResponse> KpiDomain::CarryIndicators(
    const Principal& p, const pb::CarryIndicatorsRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto plan, api::ParseName(r.plan(), kPlanPattern, "plan"));
  SOKEI_ASSIGN_OR_RETURN(auto base, api::ParseName(r.base(), kPlanPattern, "base"));
  const std::string m = plan.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  if (base.municipality() != m) {
    return status::InvalidField("PLAN_INVALID", "base", "a plan of the same municipality");
  }
  if (r.base() == r.plan()) {
    return status::InvalidField("PLAN_INVALID", "base", "another version than plan");
  }
  SOKEI_ASSIGN_OR_RETURN(planpb::PlanTree revision, plans_->GetPlanTree(p, r.plan()));
  const auto continuations = Continuations(revision);
  return Mutate<pb::CarryIndicatorsResponse>(
      p, m, "CarryIndicators", r.request_id(), r,
      [&](WriteContext& w, pb::CarryIndicatorsResponse* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto recs, w.tx.ListPlanIndicators(r.base()));
        std::sort(recs.begin(), recs.end(),
                  [](const Record& a, const Record& b) { return a.name < b.name; });
        for (const Record& rec : recs) {
          pb::Indicator before;
          if (!before.ParseFromString(rec.data)) return status::Internal("STORAGE_CORRUPT");
          std::set<std::string> has(before.nodes().begin(), before.nodes().end());
          std::vector<std::string> add;
          bool continued = false;
          for (const auto& n : before.nodes()) {
            auto it = continuations.find(n);
            if (it == continuations.end()) continue;
            continued = true;
            for (const auto& next : it->second) {
              if (has.insert(next).second) add.push_back(next);
            }
          }
          if (!continued) {
            out->add_not_carried(before.name());
            continue;
          }
          if (add.empty()) {
            out->set_unchanged(out->unchanged() + 1);
            continue;
          }
          pb::Indicator after = before;
          for (auto& n : add) after.add_nodes(std::move(n));
          Record next = StampIndicator(&after, IndicatorPlacement(after, m), w.now, &rec);
          SOKEI_RETURN_IF_ERROR(w.tx.Update(Kind::kIndicator, next));
          SOKEI_RETURN_IF_ERROR(w.tx.SetPlans(after.name(), PlansOf(after)));
          SOKEI_RETURN_IF_ERROR(w.Audit(m, after.name(), &before, &after));
          out->add_carried(after.name());
        }
        return absl::OkStatus();
      });
}

}  // namespace sokei::kpi
