#include "services/plan/domain/plan_diff.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace sokei::plan {
namespace {

std::string Label(const v1::Node& n) { return absl::StrCat(n.code(), " ", n.display_name()); }

}  // namespace

v1::PlanDiff DiffPlanTrees(const v1::PlanTree& base, const v1::PlanTree& plan) {
  v1::PlanDiff out;
  out.set_plan(plan.plan().name());
  out.set_base(base.plan().name());
  absl::flat_hash_map<std::string, const v1::Node*> in_base;
  for (const auto& tn : base.nodes()) in_base[tn.node().name()] = &tn.node();
  absl::flat_hash_map<std::string, const v1::Node*> in_plan;
  for (const auto& tn : plan.nodes()) in_plan[tn.node().name()] = &tn.node();

  // Each newer node's sources in the base, with the relation each was recorded with.
  struct Sources {
    std::vector<std::string> names;
    bool merged = false, split = false;
  };
  std::map<std::string, Sources> sources;
  std::map<std::string, std::vector<std::string>> split_into;  // base node → newer nodes
  std::set<std::string> referenced;
  for (const auto& tn : plan.nodes()) {
    Sources& s = sources[tn.node().name()];
    for (const auto& l : tn.node().lineage()) {
      if (!in_base.contains(l.source_node())) continue;
      s.names.push_back(l.source_node());
      referenced.insert(l.source_node());
      s.merged = s.merged || l.relation() == v1::LINEAGE_RELATION_MERGED_FROM;
      s.split = s.split || l.relation() == v1::LINEAGE_RELATION_SPLIT_FROM;
    }
    if (s.names.size() > 1) s.merged = true;
    if (s.split && !s.merged) split_into[s.names[0]].push_back(tn.node().name());
  }
  // The single base node a newer node continues (for parents: "" when none or several).
  auto continued_from = [&](const std::string& node) -> std::string {
    auto it = sources.find(node);
    if (it == sources.end() || it->second.names.size() != 1 || it->second.merged) return "";
    return it->second.names[0];
  };

  std::set<std::string> split_done;
  for (const auto& tn : plan.nodes()) {
    const v1::Node& n = tn.node();
    const Sources& s = sources[n.name()];
    if (s.names.empty()) {
      auto* c = out.add_changes();
      c->set_kind(v1::NODE_CHANGE_KIND_ADDED);
      c->add_nodes(n.name());
      c->set_after(Label(n));
      continue;
    }
    if (s.merged) {
      auto* c = out.add_changes();
      c->set_kind(v1::NODE_CHANGE_KIND_MERGED);
      for (const auto& b : s.names) c->add_base_nodes(b);
      c->add_nodes(n.name());
      std::string before;
      for (const auto& b : s.names) {
        absl::StrAppend(&before, before.empty() ? "" : "、", Label(*in_base.at(b)));
      }
      c->set_before(before);
      c->set_after(Label(n));
      continue;
    }
    const std::string& source = s.names[0];
    const v1::Node& b = *in_base.at(source);
    if (s.split || split_into[source].size() > 1) {
      if (!split_done.insert(source).second) continue;
      auto* c = out.add_changes();
      c->set_kind(v1::NODE_CHANGE_KIND_SPLIT);
      c->add_base_nodes(source);
      std::string after;
      for (const auto& into : split_into[source]) {
        c->add_nodes(into);
        absl::StrAppend(&after, after.empty() ? "" : "、", Label(*in_plan.at(into)));
      }
      c->set_before(Label(b));
      c->set_after(after);
      continue;
    }
    bool changed = false;
    if (b.code() != n.code() || b.display_name() != n.display_name()) {
      auto* c = out.add_changes();
      c->set_kind(v1::NODE_CHANGE_KIND_RENAMED);
      c->add_base_nodes(source);
      c->add_nodes(n.name());
      c->set_before(Label(b));
      c->set_after(Label(n));
      changed = true;
    }
    const std::string parent_source = n.parent().empty() ? "" : continued_from(n.parent());
    if (parent_source != b.parent()) {
      auto* c = out.add_changes();
      c->set_kind(v1::NODE_CHANGE_KIND_MOVED);
      c->add_base_nodes(source);
      c->add_nodes(n.name());
      auto parent_label = [](const absl::flat_hash_map<std::string, const v1::Node*>& in,
                             const std::string& name) -> std::string {
        auto it = in.find(name);
        return it == in.end() ? "（最上位）" : Label(*it->second);
      };
      c->set_before(parent_label(in_base, b.parent()));
      c->set_after(parent_label(in_plan, n.parent()));
      changed = true;
    }
    if (!changed) out.set_unchanged(out.unchanged() + 1);
  }
  for (const auto& tn : base.nodes()) {
    if (referenced.count(tn.node().name())) continue;
    auto* c = out.add_changes();
    c->set_kind(v1::NODE_CHANGE_KIND_REMOVED);
    c->add_base_nodes(tn.node().name());
    c->set_before(Label(tn.node()));
  }
  return out;
}

}  // namespace sokei::plan
