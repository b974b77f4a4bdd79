#include "services/kpi/domain/indicator_diff.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/jp/fiscal_year.h"
#include "services/kpi/domain/achievement.h"

namespace sokei::kpi {
namespace {

constexpr int kLast = std::numeric_limits<int>::max();

// Node name → position in the tree (depth-first order) and its label.
struct TreeIndex {
  std::map<std::string, int> order;
  std::map<std::string, std::string> label;
  std::map<std::string, std::set<std::string>> sources;  // node → its lineage sources
};

TreeIndex Index(const plan::v1::PlanTree& tree) {
  TreeIndex t;
  for (const auto& tn : tree.nodes()) {
    const auto& n = tn.node();
    t.order.emplace(n.name(), static_cast<int>(t.order.size()));
    t.label[n.name()] = absl::StrCat(n.code(), n.code().empty() ? "" : " ", n.display_name());
    for (const auto& l : n.lineage()) t.sources[n.name()].insert(l.source_node());
  }
  return t;
}

// The indicator's nodes in this tree, in tree order.
std::vector<std::string> NodesIn(const v1::Indicator& ind, const TreeIndex& t) {
  std::vector<std::string> out;
  for (const auto& n : ind.nodes()) {
    if (t.order.count(n)) out.push_back(n);
  }
  std::sort(out.begin(), out.end(), [&](const std::string& a, const std::string& b) {
    return t.order.at(a) < t.order.at(b);
  });
  return out;
}

int FirstPosition(const v1::Indicator& ind, const TreeIndex& t) {
  auto nodes = NodesIn(ind, t);
  return nodes.empty() ? kLast : t.order.at(nodes.front());
}

std::string Label(const v1::Indicator& ind) {
  return absl::StrCat(ind.code(), ind.code().empty() ? "" : " ", ind.display_name());
}

std::string NodeLabels(const std::vector<std::string>& nodes, const TreeIndex& t) {
  std::vector<std::string> labels;
  for (const auto& n : nodes) labels.push_back(t.label.at(n));
  return absl::StrJoin(labels, "、");
}

// The targets in force for a plan version: 令和9年度 75% / 令和14年度 80%.
std::string Targets(const v1::Indicator& ind, int fiscal_year) {
  const v1::TargetSpec* spec = SpecInForce(ind, fiscal_year);
  if (spec == nullptr) return "";
  std::vector<std::pair<int, std::string>> years;
  for (const auto& t : spec->targets()) years.emplace_back(t.fiscal_year(), t.value().raw());
  std::sort(years.begin(), years.end());
  std::vector<std::string> parts;
  for (const auto& [y, raw] : years)
    parts.push_back(absl::StrCat(jp::FormatFiscalYear(y), " ", raw));
  return absl::StrJoin(parts, " / ");
}

v1::IndicatorChange Change(v1::IndicatorChangeKind kind, const v1::Indicator* base,
                           const v1::Indicator* now, std::string before, std::string after) {
  v1::IndicatorChange c;
  c.set_kind(kind);
  const v1::Indicator& shown = now ? *now : *base;
  if (base) c.set_base_indicator(base->name());
  if (now) c.set_indicator(now->name());
  c.set_code(shown.code());
  c.set_display_name(shown.display_name());
  c.set_before(std::move(before));
  c.set_after(std::move(after));
  return c;
}

}  // namespace

v1::IndicatorDiff DiffIndicatorSets(const plan::v1::PlanTree& base,
                                    const std::vector<v1::Indicator>& base_indicators,
                                    const plan::v1::PlanTree& plan,
                                    const std::vector<v1::Indicator>& plan_indicators) {
  const TreeIndex bt = Index(base), pt = Index(plan);
  v1::IndicatorDiff out;
  out.set_base(base.plan().name());
  out.set_plan(plan.plan().name());

  // Pairing: the same indicator, then by code, then by name.
  std::vector<int> match(plan_indicators.size(), -1);
  std::vector<bool> taken(base_indicators.size(), false);
  auto pair_by = [&](auto key) {
    std::map<std::string, int> open;
    for (size_t b = 0; b < base_indicators.size(); ++b) {
      const std::string k = key(base_indicators[b]);
      if (!taken[b] && !k.empty()) open.emplace(k, static_cast<int>(b));
    }
    for (size_t i = 0; i < plan_indicators.size(); ++i) {
      if (match[i] >= 0) continue;
      auto it = open.find(key(plan_indicators[i]));
      if (it == open.end() || taken[it->second]) continue;
      match[i] = it->second;
      taken[it->second] = true;
    }
  };
  pair_by([](const v1::Indicator& i) { return i.name(); });
  pair_by([](const v1::Indicator& i) { return i.code(); });
  pair_by([](const v1::Indicator& i) { return i.display_name(); });

  const int base_end =
      base.plan().period().end_year() > 0 ? base.plan().period().end_year() : kLast;
  const int plan_start =
      plan.plan().period().start_year() > 0 ? plan.plan().period().start_year() : kLast;

  // The newer plan's indicators in its tree order.
  std::vector<size_t> order(plan_indicators.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const int pa = FirstPosition(plan_indicators[a], pt),
              pb = FirstPosition(plan_indicators[b], pt);
    return pa != pb ? pa < pb : plan_indicators[a].code() < plan_indicators[b].code();
  });
  int unchanged = 0;
  for (size_t i : order) {
    const v1::Indicator& now = plan_indicators[i];
    if (match[i] < 0) {
      *out.add_changes() = Change(v1::INDICATOR_CHANGE_KIND_ADDED, nullptr, &now, "",
                                  NodeLabels(NodesIn(now, pt), pt));
      continue;
    }
    const v1::Indicator& was = base_indicators[match[i]];
    const int before = out.changes_size();
    if (was.code() != now.code() || was.display_name() != now.display_name()) {
      *out.add_changes() =
          Change(v1::INDICATOR_CHANGE_KIND_RENAMED, &was, &now, Label(was), Label(now));
    }
    // Moved: none of its nodes continues (by lineage) one of the old one's nodes.
    const auto old_nodes = NodesIn(was, bt), new_nodes = NodesIn(now, pt);
    bool continued = old_nodes.empty() || new_nodes.empty();
    for (const auto& n : new_nodes) {
      auto it = pt.sources.find(n);
      if (it == pt.sources.end()) continue;
      for (const auto& o : old_nodes) continued = continued || it->second.count(o) > 0;
    }
    if (!continued) {
      *out.add_changes() = Change(v1::INDICATOR_CHANGE_KIND_MOVED, &was, &now,
                                  NodeLabels(old_nodes, bt), NodeLabels(new_nodes, pt));
    }
    if (was.unit() != now.unit()) {
      *out.add_changes() =
          Change(v1::INDICATOR_CHANGE_KIND_UNIT_CHANGED, &was, &now, was.unit(), now.unit());
    }
    const std::string old_targets = Targets(was, base_end), new_targets = Targets(now, plan_start);
    if (old_targets != new_targets) {
      *out.add_changes() =
          Change(v1::INDICATOR_CHANGE_KIND_RETARGETED, &was, &now, old_targets, new_targets);
    }
    if (out.changes_size() == before) ++unchanged;
  }
  // Removals last, in the base's tree order.
  std::vector<size_t> removed;
  for (size_t b = 0; b < base_indicators.size(); ++b) {
    if (!taken[b]) removed.push_back(b);
  }
  std::stable_sort(removed.begin(), removed.end(), [&](size_t a, size_t b) {
    const int pa = FirstPosition(base_indicators[a], bt),
              pb = FirstPosition(base_indicators[b], bt);
    return pa != pb ? pa < pb : base_indicators[a].code() < base_indicators[b].code();
  });
  for (size_t b : removed) {
    const v1::Indicator& was = base_indicators[b];
    *out.add_changes() = Change(v1::INDICATOR_CHANGE_KIND_REMOVED, &was, nullptr,
                                NodeLabels(NodesIn(was, bt), bt), "");
  }
  out.set_unchanged(unchanged);
  return out;
}

}  // namespace sokei::kpi
