// The KPI service over real gRPC on loopback, calling a real plan service over gRPC, each on its
// own database (SQLite files, or schemas on the PostgreSQL test cluster with
// SOKEI_TEST_BACKEND=postgres): the fixture of kpi_grpc_test's files.
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/grpcx/server.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"
#include "services/kpi/api/grpc_plan_client.h"
#include "services/kpi/api/kpi_grpc_service.h"
#include "services/kpi/files/format_table_writer.h"
#include "services/kpi/storage/sql_kpi_repository.h"
#include "tests/support/fixture_files.h"
#include "tests/support/plan_fixtures.h"
#include "tests/support/plan_server.h"
#include "tests/support/status_details.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_identity.h"

namespace sokei::kpi::grpc_test {

using sokei::testing::Reason;
inline constexpr char kM[] = "municipalities/142140";
inline constexpr char kPlan[] = "municipalities/142140/plans/5th";

struct Caller {
  std::string subject = "planner-1";
  std::string roles = "planner";
  std::string municipality = "142140";
  std::string departments;
};

// Seed 001, the Isehara FY2020 progress table (services/kpi/demo/).
inline std::string Seed() {
  std::ifstream in(SOKEI_SEED_001, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class KpiGrpcTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string backend = sokei::testing::BackendFromEnv();
    plan_db_ = sokei::testing::TestDatabase::Make(backend).release();
    kpi_db_ = sokei::testing::TestDatabase::Make(backend).release();
    if (plan_db_ == nullptr || kpi_db_ == nullptr) return;
    auto plan = sokei::testing::PlanServer::Start(plan_db_->db(), &absl::Now, 4);
    ASSERT_TRUE(plan.ok()) << plan.status();
    plan_ = plan->release();
    plan_domain_ = plan_->domain.get();
    const std::string plan_addr = plan_->address();

    kpi_repo_ = new SqlKpiRepository(kpi_db_->db());
    ASSERT_TRUE(kpi_repo_->Migrate().ok());
    plan_client_ = new GrpcPlanClient(GrpcPlanClient::MakeChannel(plan_addr, 64 << 20));
    kpi_domain_ = new KpiDomain(kpi_repo_, plan_client_, &files_);
    kpi_service_ = new DispatchedKpiService(kpi_domain_, sokei::testing::VerifiedIdentity());
    kpi_table_ = MakeDispatchTable(kpi_service_).release();
    auto ks = grpcx::Server::Start({"127.0.0.1:0", 4, 20 << 20, 1000, true}, {},
                                   {"sokei.kpi.v1.KpiService"}, {kpi_table_});
    ASSERT_TRUE(ks.ok()) << ks.status();
    kpi_server_ = ks->release();
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    args.SetMaxSendMessageSize(64 << 20);
    kpi_channel_ = new std::shared_ptr<grpc::Channel>(
        grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(kpi_server_->port()),
                                  grpc::InsecureChannelCredentials(), args));
    plan_channel_ = new std::shared_ptr<grpc::Channel>(grpcx::MakeChannel(plan_addr));

    // Municipality and plan, through the plan service's own API.
    auto plan_stub = plan::v1::PlanService::NewStub(*plan_channel_);
    grpc::ClientContext c1;
    sokei::testing::AddSignedMetadata(&c1, "root", "admin", "*");
    plan::v1::CreateMunicipalityRequest m;
    m.set_municipality_id("142140");
    m.mutable_municipality()->set_display_name("伊勢原市");
    plan::v1::Municipality mo;
    ASSERT_TRUE(plan_stub->CreateMunicipality(&c1, m, &mo).ok());
    auto req = sokei::testing::PlanRequest(kM, "5th", 0);
    for (const char* l : {"まちづくり目標", "基本政策", "施策展開の方向", "施策", "事業"}) {
      auto* level = req.mutable_plan()->add_levels();
      level->set_depth(req.plan().levels_size());
      level->set_display_name(l);
    }
    grpc::ClientContext c2;
    sokei::testing::AddSignedMetadata(&c2, "root", "admin", "*");
    plan::v1::Plan po;
    auto s = plan_stub->CreatePlan(&c2, req, &po);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  static void TearDownTestSuite() {
    delete kpi_server_;
    delete plan_;
    delete kpi_channel_;
    delete plan_channel_;
    delete kpi_table_;
    delete kpi_service_;
    delete kpi_domain_;
    delete plan_client_;
    delete kpi_repo_;
    delete kpi_db_;
    delete plan_db_;
    kpi_server_ = nullptr;
    plan_ = nullptr;
    imported_ = false;  // a suite deriving from this one starts on fresh databases
  }

  void SetUp() override {
    if (kpi_server_ == nullptr) GTEST_SKIP() << "no PostgreSQL test cluster (scripts/test.sh)";
    stub_ = pb::KpiService::NewStub(*kpi_channel_);
  }

  template <typename Req, typename Resp>
  absl::Status Call(grpc::Status (pb::KpiService::Stub::*fn)(grpc::ClientContext*, const Req&,
                                                             Resp*),
                    const Req& req, Resp* resp, const Caller& who = Caller()) {
    grpc::ClientContext ctx;
    grpcx::SetTimeout(&ctx, 60000);
    if (!who.subject.empty()) {
      sokei::testing::AddSignedMetadata(&ctx, who.subject, who.roles, who.municipality,
                                        who.departments);
    }
    return status::FromGrpc(((*stub_).*fn)(&ctx, req, resp));
  }

  // The municipality's one indicator with `code` (a failure, and an empty one, if not exactly one).
  pb::Indicator IndicatorByCode(const std::string& code) {
    pb::ListIndicatorsRequest lr;
    lr.set_parent(kM);
    lr.set_filter("code=\"" + code + "\"");
    pb::ListIndicatorsResponse list;
    const absl::Status s = Call(&pb::KpiService::Stub::ListIndicators, lr, &list);
    EXPECT_TRUE(s.ok()) << s;
    EXPECT_EQ(list.indicators_size(), 1) << code;
    return list.indicators_size() == 1 ? list.indicators(0) : pb::Indicator();
  }

  void EnsureImported() {
    if (imported_) return;
    pb::ImportProgressTableRequest r;
    r.set_parent(kPlan);
    r.set_content(Seed());
    r.set_request_id("import-1");
    pb::ImportProgressTableResponse resp;
    auto s = Call(&pb::KpiService::Stub::ImportProgressTable, r, &resp);
    ASSERT_TRUE(s.ok()) << s;
    ASSERT_TRUE(resp.committed());
    ASSERT_EQ(resp.counts().indicators_created(), 111);
    imported_ = true;
  }

  static inline sokei::testing::TestDatabase* plan_db_ = nullptr;
  static inline sokei::testing::TestDatabase* kpi_db_ = nullptr;
  static inline sokei::testing::PlanServer* plan_ = nullptr;
  static inline plan::PlanDomain* plan_domain_ = nullptr;
  static inline SqlKpiRepository* kpi_repo_ = nullptr;
  static inline GrpcPlanClient* plan_client_ = nullptr;
  static inline FormatTableWriter files_;
  static inline KpiDomain* kpi_domain_ = nullptr;
  static inline DispatchedKpiService* kpi_service_ = nullptr;
  static inline grpcx::DispatchTable* kpi_table_ = nullptr;
  static inline grpcx::Server* kpi_server_ = nullptr;
  static inline std::shared_ptr<grpc::Channel>* kpi_channel_ = nullptr;
  static inline std::shared_ptr<grpc::Channel>* plan_channel_ = nullptr;
  static inline bool imported_ = false;
  std::unique_ptr<pb::KpiService::Stub> stub_;
};

}  // namespace sokei::kpi::grpc_test
