// The diff of two versions of a plan by lineage, on a hand-built pair: every kind of change once,
// in the newer plan's tree order, removals last.
#include <gtest/gtest.h>

#include "services/plan/domain/plan_diff.h"

namespace sokei::plan {
namespace {

namespace pb = ::sokei::plan::v1;

constexpr char kOld[] = "municipalities/1/plans/v1";
constexpr char kNew[] = "municipalities/1/plans/v2";

struct Spec {
  const char* id;
  const char* parent;  // "" at the top
  const char* code;
  const char* title;
  std::vector<std::pair<const char*, pb::LineageRelation>> lineage;  // base node ids
};

// A tree with the nodes in the order given (depth-first, as GetPlanTree returns them).
pb::PlanTree Tree(const char* plan, const std::vector<Spec>& nodes) {
  pb::PlanTree t;
  t.mutable_plan()->set_name(plan);
  for (const Spec& s : nodes) {
    pb::Node* n = t.add_nodes()->mutable_node();
    n->set_name(std::string(plan) + "/nodes/" + s.id);
    if (*s.parent) n->set_parent(std::string(plan) + "/nodes/" + s.parent);
    n->set_code(s.code);
    n->set_display_name(s.title);
    for (const auto& [source, relation] : s.lineage) {
      auto* l = n->add_lineage();
      l->set_source_node(std::string(kOld) + "/nodes/" + source);
      l->set_relation(relation);
    }
  }
  return t;
}

std::string Ids(const google::protobuf::RepeatedPtrField<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n.substr(n.rfind('/') + 1);
  return out;
}

TEST(PlanDiff, EveryKindOfChangeOnAHandBuiltRevision) {
  constexpr auto kCont = pb::LINEAGE_RELATION_CONTINUED;
  constexpr auto kRenamed = pb::LINEAGE_RELATION_RENAMED;
  constexpr auto kSplit = pb::LINEAGE_RELATION_SPLIT_FROM;
  constexpr auto kMerged = pb::LINEAGE_RELATION_MERGED_FROM;
  const pb::PlanTree base = Tree(kOld, {
                                           {"g1", "", "1", "健康", {}},
                                           {"a", "g1", "1-1", "健康づくり", {}},
                                           {"b", "g1", "1-2", "医療", {}},
                                           {"c", "g1", "1-3", "介護予防", {}},
                                           {"d", "g1", "1-4", "地域医療", {}},
                                           {"g2", "", "2", "教育", {}},
                                           {"e", "g2", "2-1", "学校教育", {}},
                                           {"f", "g2", "2-2", "生涯学習", {}},
                                           {"y", "g2", "2-3", "青少年", {}},
                                       });
  const pb::PlanTree next =
      Tree(kNew, {
                     {"g1", "", "1", "健康", {{"g1", kCont}}},
                     {"a", "g1", "1-1", "健康づくりの推進", {{"a", kRenamed}}},
                     {"bd", "g1", "1-2", "医療の充実", {{"b", kMerged}, {"d", kMerged}}},
                     {"c1", "g1", "1-3", "介護予防", {{"c", kSplit}}},
                     {"c2", "g1", "1-4", "認知症予防", {{"c", kSplit}}},
                     {"f", "g1", "2-2", "生涯学習", {{"f", kCont}}},
                     {"g2", "", "2", "教育", {{"g2", kCont}}},
                     {"e", "g2", "2-1", "学校教育", {{"e", kCont}}},
                     {"h", "g2", "2-3", "子どもの居場所", {}},
                 });
  const pb::PlanDiff d = DiffPlanTrees(base, next);
  EXPECT_EQ(d.plan(), kNew);
  EXPECT_EQ(d.base(), kOld);
  EXPECT_EQ(d.unchanged(), 3);  // g1, g2, e
  ASSERT_EQ(d.changes_size(), 6);
  EXPECT_EQ(d.changes(0).kind(), pb::NODE_CHANGE_KIND_RENAMED);
  EXPECT_EQ(d.changes(0).before(), "1-1 健康づくり");
  EXPECT_EQ(d.changes(0).after(), "1-1 健康づくりの推進");
  EXPECT_EQ(d.changes(1).kind(), pb::NODE_CHANGE_KIND_MERGED);
  EXPECT_EQ(Ids(d.changes(1).base_nodes()), "b,d");
  EXPECT_EQ(Ids(d.changes(1).nodes()), "bd");
  EXPECT_EQ(d.changes(1).before(), "1-2 医療、1-4 地域医療");
  EXPECT_EQ(d.changes(2).kind(), pb::NODE_CHANGE_KIND_SPLIT);
  EXPECT_EQ(Ids(d.changes(2).base_nodes()), "c");
  EXPECT_EQ(Ids(d.changes(2).nodes()), "c1,c2");
  EXPECT_EQ(d.changes(2).after(), "1-3 介護予防、1-4 認知症予防");
  EXPECT_EQ(d.changes(3).kind(), pb::NODE_CHANGE_KIND_MOVED);
  EXPECT_EQ(Ids(d.changes(3).nodes()), "f");
  EXPECT_EQ(d.changes(3).before(), "2 教育");
  EXPECT_EQ(d.changes(3).after(), "1 健康");
  EXPECT_EQ(d.changes(4).kind(), pb::NODE_CHANGE_KIND_ADDED);
  EXPECT_EQ(Ids(d.changes(4).nodes()), "h");
  EXPECT_EQ(d.changes(5).kind(), pb::NODE_CHANGE_KIND_REMOVED);
  EXPECT_EQ(Ids(d.changes(5).base_nodes()), "y");
  EXPECT_EQ(d.changes(5).before(), "2-3 青少年");
}

TEST(PlanDiff, APlanAgainstItselfOrWithoutLineage) {
  const pb::PlanTree base = Tree(kOld, {{"g1", "", "1", "健康", {}}, {"a", "g1", "1-1", "x", {}}});
  // No lineage at all: everything added, everything removed.
  const pb::PlanTree unrelated = Tree(kNew, {{"g1", "", "1", "健康", {}}});
  const pb::PlanDiff d = DiffPlanTrees(base, unrelated);
  ASSERT_EQ(d.changes_size(), 3);
  EXPECT_EQ(d.changes(0).kind(), pb::NODE_CHANGE_KIND_ADDED);
  EXPECT_EQ(d.changes(1).kind(), pb::NODE_CHANGE_KIND_REMOVED);
  EXPECT_EQ(d.changes(2).kind(), pb::NODE_CHANGE_KIND_REMOVED);
  EXPECT_EQ(d.unchanged(), 0);
}

}  // namespace
}  // namespace sokei::plan
