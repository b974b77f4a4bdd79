// The plan service over real gRPC on loopback, backed by a real SQLite file: every method's
// success path, and its failure paths with the google.rpc details a client sees on the wire.
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <set>
#include <thread>

#include "tests/support/test_identity.h"
#include "common/grpcx/server.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/plan/api/plan_grpc_service.h"
#include "services/plan/storage/sql_plan_repository.h"
#include "tests/services/plan/storage/memory_plan_repository.h"
#include "tests/support/plan_fixtures.h"
#include "tests/support/redis_server.h"
#include "tests/support/test_databases.h"
#include "tests/support/status_details.h"

namespace sokei::plan {
namespace {

using sokei::testing::Reason;
constexpr char kM[] = "municipalities/142140";
constexpr char kPlan[] = "municipalities/142140/plans/6th";
constexpr char kNode[] = "municipalities/142140/plans/6th/nodes/p1";
constexpr char kPkg[] = "municipalities/142140/plans/6th/packages/goal1";

struct Caller {
  std::string subject = "planner-1";
  std::string roles = "planner";
  std::string municipality = "142140";
};

class PlanGrpcTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fixture_ready_ = false;  // each suite gets a fresh database
    database_ = sokei::testing::TestDatabase::Make(sokei::testing::BackendFromEnv()).release();
    if (database_ == nullptr) return;
    repo_ = new SqlPlanRepository(database_->db());
    ASSERT_TRUE(repo_->Migrate().ok());
    // With the shared cache in front, as deployed: every read of the tree goes through it.
    redis_ = new sokei::testing::RedisServer();
    cache_ = new cache::Cache({redis_->addr()});
    domain_ = new PlanDomain(repo_, &absl::Now, cache_);
    service_ = new DispatchedPlanService(domain_, sokei::testing::VerifiedIdentity());
    table_ = MakeDispatchTable(service_).release();
    auto server = grpcx::Server::Start({"127.0.0.1:0", 4, 1 << 20, 1000, true}, {},
                                       {"sokei.plan.v1.PlanService"}, {table_});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
    channel_ = new std::shared_ptr<grpc::Channel>(
        grpcx::MakeChannel("127.0.0.1:" + std::to_string(server_->port())));
  }
  static void TearDownTestSuite() {
    delete server_;
    delete channel_;
    delete table_;
    delete service_;
    delete domain_;
    delete cache_;
    delete redis_;
    delete repo_;
    delete database_;
    server_ = nullptr;
    channel_ = nullptr;
    table_ = nullptr;
    service_ = nullptr;
    domain_ = nullptr;
    cache_ = nullptr;
    redis_ = nullptr;
    repo_ = nullptr;
    database_ = nullptr;
  }

  void SetUp() override {
    if (database_ == nullptr)
      GTEST_SKIP() << "no PostgreSQL test cluster (scripts/test.sh starts one)";
    stub_ = pb::PlanService::NewStub(*channel_);
  }

  template <typename Req, typename Resp>
  absl::Status Call(grpc::Status (pb::PlanService::Stub::*fn)(grpc::ClientContext*, const Req&,
                                                              Resp*),
                    const Req& req, Resp* resp, const Caller& who = Caller()) {
    grpc::ClientContext ctx;
    grpcx::SetTimeout(&ctx, 5000);
    if (!who.subject.empty()) {
      sokei::testing::AddSignedMetadata(&ctx, who.subject, who.roles, who.municipality);
    }
    return status::FromGrpc(((*stub_).*fn)(&ctx, req, resp));
  }

  // Creates the shared fixture once: municipality, department, plan, two nodes, a package, a link.
  void EnsureFixture() {
    if (fixture_ready_) return;
    Caller admin{"root", "admin", "*"};
    pb::CreateMunicipalityRequest m;
    m.set_municipality_id("142140");
    m.mutable_municipality()->set_display_name("伊勢原市");
    pb::Municipality mo;
    ASSERT_TRUE(Call(&pb::PlanService::Stub::CreateMunicipality, m, &mo, admin).ok());
    pb::CreateDepartmentRequest d;
    d.set_parent(kM);
    d.set_department_id("kikaku");
    d.mutable_department()->set_display_name("企画政策課");
    pb::Department dout;
    ASSERT_TRUE(Call(&pb::PlanService::Stub::CreateDepartment, d, &dout).ok());
    const pb::CreatePlanRequest p = sokei::testing::PlanRequest(kM, "6th");
    pb::Plan pout;
    ASSERT_TRUE(Call(&pb::PlanService::Stub::CreatePlan, p, &pout).ok());
    pb::BatchCreateNodesRequest b;
    b.set_parent(kPlan);
    auto* n1 = b.add_requests();
    n1->set_node_id("p1");
    n1->mutable_node()->set_level(1);
    n1->mutable_node()->set_code("Ⅰ");
    n1->mutable_node()->set_display_name("災害や危険から命と暮らしを守る");
    auto* n2 = b.add_requests();
    n2->set_node_id("f01");
    n2->mutable_node()->set_level(2);
    n2->mutable_node()->set_code("01");
    n2->mutable_node()->set_parent(kNode);
    n2->mutable_node()->set_display_name("防災");
    n2->mutable_node()->add_sdg_goals(11);
    auto* a = n2->mutable_node()->add_departments();
    a->set_department(std::string(kM) + "/departments/kikaku");
    a->set_role(pb::DEPARTMENT_ROLE_OWNER);
    pb::BatchCreateNodesResponse bout;
    ASSERT_TRUE(Call(&pb::PlanService::Stub::BatchCreateNodes, b, &bout).ok());
    pb::CreatePackageRequest pk;
    pk.set_parent(kPlan);
    pk.set_package_id("goal1");
    pk.mutable_package()->set_display_name("基本目標1");
    pk.mutable_package()->set_kind(pb::PACKAGE_KIND_STRATEGY_GOAL);
    pb::Package pkout;
    ASSERT_TRUE(Call(&pb::PlanService::Stub::CreatePackage, pk, &pkout).ok());
    pb::CreatePackageLinkRequest l;
    l.set_parent(kPkg);
    l.mutable_link()->set_node(std::string(kPlan) + "/nodes/f01");
    l.mutable_link()->set_role(pb::PACKAGE_LINK_ROLE_PRIMARY);
    pb::PackageLink lout;
    ASSERT_TRUE(Call(&pb::PlanService::Stub::CreatePackageLink, l, &lout).ok());
    fixture_ready_ = true;
  }

