// The indicators of two versions of a plan compared, on a hand-built pair: one indicator carried
// on with new targets, one renumbered and renamed, one moved to a node that does not continue its
// old one, one with another unit, one unchanged, one added, one removed — in the newer plan's tree
// order, removals last.
#include "services/kpi/domain/indicator_diff.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sokei::kpi {
namespace {

namespace pb = ::sokei::kpi::v1;
namespace planpb = ::sokei::plan::v1;

constexpr char kOld[] = "municipalities/1/plans/v1";
constexpr char kNew[] = "municipalities/1/plans/v2";

struct NodeSpec {
  const char* id;
  const char* code;
  const char* title;
  const char* source;  // the base node it continues ("" for none)
};

planpb::PlanTree Tree(const char* plan, int start, int end, const std::vector<NodeSpec>& nodes) {
  planpb::PlanTree t;
  t.mutable_plan()->set_name(plan);
  t.mutable_plan()->mutable_period()->set_start_year(start);
  t.mutable_plan()->mutable_period()->set_end_year(end);
  for (const NodeSpec& s : nodes) {
    planpb::Node* n = t.add_nodes()->mutable_node();
    n->set_name(std::string(plan) + "/nodes/" + s.id);
    n->set_code(s.code);
    n->set_display_name(s.title);
    if (*s.source) {
      auto* l = n->add_lineage();
      l->set_source_node(std::string(kOld) + "/nodes/" + s.source);
      l->set_relation(planpb::LINEAGE_RELATION_CONTINUED);
    }
  }
  return t;
}

pb::Indicator Ind(const char* id, const char* code, const char* title, const char* unit,
                  std::vector<std::string> nodes) {
  pb::Indicator i;
  i.set_name(std::string("municipalities/1/indicators/") + id);
  i.set_code(code);
  i.set_display_name(title);
  i.set_unit(unit);
  for (auto& n : nodes) i.add_nodes(n);
  return i;
}

void AddSpec(pb::Indicator* i, int valid_from, std::vector<std::pair<int, const char*>> targets) {
  auto* spec = i->add_target_specs();
  spec->set_version(i->target_specs_size());
  spec->set_valid_from_year(valid_from);
  for (auto [y, raw] : targets) {
    auto* t = spec->add_targets();
    t->set_fiscal_year(y);
    t->mutable_value()->set_raw(raw);
  }
}

std::string O(const char* id) { return std::string(kOld) + "/nodes/" + id; }
std::string N(const char* id) { return std::string(kNew) + "/nodes/" + id; }

TEST(IndicatorDiff, EveryKindOfChangeOnAHandBuiltPair) {
  const auto base = Tree(kOld, 2018, 2022,
                         {{"a", "1-1", "地域福祉", ""},
                          {"b", "1-2", "子育て", ""},
                          {"c", "1-3", "防災", ""},
                          {"d", "1-4", "観光", ""}});
  const auto plan = Tree(kNew, 2023, 2027,
                         {{"a", "1-1", "地域福祉", "a"},
                          {"b", "1-2", "子育て支援", "b"},
                          {"x", "1-3", "新設の施策", ""},
                          {"c", "1-4", "防災", "c"}});
  // Carried on (the same indicator on both plans' nodes) with targets revised for the new plan.
  pb::Indicator carried = Ind("carried", "01", "支え合い活動の参加者数", "人", {O("a"), N("a")});
  AddSpec(&carried, 2018, {{2022, "1,300人"}});
  AddSpec(&carried, 2023, {{2027, "1,500人"}});
  // Renamed under the same code.
  pb::Indicator old_renamed = Ind("r-old", "02", "相談件数", "件", {O("b")});
  pb::Indicator new_renamed = Ind("r-new", "02", "子育て相談件数", "件", {N("b")});
  // Matched by name, moved from 防災 to a new node that continues nothing.
  pb::Indicator old_moved = Ind("m-old", "03", "防災訓練の参加者数", "人", {O("c")});
  pb::Indicator new_moved = Ind("m-new", "13", "防災訓練の参加者数", "人", {N("x")});
  // Another unit.
  pb::Indicator old_unit = Ind("u-old", "04", "備蓄率", "%", {O("c")});
  pb::Indicator new_unit = Ind("u-new", "04", "備蓄率", "割", {N("c")});
  // Unchanged (matched by code, same targets).
  pb::Indicator old_same = Ind("s-old", "05", "避難所数", "か所", {O("c")});
  pb::Indicator new_same = Ind("s-new", "05", "避難所数", "か所", {N("c")});
  AddSpec(&old_same, 2018, {{2022, "30か所"}});
  AddSpec(&new_same, 2023, {{2022, "30か所"}});
  pb::Indicator added = Ind("added", "06", "新しい指標", "人", {N("x")});
  pb::Indicator removed = Ind("removed", "07", "観光客数", "人", {O("d")});

  const auto diff =
      DiffIndicatorSets(base, {carried, old_renamed, old_moved, old_unit, old_same, removed}, plan,
                        {new_same, new_unit, added, new_moved, new_renamed, carried});
  EXPECT_EQ(diff.base(), kOld);
  EXPECT_EQ(diff.plan(), kNew);
  EXPECT_EQ(diff.unchanged(), 1);
  ASSERT_EQ(diff.changes_size(), 7);
  // Tree order of the newer plan: a (carried), b (renamed), x (added, moved), c (unit).
  const auto& c0 = diff.changes(0);
  EXPECT_EQ(c0.kind(), pb::INDICATOR_CHANGE_KIND_RETARGETED);
  EXPECT_EQ(c0.indicator(), carried.name());
  EXPECT_EQ(c0.base_indicator(), carried.name());
  EXPECT_EQ(c0.before(), "令和4年度 1,300人");
  EXPECT_EQ(c0.after(), "令和9年度 1,500人");
  const auto& c1 = diff.changes(1);
  EXPECT_EQ(c1.kind(), pb::INDICATOR_CHANGE_KIND_RENAMED);
  EXPECT_EQ(c1.base_indicator(), old_renamed.name());
  EXPECT_EQ(c1.indicator(), new_renamed.name());
  EXPECT_EQ(c1.before(), "02 相談件数");
  EXPECT_EQ(c1.after(), "02 子育て相談件数");
  // On x: the added one (code 06) and the moved one (code 13), by code.
  EXPECT_EQ(diff.changes(2).kind(), pb::INDICATOR_CHANGE_KIND_ADDED);
  EXPECT_EQ(diff.changes(2).indicator(), added.name());
  EXPECT_EQ(diff.changes(2).base_indicator(), "");
  EXPECT_EQ(diff.changes(2).after(), "1-3 新設の施策");
  EXPECT_EQ(diff.changes(3).kind(), pb::INDICATOR_CHANGE_KIND_RENAMED);  // 03 → 13
  EXPECT_EQ(diff.changes(3).indicator(), new_moved.name());
  EXPECT_EQ(diff.changes(4).kind(), pb::INDICATOR_CHANGE_KIND_MOVED);
  EXPECT_EQ(diff.changes(4).before(), "1-3 防災");
  EXPECT_EQ(diff.changes(4).after(), "1-3 新設の施策");
  EXPECT_EQ(diff.changes(5).kind(), pb::INDICATOR_CHANGE_KIND_UNIT_CHANGED);
  EXPECT_EQ(diff.changes(5).before(), "%");
  EXPECT_EQ(diff.changes(5).after(), "割");
  const auto& last = diff.changes(6);
  EXPECT_EQ(last.kind(), pb::INDICATOR_CHANGE_KIND_REMOVED);
  EXPECT_EQ(last.base_indicator(), removed.name());
  EXPECT_EQ(last.indicator(), "");
  EXPECT_EQ(last.code(), "07");
  EXPECT_EQ(last.before(), "1-4 観光");
}

TEST(IndicatorDiff, APlanAgainstACopyOfItselfHasNoChanges) {
  const auto base = Tree(kOld, 2018, 2022, {{"a", "1", "福祉", ""}});
  const auto plan = Tree(kNew, 2023, 2027, {{"a", "1", "福祉", "a"}});
  pb::Indicator carried = Ind("i", "01", "参加者数", "人", {O("a"), N("a")});
  AddSpec(&carried, 2018, {{2027, "100人"}});
  const auto diff = DiffIndicatorSets(base, {carried}, plan, {carried});
  EXPECT_EQ(diff.changes_size(), 0);
  EXPECT_EQ(diff.unchanged(), 1);
  // Nothing on either side: nothing to say.
  EXPECT_EQ(DiffIndicatorSets(base, {}, plan, {}).changes_size(), 0);
}

}  // namespace
}  // namespace sokei::kpi
