// The planning stage of a table import on its own: a parsed table and a plan tree in, the nodes,
// indicators and findings out — no storage, no RPC.
#include "services/kpi/import/import_plan.h"

#include <gtest/gtest.h>

#include "services/kpi/import/progress_table.h"

namespace sokei::kpi {
namespace {

plan::v1::PlanTree Tree(int end_year, const std::vector<std::string>& levels) {
  plan::v1::PlanTree t;
  t.mutable_plan()->set_name("municipalities/142140/plans/p6");
  t.mutable_plan()->mutable_period()->set_start_year(2022);
  t.mutable_plan()->mutable_period()->set_end_year(end_year);
  for (size_t i = 0; i < levels.size(); ++i) {
    auto* l = t.mutable_plan()->add_levels();
    l->set_depth(static_cast<int>(i) + 1);
    l->set_display_name(levels[i]);
  }
  return t;
}

// Moved, never copied: a table's cells point at its columns.
ParsedTable Parse(const std::string& text) {
  auto t = ParseProgressTable(text, {}, 0);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? std::move(*t) : ParsedTable{};
}

// What the planner made, for failure messages.
std::string Dump(const ImportPlan& p) {
  std::string out = "levels:";
  for (const auto& l : p.level_names) out += " " + l;
  out += "\nnodes:";
  for (const auto& k : p.creation_order) out += " " + std::to_string(k.level) + "/" + k.code;
  out += "\nindicators:";
  for (const auto& pi : p.indicators) out += " " + pi.ind.code() + "=" + pi.ind.display_name();
  for (const auto& f : p.findings) out += "\n" + f.ShortDebugString();
  return out;
}

const PlannedIndicator* Find(const ImportPlan& p, const std::string& name) {
  for (const auto& pi : p.indicators) {
    if (pi.ind.display_name() == name) return &pi;
  }
  return nullptr;
}

TEST(PlanImport, NumberedRowsBuildSectionsProjectsAndIndicators) {
  const ParsedTable t = Parse(
      "番号\t事業名\t指標名\t単位\t所管課\t基準値\t令和4年度目標\t令和4年度実績\n"
      "■基本政策1 子育て\n"
      "■施策1-1 保育の充実\n"
      "1-1-1\t保育所整備\t待機児童数\t人\t保育課\t12\t0\t3\n"
      "\t\t保育所定員\t人\t\t800\t900\t880\n"
      "1-1-1\t保育所整備\t一時預かり利用者数\t人\t\t100\t150\t160\n");
  const ImportPlan p = PlanImport(t, Tree(2026, {}), false);
  // Levels inferred from the labels (基本政策 above 施策) and a project level below.
  ASSERT_EQ(p.level_names.size(), 3u) << Dump(p);
  EXPECT_EQ(p.level_names[0], "基本政策");
  EXPECT_EQ(p.level_names[1], "施策");
  // Nodes: the two sections and the project, parents first.
  ASSERT_EQ(p.creation_order.size(), 3u);
  EXPECT_EQ(p.creation_order[0].level, 1);
  EXPECT_EQ(p.nodes.at(p.creation_order[2]).parent, p.nodes.at(p.creation_order[1]).name);
  // Three indicators: the continuation row and the repeated number get -2 and -3.
  ASSERT_EQ(p.indicators.size(), 3u);
  EXPECT_EQ(p.indicators[0].ind.code(), "1-1-1");
  EXPECT_EQ(p.indicators[1].ind.code(), "1-1-1-2");
  EXPECT_EQ(p.indicators[2].ind.code(), "1-1-1-3");
  EXPECT_EQ(p.indicators[1].department, "保育課") << "an empty 所管課 is the one above";
  // Values by year, the direction from the name (待機児童 decreases).
  const PlannedIndicator* w = Find(p, "待機児童数");
  ASSERT_NE(w, nullptr);
  ASSERT_EQ(w->targets.size(), 1u);
  EXPECT_EQ(w->targets[0].first, 2022);
  ASSERT_EQ(w->actuals.size(), 1u);
  EXPECT_EQ(w->actuals[0].second.raw(), "3");
  EXPECT_EQ(w->ind.direction(), v1::DIRECTION_DECREASE);
  EXPECT_TRUE(p.bad_rows.empty());
  bool repeated = false;
  for (const auto& f : p.findings) repeated |= f.code() == "REPEATED_CODE";
  EXPECT_TRUE(repeated);
}

TEST(PlanImport, ExistingNodesAreFoundNotCreatedAgain) {
  const std::string text =
      "番号\t事業名\t指標名\t基準値\t令和4年度目標\n"
      "■基本政策1 子育て\n"
      "■施策1-1 保育の充実\n"
      "1-1-1\t保育所整備\t待機児童数\t12\t0\n";
  plan::v1::PlanTree tree = Tree(2026, {"基本政策", "施策", "事業"});
  auto add = [&](int level, const std::string& id, const std::string& code,
                 const std::string& parent) {
    auto* n = tree.add_nodes()->mutable_node();
    n->set_name("municipalities/142140/plans/p6/nodes/" + id);
    n->set_level(level);
    n->set_code(code);
    n->set_parent(parent.empty() ? "" : "municipalities/142140/plans/p6/nodes/" + parent);
  };
  add(1, "a", "1", "");
  add(2, "b", "1-1", "a");
  const ImportPlan p = PlanImport(Parse(text), tree, false);
  EXPECT_TRUE(p.level_names.empty()) << "the plan's own level names match";
  ASSERT_EQ(p.creation_order.size(), 1u) << "only the project is new\n" << Dump(p);
  EXPECT_EQ(p.nodes.at(p.creation_order[0]).parent, "municipalities/142140/plans/p6/nodes/b");
  EXPECT_EQ(p.nodes_existing, 2);
}

TEST(PlanImport, NamedRowsWithoutNumbersBelongToTheirSectionAndTargetsTakeThePlanEnd) {
  // 平塚市's KPI tables: no number column, a target header without a year.
  const ParsedTable t = Parse(
      "指標名\t策定時実績値\t目標値\t令和4年度実績\n"
      "重点戦略1 子どもを育む環境づくり\n"
      "保育ニーズに対する入所充足率\t95.1%\t100%\t96%\n"
      "保育ニーズに対する入所充足率\t95.1%\t100%\t96%\n");
  const ImportPlan p = PlanImport(t, Tree(2031, {}), true);
  // The same name twice in one section is refused, and only that row.
  ASSERT_EQ(p.indicators.size(), 1u) << Dump(p);
  EXPECT_EQ(p.bad_rows, std::set<int>{4});
  EXPECT_EQ(p.indicators[0].ind.kind(), v1::INDICATOR_KIND_OUTCOME);
  EXPECT_EQ(p.indicators[0].ind.code(), "1-1");
  ASSERT_EQ(p.indicators[0].targets.size(), 1u);
  EXPECT_EQ(p.indicators[0].targets[0].first, 2031) << "the plan's last year";
  int duplicates = 0, from_plan = 0;
  for (const auto& f : p.findings) {
    duplicates += f.code() == "DUPLICATE_INDICATOR";
    from_plan += f.code() == "TARGET_YEAR_FROM_PLAN";
  }
  EXPECT_EQ(duplicates, 1);
  EXPECT_EQ(from_plan, 1) << "said once per header, not per row";
}

TEST(PlanImport, EveryRowRefusedUnderAllowPartialIsAnError) {
  const ParsedTable t = Parse("番号\t指標名\t令和4年度実績\n1-1\t待機児童数\t3\n");
  // A data row with no section above it.
  const ImportPlan strict = PlanImport(t, Tree(2026, {"基本政策", "事業"}), false);
  const ImportPlan partial = PlanImport(t, Tree(2026, {"基本政策", "事業"}), true);
  auto count = [](const ImportPlan& p, const std::string& code) {
    int n = 0;
    for (const auto& f : p.findings) n += f.code() == code;
    return n;
  };
  EXPECT_EQ(count(strict, "ROW_OUTSIDE_SECTION"), 1);
  EXPECT_EQ(count(strict, "ALL_ROWS_REFUSED"), 0);
  EXPECT_EQ(count(partial, "ALL_ROWS_REFUSED"), 1);
  EXPECT_EQ(partial.bad_rows.size(), 1u);
}

}  // namespace
}  // namespace sokei::kpi

namespace sokei::kpi {
namespace {

// 累計 in a value column's header marks the indicator as running totals, as in its name.
TEST(PlanImport, CumulativeFromAColumnHeader) {
  const ParsedTable t = Parse(
      "指標名\t目標値(令和4年度)\t令和4年度実績（累計）\n"
      "重点戦略1 子ども\n"
      "子育てサロン参加者数\t500人\t320人\n");
  const ImportPlan p = PlanImport(t, Tree(2026, {}), false);
  ASSERT_EQ(p.indicators.size(), 1u) << Dump(p);
  EXPECT_EQ(p.indicators[0].ind.aggregation().kind(), v1::AGGREGATION_KIND_CUMULATIVE);
}

}  // namespace
}  // namespace sokei::kpi