  std::unique_ptr<pb::PlanService::Stub> stub_;
  static inline bool fixture_ready_ = false;
  static inline sokei::testing::TestDatabase* database_ = nullptr;
  static inline SqlPlanRepository* repo_ = nullptr;
  static inline PlanDomain* domain_ = nullptr;
  static inline sokei::testing::RedisServer* redis_ = nullptr;
  static inline cache::Cache* cache_ = nullptr;
  static inline DispatchedPlanService* service_ = nullptr;
  static inline grpcx::DispatchTable* table_ = nullptr;
  static inline grpcx::Server* server_ = nullptr;
  static inline std::shared_ptr<grpc::Channel>* channel_ = nullptr;
};

TEST_F(PlanGrpcTest, HealthAndReflectionAreServed) {
  auto health = grpc::health::v1::Health::NewStub(*channel_);
  for (const char* svc : {"", "sokei.plan.v1.PlanService"}) {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckRequest req;
    req.set_service(svc);
    grpc::health::v1::HealthCheckResponse resp;
    ASSERT_TRUE(health->Check(&ctx, req, &resp).ok()) << svc;
    EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  }
  grpc::ClientContext ctx;
  grpc::health::v1::HealthCheckRequest req;
  req.set_service("no.such.Service");
  grpc::health::v1::HealthCheckResponse resp;
  EXPECT_EQ(health->Check(&ctx, req, &resp).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(PlanGrpcTest, ReadsSucceedForEveryReadMethod) {
  EnsureFixture();
  Caller viewer{"v", "viewer", "142140"};
  pb::GetMunicipalityRequest gm;
  gm.set_name(kM);
  pb::Municipality m;
  EXPECT_TRUE(Call(&pb::PlanService::Stub::GetMunicipality, gm, &m, viewer).ok());
  EXPECT_EQ(m.display_name(), "伊勢原市");
  pb::ListMunicipalitiesResponse lm;
  EXPECT_TRUE(
      Call(&pb::PlanService::Stub::ListMunicipalities, pb::ListMunicipalitiesRequest(), &lm, viewer)
          .ok());
  EXPECT_EQ(lm.municipalities_size(), 1);
  pb::GetDepartmentRequest gd;
  gd.set_name(std::string(kM) + "/departments/kikaku");
  pb::Department d;
  EXPECT_TRUE(Call(&pb::PlanService::Stub::GetDepartment, gd, &d, viewer).ok());
  pb::ListDepartmentsRequest ld;
  ld.set_parent(kM);
  ld.set_filter("active=true");
  pb::ListDepartmentsResponse lds;
  EXPECT_TRUE(Call(&pb::PlanService::Stub::ListDepartments, ld, &lds, viewer).ok());
  EXPECT_EQ(lds.departments_size(), 1);
  pb::GetPlanRequest gp;
  gp.set_name(kPlan);
  pb::Plan plan;
  EXPECT_TRUE(Call(&pb::PlanService::Stub::GetPlan, gp, &plan, viewer).ok());
  pb::ListPlansRequest lp;
  lp.set_parent(kM);
  lp.set_filter("kind=PLAN_KIND_COMPREHENSIVE");
  pb::ListPlansResponse lps;
  EXPECT_TRUE(Call(&pb::PlanService::Stub::ListPlans, lp, &lps, viewer).ok());
  EXPECT_EQ(lps.plans_size(), 1);
  pb::GetPlanTreeRequest gt;
  gt.set_name(kPlan);
  pb::PlanTree tree;
  EXPECT_TRUE(Call(&pb::PlanService::Stub::GetPlanTree, gt, &tree, viewer).ok());
  EXPECT_GE(tree.nodes_size(), 2);
  EXPECT_EQ(tree.links_size(), 1);
  EXPECT_EQ(tree.link_packages(0), kPkg);
  pb::GetNodeRequest gn;
  gn.set_name(kNode);
  pb::Node node;
  EXPECT_TRUE(Call(&pb::PlanService::Stub::GetNode, gn, &node, viewer).ok());
  // GetNode sends the stored bytes as they are: the same node the tree holds, every field.
  EXPECT_EQ(node.name(), kNode);
  EXPECT_FALSE(node.display_name().empty());
  bool in_tree = false;
  for (const pb::TreeNode& t : tree.nodes()) {
    if (t.node().name() != kNode) continue;
    in_tree = true;
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(t.node(), node))
        << t.node().ShortDebugString() << "\n" << node.ShortDebugString();
  }
  EXPECT_TRUE(in_tree);
  pb::ListNodesRequest ln;
  ln.set_parent(kPlan);
  ln.set_filter("department=\"municipalities/142140/departments/kikaku\"");
  pb::ListNodesResponse lns;
  EXPECT_TRUE(Call(&pb::PlanService::Stub::ListNodes, ln, &lns, viewer).ok());
  EXPECT_EQ(lns.nodes_size(), 1);
  pb::SearchNodesRequest sn;
  sn.set_parent("municipalities/142140/plans/-");
  sn.set_query("ぼうさい 防災");  // words must all match: no node has the kana
  pb::SearchNodesResponse sns;
  EXPECT_TRUE(Call(&pb::PlanService::Stub::SearchNodes, sn, &sns, viewer).ok());
  EXPECT_EQ(sns.nodes_size(), 0);
  sn.set_query("防災");
  sn.set_sdg_goal(11);
  EXPECT_TRUE(Call(&pb::PlanService::Stub::SearchNodes, sn, &sns, viewer).ok());
  EXPECT_EQ(sns.nodes_size(), 1);
  pb::GetPackageRequest gpk;
  gpk.set_name(kPkg);
  pb::Package pkg;
  EXPECT_TRUE(Call(&pb::PlanService::Stub::GetPackage, gpk, &pkg, viewer).ok());
  pb::ListPackagesRequest lpk;
  lpk.set_parent(kPlan);
  pb::ListPackagesResponse lpks;
  EXPECT_TRUE(Call(&pb::PlanService::Stub::ListPackages, lpk, &lpks, viewer).ok());
  pb::ListPackageLinksRequest ll;
  ll.set_parent(kPkg);
  pb::ListPackageLinksResponse lls;
  EXPECT_TRUE(Call(&pb::PlanService::Stub::ListPackageLinks, ll, &lls, viewer).ok());
  ASSERT_EQ(lls.links_size(), 1);
  pb::GetPackageLinkRequest gl;
  gl.set_name(lls.links(0).name());
  pb::PackageLink link;
  EXPECT_TRUE(Call(&pb::PlanService::Stub::GetPackageLink, gl, &link, viewer).ok());
  pb::GetPackageMatrixRequest mx;
  mx.set_plan(kPlan);
  pb::PackageMatrix matrix;
  EXPECT_TRUE(Call(&pb::PlanService::Stub::GetPackageMatrix, mx, &matrix, viewer).ok());
  EXPECT_EQ(matrix.rows_size(), 1);
  pb::ListAuditEventsRequest la;
  la.set_parent(kM);
  pb::ListAuditEventsResponse las;
  EXPECT_TRUE(Call(&pb::PlanService::Stub::ListAuditEvents, la, &las).ok());
  EXPECT_GE(las.audit_events_size(), 6);
}

TEST_F(PlanGrpcTest, WritesSucceedAndAreUndoable) {
  EnsureFixture();
  pb::UpdateMunicipalityRequest um;
  um.mutable_municipality()->set_name(kM);
  um.mutable_municipality()->set_prefecture("神奈川県");
  um.mutable_update_mask()->add_paths("prefecture");
  pb::Municipality m;
  EXPECT_TRUE(Call(&pb::PlanService::Stub::UpdateMunicipality, um, &m).ok());
  EXPECT_EQ(m.prefecture(), "神奈川県");

  pb::CreateDepartmentRequest cd;
  cd.set_parent(kM);
  cd.set_department_id("temp");
  cd.mutable_department()->set_display_name("臨時課");
  pb::Department d;
  ASSERT_TRUE(Call(&pb::PlanService::Stub::CreateDepartment, cd, &d).ok());
  pb::UpdateDepartmentRequest ud;
  *ud.mutable_department() = d;
  ud.mutable_department()->set_code("9999");
  ud.mutable_update_mask()->add_paths("code");
  EXPECT_TRUE(Call(&pb::PlanService::Stub::UpdateDepartment, ud, &d).ok());
  pb::DeleteDepartmentRequest dd;
  dd.set_name(d.name());
  dd.set_etag(d.etag());
  google::protobuf::Empty e;
  EXPECT_TRUE(Call(&pb::PlanService::Stub::DeleteDepartment, dd, &e).ok());

  pb::CreatePlanRequest cp = sokei::testing::PlanRequest(kM, "tmp-plan");
  cp.mutable_plan()->set_kind(pb::PLAN_KIND_SECTORAL);
  cp.mutable_plan()->set_layer(pb::PLAN_LAYER_IMPLEMENTATION_PLAN);
  pb::Plan p;
  ASSERT_TRUE(Call(&pb::PlanService::Stub::CreatePlan, cp, &p).ok());
  pb::UpdatePlanRequest up;
  up.mutable_plan()->set_name(p.name());
  up.mutable_plan()->set_version_label("後期");
  up.mutable_update_mask()->add_paths("version_label");
  EXPECT_TRUE(Call(&pb::PlanService::Stub::UpdatePlan, up, &p).ok());
  pb::CreateNodeRequest cn;
  cn.set_parent(p.name());
  cn.set_node_id("n1");
  cn.mutable_node()->set_level(1);
  cn.mutable_node()->set_display_name("x");
  pb::Node n;
  ASSERT_TRUE(Call(&pb::PlanService::Stub::CreateNode, cn, &n).ok());
  cn.set_node_id("n2");
  pb::Node n2;
  ASSERT_TRUE(Call(&pb::PlanService::Stub::CreateNode, cn, &n2).ok());
  pb::UpdateNodeRequest un;
  *un.mutable_node() = n;
  un.mutable_node()->add_tags("DX");
  un.mutable_update_mask()->add_paths("tags");
  EXPECT_TRUE(Call(&pb::PlanService::Stub::UpdateNode, un, &n).ok());
  pb::MoveNodeRequest mv;
  mv.set_name(n2.name());
  mv.set_sort_key(-1);
  EXPECT_TRUE(Call(&pb::PlanService::Stub::MoveNode, mv, &n2).ok());
  EXPECT_EQ(n2.sort_key(), -1);
  pb::DeleteNodeRequest dn;
  dn.set_name(n2.name());
  EXPECT_TRUE(Call(&pb::PlanService::Stub::DeleteNode, dn, &e).ok());

  pb::CreatePackageRequest cpk;
  cpk.set_parent(p.name());
  cpk.set_package_id("pk");
  cpk.mutable_package()->set_display_name("重点");
  cpk.mutable_package()->set_kind(pb::PACKAGE_KIND_OTHER);
  pb::Package pk;
  ASSERT_TRUE(Call(&pb::PlanService::Stub::CreatePackage, cpk, &pk).ok());
  pb::UpdatePackageRequest upk;
  *upk.mutable_package() = pk;
  upk.mutable_package()->set_kind_label("チャレンジプロジェクト");
  upk.mutable_update_mask()->add_paths("kind_label");
  EXPECT_TRUE(Call(&pb::PlanService::Stub::UpdatePackage, upk, &pk).ok());
  pb::CreatePackageLinkRequest cl;
  cl.set_parent(pk.name());
  cl.mutable_link()->set_node(n.name());
  cl.mutable_link()->set_role(pb::PACKAGE_LINK_ROLE_RELATED);
  pb::PackageLink l;
  ASSERT_TRUE(Call(&pb::PlanService::Stub::CreatePackageLink, cl, &l).ok());
  EXPECT_EQ(l.name(), pk.name() + "/links/n1");
  pb::DeletePackageLinkRequest dl;
  dl.set_name(l.name());
  EXPECT_TRUE(Call(&pb::PlanService::Stub::DeletePackageLink, dl, &e).ok());
  pb::DeletePackageRequest dpk;
  dpk.set_name(pk.name());
  EXPECT_TRUE(Call(&pb::PlanService::Stub::DeletePackage, dpk, &e).ok());

  pb::DeletePlanRequest dp;
  dp.set_name(p.name());
  auto refused = Call(&pb::PlanService::Stub::DeletePlan, dp, &e);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Reason(refused), "PLAN_HAS_CHILDREN");
  dp.set_force(true);
  EXPECT_TRUE(Call(&pb::PlanService::Stub::DeletePlan, dp, &e).ok());
  pb::GetPlanRequest gp;
  gp.set_name(p.name());
  EXPECT_EQ(Call(&pb::PlanService::Stub::GetPlan, gp, &p).code(), absl::StatusCode::kNotFound);
}

