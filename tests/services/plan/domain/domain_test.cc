// Unit tests of the plan domain on the in-memory repository (which passes the storage
// conformance suite). Each test states one rule of the plan structure.
#include <gtest/gtest.h>

#include "common/status/status.h"
#include "services/plan/domain/plan_domain.h"
#include "tests/services/plan/storage/memory_plan_repository.h"
#include "tests/support/principals.h"
#include "tests/support/status_details.h"

namespace sokei::plan {
namespace {

using auth::Role;
using sokei::testing::Field;
using sokei::testing::Reason;

constexpr char kM[] = "municipalities/142140";
constexpr char kPlan[] = "municipalities/142140/plans/6th";

Principal Make(Role role, std::string municipality = "142140") {
  return sokei::testing::TestPrincipal(role, std::move(municipality));
}

class PlanDomainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    admin_ = Make(Role::kAdmin, "*");
    planner_ = Make(Role::kPlanner);
    pb::CreateMunicipalityRequest m;
    m.set_municipality_id("142140");
    m.mutable_municipality()->set_display_name("伊勢原市");
    ASSERT_TRUE(domain_.CreateMunicipality(admin_, m).ok());
    pb::CreateDepartmentRequest d;
    d.set_parent(kM);
    d.set_department_id("kikaku");
    d.mutable_department()->set_display_name("企画政策課");
    ASSERT_TRUE(domain_.CreateDepartment(planner_, d).ok());
    ASSERT_TRUE(domain_.CreatePlan(planner_, PlanRequest("6th")).ok());
  }

  static pb::CreatePlanRequest PlanRequest(const std::string& id) {
    pb::CreatePlanRequest r;
    r.set_parent(kM);
    r.set_plan_id(id);
    auto* p = r.mutable_plan();
    p->set_display_name("第5次伊勢原市総合計画");
    p->set_kind(pb::PLAN_KIND_COMPREHENSIVE);
    p->set_layer(pb::PLAN_LAYER_BASIC_PLAN);
    p->mutable_period()->set_start_year(2018);
    p->mutable_period()->set_end_year(2022);
    for (const char* label : {"基本政策", "施策", "事業"}) {
      auto* l = p->add_levels();
      l->set_depth(p->levels_size());
      l->set_display_name(label);
    }
    p->mutable_levels(2)->set_code_pattern("^[0-9]{2}-[0-9]{3}$");
    return r;
  }

  absl::StatusOr<pb::Node> AddNode(const std::string& id, int level, const std::string& parent,
                                   const std::string& code, const std::string& title = "施策") {
    pb::CreateNodeRequest r;
    r.set_parent(kPlan);
    r.set_node_id(id);
    r.mutable_node()->set_level(level);
    r.mutable_node()->set_code(code);
    r.mutable_node()->set_display_name(title);
    if (!parent.empty()) r.mutable_node()->set_parent(std::string(kPlan) + "/nodes/" + parent);
    return domain_.CreateNode(planner_, r);
  }

  // A 基本目標 package `id` with one PRIMARY link to node `node`.
  void LinkToNewPackage(const std::string& id, const std::string& node) {
    pb::CreatePackageRequest pk;
    pk.set_parent(kPlan);
    pk.set_package_id(id);
    pk.mutable_package()->set_display_name("基本目標1");
    pk.mutable_package()->set_kind(pb::PACKAGE_KIND_STRATEGY_GOAL);
    ASSERT_TRUE(domain_.CreatePackage(planner_, pk).ok());
    pb::CreatePackageLinkRequest l;
    l.set_parent(std::string(kPlan) + "/packages/" + id);
    l.mutable_link()->set_node(std::string(kPlan) + "/nodes/" + node);
    l.mutable_link()->set_role(pb::PACKAGE_LINK_ROLE_PRIMARY);
    ASSERT_TRUE(domain_.CreatePackageLink(planner_, l).ok());
  }

  testing::MemoryPlanRepository repo_;
  absl::Time now_ = absl::FromCivil(absl::CivilSecond(2026, 11, 23, 10, 0, 0), absl::UTCTimeZone());
  PlanDomain domain_{&repo_, [this] { return now_; }};
  Principal admin_, planner_;
};

TEST_F(PlanDomainTest, CreatedPlanHasNameEtagTimesAndDraftStatus) {
  auto plan = domain_.GetPlan(planner_, [] {
    pb::GetPlanRequest r;
    r.set_name(kPlan);
    return r;
  }());
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->name(), kPlan);
  EXPECT_EQ(plan->status(), pb::PLAN_STATUS_DRAFT);
  EXPECT_FALSE(plan->etag().empty());
  EXPECT_EQ(plan->create_time().seconds(), absl::ToUnixSeconds(now_));
}

