// The three Sokei services started for real in the test process, each on its own database and
// gRPC server on loopback: plan; KPI calling the plan service over gRPC; survey calling the KPI
// service over gRPC. Used by suites that need the whole back end (the survey service's and the
// gateway's).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "tests/support/test_identity.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/grpcx/server.h"
#include "common/grpcx/upstream.h"
#include "services/kpi/api/grpc_plan_client.h"
#include "services/kpi/api/kpi_grpc_service.h"
#include "services/kpi/files/format_table_writer.h"
#include "services/kpi/storage/sql_kpi_repository.h"
#include "services/survey/api/grpc_kpi_client.h"
#include "services/survey/api/survey_grpc_service.h"
#include "services/survey/storage/sql_survey_repository.h"
#include "tests/support/plan_server.h"
#include "tests/support/test_databases.h"

namespace sokei::testing {

// A clock that starts at `start` when made and then runs at the real rate: dates derived from it
// are the same on every day the test runs, while times still advance (so update times stay in
// order and elapsed-time logic works).
inline std::function<absl::Time()> FixedDayClock(absl::Time start) {
  const absl::Time made = absl::Now();
  return [start, made] { return start + (absl::Now() - made); };
}

struct ServiceStack {
  std::unique_ptr<TestDatabase> plan_db, kpi_db, survey_db;
  std::unique_ptr<PlanServer> plan;
  plan::PlanDomain* plan_domain = nullptr;
  std::unique_ptr<kpi::SqlKpiRepository> kpi_repo;
  kpi::FormatTableWriter files;
  std::unique_ptr<kpi::GrpcPlanClient> plan_client;
  std::unique_ptr<kpi::KpiDomain> kpi_domain;
  std::unique_ptr<kpi::DispatchedKpiService> kpi_service;
  std::unique_ptr<grpcx::DispatchTable> kpi_table;
  std::unique_ptr<grpcx::Server> kpi_server;
  std::unique_ptr<survey::SqlSurveyRepository> survey_repo;
  std::unique_ptr<survey::GrpcKpiClient> kpi_client;
  std::unique_ptr<survey::SurveyDomain> survey_domain;
  std::unique_ptr<survey::DispatchedSurveyService> survey_service;
  std::unique_ptr<grpcx::DispatchTable> survey_table;
  std::unique_ptr<grpcx::Server> survey_server;
  std::shared_ptr<grpc::Channel> plan_channel, kpi_channel, survey_channel;

  // Tears down in reverse order of construction (servers before the domains they call).
  ~ServiceStack() {
    survey_server.reset();
    kpi_server.reset();
    plan.reset();
  }

  // nullptr (after a test failure, or for postgres without a test cluster) when it cannot start.
  // `clock` is every date the three services derive (a rename's end of validity, the fiscal year
  // "now" falls in, create and update times): tests whose expectations hold a date pass a
  // FixedDayClock so they do not depend on the day they run.
  static std::unique_ptr<ServiceStack> Start(const std::string& backend,
                                             std::function<absl::Time()> clock = &absl::Now) {
    auto s = std::make_unique<ServiceStack>();
    s->plan_db = TestDatabase::Make(backend);
    s->kpi_db = TestDatabase::Make(backend);
    s->survey_db = TestDatabase::Make(backend);
    if (!s->plan_db || !s->kpi_db || !s->survey_db) return nullptr;
    auto plan = PlanServer::Start(s->plan_db->db(), clock);
    if (!plan.ok()) return Fail(plan.status());
    s->plan = std::move(*plan);
    s->plan_domain = s->plan->domain.get();

    s->kpi_repo = std::make_unique<kpi::SqlKpiRepository>(s->kpi_db->db());
    if (auto st = s->kpi_repo->Migrate(); !st.ok()) return Fail(st);
    s->plan_client = std::make_unique<kpi::GrpcPlanClient>(
        grpcx::MakeUpstreamChannel(s->plan->address(), 64 << 20));
    s->kpi_domain =
        std::make_unique<kpi::KpiDomain>(s->kpi_repo.get(), s->plan_client.get(), &s->files, clock);
    s->kpi_service = std::make_unique<kpi::DispatchedKpiService>(s->kpi_domain.get(),
                                                                 sokei::testing::VerifiedIdentity());
    s->kpi_table = kpi::MakeDispatchTable(s->kpi_service.get());
    auto ks = grpcx::Server::Start({"127.0.0.1:0", 2, 20 << 20, 1000, true}, {},
                                   {"sokei.kpi.v1.KpiService"}, {s->kpi_table.get()});
    if (!ks.ok()) return Fail(ks.status());
    s->kpi_server = std::move(*ks);

    s->survey_repo = std::make_unique<survey::SqlSurveyRepository>(s->survey_db->db());
    if (auto st = s->survey_repo->Migrate(); !st.ok()) return Fail(st);
    s->kpi_client = std::make_unique<survey::GrpcKpiClient>(
        grpcx::MakeUpstreamChannel(Addr(*s->kpi_server), 64 << 20));
    s->survey_domain =
        std::make_unique<survey::SurveyDomain>(s->survey_repo.get(), s->kpi_client.get(), clock);
    s->survey_service = std::make_unique<survey::DispatchedSurveyService>(
        s->survey_domain.get(), sokei::testing::VerifiedIdentity());
    s->survey_table = survey::MakeDispatchTable(s->survey_service.get());
    auto ss = grpcx::Server::Start({"127.0.0.1:0", 2, 20 << 20, 1000, true}, {},
                                   {"sokei.survey.v1.SurveyService"}, {s->survey_table.get()});
    if (!ss.ok()) return Fail(ss.status());
    s->survey_server = std::move(*ss);
    s->plan_channel = grpcx::MakeUpstreamChannel(s->plan->address(), 64 << 20);
    s->kpi_channel = grpcx::MakeUpstreamChannel(Addr(*s->kpi_server), 64 << 20);
    s->survey_channel = grpcx::MakeUpstreamChannel(Addr(*s->survey_server), 64 << 20);
    return s;
  }

 private:
  static std::unique_ptr<ServiceStack> Fail(const absl::Status& s) {
    ADD_FAILURE() << "cannot start the services: " << s;
    return nullptr;
  }
};

}  // namespace sokei::testing