class PlanGrpcFailureTest : public PlanGrpcTest {
 public:
  template <typename Req, typename Resp>
  absl::Status Do(grpc::Status (pb::PlanService::Stub::*fn)(grpc::ClientContext*, const Req&,
                                                            Resp*),
                  const Req& req, const Caller& who = Caller()) {
    Resp resp;
    return Call(fn, req, &resp, who);
  }
};

// One row per failure path: the call, the expected code and reason, and the field named.
struct FailureCase {
  const char* label;
  std::function<absl::Status(PlanGrpcFailureTest*)> call;
  absl::StatusCode code;
  const char* reason;
  const char* field;  // "" when no BadRequest is expected
};

TEST_F(PlanGrpcFailureTest, EveryMethodFailsWithTheRightCodeReasonAndField) {
  EnsureFixture();
  using S = pb::PlanService::Stub;
  const Caller viewer{"v", "viewer", "142140"};
  const Caller other{"o", "planner", "142034"};
  const Caller nobody{"", "", ""};
  std::vector<FailureCase> cases = {
      {"no principal",
       [&](auto* t) {
         pb::GetPlanRequest r;
         r.set_name(kPlan);
         return t->Do(&S::GetPlan, r, nobody);
       },
       absl::StatusCode::kUnauthenticated, "PRINCIPAL_MISSING", ""},
      {"bad role",
       [&](auto* t) {
         pb::GetPlanRequest r;
         r.set_name(kPlan);
         return t->Do(&S::GetPlan, r, Caller{"x", "root", "142140"});
       },
       absl::StatusCode::kUnauthenticated, "PRINCIPAL_INVALID", ""},
      {"create municipality as planner",
       [&](auto* t) {
         pb::CreateMunicipalityRequest r;
         r.set_municipality_id("142034");
         r.mutable_municipality()->set_display_name("平塚市");
         return t->Do(&S::CreateMunicipality, r);
       },
       absl::StatusCode::kPermissionDenied, "PERMISSION_DENIED", ""},
      {"municipality check digit",
       [&](auto* t) {
         pb::GetMunicipalityRequest r;
         r.set_name("municipalities/142141");
         return t->Do(&S::GetMunicipality, r);
       },
       absl::StatusCode::kInvalidArgument, "NAME_INVALID", "name"},
      {"list municipalities page size",
       [&](auto* t) {
         pb::ListMunicipalitiesRequest r;
         r.set_page_size(-5);
         return t->Do(&S::ListMunicipalities, r);
       },
       absl::StatusCode::kInvalidArgument, "PAGE_SIZE_INVALID", "page_size"},
      {"update municipality mask",
       [&](auto* t) {
         pb::UpdateMunicipalityRequest r;
         r.mutable_municipality()->set_name(kM);
         r.mutable_update_mask()->add_paths("name");
         return t->Do(&S::UpdateMunicipality, r);
       },
       absl::StatusCode::kInvalidArgument, "UPDATE_MASK_INVALID", "update_mask.paths[0]"},
      {"create department bad id",
       [&](auto* t) {
         pb::CreateDepartmentRequest r;
         r.set_parent(kM);
         r.set_department_id("企画");
         r.mutable_department()->set_display_name("x");
         return t->Do(&S::CreateDepartment, r);
       },
       absl::StatusCode::kInvalidArgument, "ID_INVALID", "department_id"},
      {"get department missing",
       [&](auto* t) {
         pb::GetDepartmentRequest r;
         r.set_name(std::string(kM) + "/departments/none");
         return t->Do(&S::GetDepartment, r);
       },
       absl::StatusCode::kNotFound, "DEPARTMENT_NOT_FOUND", ""},
      {"list departments filter",
       [&](auto* t) {
         pb::ListDepartmentsRequest r;
         r.set_parent(kM);
         r.set_filter("active=maybe");
         return t->Do(&S::ListDepartments, r);
       },
       absl::StatusCode::kInvalidArgument, "FILTER_INVALID", "filter"},
      {"update department etag",
       [&](auto* t) {
         pb::UpdateDepartmentRequest r;
         r.mutable_department()->set_name(std::string(kM) + "/departments/kikaku");
         r.mutable_department()->set_etag("stale.1");
         r.mutable_department()->set_code("1");
         r.mutable_update_mask()->add_paths("code");
         return t->Do(&S::UpdateDepartment, r);
       },
       absl::StatusCode::kAborted, "DEPARTMENT_ETAG_MISMATCH", ""},
      {"delete department in use",
       [&](auto* t) {
         pb::DeleteDepartmentRequest r;
         r.set_name(std::string(kM) + "/departments/kikaku");
         return t->Do(&S::DeleteDepartment, r);
       },
       absl::StatusCode::kFailedPrecondition, "DEPARTMENT_IN_USE", ""},
      {"create plan as viewer",
       [&](auto* t) {
         pb::CreatePlanRequest r;
         r.set_parent(kM);
         r.set_plan_id("x");
         return t->Do(&S::CreatePlan, r, viewer);
       },
       absl::StatusCode::kPermissionDenied, "PERMISSION_DENIED", ""},
      {"create plan exists",
       [&](auto* t) {
         pb::CreatePlanRequest r;
         r.set_parent(kM);
         r.set_plan_id("6th");
         auto* p = r.mutable_plan();
         p->set_display_name("x");
         p->set_kind(pb::PLAN_KIND_COMPREHENSIVE);
         p->set_layer(pb::PLAN_LAYER_VISION);
         p->mutable_period()->set_start_year(2023);
         p->mutable_period()->set_end_year(2030);
         for (int i = 1; i <= 2; ++i) {
           auto* l = p->add_levels();
           l->set_depth(i);
           l->set_display_name("l");
         }
         return t->Do(&S::CreatePlan, r);
       },
       absl::StatusCode::kAlreadyExists, "PLAN_ALREADY_EXISTS", ""},
      {"get plan other municipality",
       [&](auto* t) {
         pb::GetPlanRequest r;
         r.set_name(kPlan);
         return t->Do(&S::GetPlan, r, other);
       },
       absl::StatusCode::kPermissionDenied, "PERMISSION_DENIED", ""},
      {"list plans bad enum filter",
       [&](auto* t) {
         pb::ListPlansRequest r;
         r.set_parent(kM);
         r.set_filter("status=PUBLISHED");
         return t->Do(&S::ListPlans, r);
       },
       absl::StatusCode::kInvalidArgument, "FILTER_INVALID", "filter"},
      {"update plan unspecified kind",
       [&](auto* t) {
         pb::UpdatePlanRequest r;
         r.mutable_plan()->set_name(kPlan);
         r.mutable_update_mask()->add_paths("kind");
         return t->Do(&S::UpdatePlan, r);
       },
       absl::StatusCode::kInvalidArgument, "PLAN_INVALID", "plan.kind"},
      {"delete plan missing",
       [&](auto* t) {
         pb::DeletePlanRequest r;
         r.set_name(std::string(kM) + "/plans/none");
         return t->Do(&S::DeletePlan, r);
       },
       absl::StatusCode::kNotFound, "PLAN_NOT_FOUND", ""},
      {"tree of missing plan",
       [&](auto* t) {
         pb::GetPlanTreeRequest r;
         r.set_name(std::string(kM) + "/plans/none");
         return t->Do(&S::GetPlanTree, r);
       },
       absl::StatusCode::kNotFound, "PLAN_NOT_FOUND", ""},
      {"create node SDG 18",
       [&](auto* t) {
         pb::CreateNodeRequest r;
         r.set_parent(kPlan);
         r.set_node_id("x");
         r.mutable_node()->set_level(1);
         r.mutable_node()->set_display_name("x");
         r.mutable_node()->add_sdg_goals(18);
         return t->Do(&S::CreateNode, r);
       },
       absl::StatusCode::kInvalidArgument, "NODE_INVALID", "node.sdg_goals[0]"},
      {"batch empty",
       [&](auto* t) {
         pb::BatchCreateNodesRequest r;
         r.set_parent(kPlan);
         return t->Do(&S::BatchCreateNodes, r);
       },
       absl::StatusCode::kInvalidArgument, "BATCH_SIZE_INVALID", "requests"},
      {"get node bad name",
       [&](auto* t) {
         pb::GetNodeRequest r;
         r.set_name(kPlan);
         return t->Do(&S::GetNode, r);
       },
       absl::StatusCode::kInvalidArgument, "NAME_INVALID", "name"},
      {"list nodes order_by",
       [&](auto* t) {
         pb::ListNodesRequest r;
         r.set_parent(kPlan);
         r.set_order_by("colour");
         return t->Do(&S::ListNodes, r);
       },
       absl::StatusCode::kInvalidArgument, "ORDER_BY_INVALID", "order_by"},
      {"update node immutable level",
       [&](auto* t) {
         pb::UpdateNodeRequest r;
         r.mutable_node()->set_name(kNode);
         r.mutable_node()->set_level(2);
         r.mutable_update_mask()->add_paths("level");
         return t->Do(&S::UpdateNode, r);
       },
       absl::StatusCode::kInvalidArgument, "UPDATE_MASK_INVALID", "update_mask.paths[0]"},
      {"delete node with children",
       [&](auto* t) {
         pb::DeleteNodeRequest r;
         r.set_name(kNode);
         return t->Do(&S::DeleteNode, r);
       },
       absl::StatusCode::kFailedPrecondition, "NODE_HAS_CHILDREN", ""},
      {"move node into own subtree",
       [&](auto* t) {
         pb::MoveNodeRequest r;
         r.set_name(kNode);
         r.set_new_parent(std::string(kPlan) + "/nodes/f01");
         return t->Do(&S::MoveNode, r);
       },
       absl::StatusCode::kFailedPrecondition, "NODE_CYCLE", ""},
      {"search bad level",
       [&](auto* t) {
         pb::SearchNodesRequest r;
         r.set_parent(kPlan);
         r.set_level(9);
         return t->Do(&S::SearchNodes, r);
       },
       absl::StatusCode::kInvalidArgument, "SEARCH_INVALID", "level"},
      {"create package unspecified kind",
       [&](auto* t) {
         pb::CreatePackageRequest r;
         r.set_parent(kPlan);
         r.set_package_id("x");
         r.mutable_package()->set_display_name("x");
         return t->Do(&S::CreatePackage, r);
       },
       absl::StatusCode::kInvalidArgument, "PACKAGE_INVALID", "package.kind"},
      {"get package missing",
       [&](auto* t) {
         pb::GetPackageRequest r;
         r.set_name(std::string(kPlan) + "/packages/none");
         return t->Do(&S::GetPackage, r);
       },
       absl::StatusCode::kNotFound, "PACKAGE_NOT_FOUND", ""},
      {"list packages bad token",
       [&](auto* t) {
         pb::ListPackagesRequest r;
         r.set_parent(kPlan);
         r.set_page_token("bm90LWEtdG9rZW4");
         return t->Do(&S::ListPackages, r);
       },
       absl::StatusCode::kInvalidArgument, "PAGE_TOKEN_INVALID", "page_token"},
      {"update package cycle",
       [&](auto* t) {
         pb::UpdatePackageRequest r;
         r.mutable_package()->set_name(kPkg);
         r.mutable_package()->set_parent(kPkg);
         r.mutable_update_mask()->add_paths("parent");
         return t->Do(&S::UpdatePackage, r);
       },
       absl::StatusCode::kFailedPrecondition, "PACKAGE_CYCLE", ""},
      {"delete package with links",
       [&](auto* t) {
         pb::DeletePackageRequest r;
         r.set_name(kPkg);
         return t->Do(&S::DeletePackage, r);
       },
       absl::StatusCode::kFailedPrecondition, "PACKAGE_HAS_CHILDREN", ""},
      {"link to node of another plan",
       [&](auto* t) {
         pb::CreatePackageLinkRequest r;
         r.set_parent(kPkg);
         r.mutable_link()->set_node(std::string(kM) + "/plans/other/nodes/x");
         r.mutable_link()->set_role(pb::PACKAGE_LINK_ROLE_PRIMARY);
         return t->Do(&S::CreatePackageLink, r);
       },
       absl::StatusCode::kInvalidArgument, "PACKAGE_LINK_INVALID", "link.node"},
      {"duplicate link",
       [&](auto* t) {
         pb::CreatePackageLinkRequest r;
         r.set_parent(kPkg);
         r.mutable_link()->set_node(std::string(kPlan) + "/nodes/f01");
         r.mutable_link()->set_role(pb::PACKAGE_LINK_ROLE_PRIMARY);
         return t->Do(&S::CreatePackageLink, r);
       },
       absl::StatusCode::kAlreadyExists, "PACKAGE_LINK_ALREADY_EXISTS", ""},
      {"get link missing",
       [&](auto* t) {
         pb::GetPackageLinkRequest r;
         r.set_name(std::string(kPkg) + "/links/none");
         return t->Do(&S::GetPackageLink, r);
       },
       absl::StatusCode::kNotFound, "PACKAGE_LINK_NOT_FOUND", ""},
      {"list links of missing package",
       [&](auto* t) {
         pb::ListPackageLinksRequest r;
         r.set_parent(std::string(kPlan) + "/packages/none");
         return t->Do(&S::ListPackageLinks, r);
       },
       absl::StatusCode::kNotFound, "PACKAGE_NOT_FOUND", ""},
      {"delete link etag",
       [&](auto* t) {
         pb::DeletePackageLinkRequest r;
         r.set_name(std::string(kPkg) + "/links/f01");
         r.set_etag("0.0");
         return t->Do(&S::DeletePackageLink, r);
       },
       absl::StatusCode::kAborted, "PACKAGE_LINK_ETAG_MISMATCH", ""},
      {"matrix level",
       [&](auto* t) {
         pb::GetPackageMatrixRequest r;
         r.set_plan(kPlan);
         r.set_level(6);
         return t->Do(&S::GetPackageMatrix, r);
       },
       absl::StatusCode::kInvalidArgument, "MATRIX_INVALID", "level"},
      {"matrix bad plan name",
       [&](auto* t) {
         pb::GetPackageMatrixRequest r;
         r.set_plan("plans/x");
         return t->Do(&S::GetPackageMatrix, r);
       },
       absl::StatusCode::kInvalidArgument, "NAME_INVALID", "plan"},
      {"audit as viewer",
       [&](auto* t) {
         pb::ListAuditEventsRequest r;
         r.set_parent(kM);
         return t->Do(&S::ListAuditEvents, r, viewer);
       },
       absl::StatusCode::kPermissionDenied, "PERMISSION_DENIED", ""},
  };
  for (const FailureCase& c : cases) {
    absl::Status s = c.call(this);
    EXPECT_EQ(s.code(), c.code) << c.label << ": " << s;
    EXPECT_EQ(Reason(s), c.reason) << c.label;
    if (*c.field != '\0') {
      auto v = status::GetFieldViolations(s);
      ASSERT_FALSE(v.empty()) << c.label;
      EXPECT_EQ(v[0].field, c.field) << c.label;
    }
    // No SQL, paths or internals in any message.
    for (const char* leak : {"SELECT", "INSERT", "sqlite", "/tmp/", ".db"}) {
      EXPECT_EQ(s.message().find(leak), absl::string_view::npos) << c.label << ": " << s.message();
    }
  }
}