TEST_F(PlanDomainTest, PlanValidationNamesEveryField) {
  auto r = PlanRequest("bad");
  r.mutable_plan()->set_kind(pb::PLAN_KIND_UNSPECIFIED);
  r.mutable_plan()->mutable_period()->set_end_year(2010);
  r.mutable_plan()->mutable_levels(1)->set_depth(7);
  auto s = domain_.CreatePlan(planner_, r).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Reason(s), "PLAN_INVALID");
  std::set<std::string> fields;
  for (const auto& v : status::GetFieldViolations(s)) fields.insert(v.field);
  EXPECT_TRUE(fields.count("plan.kind"));
  EXPECT_TRUE(fields.count("plan.period.end_year"));
  EXPECT_TRUE(fields.count("plan.levels[1].depth"));
}

TEST_F(PlanDomainTest, PlanNeedsTwoToFiveLevels) {
  auto r = PlanRequest("flat");
  r.mutable_plan()->mutable_levels()->DeleteSubrange(1, 2);
  EXPECT_EQ(Field(domain_.CreatePlan(planner_, r).status()), "plan.levels");
}

TEST_F(PlanDomainTest, ChildPlanPeriodMustLieInsideParent) {
  auto r = PlanRequest("impl");
  r.mutable_plan()->set_parent_plan(kPlan);
  r.mutable_plan()->mutable_period()->set_end_year(2025);
  auto s = domain_.CreatePlan(planner_, r).status();
  EXPECT_EQ(Reason(s), "PLAN_PERIOD_INVALID");
  r.mutable_plan()->mutable_period()->set_end_year(2020);
  EXPECT_TRUE(domain_.CreatePlan(planner_, r).ok());
}

TEST_F(PlanDomainTest, NodeLevelsFollowTheParent) {
  ASSERT_TRUE(AddNode("p1", 1, "", "1").ok());
  EXPECT_EQ(Reason(AddNode("x", 1, "p1", "x").status()), "NODE_PARENT_INVALID");
  EXPECT_EQ(Reason(AddNode("x", 2, "", "x").status()), "NODE_PARENT_INVALID");
  EXPECT_EQ(Reason(AddNode("x", 3, "p1", "01-001").status()), "NODE_LEVEL_INVALID");
  EXPECT_EQ(Reason(AddNode("x", 2, "nope", "x").status()), "NODE_PARENT_INVALID");
  EXPECT_EQ(Field(AddNode("x", 4, "p1", "x").status()), "node.level");
  EXPECT_TRUE(AddNode("s1", 2, "p1", "1-1").ok());
}

TEST_F(PlanDomainTest, CodePatternOfTheLevelIsEnforced) {
  ASSERT_TRUE(AddNode("p1", 1, "", "1").ok());
  ASSERT_TRUE(AddNode("s1", 2, "p1", "1-1").ok());
  auto s = AddNode("j1", 3, "s1", "6-101").status();
  EXPECT_EQ(Field(s), "node.code");
  EXPECT_TRUE(AddNode("j1", 3, "s1", "06-101").ok());
}

TEST_F(PlanDomainTest, CodesAreUniqueInThePlanAcrossWidths) {
  ASSERT_TRUE(AddNode("p1", 1, "", "1-2").ok());
  auto s = AddNode("p2", 1, "", "１－２").status();  // full-width digits and minus
  EXPECT_EQ(Reason(s), "NODE_CODE_DUPLICATE");
  EXPECT_EQ(Field(s), "node.code");
  EXPECT_EQ(AddNode("p1", 1, "", "9").status().code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(PlanDomainTest, SdgGoalsAndTargetsAreChecked) {
  pb::CreateNodeRequest r;
  r.set_parent(kPlan);
  r.set_node_id("p1");
  r.mutable_node()->set_level(1);
  r.mutable_node()->set_display_name("防災");
  r.mutable_node()->add_sdg_goals(11);
  r.mutable_node()->add_sdg_goals(18);
  r.mutable_node()->add_sdg_targets("11.b");
  r.mutable_node()->add_sdg_targets("18.1");
  r.mutable_node()->add_sdg_targets("11.02");
  auto s = domain_.CreateNode(planner_, r).status();
  std::vector<std::string> fields;
  for (const auto& v : status::GetFieldViolations(s)) fields.push_back(v.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"node.sdg_goals[1]", "node.sdg_targets[1]",
                                              "node.sdg_targets[2]"}));
}

TEST_F(PlanDomainTest, ControlCharactersAndOverlongTitlesAreRefused) {
  EXPECT_EQ(Field(AddNode("p1", 1, "", "1", "防災\x07").status()), "node.display_name");
  EXPECT_EQ(Field(AddNode("p1", 1, "", "1", std::string(201 * 3, 'a')).status()),
            "node.display_name");
  EXPECT_TRUE(AddNode("p1", 1, "", "1", "防災\n安全").ok());
}

