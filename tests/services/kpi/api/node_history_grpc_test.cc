// A node's history across plans over real gRPC: the seed 001 plan revised into its next version
// (RevisePlan, lineage filled in), a new indicator on the revised 事業, and one GetNodeHistory of
// the revised node that returns both versions and both indicators' histories; DiffIndicators of
// the two versions.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/services/kpi/api/kpi_grpc_fixture.h"

namespace sokei::kpi::grpc_test {
namespace {

class NodeHistoryTest : public KpiGrpcTest {};

TEST_F(NodeHistoryTest, OneReadFollowsTheLineageBackThroughTheEarlierPlan) {
  EnsureImported();
  // The 5th plan (2023–2032 in this fixture) revised into its next version, starting in 2033.
  auto plan_stub = plan::v1::PlanService::NewStub(*plan_channel_);
  grpc::ClientContext c1;
  sokei::testing::AddSignedMetadata(&c1, "planner-1", "planner", "142140");
  plan::v1::RevisePlanRequest rev;
  rev.set_name(kPlan);
  rev.set_new_plan_id("6th");
  rev.set_version_label("令和15年度改定");
  rev.mutable_period()->set_start_year(2033);
  rev.mutable_period()->set_end_year(2037);
  plan::v1::Plan next;
  ASSERT_TRUE(plan_stub->RevisePlan(&c1, rev, &next).ok());

  const pb::Indicator old = IndicatorByCode("06-102");
  ASSERT_FALSE(old.name().empty());
  const std::string old_node = old.nodes(0);
  const std::string new_node =
      std::string(next.name()) + "/nodes/" + old_node.substr(old_node.rfind('/') + 1);

  // The next plan measures the 事業 with an indicator of its own.
  pb::CreateIndicatorRequest cr;
  cr.set_parent(kM);
  cr.set_indicator_id("6th-06-102");
  auto* ind = cr.mutable_indicator();
  ind->set_code("6-06-102");
  ind->set_display_name("発達相談の利用者数");
  ind->set_kind(pb::INDICATOR_KIND_ACTIVITY);
  ind->set_unit("人");
  ind->set_direction(pb::DIRECTION_INCREASE);
  ind->add_nodes(new_node);
  pb::Indicator created;
  auto s = Call(&pb::KpiService::Stub::CreateIndicator, cr, &created);
  ASSERT_TRUE(s.ok()) << s;

  pb::GetNodeHistoryRequest hr;
  hr.set_node(new_node);
  pb::NodeHistory h;
  s = Call(&pb::KpiService::Stub::GetNodeHistory, hr, &h);
  ASSERT_TRUE(s.ok()) << s;
  ASSERT_EQ(h.versions_size(), 2);
  EXPECT_EQ(h.versions(0).node(), old_node);  // the older plan first
  EXPECT_EQ(h.versions(0).start_year(), 2023);
  EXPECT_EQ(h.versions(0).relation_to_next(), "CONTINUED");
  EXPECT_EQ(h.versions(1).node(), new_node);
  EXPECT_EQ(h.versions(1).relation_to_next(), "");
  EXPECT_EQ(h.versions(1).plan_version_label(), "令和15年度改定");
  EXPECT_EQ(h.versions(0).code(), h.versions(1).code());
  ASSERT_EQ(h.indicators_size(), 2);
  EXPECT_EQ(h.indicators(0).indicator().name(), old.name());
  // The old indicator keeps its FY2020 actual (seed 001: 112人) in the same answer.
  bool fy2020 = false;
  for (const auto& point : h.indicators(0).points()) {
    fy2020 = fy2020 || (point.fiscal_year() == 2020 && point.has_observation() &&
                        point.observation().value().value() == "112");
  }
  EXPECT_TRUE(fy2020);
  EXPECT_EQ(h.indicators(1).indicator().name(), created.name());

  // From the old node: only itself (lineage points back, never forward).
  hr.set_node(old_node);
  ASSERT_TRUE(Call(&pb::KpiService::Stub::GetNodeHistory, hr, &h).ok());
  EXPECT_EQ(h.versions_size(), 1);
  hr.set_node(std::string(kPlan) + "/nodes/none");
  EXPECT_EQ(Call(&pb::KpiService::Stub::GetNodeHistory, hr, &h).code(),
            absl::StatusCode::kNotFound);
  const Caller outsider{"x", "planner", "142034", ""};
  hr.set_node(new_node);
  EXPECT_EQ(Call(&pb::KpiService::Stub::GetNodeHistory, hr, &h, outsider).code(),
            absl::StatusCode::kPermissionDenied);

  // The indicators of the two versions compared. The next plan also renumbers the old 事業's
  // indicator (same name, a new code): matched by name, RENAMED (with its unit and targets); its
  // own new one is ADDED; the
  // 5th plan's others are not carried on: REMOVED.
  cr.set_indicator_id("6th-06-102-follow");
  cr.mutable_indicator()->set_code("6-06-102-2");
  cr.mutable_indicator()->set_display_name(old.display_name());
  pb::Indicator renumbered;
  s = Call(&pb::KpiService::Stub::CreateIndicator, cr, &renumbered);
  ASSERT_TRUE(s.ok()) << s;
  pb::DiffIndicatorsRequest dr;
  dr.set_plan(next.name());
  dr.set_base(kPlan);
  pb::IndicatorDiff diff;
  s = Call(&pb::KpiService::Stub::DiffIndicators, dr, &diff);
  ASSERT_TRUE(s.ok()) << s;
  pb::ListIndicatorsRequest lr;
  lr.set_parent(kM);
  lr.set_filter(absl::StrCat("plan=\"", kPlan, "\""));
  lr.set_page_size(500);
  pb::ListIndicatorsResponse base_indicators;
  ASSERT_TRUE(Call(&pb::KpiService::Stub::ListIndicators, lr, &base_indicators).ok());
  int removed = 0;
  std::vector<pb::IndicatorChange> first;  // the changes before the removals
  for (const auto& c : diff.changes()) {
    if (c.kind() == pb::INDICATOR_CHANGE_KIND_REMOVED) {
      ++removed;
      EXPECT_NE(c.base_indicator(), old.name());
    } else {
      first.push_back(c);
    }
  }
  ASSERT_EQ(first.size(), 4u);
  EXPECT_EQ(first[0].kind(), pb::INDICATOR_CHANGE_KIND_ADDED);  // by code: 6-06-102 first
  EXPECT_EQ(first[0].indicator(), created.name());
  EXPECT_EQ(first[1].kind(), pb::INDICATOR_CHANGE_KIND_RENAMED);
  EXPECT_EQ(first[1].indicator(), renumbered.name());
  EXPECT_EQ(first[1].base_indicator(), old.name());
  EXPECT_EQ(first[1].before(), "06-102 " + old.display_name());
  EXPECT_EQ(first[1].after(), "6-06-102-2 " + old.display_name());
  // The renumbered one states its unit (the imported one kept it in its values) and has no
  // targets yet: both are differences too.
  EXPECT_EQ(first[2].kind(), pb::INDICATOR_CHANGE_KIND_UNIT_CHANGED);
  EXPECT_EQ(first[2].before(), old.unit());
  EXPECT_EQ(first[2].after(), "人");
  EXPECT_EQ(first[3].kind(), pb::INDICATOR_CHANGE_KIND_RETARGETED);
  EXPECT_EQ(first[3].before(), "令和2年度 176人");
  EXPECT_EQ(first[3].after(), "");
  EXPECT_EQ(removed, base_indicators.indicators_size() - 1);
  EXPECT_EQ(diff.unchanged(), 0);
  // The 5th plan's indicators carried on to the revision (every node was CONTINUED): they now
  // match themselves and are unchanged; the renumbered one is then simply new.
  pb::CarryIndicatorsRequest carry;
  carry.set_plan(next.name());
  carry.set_base(kPlan);
  pb::CarryIndicatorsResponse carried;
  s = Call(&pb::KpiService::Stub::CarryIndicators, carry, &carried);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(carried.carried_size(), base_indicators.indicators_size());
  EXPECT_EQ(carried.not_carried_size(), 0);
  ASSERT_TRUE(Call(&pb::KpiService::Stub::DiffIndicators, dr, &diff).ok());
  EXPECT_EQ(diff.unchanged(), base_indicators.indicators_size());
  ASSERT_EQ(diff.changes_size(), 2);
  EXPECT_EQ(diff.changes(0).kind(), pb::INDICATOR_CHANGE_KIND_ADDED);
  EXPECT_EQ(diff.changes(1).kind(), pb::INDICATOR_CHANGE_KIND_ADDED);
  EXPECT_EQ(diff.changes(1).indicator(), renumbered.name());
  // The carried indicator measures both versions of the 事業.
  const pb::Indicator carried_old = IndicatorByCode("06-102");
  EXPECT_EQ(std::vector<std::string>(carried_old.nodes().begin(), carried_old.nodes().end()),
            (std::vector<std::string>{old_node, new_node}));
  // Again: nothing to carry. A department's editor may not; nor another city's planner.
  ASSERT_TRUE(Call(&pb::KpiService::Stub::CarryIndicators, carry, &carried).ok());
  EXPECT_EQ(carried.carried_size(), 0);
  EXPECT_EQ(carried.unchanged(), base_indicators.indicators_size());
  const Caller editor{"e", "editor", "142140", "kikaku"};
  EXPECT_EQ(Call(&pb::KpiService::Stub::CarryIndicators, carry, &carried, editor).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Call(&pb::KpiService::Stub::CarryIndicators, carry, &carried, outsider).code(),
            absl::StatusCode::kPermissionDenied);
  carry.set_base(next.name());
  EXPECT_EQ(Call(&pb::KpiService::Stub::CarryIndicators, carry, &carried).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Call(&pb::KpiService::Stub::DiffIndicators, dr, &diff, outsider).code(),
            absl::StatusCode::kPermissionDenied);
  dr.set_base(next.name());
  EXPECT_EQ(Call(&pb::KpiService::Stub::DiffIndicators, dr, &diff).code(),
            absl::StatusCode::kInvalidArgument);
  dr.set_base("municipalities/142034/plans/5th");
  EXPECT_EQ(Call(&pb::KpiService::Stub::DiffIndicators, dr, &diff).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sokei::kpi::grpc_test
