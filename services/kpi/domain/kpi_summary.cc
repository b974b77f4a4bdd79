// The dashboard read: grade counts and roll-ups per node (its whole subtree), package (its linked
// nodes' subtrees and its sub-packages) and department, from evaluated indicators.
#include <map>
#include <set>
#include <unordered_map>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "services/kpi/domain/achievement.h"
#include "services/kpi/domain/department_names.h"
#include "services/kpi/domain/kpi_internal.h"

namespace sokei::kpi {

void BuildSummary(const std::string& plan, int fiscal_year, const planpb::PlanTree& tree,
                  const std::vector<planpb::Department>& departments,
                  const pb::GradingScheme& scheme,
                  const std::vector<const pb::Indicator*>& indicators,
                  const std::vector<const pb::IndicatorResult*>& results, bool with_indicators,
                  pb::PlanSummary* out) {
  pb::PlanSummary& s = *out;
  s.set_plan(plan);
  s.set_fiscal_year(fiscal_year);
  s.set_indicator_count(static_cast<int>(results.size()));

  // Nodes by position in the tree, each with its parent's position (-1: none in this plan), and
  // the indicators in each node's subtree. Positions and views, not names copied into maps: this
  // ran for every node and every indicator of every summary.
  const int node_count = tree.nodes_size();
  absl::flat_hash_map<absl::string_view, int> position;
  position.reserve(node_count);
  for (int i = 0; i < node_count; ++i) position[tree.nodes(i).node().name()] = i;
  auto position_of = [&](absl::string_view name) {
    auto it = position.find(name);
    return it == position.end() ? -1 : it->second;
  };
  std::vector<int> parent(node_count, -1);
  for (int i = 0; i < node_count; ++i) parent[i] = position_of(tree.nodes(i).node().parent());
  std::vector<std::vector<size_t>> below(node_count);  // position → indicators in its subtree
  std::vector<size_t> reached_by(node_count, indicators.size());  // the last indicator counted
  for (size_t i = 0; i < indicators.size(); ++i) {
    for (const auto& owner : indicators[i]->nodes()) {
      // Up from the owner until a node this indicator has already reached (or a cycle).
      for (int k = position_of(owner); k >= 0 && reached_by[k] != i; k = parent[k]) {
        reached_by[k] = i;
        below[k].push_back(i);
      }
    }
  }
  auto make_input = [&](const std::vector<size_t>& idx) {
    RollupInput in;
    in.results.reserve(idx.size());
    in.weights.reserve(idx.size());
    for (size_t i : idx) {
      in.results.push_back(results[i]);
      in.weights.push_back(indicators[i]->weight());
    }
    return in;
  };
  // Nodes in tree order (depth-first, as the plan service returns them); each level's rule looked
  // up once.
  std::map<int, pb::RollupRule> rule_of_level;
  auto rule_for = [&](int level) -> const pb::RollupRule& {
    auto it = rule_of_level.find(level);
    if (it == rule_of_level.end()) it = rule_of_level.emplace(level, RuleFor(scheme, level)).first;
    return it->second;
  };
  for (const auto& tn : tree.nodes()) {
    const auto& n = tn.node();
    const std::vector<size_t>& idx = below[position.at(n.name())];
    if (idx.empty()) continue;
    RollupInput in = make_input(idx);
    in.subject = n.name();
    in.display_name = n.display_name();
    in.code = n.code();
    in.kind = pb::SUBJECT_KIND_NODE;
    in.level = n.level();
    Rollup(scheme, rule_for(n.level()), in, s.add_nodes());
  }
  // Packages: indicators under any linked node, plus those of sub-packages.
  std::map<std::string, std::set<size_t>> pkg;
  for (int i = 0; i < tree.links_size() && i < tree.link_packages_size(); ++i) {
    const int k = position_of(tree.links(i).node());
    if (k < 0 || below[k].empty()) continue;
    pkg[tree.link_packages(i)].insert(below[k].begin(), below[k].end());
  }
  std::unordered_map<std::string, std::string> pkg_parent;
  for (const auto& p : tree.packages()) pkg_parent[p.name()] = p.parent();
  std::map<std::string, std::set<size_t>> pkg_total;
  for (const auto& [name, idx] : pkg) {
    std::set<std::string> seen;
    for (std::string cur = name; !cur.empty() && seen.insert(cur).second; cur = pkg_parent[cur]) {
      pkg_total[cur].insert(idx.begin(), idx.end());
    }
  }
  for (const auto& p : tree.packages()) {
    auto it = pkg_total.find(p.name());
    if (it == pkg_total.end()) continue;
    RollupInput in = make_input({it->second.begin(), it->second.end()});
    in.subject = p.name();
    in.display_name = p.display_name();
    in.code = p.code();
    in.kind = pb::SUBJECT_KIND_PACKAGE;
    Rollup(scheme, RuleFor(scheme, 0), in, s.add_packages());
  }
  // Departments.
  std::map<absl::string_view, std::vector<size_t>> dept;  // views into the indicators
  for (size_t i = 0; i < indicators.size(); ++i) {
    for (const auto& d : indicators[i]->departments()) dept[d].push_back(i);
  }
  std::unordered_map<std::string, const planpb::Department*> dept_by_name;
  for (const auto& d : departments) dept_by_name[d.name()] = &d;
  for (const auto& [name, idx] : dept) {
    RollupInput in = make_input(idx);
    in.subject = std::string(name);
    auto it = dept_by_name.find(in.subject);
    // Named as it was that year (a 課 renamed since keeps its old name in a past year's figures).
    in.display_name = it == dept_by_name.end() ? DepartmentId(in.subject)
                                               : DepartmentNameIn(*it->second, fiscal_year);
    in.code = it == dept_by_name.end() ? "" : it->second->code();
    in.kind = pb::SUBJECT_KIND_DEPARTMENT;
    in.level = -1;
    Rollup(scheme, RuleFor(scheme, -1), in, s.add_departments());
  }
  // Counts per grade over the plan, in the scheme's order, then the special labels.
  std::map<std::string, int> counts;
  for (const auto* r : results) counts[r->grade()]++;
  for (const auto& b : scheme.bands()) {
    auto* gc = s.add_grade_counts();
    gc->set_grade(b.label());
    gc->set_count(counts[b.label()]);
    counts.erase(b.label());
  }
  for (const auto& [label, n] : counts) {
    auto* gc = s.add_grade_counts();
    gc->set_grade(label);
    gc->set_count(n);
  }
  for (const auto* r : results) {
    if (r->needs_attention()) *s.add_needs_attention() = *r;
    if (with_indicators) *s.add_indicators() = *r;
  }
}

}  // namespace sokei::kpi