TEST_F(PlanDomainTest, DepartmentsMustExistInTheMunicipality) {
  pb::CreateNodeRequest r;
  r.set_parent(kPlan);
  r.set_node_id("p1");
  r.mutable_node()->set_level(1);
  r.mutable_node()->set_display_name("防災");
  auto* a = r.mutable_node()->add_departments();
  a->set_department("municipalities/142140/departments/nope");
  a->set_role(pb::DEPARTMENT_ROLE_OWNER);
  EXPECT_EQ(Reason(domain_.CreateNode(planner_, r).status()), "NODE_DEPARTMENT_INVALID");
  a->set_department("municipalities/142140/departments/kikaku");
  EXPECT_TRUE(domain_.CreateNode(planner_, r).ok());
}

TEST_F(PlanDomainTest, UpdateAppliesOnlyTheMaskAndChecksEtag) {
  auto node = AddNode("p1", 1, "", "1", "旧");
  ASSERT_TRUE(node.ok());
  pb::UpdateNodeRequest u;
  *u.mutable_node() = *node;
  u.mutable_node()->set_display_name("新");
  u.mutable_node()->set_code("999");  // not in the mask: ignored
  u.mutable_update_mask()->add_paths("display_name");
  now_ += absl::Seconds(5);
  auto updated = domain_.UpdateNode(planner_, u);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->display_name(), "新");
  EXPECT_EQ(updated->code(), "1");
  EXPECT_NE(updated->etag(), node->etag());
  EXPECT_EQ(updated->update_time().seconds(), absl::ToUnixSeconds(now_));
  // The old etag is now stale.
  auto stale = domain_.UpdateNode(planner_, u).status();
  EXPECT_EQ(stale.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Reason(stale), "NODE_ETAG_MISMATCH");
}

TEST_F(PlanDomainTest, UpdateMaskRejectsImmutableUnknownAndEmptyPaths) {
  auto node = AddNode("p1", 1, "", "1");
  ASSERT_TRUE(node.ok());
  for (const char* path : {"level", "parent", "etag", "create_time", "name", "colour"}) {
    pb::UpdateNodeRequest u;
    *u.mutable_node() = *node;
    u.mutable_update_mask()->add_paths(path);
    auto s = domain_.UpdateNode(planner_, u).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << path;
    EXPECT_EQ(Field(s), "update_mask.paths[0]") << path;
  }
  pb::UpdateNodeRequest empty;
  *empty.mutable_node() = *node;
  EXPECT_EQ(Field(domain_.UpdateNode(planner_, empty).status()), "update_mask");
}

TEST_F(PlanDomainTest, MoveNodeRejectsCyclesAndLevelMismatches) {
  ASSERT_TRUE(AddNode("p1", 1, "", "1").ok());
  ASSERT_TRUE(AddNode("p2", 1, "", "2").ok());
  ASSERT_TRUE(AddNode("s1", 2, "p1", "1-1").ok());
  ASSERT_TRUE(AddNode("j1", 3, "s1", "01-001").ok());
  pb::MoveNodeRequest m;
  m.set_name(std::string(kPlan) + "/nodes/p1");
  m.set_new_parent(std::string(kPlan) + "/nodes/j1");
  EXPECT_EQ(Reason(domain_.MoveNode(planner_, m).status()), "NODE_CYCLE");
  m.set_name(std::string(kPlan) + "/nodes/j1");
  m.set_new_parent(std::string(kPlan) + "/nodes/p2");
  auto s = domain_.MoveNode(planner_, m).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Reason(s), "NODE_LEVEL_MISMATCH");
  ASSERT_TRUE(AddNode("s2", 2, "p2", "2-1").ok());
  m.set_new_parent(std::string(kPlan) + "/nodes/s2");
  auto moved = domain_.MoveNode(planner_, m);
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->parent(), std::string(kPlan) + "/nodes/s2");
}

TEST_F(PlanDomainTest, DeleteWithChildrenNeedsForceAndForceRemovesSubtreeAndLinks) {
  ASSERT_TRUE(AddNode("p1", 1, "", "1").ok());
  ASSERT_TRUE(AddNode("s1", 2, "p1", "1-1").ok());
  LinkToNewPackage("goal1", "s1");

  pb::DeleteNodeRequest d;
  d.set_name(std::string(kPlan) + "/nodes/p1");
  EXPECT_EQ(Reason(domain_.DeleteNode(planner_, d).status()), "NODE_HAS_CHILDREN");
  d.set_force(true);
  ASSERT_TRUE(domain_.DeleteNode(planner_, d).ok());
  pb::GetPlanTreeRequest t;
  t.set_name(kPlan);
  pb::PlanTree tree;
  ASSERT_TRUE(domain_.GetPlanTree(planner_, t, &tree).ok());
  EXPECT_EQ(tree.nodes_size(), 0);
  EXPECT_EQ(tree.links_size(), 0);
  EXPECT_EQ(tree.packages_size(), 1);
}

