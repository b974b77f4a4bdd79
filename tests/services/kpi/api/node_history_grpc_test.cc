// A node's history across plans over real gRPC: the seed 001 plan revised into its next version
// (RevisePlan, lineage filled in), a new indicator on the revised 事業, and one GetNodeHistory of
// the revised node that returns both versions and both indicators' histories.
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
}

}  // namespace
}  // namespace sokei::kpi::grpc_test
