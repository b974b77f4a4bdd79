// The plan service started for real on a loopback gRPC server over a database the caller owns:
// the upstream of the KPI gRPC suite, the service behind the gateway's REST suite, and the first
// floor of ServiceStack.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "tests/support/test_identity.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "common/grpcx/server.h"
#include "common/status/status.h"
#include "services/plan/api/plan_grpc_service.h"
#include "services/plan/storage/sql_plan_repository.h"

namespace sokei::testing {

inline std::string Addr(const grpcx::Server& s) { return "127.0.0.1:" + std::to_string(s.port()); }

struct PlanServer {
  std::unique_ptr<plan::SqlPlanRepository> repo;
  std::unique_ptr<plan::PlanDomain> domain;
  std::unique_ptr<plan::DispatchedPlanService> service;
  std::unique_ptr<grpcx::DispatchTable> table;
  std::unique_ptr<grpcx::Server> server;  // last, so it stops before what it serves goes

  std::string address() const { return Addr(*server); }

  // Migrates `db` (which must outlive the server) and serves on a free loopback port; the callers'
  // identity comes from request metadata (the gateway's, or the test's).
  static absl::StatusOr<std::unique_ptr<PlanServer>> Start(
      storage::Database* db, std::function<absl::Time()> clock = &absl::Now, int threads = 2) {
    auto s = std::make_unique<PlanServer>();
    s->repo = std::make_unique<plan::SqlPlanRepository>(db);
    SOKEI_RETURN_IF_ERROR(s->repo->Migrate());
    s->domain = std::make_unique<plan::PlanDomain>(s->repo.get(), std::move(clock));
    s->service =
        std::make_unique<plan::DispatchedPlanService>(s->domain.get(), sokei::testing::VerifiedIdentity());
    s->table = plan::MakeDispatchTable(s->service.get());
    SOKEI_ASSIGN_OR_RETURN(s->server,
                           grpcx::Server::Start({"127.0.0.1:0", threads, 64 << 20, 1000, true}, {},
                                                {"sokei.plan.v1.PlanService"}, {s->table.get()}));
    return s;
  }
};

}  // namespace sokei::testing
