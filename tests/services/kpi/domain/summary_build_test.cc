// BuildSummary on a tree made by hand: which indicators each node, package and department rolls
// up, in which order — an indicator owned twice in one subtree counts once, a package gathers its
// sub-packages, a broken parent chain ends the walk instead of looping.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "services/kpi/domain/kpi_internal.h"

namespace sokei::kpi {
namespace {

planpb::TreeNode* AddNode(planpb::PlanTree* tree, const std::string& id, const std::string& parent,
                          int level) {
  auto* tn = tree->add_nodes();
  tn->mutable_node()->set_name("p/nodes/" + id);
  tn->mutable_node()->set_parent(parent.empty() ? "" : "p/nodes/" + parent);
  tn->mutable_node()->set_display_name(id);
  tn->mutable_node()->set_level(level);
  return tn;
}

struct Fixture {
  planpb::PlanTree tree;
  std::vector<planpb::Department> departments;
  pb::GradingScheme scheme;
  std::vector<pb::Indicator> storage;
  std::vector<const pb::Indicator*> indicators;
  std::vector<pb::IndicatorResult> results;

  void Indicator(const std::string& id, std::vector<std::string> owners, const std::string& dept,
                 const std::string& grade, double achievement) {
    pb::Indicator ind;
    ind.set_name("i/" + id);
    ind.set_code(id);
    for (const auto& o : owners) ind.add_nodes("p/nodes/" + o);
    if (!dept.empty()) ind.add_departments(dept);
    storage.push_back(ind);
    pb::IndicatorResult r;
    r.set_indicator(ind.name());
    r.set_grade(grade);
    r.set_has_achievement(true);
    r.set_achievement(achievement);
    results.push_back(r);
  }
  pb::PlanSummary Build() {
    indicators.clear();
    for (auto& i : storage) indicators.push_back(&i);
    std::vector<const pb::IndicatorResult*> evaluated;
    for (const auto& r : results) evaluated.push_back(&r);
    pb::PlanSummary s;
    BuildSummary("p", 2020, tree, departments, scheme, indicators, evaluated, false, &s);
    return s;
  }
};

const pb::RollupResult* Find(const google::protobuf::RepeatedPtrField<pb::RollupResult>& rs,
                             const std::string& subject) {
  for (const auto& r : rs) {
    if (r.subject() == subject) return &r;
  }
  return nullptr;
}

TEST(BuildSummary, SubtreesPackagesAndDepartments) {
  Fixture f;
  for (const char* label : {"A", "B", "C"}) f.scheme.add_bands()->set_label(label);
  AddNode(&f.tree, "root", "", 1);
  AddNode(&f.tree, "left", "root", 2);
  AddNode(&f.tree, "leaf", "left", 3);
  AddNode(&f.tree, "right", "root", 2);
  AddNode(&f.tree, "empty", "root", 2);
  f.Indicator("1", {"leaf", "left"}, "d/x", "A", 1.0);  // owned twice under left: counted once
  f.Indicator("2", {"right"}, "d/y", "C", 0.5);
  f.Indicator("3", {"leaf"}, "d/x", "B", 0.8);
  f.Indicator("4", {"elsewhere"}, "", "A", 1.0);  // a node not in this plan
  // Package P links left; its sub-package Q links right; R links nothing with indicators.
  auto* p = f.tree.add_packages();
  p->set_name("pk/P");
  auto* q = f.tree.add_packages();
  q->set_name("pk/Q");
  q->set_parent("pk/P");
  f.tree.add_packages()->set_name("pk/R");
  f.tree.add_links()->set_node("p/nodes/left");
  f.tree.add_link_packages("pk/P");
  f.tree.add_links()->set_node("p/nodes/right");
  f.tree.add_link_packages("pk/Q");
  f.tree.add_links()->set_node("p/nodes/empty");
  f.tree.add_link_packages("pk/R");
  planpb::Department dx;
  dx.set_name("d/x");
  dx.set_display_name("企画課");
  f.departments.push_back(dx);

  const pb::PlanSummary s = f.Build();
  EXPECT_EQ(s.indicator_count(), 4);
  // Nodes in tree order; the empty node has no roll-up.
  std::vector<std::string> order;
  for (const auto& n : s.nodes()) order.push_back(n.subject());
  EXPECT_EQ(order, (std::vector<std::string>{"p/nodes/root", "p/nodes/left", "p/nodes/leaf",
                                             "p/nodes/right"}));
  EXPECT_EQ(Find(s.nodes(), "p/nodes/root")->indicator_count(), 3);
  EXPECT_EQ(Find(s.nodes(), "p/nodes/left")->indicator_count(), 2);
  EXPECT_EQ(Find(s.nodes(), "p/nodes/leaf")->indicator_count(), 2);
  EXPECT_EQ(Find(s.nodes(), "p/nodes/right")->indicator_count(), 1);
  EXPECT_EQ(Find(s.nodes(), "p/nodes/leaf")->level(), 3);
  // Grade counts of a roll-up in the scheme's order.
  const auto* left = Find(s.nodes(), "p/nodes/left");
  ASSERT_EQ(left->grade_counts_size(), 3);
  EXPECT_EQ(left->grade_counts(0).count(), 1);  // A
  EXPECT_EQ(left->grade_counts(1).count(), 1);  // B
  EXPECT_EQ(left->grade_counts(2).count(), 0);  // C
  // P: left's subtree plus Q's (right); Q: right only; R: nothing, so no roll-up.
  EXPECT_EQ(Find(s.packages(), "pk/P")->indicator_count(), 3);
  EXPECT_EQ(Find(s.packages(), "pk/Q")->indicator_count(), 1);
  EXPECT_EQ(Find(s.packages(), "pk/R"), nullptr);
  // Departments by name; a known one named, an unknown one by its id.
  ASSERT_EQ(s.departments_size(), 2);
  EXPECT_EQ(s.departments(0).subject(), "d/x");
  EXPECT_EQ(s.departments(0).display_name(), "企画課");
  EXPECT_EQ(s.departments(0).indicator_count(), 2);
  EXPECT_EQ(s.departments(1).subject(), "d/y");
}

TEST(BuildSummary, AParentCycleEndsTheWalk) {
  Fixture f;
  f.scheme.add_bands()->set_label("A");
  AddNode(&f.tree, "a", "b", 1);  // a and b are each other's parent: stored data gone wrong
  AddNode(&f.tree, "b", "a", 1);
  f.Indicator("1", {"a"}, "", "A", 1.0);
  const pb::PlanSummary s = f.Build();
  ASSERT_EQ(s.nodes_size(), 2);
  EXPECT_EQ(s.nodes(0).indicator_count(), 1);
  EXPECT_EQ(s.nodes(1).indicator_count(), 1);
}

}  // namespace
}  // namespace sokei::kpi
