// Jepsen-style durability of the real service binaries, judged by an acknowledgement log
// (durability/ack_log.h): after the fault and a restart, every acknowledged write is stored, none
// is stored that was refused, and replaying request ids duplicates nothing. For each of the plan
// (CreateNode), KPI (CreateIndicator, which asks the plan service about the node) and survey
// (CreateSurvey) services:
//  - kill -9 during writes (SQLite);
//  - PostgreSQL stopped in immediate mode mid-stream and started again: readiness says
//    NOT_SERVING meanwhile and the service reconnects by itself, without a restart.
// And for the plan service, SIGTERM during writes drains what is in flight.
// usage: durability_test (SOKEI_{PLAN,KPI,SURVEY}_BINARY name the servers)
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <thread>

#include "common/grpcx/server.h"
#include "sokei/kpi/v1/kpi_service.grpc.pb.h"
#include "sokei/plan/v1/plan_service.grpc.pb.h"
#include "sokei/survey/v1/survey_service.grpc.pb.h"
#include "tests/e2e/durability/ack_log.h"
#include "tests/e2e/durability/server_process.h"
#include "tests/support/plan_fixtures.h"
#include "tests/support/redis_server.h"
#include "tests/support/survey_fixtures.h"

namespace sokei {
namespace {

using sokei::testing::AckLog;
using sokei::testing::ServerProcess;
using sokei::testing::Workload;
constexpr char kCity[] = "municipalities/142140";
constexpr char kPlan[] = "municipalities/142140/plans/p";

// Lists every page of a List method into the ids (the last segment of each name).
template <typename Req, typename Resp, typename Call, typename Items>
std::optional<std::set<std::string>> AllIds(Req req, Call call, Items items) {
  std::set<std::string> ids;
  req.set_page_size(500);
  do {
    grpc::ClientContext ctx;
    grpcx::SetTimeout(&ctx, 5000);
    Resp resp;
    if (!call(&ctx, req, &resp).ok()) return std::nullopt;
    for (const auto& r : items(resp)) ids.insert(r.name().substr(r.name().rfind('/') + 1));
    req.set_page_token(resp.next_page_token());
  } while (!req.page_token().empty());
  return ids;
}

void PlanFixture(const ServerProcess& plan) {
  auto stub = plan::v1::PlanService::NewStub(plan.channel());
  grpc::ClientContext c1, c2, c3;
  plan::v1::CreateMunicipalityRequest m;
  m.set_municipality_id("142140");
  m.mutable_municipality()->set_display_name("伊勢原市");
  plan::v1::Municipality mo;
  ASSERT_TRUE(stub->CreateMunicipality(&c1, m, &mo).ok());
  plan::v1::Plan po;
  ASSERT_TRUE(stub->CreatePlan(&c2, sokei::testing::PlanRequest(kCity, "p"), &po).ok());
  plan::v1::CreateNodeRequest n;
  n.set_parent(kPlan);
  n.set_node_id("f05");
  n.mutable_node()->set_level(1);
  n.mutable_node()->set_display_name("地域福祉");
  plan::v1::Node no;
  ASSERT_TRUE(stub->CreateNode(&c3, n, &no).ok());
}

Workload PlanNodes(const ServerProcess& plan) {
  std::shared_ptr<plan::v1::PlanService::Stub> stub = plan::v1::PlanService::NewStub(plan.channel());
  Workload w;
  w.create = [stub](const std::string& id) {
    plan::v1::CreateNodeRequest r;
    r.set_parent(kPlan);
    r.set_node_id(id);
    r.set_request_id("req-" + id);
    r.mutable_node()->set_level(1);
    r.mutable_node()->set_display_name("書き込み " + id);
    grpc::ClientContext ctx;
    grpcx::SetTimeout(&ctx, 2000);
    plan::v1::Node n;
    return stub->CreateNode(&ctx, r, &n);
  };
  w.stored = [stub] {
    plan::v1::ListNodesRequest l;
    l.set_parent(kPlan);
    auto ids = AllIds<plan::v1::ListNodesRequest, plan::v1::ListNodesResponse>(
        l, [&](auto* c, const auto& r, auto* o) { return stub->ListNodes(c, r, o); },
        [](const auto& resp) { return resp.nodes(); });
    if (ids) ids->erase("f05");  // the fixture's
    return ids;
  };
  return w;
}

Workload KpiIndicators(const ServerProcess& kpi) {
  std::shared_ptr<kpi::v1::KpiService::Stub> stub = kpi::v1::KpiService::NewStub(kpi.channel());
  Workload w;
  w.create = [stub](const std::string& id) {
    auto r = sokei::testing::ConsultIndicatorRequest(kCity, kPlan);
    r.set_indicator_id(id);
    r.set_request_id("req-" + id);
    grpc::ClientContext ctx;
    grpcx::SetTimeout(&ctx, 2000);
    kpi::v1::Indicator out;
    return stub->CreateIndicator(&ctx, r, &out);
  };
  w.stored = [stub] {
    kpi::v1::ListIndicatorsRequest l;
    l.set_parent(kCity);
    return AllIds<kpi::v1::ListIndicatorsRequest, kpi::v1::ListIndicatorsResponse>(
        l, [&](auto* c, const auto& r, auto* o) { return stub->ListIndicators(c, r, o); },
        [](const auto& resp) { return resp.indicators(); });
  };
  return w;
}

Workload Surveys(const ServerProcess& survey) {
  std::shared_ptr<survey::v1::SurveyService::Stub> stub =
      survey::v1::SurveyService::NewStub(survey.channel());
  Workload w;
  w.create = [stub](const std::string& id) {
    survey::v1::CreateSurveyRequest r;
    r.set_parent(kCity);
    r.set_survey_id(id);
    r.set_request_id("req-" + id);
    r.mutable_survey()->set_display_name("市民意識調査 " + id);
    r.mutable_survey()->set_fiscal_year(2026);
    r.mutable_survey()->set_kind(survey::v1::SURVEY_KIND_CITIZEN_AWARENESS);
    grpc::ClientContext ctx;
    grpcx::SetTimeout(&ctx, 2000);
    survey::v1::Survey out;
    return stub->CreateSurvey(&ctx, r, &out);
  };
  w.stored = [stub] {
    survey::v1::ListSurveysRequest l;
    l.set_parent(kCity);
    return AllIds<survey::v1::ListSurveysRequest, survey::v1::ListSurveysResponse>(
        l, [&](auto* c, const auto& r, auto* o) { return stub->ListSurveys(c, r, o); },
        [](const auto& resp) { return resp.surveys(); });
  };
  return w;
}

enum class Service { kPlan, kKpi, kSurvey };
const char* Name(Service s) {
  return s == Service::kPlan ? "plan" : s == Service::kKpi ? "kpi" : "survey";
}

class DurabilityTest : public ::testing::TestWithParam<Service> {
 protected:
  void SetUp() override {
    for (const char* v : {"SOKEI_PLAN_BINARY", "SOKEI_KPI_BINARY", "SOKEI_SURVEY_BINARY"}) {
      if (std::getenv(v) == nullptr) GTEST_SKIP() << v << " not set";
    }
    char tmpl[] = "/tmp/sokei-durability-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto port = [] { return "127.0.0.1:" + std::to_string(sokei::testing::FreePort()); };
    base_ = {{"SOKEI_DATA_DIR", dir_},
             {"SOKEI_AUTH_MODE", "dev"},
             {"SOKEI_SHUTDOWN_GRACE_MS", "5000"},
             {"SOKEI_PLAN_ADDR", port()},
             {"SOKEI_KPI_ADDR", port()},
             {"SOKEI_SURVEY_ADDR", port()}};
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // The service under test (and, for KPI, the plan service it asks), started with `extra`
  // settings for the service under test; the fixture written; the workload.
  void StartAll(const std::map<std::string, std::string>& extra = {}) {
    const Service s = GetParam();
    auto env_for = [&](bool under_test) {
      auto env = base_;
      if (under_test) env.insert(extra.begin(), extra.end());
      return env;
    };
    plan_ = std::make_unique<ServerProcess>(std::getenv("SOKEI_PLAN_BINARY"), "SOKEI_PLAN_ADDR",
                                            env_for(s == Service::kPlan));
    plan_->Start();
    PlanFixture(*plan_);
    if (s == Service::kKpi) {
      server_ = std::make_unique<ServerProcess>(std::getenv("SOKEI_KPI_BINARY"), "SOKEI_KPI_ADDR",
                                                env_for(true));
    } else if (s == Service::kSurvey) {
      server_ = std::make_unique<ServerProcess>(std::getenv("SOKEI_SURVEY_BINARY"),
                                                "SOKEI_SURVEY_ADDR", env_for(true));
    }
    if (server_) server_->Start();
  }
  ServerProcess& under_test() { return server_ ? *server_ : *plan_; }
  Workload MakeWorkload() {
    switch (GetParam()) {
      case Service::kPlan: return PlanNodes(*plan_);
      case Service::kKpi: return KpiIndicators(*server_);
      case Service::kSurvey: return Surveys(*server_);
    }
    return {};
  }
  std::string Readiness() const {
    const Service s = GetParam();
    return s == Service::kPlan  ? "sokei.plan.v1.PlanService"
           : s == Service::kKpi ? "sokei.kpi.v1.KpiService"
                                : "sokei.survey.v1.SurveyService";
  }

  std::string dir_;
  std::map<std::string, std::string> base_;
  std::unique_ptr<ServerProcess> plan_, server_;
};

TEST_P(DurabilityTest, KillNineDuringWritesOnSqlite) {
  StartAll();
  AckLog log;
  std::atomic<bool> stop{false}, fault{false};
  std::thread faults([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    under_test().Signal(SIGKILL);
    fault = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop = true;
  });
  sokei::testing::RunWriters(MakeWorkload(), log, stop, fault);
  faults.join();
  under_test().Start();
  sokei::testing::Check(log, MakeWorkload(), Name(GetParam()));
}

TEST_P(DurabilityTest, PostgresStoppedImmediatelyMidStream) {
  const char* dsn = std::getenv("SOKEI_TEST_PG_DSN");
  const char* script = std::getenv("SOKEI_TEST_PG_SCRIPT");
  const char* cluster = std::getenv("SOKEI_TEST_PG_CLUSTER");
  if (dsn == nullptr || script == nullptr || cluster == nullptr)
    GTEST_SKIP() << "no PostgreSQL test cluster";
  // A database of its own so earlier runs do not interfere.
  const std::string db = std::string("durability_") + Name(GetParam()) + "_" +
                         std::to_string(getpid());
  ASSERT_EQ(
      std::system(("psql \"" + std::string(dsn) + "\" -qc 'CREATE DATABASE " + db + "' >/dev/null")
                      .c_str()),
      0);
  StartAll({{"SOKEI_PG_DSN", std::string(dsn) + " dbname=" + db},
            {"SOKEI_READINESS_INTERVAL_MS", "100"}});
  AckLog log;
  std::atomic<bool> stop{false}, fault{false};
  // Readiness follows the database: NOT_SERVING while it is down, SERVING again after.
  std::atomic<bool> saw_not_serving{false};
  std::thread watcher([&] {
    while (!stop) {
      if (under_test().Health(Readiness()) == grpc::health::v1::HealthCheckResponse::NOT_SERVING)
        saw_not_serving = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
  });
  std::thread faults([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    ASSERT_EQ(
        std::system((std::string("bash ") + script + " stop " + cluster + " immediate").c_str()),
        0);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    ASSERT_EQ(
        std::system((std::string("bash ") + script + " start " + cluster + " >/dev/null").c_str()),
        0);
    fault = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // writes resume, no restart
    stop = true;
  });
  sokei::testing::RunWriters(MakeWorkload(), log, stop, fault);
  faults.join();
  watcher.join();
  EXPECT_GT(log.acked_after_fault, 0) << "the service did not reconnect after PostgreSQL came back";
  EXPECT_TRUE(saw_not_serving) << "readiness did not report the database outage";
  // Readiness is polled (every 100 ms here) and the pool reconnects on use: give it a few seconds.
  auto serving = under_test().Health(Readiness());
  for (int i = 0; i < 50 && serving != grpc::health::v1::HealthCheckResponse::SERVING; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    serving = under_test().Health(Readiness());
  }
  EXPECT_EQ(serving, grpc::health::v1::HealthCheckResponse::SERVING);
  sokei::testing::Check(log, MakeWorkload(), Name(GetParam()));
  under_test().Signal(SIGTERM);
  std::system(
      ("psql \"" + std::string(dsn) + "\" -qc 'DROP DATABASE " + db + "' >/dev/null 2>&1").c_str());
}

INSTANTIATE_TEST_SUITE_P(EveryService, DurabilityTest,
                         ::testing::Values(Service::kPlan, Service::kKpi, Service::kSurvey),
                         [](const auto& info) { return std::string(Name(info.param)); });

// SIGTERM drains: the plan service finishes what is in flight and exits 0.
using PlanDrainTest = DurabilityTest;
TEST_P(PlanDrainTest, SigtermDrainsInFlightWrites) {
  StartAll();
  AckLog log;
  std::atomic<bool> stop{false}, fault{false};
  int exit_status = -1;
  std::thread faults([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    exit_status = under_test().Signal(SIGTERM);
    fault = true;
    stop = true;
  });
  sokei::testing::RunWriters(MakeWorkload(), log, stop, fault);
  faults.join();
  EXPECT_TRUE(WIFEXITED(exit_status) && WEXITSTATUS(exit_status) == 0) << "status " << exit_status;
  under_test().Start();
  sokei::testing::Check(log, MakeWorkload(), "plan (SIGTERM)");
}
INSTANTIATE_TEST_SUITE_P(Plan, PlanDrainTest, ::testing::Values(Service::kPlan),
                         [](const auto& info) { return std::string(Name(info.param)); });

}  // namespace
}  // namespace sokei
