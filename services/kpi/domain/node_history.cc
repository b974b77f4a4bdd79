// GetNodeHistory: a node's history across plans in one read — the node, the nodes it came from
// (its lineage, followed back through earlier plans), and every indicator of any of them with its
// year-by-year history, each graded by the plan of the version it serves.
#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/api/names.h"
#include "common/status/status.h"
#include "services/kpi/domain/kpi_domain.h"
#include "services/kpi/domain/kpi_internal.h"

namespace sokei::kpi {
namespace {

constexpr int kMaxVersions = 50;  // lineage is short in practice; a cycle or a fan stops here

// LINEAGE_RELATION_RENAMED → RENAMED.
std::string RelationWord(planpb::LineageRelation r) {
  std::string name = planpb::LineageRelation_Name(r);
  const std::string prefix = "LINEAGE_RELATION_";
  return name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
}

}  // namespace

absl::StatusOr<pb::NodeHistory> KpiDomain::GetNodeHistory(const Principal& p,
                                                          const pb::GetNodeHistoryRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.node(), kNodePattern, "node"));
  SOKEI_RETURN_IF_ERROR(CheckKpiRead(p, name.municipality()));
  // The node and its sources, breadth first; a source is queued with the relation its newer node
  // records, which is how that newer node came from it (the asked-for node has none).
  struct Version {
    planpb::Node node;
    std::string relation_to_next;
    int depth = 0;  // lineage steps from the asked-for node
  };
  std::vector<Version> versions;
  std::set<std::string> seen = {r.node()};
  struct Step {
    std::string node, relation;
    int depth = 0;
  };
  std::deque<Step> queue = {{r.node(), "", 0}};
  while (!queue.empty() && static_cast<int>(versions.size()) < kMaxVersions) {
    Step step = std::move(queue.front());
    queue.pop_front();
    auto node = plans_->GetNode(p, step.node);
    if (!node.ok()) {
      // The node asked for must exist; a source deleted since is simply where history ends.
      if (versions.empty()) return node.status();
      continue;
    }
    for (const auto& l : node->lineage()) {
      if (seen.insert(l.source_node()).second) {
        queue.push_back({l.source_node(), RelationWord(l.relation()), step.depth + 1});
      }
    }
    versions.push_back({std::move(*node), step.relation, step.depth});
  }
  // Oldest first: by the plans' first years, then (plans of the same years, a revision within a
  // period) by the lineage steps back from the asked-for node.
  std::map<std::string, planpb::Plan> plans;
  for (const auto& v : versions) {
    const std::string plan = PlanOfNode(v.node.name());
    if (plans.count(plan)) continue;
    SOKEI_ASSIGN_OR_RETURN(plans[plan], plans_->GetPlan(p, plan));
  }
  std::stable_sort(versions.begin(), versions.end(), [&](const Version& a, const Version& b) {
    const int ya = plans[PlanOfNode(a.node.name())].period().start_year();
    const int yb = plans[PlanOfNode(b.node.name())].period().start_year();
    return ya != yb ? ya < yb : a.depth > b.depth;
  });
  pb::NodeHistory out;
  std::set<std::string> indicators;
  for (const auto& v : versions) {
    const std::string plan = PlanOfNode(v.node.name());
    auto* nv = out.add_versions();
    nv->set_node(v.node.name());
    nv->set_plan(plan);
    nv->set_plan_display_name(plans[plan].display_name());
    nv->set_plan_version_label(plans[plan].version_label());
    nv->set_start_year(plans[plan].period().start_year());
    nv->set_code(v.node.code());
    nv->set_display_name(v.node.display_name());
    nv->set_relation_to_next(v.relation_to_next);
    // The indicators of this version, each once, graded by this version's plan.
    pb::ListIndicatorsRequest list;
    list.set_parent(absl::StrCat("municipalities/", name.municipality()));
    list.set_filter(absl::StrCat("node=\"", v.node.name(), "\""));
    list.set_page_size(500);
    do {
      SOKEI_ASSIGN_OR_RETURN(auto page, ListIndicators(p, list));
      for (const auto& ind : page.indicators()) {
        if (!indicators.insert(ind.name()).second) continue;
        pb::GetIndicatorHistoryRequest h;
        h.set_name(ind.name());
        h.set_plan(plan);
        SOKEI_ASSIGN_OR_RETURN(*out.add_indicators(), GetIndicatorHistory(p, h));
      }
      list.set_page_token(page.next_page_token());
    } while (!list.page_token().empty());
  }
  return out;
}

}  // namespace sokei::kpi