TEST_F(PlanDomainTest, RequestIdReplaysTheFirstResultAndRefusesAnotherRequest) {
  pb::CreateNodeRequest r;
  r.set_parent(kPlan);
  r.set_node_id("p1");
  r.set_request_id("7b8c1f9e-0001");
  r.mutable_node()->set_level(1);
  r.mutable_node()->set_display_name("防災");
  auto first = domain_.CreateNode(planner_, r);
  ASSERT_TRUE(first.ok());
  now_ += absl::Seconds(1);
  auto replay = domain_.CreateNode(planner_, r);
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_EQ(replay->etag(), first->etag());
  r.mutable_node()->set_display_name("別の内容");
  auto reused = domain_.CreateNode(planner_, r).status();
  EXPECT_EQ(Reason(reused), "REQUEST_ID_REUSED");
  EXPECT_EQ(Field(reused), "request_id");
}

TEST_F(PlanDomainTest, BatchCreateIsAllOrNothingAndNamesTheFailingItem) {
  pb::BatchCreateNodesRequest b;
  b.set_parent(kPlan);
  for (int i = 0; i < 3; ++i) {
    auto* r = b.add_requests();
    r->set_node_id("n" + std::to_string(i));
    r->mutable_node()->set_level(1);
    r->mutable_node()->set_display_name("政策");
    r->mutable_node()->set_code(std::to_string(i));
  }
  b.mutable_requests(2)->mutable_node()->set_code("0");  // duplicate of the first
  auto s = domain_.BatchCreateNodes(planner_, b).status();
  EXPECT_EQ(Field(s), "requests[2].node.code");
  pb::ListNodesRequest l;
  l.set_parent(kPlan);
  EXPECT_EQ(domain_.ListNodes(planner_, l)->nodes_size(), 0);
  b.mutable_requests(2)->mutable_node()->set_code("2");
  EXPECT_EQ(domain_.BatchCreateNodes(planner_, b)->nodes_size(), 3);
}

// A batch's items may be the parents of later items (read from the batch, not back from storage)
// or of nodes stored before it; either way the level must follow the parent's.
TEST_F(PlanDomainTest, BatchItemsParentEarlierItemsAndStoredNodes) {
  ASSERT_TRUE(AddNode("stored", 1, "", "1", "防災").ok());
  auto item = [](pb::BatchCreateNodesRequest* b, const std::string& id, int level,
                 const std::string& parent, const std::string& code) {
    auto* r = b->add_requests();
    r->set_node_id(id);
    r->mutable_node()->set_level(level);
    r->mutable_node()->set_code(code);
    r->mutable_node()->set_display_name("施策");
    if (!parent.empty()) r->mutable_node()->set_parent(std::string(kPlan) + "/nodes/" + parent);
  };
  pb::BatchCreateNodesRequest b;
  b.set_parent(kPlan);
  item(&b, "a", 1, "", "2");
  item(&b, "a1", 2, "a", "2-1");       // parent earlier in the batch
  item(&b, "s1", 2, "stored", "1-1");  // parent stored before the batch
  item(&b, "a11", 3, "a1", "02-001");  // grandchild within the batch
  item(&b, "bad", 3, "a", "02-002");   // level 3 under a level-1 node of the batch
  auto s = domain_.BatchCreateNodes(planner_, b).status();
  EXPECT_EQ(Reason(s), "NODE_LEVEL_INVALID");
  EXPECT_EQ(Field(s), "requests[4].node.level");
  b.mutable_requests(4)->mutable_node()->set_parent(std::string(kPlan) + "/nodes/missing");
  s = domain_.BatchCreateNodes(planner_, b).status();
  EXPECT_EQ(Reason(s), "NODE_PARENT_INVALID");
  EXPECT_EQ(Field(s), "requests[4].node.parent");
  pb::ListNodesRequest l;
  l.set_parent(kPlan);
  EXPECT_EQ(domain_.ListNodes(planner_, l)->nodes_size(), 1) << "a failed batch stores nothing";
  b.mutable_requests(4)->mutable_node()->set_parent(std::string(kPlan) + "/nodes/s1");
  auto made = domain_.BatchCreateNodes(planner_, b);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(made->nodes_size(), 5);
  EXPECT_EQ(domain_.ListNodes(planner_, l)->nodes_size(), 6);
}