TEST_F(PlanGrpcTest, ConcurrentWritersAllLandWithDistinctAuditRows) {
  EnsureFixture();
  constexpr int kThreads = 4, kPerThread = 15;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto stub = pb::PlanService::NewStub(*channel_);
      for (int i = 0; i < kPerThread; ++i) {
        pb::CreateNodeRequest r;
        r.set_parent(kPlan);
        r.set_node_id("c" + std::to_string(t) + "-" + std::to_string(i));
        r.mutable_node()->set_level(2);
        r.mutable_node()->set_parent(kNode);
        r.mutable_node()->set_display_name("同時書き込み");
        grpc::ClientContext ctx;
        grpcx::SetTimeout(&ctx, 10000);
        sokei::testing::AddSignedMetadata(&ctx, "writer-" + std::to_string(t), "planner", "142140");
        pb::Node n;
        if (!stub->CreateNode(&ctx, r, &n).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  pb::ListNodesRequest l;
  l.set_parent(kPlan);
  l.set_filter("parent=\"" + std::string(kNode) + "\"");
  l.set_page_size(500);
  pb::ListNodesResponse nodes;
  ASSERT_TRUE(Call(&pb::PlanService::Stub::ListNodes, l, &nodes).ok());
  int created = 0;
  for (const auto& n : nodes.nodes()) created += n.display_name() == "同時書き込み";
  EXPECT_EQ(created, kThreads * kPerThread);
  // One audit row per write, none lost or doubled under contention.
  pb::ListAuditEventsRequest a;
  a.set_parent(kM);
  a.set_page_size(500);
  pb::ListAuditEventsResponse events;
  ASSERT_TRUE(Call(&pb::PlanService::Stub::ListAuditEvents, a, &events).ok());
  std::set<std::string> names, concurrent;
  for (const auto& e : events.audit_events()) {
    names.insert(e.name());
    if (e.actor().rfind("writer-", 0) == 0) concurrent.insert(e.resource());
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(events.audit_events_size()));
  EXPECT_EQ(concurrent.size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST_F(PlanGrpcTest, TreeOverGrpcIsCachedAndFollowsWrites) {
  EnsureFixture();
  pb::GetPlanTreeRequest gt;
  gt.set_name(kPlan);
  pb::PlanTree first, second, third;
  ASSERT_TRUE(Call(&pb::PlanService::Stub::GetPlanTree, gt, &first).ok());
  const int64_t hits = cache_->stats().hits;
  ASSERT_TRUE(Call(&pb::PlanService::Stub::GetPlanTree, gt, &second).ok());
  EXPECT_EQ(cache_->stats().hits, hits + 1);
  EXPECT_EQ(first.SerializeAsString(), second.SerializeAsString());
  pb::UpdatePlanRequest up;
  up.mutable_plan()->set_name(kPlan);
  up.mutable_plan()->set_description("改訂");
  up.mutable_update_mask()->add_paths("description");
  pb::Plan plan;
  ASSERT_TRUE(Call(&pb::PlanService::Stub::UpdatePlan, up, &plan).ok());
  ASSERT_TRUE(Call(&pb::PlanService::Stub::GetPlanTree, gt, &third).ok());
  EXPECT_EQ(third.plan().description(), "改訂");
  pb::GetPlanTreeRequest bad;
  bad.set_name("municipalities/142140/plans/none");
  EXPECT_EQ(Call(&pb::PlanService::Stub::GetPlanTree, bad, &third).code(),
            absl::StatusCode::kNotFound);
}

TEST(DispatchTable, AnOutOfOrderTableStopsStartUp) {
  // The table must list the methods in proto order: a mistake is fatal at start-up, not a
  // misrouted call later.
  auto build_bad_table = [] {
    testing::MemoryPlanRepository repo;
    PlanDomain domain(&repo);
    DispatchedPlanService service(&domain, auth::IdentityCheck::Dev());
    grpcx::DispatchTable table(
        &service, pb::GetPlanRequest::descriptor()->file()->FindServiceByName("PlanService"));
    table.Add<PlanGrpcService, pb::GetNodeRequest, pb::Node>(
        &service, "GetNode", [](grpc::ServerContext*, const pb::GetNodeRequest*, pb::Node*) {
          return grpc::Status::OK;
        });
  };
  EXPECT_DEATH(build_bad_table(), "out of order at GetNode");
  // The real table is complete.
  testing::MemoryPlanRepository repo;
  PlanDomain domain(&repo);
  DispatchedPlanService service(&domain, auth::IdentityCheck::Dev());
  EXPECT_TRUE(MakeDispatchTable(&service)->complete());
}

TEST_F(PlanGrpcTest, OversizedMessageIsRefused) {
  EnsureFixture();
  pb::CreateNodeRequest r;
  r.set_parent(kPlan);
  r.set_node_id("huge");
  r.mutable_node()->set_level(1);
  r.mutable_node()->set_display_name(std::string(2 << 20, 'a'));  // server limit is 1 MiB here
  pb::Node n;
  EXPECT_EQ(Call(&pb::PlanService::Stub::CreateNode, r, &n).code(),
            absl::StatusCode::kResourceExhausted);
}

TEST_F(PlanGrpcTest, FailedBatchLeavesNothingStored) {
  EnsureFixture();
  pb::BatchCreateNodesRequest b;
  b.set_parent(kPlan);
  for (int i = 0; i < 50; ++i) {
    auto* r = b.add_requests();
    r->set_node_id("bulk-" + std::to_string(i));
    r->mutable_node()->set_level(1);
    r->mutable_node()->set_display_name("一括");
  }
  b.mutable_requests(49)->mutable_node()->set_level(7);
  pb::BatchCreateNodesResponse resp;
  auto s = Call(&pb::PlanService::Stub::BatchCreateNodes, b, &resp);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status::GetFieldViolations(s).at(0).field, "requests[49].node.level");
  pb::GetNodeRequest g;
  g.set_name(std::string(kPlan) + "/nodes/bulk-0");
  pb::Node n;
  EXPECT_EQ(Call(&pb::PlanService::Stub::GetNode, g, &n).code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace sokei::plan