TEST_F(PlanDomainTest, EveryWriteIsAudited) {
  ASSERT_TRUE(AddNode("p1", 1, "", "1", "防災").ok());
  pb::ListAuditEventsRequest r;
  r.set_parent(kM);
  r.set_filter("resource=\"municipalities/142140/plans/6th/nodes\"");
  auto events = domain_.ListAuditEvents(planner_, r);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->audit_events_size(), 1);
  const auto& e = events->audit_events(0);
  EXPECT_EQ(e.method(), "CreateNode");
  EXPECT_EQ(e.actor(), planner_.subject);
  EXPECT_TRUE(e.before_json().empty());
  EXPECT_NE(e.after_json().find("防災"), std::string::npos);
}

TEST_F(PlanDomainTest, AuthorizationByRoleAndMunicipality) {
  const Principal viewer = Make(Role::kViewer);
  const Principal editor = Make(Role::kEditor);
  const Principal stranger = Make(Role::kPlanner, "142034");
  ASSERT_TRUE(AddNode("p1", 1, "", "1").ok());
  pb::GetNodeRequest g;
  g.set_name(std::string(kPlan) + "/nodes/p1");
  EXPECT_TRUE(domain_.GetNode(viewer, g).ok());
  EXPECT_EQ(domain_.GetNode(stranger, g).status().code(), absl::StatusCode::kPermissionDenied);
  pb::CreateNodeRequest c;
  c.set_parent(kPlan);
  c.set_node_id("p2");
  c.mutable_node()->set_level(1);
  c.mutable_node()->set_display_name("x");
  EXPECT_EQ(domain_.CreateNode(viewer, c).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(domain_.CreateNode(editor, c).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(domain_.CreateNode(stranger, c).status().code(), absl::StatusCode::kPermissionDenied);
  pb::ListAuditEventsRequest a;
  a.set_parent(kM);
  EXPECT_EQ(domain_.ListAuditEvents(viewer, a).status().code(),
            absl::StatusCode::kPermissionDenied);
  pb::CreateMunicipalityRequest m;
  m.set_municipality_id("142034");
  m.mutable_municipality()->set_display_name("平塚市");
  EXPECT_EQ(domain_.CreateMunicipality(planner_, m).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(PlanDomainTest, PublicSeesAdoptedPlansOnly) {
  const Principal pub = Make(Role::kPublic);
  pb::GetPlanRequest g;
  g.set_name(kPlan);
  EXPECT_EQ(domain_.GetPlan(pub, g).status().code(), absl::StatusCode::kNotFound);
  pb::ListPlansRequest l;
  l.set_parent(kM);
  EXPECT_EQ(domain_.ListPlans(pub, l)->plans_size(), 0);
  pb::UpdatePlanRequest u;
  u.mutable_plan()->set_name(kPlan);
  u.mutable_plan()->set_status(pb::PLAN_STATUS_ADOPTED);
  u.mutable_update_mask()->add_paths("status");
  ASSERT_TRUE(domain_.UpdatePlan(planner_, u).ok());
  EXPECT_TRUE(domain_.GetPlan(pub, g).ok());
  EXPECT_EQ(domain_.ListPlans(pub, l)->plans_size(), 1);
}

TEST_F(PlanDomainTest, DroppingALevelInUseIsRefused) {
  ASSERT_TRUE(AddNode("p1", 1, "", "1").ok());
  ASSERT_TRUE(AddNode("s1", 2, "p1", "1-1").ok());
  ASSERT_TRUE(AddNode("j1", 3, "s1", "01-001").ok());
  pb::UpdatePlanRequest u;
  u.mutable_plan()->set_name(kPlan);
  auto* l1 = u.mutable_plan()->add_levels();
  l1->set_depth(1);
  l1->set_display_name("基本政策");
  auto* l2 = u.mutable_plan()->add_levels();
  l2->set_depth(2);
  l2->set_display_name("施策");
  u.mutable_update_mask()->add_paths("levels");
  EXPECT_EQ(Reason(domain_.UpdatePlan(planner_, u).status()), "PLAN_LEVELS_IN_USE");
}

TEST_F(PlanDomainTest, TreeIsDepthFirstInSortOrder) {
  ASSERT_TRUE(AddNode("b", 1, "", "2").ok());
  ASSERT_TRUE(AddNode("a", 1, "", "1").ok());
  ASSERT_TRUE(AddNode("a1", 2, "a", "1-1").ok());
  ASSERT_TRUE(AddNode("b1", 2, "b", "2-1").ok());
  // sort_key decides sibling order: put a before b.
  for (auto [id, key] : {std::pair<const char*, int>{"a", 1}, {"b", 2}}) {
    pb::UpdateNodeRequest u;
    u.mutable_node()->set_name(std::string(kPlan) + "/nodes/" + id);
    u.mutable_node()->set_sort_key(key);
    u.mutable_update_mask()->add_paths("sort_key");
    ASSERT_TRUE(domain_.UpdateNode(planner_, u).ok());
  }
  pb::GetPlanTreeRequest t;
  t.set_name(kPlan);
  // On the heap and on an arena (as the gRPC runtime calls it), the same tree.
  google::protobuf::Arena arena;
  pb::PlanTree heap_tree;
  pb::PlanTree* arena_tree = google::protobuf::Arena::CreateMessage<pb::PlanTree>(&arena);
  for (pb::PlanTree* tree : {&heap_tree, arena_tree}) {
    ASSERT_TRUE(domain_.GetPlanTree(planner_, t, tree).ok());
    std::vector<std::string> order;
    for (const auto& tn : tree->nodes()) order.push_back(tn.node().code());
    EXPECT_EQ(order, (std::vector<std::string>{"1", "1-1", "2", "2-1"}));
    EXPECT_EQ(tree->nodes(0).children_size(), 1);
    EXPECT_EQ(tree->nodes(0).children(0), std::string(kPlan) + "/nodes/a1");
    EXPECT_EQ(tree->levels_size(), 3);
  }
  EXPECT_EQ(heap_tree.SerializeAsString(), arena_tree->SerializeAsString());
}

TEST_F(PlanDomainTest, SearchIsWidthAndCaseInsensitiveWithFilters) {
  ASSERT_TRUE(AddNode("p1", 1, "", "1", "ICTの利活用").ok());
  ASSERT_TRUE(AddNode("p2", 1, "", "2", "防災").ok());
  pb::SearchNodesRequest s;
  s.set_parent(kPlan);
  s.set_query("ｉｃｔ");
  auto r = domain_.SearchNodes(planner_, s);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->nodes_size(), 1);
  EXPECT_EQ(r->nodes(0).code(), "1");
  s.set_parent("municipalities/142140/plans/-");
  s.set_query("利活用　ＩＣＴ");  // ideographic space, two words
  EXPECT_EQ(domain_.SearchNodes(planner_, s)->nodes_size(), 1);
  s.set_level(2);
  EXPECT_EQ(domain_.SearchNodes(planner_, s)->nodes_size(), 0);
  s.set_sdg_goal(18);
  EXPECT_EQ(Field(domain_.SearchNodes(planner_, s).status()), "sdg_goal");
}

TEST_F(PlanDomainTest, ListNodesPaginatesAndFilters) {
  for (int i = 0; i < 7; ++i)
    ASSERT_TRUE(AddNode("p" + std::to_string(i), 1, "", std::to_string(i)).ok());
  ASSERT_TRUE(AddNode("s", 2, "p0", "0-1").ok());
  pb::ListNodesRequest l;
  l.set_parent(kPlan);
  l.set_page_size(3);
  l.set_filter("level=1");
  std::vector<std::string> seen;
  do {
    auto page = domain_.ListNodes(planner_, l);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& n : page->nodes()) seen.push_back(n.code());
    l.set_page_token(page->next_page_token());
  } while (!l.page_token().empty());
  EXPECT_EQ(seen.size(), 7u);
  l.set_filter("level=9");
  EXPECT_EQ(Field(domain_.ListNodes(planner_, l).status()), "filter");
}

TEST_F(PlanDomainTest, DepartmentRenameKeepsTheFormerName) {
  pb::UpdateDepartmentRequest u;
  u.mutable_department()->set_name("municipalities/142140/departments/kikaku");
  u.mutable_department()->set_display_name("企画課");
  u.mutable_update_mask()->add_paths("display_name");
  u.mutable_rename_effective_date()->set_year(2024);
  u.mutable_rename_effective_date()->set_month(4);
  u.mutable_rename_effective_date()->set_day(1);
  auto d = domain_.UpdateDepartment(planner_, u);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->display_name(), "企画課");
  ASSERT_EQ(d->former_names_size(), 1);
  EXPECT_EQ(d->former_names(0).display_name(), "企画政策課");
  EXPECT_EQ(d->former_names(0).valid_until().month(), 3);
  EXPECT_EQ(d->former_names(0).valid_until().day(), 31);
  u.mutable_update_mask()->set_paths(0, "former_names");
  EXPECT_EQ(Field(domain_.UpdateDepartment(planner_, u).status()), "update_mask.paths[0]");
}

TEST_F(PlanDomainTest, DepartmentInUseCannotBeDeleted) {
  pb::CreateNodeRequest r;
  r.set_parent(kPlan);
  r.set_node_id("p1");
  r.mutable_node()->set_level(1);
  r.mutable_node()->set_display_name("防災");
  auto* a = r.mutable_node()->add_departments();
  a->set_department("municipalities/142140/departments/kikaku");
  a->set_role(pb::DEPARTMENT_ROLE_OWNER);
  ASSERT_TRUE(domain_.CreateNode(planner_, r).ok());
  pb::DeleteDepartmentRequest d;
  d.set_name("municipalities/142140/departments/kikaku");
  EXPECT_EQ(Reason(domain_.DeleteDepartment(planner_, d).status()), "DEPARTMENT_IN_USE");
}

TEST_F(PlanDomainTest, PackageMatrixRollsLinksUpToTheRequestedLevel) {
  ASSERT_TRUE(AddNode("p1", 1, "", "1").ok());
  ASSERT_TRUE(AddNode("s1", 2, "p1", "1-1").ok());
  ASSERT_TRUE(AddNode("s2", 2, "p1", "1-2").ok());
  ASSERT_TRUE(AddNode("j1", 3, "s1", "01-001").ok());
  for (const char* id : {"pj1", "pj2"}) {
    pb::CreatePackageRequest pk;
    pk.set_parent(kPlan);
    pk.set_package_id(id);
    pk.mutable_package()->set_display_name(id);
    pk.mutable_package()->set_kind(pb::PACKAGE_KIND_PRIORITY_PROJECT);
    ASSERT_TRUE(domain_.CreatePackage(planner_, pk).ok());
  }
  auto link = [&](const char* pkg, const char* node) {
    pb::CreatePackageLinkRequest l;
    l.set_parent(std::string(kPlan) + "/packages/" + pkg);
    l.mutable_link()->set_node(std::string(kPlan) + "/nodes/" + node);
    l.mutable_link()->set_role(pb::PACKAGE_LINK_ROLE_PRIMARY);
    return domain_.CreatePackageLink(planner_, l);
  };
  ASSERT_TRUE(link("pj1", "j1").ok());  // deeper: counts for 1-1
  ASSERT_TRUE(link("pj2", "p1").ok());  // shallower: covers 1-1 and 1-2
  EXPECT_EQ(link("pj1", "j1").status().code(), absl::StatusCode::kAlreadyExists);
  pb::GetPackageMatrixRequest m;
  m.set_plan(kPlan);
  m.set_level(2);
  auto matrix = domain_.GetPackageMatrix(planner_, m);
  ASSERT_TRUE(matrix.ok()) << matrix.status();
  ASSERT_EQ(matrix->packages_size(), 2);
  ASSERT_EQ(matrix->rows_size(), 2);
  EXPECT_EQ(matrix->rows(0).node().code(), "1-1");
  EXPECT_EQ(matrix->rows(0).cells_size(), 2);
  EXPECT_EQ(matrix->rows(1).cells_size(), 1);
  EXPECT_EQ(matrix->rows(1).cells(0).package(), std::string(kPlan) + "/packages/pj2");
}

TEST_F(PlanDomainTest, PackageCodesRepeatUnderDifferentParentsOnly) {
  auto pkg = [&](const std::string& id, const std::string& parent, const std::string& code) {
    pb::CreatePackageRequest pk;
    pk.set_parent(kPlan);
    pk.set_package_id(id);
    pk.mutable_package()->set_display_name(id);
    pk.mutable_package()->set_code(code);
    pk.mutable_package()->set_kind(pb::PACKAGE_KIND_PRIORITY_STRATEGY);
    if (!parent.empty())
      pk.mutable_package()->set_parent(std::string(kPlan) + "/packages/" + parent);
    return domain_.CreatePackage(planner_, pk);
  };
  ASSERT_TRUE(pkg("s1", "", "重点戦略1").ok());
  ASSERT_TRUE(pkg("s2", "", "重点戦略2").ok());
  EXPECT_TRUE(pkg("s1-1", "s1", "(1)").ok());
  EXPECT_TRUE(pkg("s2-1", "s2", "(1)").ok());
  EXPECT_EQ(Reason(pkg("s1-x", "s1", "（1）").status()), "PACKAGE_CODE_DUPLICATE");
  pb::UpdatePackageRequest u;
  u.mutable_package()->set_name(std::string(kPlan) + "/packages/s1");
  u.mutable_package()->set_parent(std::string(kPlan) + "/packages/s1-1");
  u.mutable_update_mask()->add_paths("parent");
  EXPECT_EQ(Reason(domain_.UpdatePackage(planner_, u).status()), "PACKAGE_CYCLE");
}

TEST_F(PlanDomainTest, ARevisionCopiesThePlanWithLineageAndTheDiffShowsWhatChangedSince) {
  ASSERT_TRUE(AddNode("p1", 1, "", "1", "健康").ok());
  ASSERT_TRUE(AddNode("s1", 2, "p1", "1-1", "健康づくり").ok());
  ASSERT_TRUE(AddNode("s2", 2, "p1", "1-2", "医療").ok());
  LinkToNewPackage("goal1", "s1");

  pb::RevisePlanRequest r;
  r.set_name(kPlan);
  r.set_new_plan_id("6th-r7");
  r.set_version_label("令和7年度改定");
  // Editors do not revise plans; a bad period is named.
  EXPECT_EQ(domain_.RevisePlan(Make(Role::kEditor), r).status().code(),
            absl::StatusCode::kPermissionDenied);
  pb::RevisePlanRequest bad = r;
  bad.mutable_period()->set_start_year(2026);
  bad.mutable_period()->set_end_year(2020);
  EXPECT_EQ(Field(domain_.RevisePlan(planner_, bad).status()), "period.end_year");
  auto revised = domain_.RevisePlan(planner_, r);
  ASSERT_TRUE(revised.ok()) << revised.status();
  const std::string next = "municipalities/142140/plans/6th-r7";
  EXPECT_EQ(revised->name(), next);
  EXPECT_EQ(revised->status(), pb::PLAN_STATUS_DRAFT);
  EXPECT_EQ(revised->supersedes(), kPlan);
  EXPECT_EQ(revised->version_label(), "令和7年度改定");
  EXPECT_EQ(revised->levels_size(), 3);
  EXPECT_EQ(Reason(domain_.RevisePlan(planner_, r).status()), "PLAN_ALREADY_EXISTS");

  // The copy: the same tree, each node CONTINUED from the one it copies, packages and links too.
  pb::GetPlanTreeRequest t;
  t.set_name(next);
  pb::PlanTree tree;
  ASSERT_TRUE(domain_.GetPlanTree(planner_, t, &tree).ok());
  ASSERT_EQ(tree.nodes_size(), 3);
  EXPECT_EQ(tree.nodes(1).node().name(), next + "/nodes/s1");
  EXPECT_EQ(tree.nodes(1).node().parent(), next + "/nodes/p1");
  ASSERT_EQ(tree.nodes(1).node().lineage_size(), 1);
  EXPECT_EQ(tree.nodes(1).node().lineage(0).source_node(), std::string(kPlan) + "/nodes/s1");
  EXPECT_EQ(tree.nodes(1).node().lineage(0).relation(), pb::LINEAGE_RELATION_CONTINUED);
  ASSERT_EQ(tree.links_size(), 1);
  EXPECT_EQ(tree.links(0).node(), next + "/nodes/s1");
  EXPECT_EQ(tree.link_packages(0), next + "/packages/goal1");
  EXPECT_EQ(tree.packages_size(), 1);

  pb::DiffPlansRequest dr;
  dr.set_plan(next);
  dr.set_base(kPlan);
  auto same = domain_.DiffPlans(planner_, dr);
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(same->changes_size(), 0);
  EXPECT_EQ(same->unchanged(), 3);
  // The revision renames one 施策, drops another and adds one: the diff says so.
  pb::UpdateNodeRequest u;
  u.mutable_node()->set_name(next + "/nodes/s1");
  u.mutable_node()->set_display_name("健康づくりの推進");
  u.mutable_update_mask()->add_paths("display_name");
  ASSERT_TRUE(domain_.UpdateNode(planner_, u).ok());
  pb::DeleteNodeRequest del;
  del.set_name(next + "/nodes/s2");
  ASSERT_TRUE(domain_.DeleteNode(planner_, del).ok());
  pb::CreateNodeRequest add;
  add.set_parent(next);
  add.set_node_id("s3");
  add.mutable_node()->set_level(2);
  add.mutable_node()->set_code("1-3");
  add.mutable_node()->set_display_name("地域医療");
  add.mutable_node()->set_parent(next + "/nodes/p1");
  ASSERT_TRUE(domain_.CreateNode(planner_, add).ok());
  auto d = domain_.DiffPlans(planner_, dr);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->unchanged(), 1);
  ASSERT_EQ(d->changes_size(), 3);
  EXPECT_EQ(d->changes(0).kind(), pb::NODE_CHANGE_KIND_RENAMED);
  EXPECT_EQ(d->changes(0).after(), "1-1 健康づくりの推進");
  EXPECT_EQ(d->changes(1).kind(), pb::NODE_CHANGE_KIND_ADDED);
  EXPECT_EQ(d->changes(2).kind(), pb::NODE_CHANGE_KIND_REMOVED);
  EXPECT_EQ(d->changes(2).before(), "1-2 医療");
  // Another municipality's plan is not a base.
  dr.set_base("municipalities/131001/plans/x");
  EXPECT_EQ(Field(domain_.DiffPlans(planner_, dr).status()), "base");
}

}  // namespace
}  // namespace sokei::plan
