// sokei-plan: wiring only. The common start (service_main: config → database → migrations →
// server) around the plan domain and its cache.
#include "absl/time/clock.h"
#include "common/cache/cache.h"
#include "common/grpcx/service_main.h"
#include "services/plan/api/plan_grpc_service.h"
#include "services/plan/storage/sql_plan_repository.h"

int main() {
  using namespace sokei;
  return grpcx::RunService(
      {"plan", "127.0.0.1:50051", "sokei.plan.v1.PlanService"},
      [](storage::Database* db) { return plan::SqlPlanRepository(db).Migrate(); },
      [](const config::ServiceConfig& cfg,
         storage::Database* db,
          const auth::IdentityCheck& identity) -> absl::StatusOr<grpcx::ServiceWiring> {
        struct Parts {
          plan::SqlPlanRepository repo;
          // The shared cache, when configured: optional and never on the correctness path.
          cache::Cache cache;
          plan::PlanDomain domain;
          plan::DispatchedPlanService service;
          std::unique_ptr<grpcx::DispatchTable> table;
          Parts(storage::Database* db, const config::ServiceConfig& cfg,
                const auth::IdentityCheck& identity)
              : repo(db),
                cache({cfg.redis_addr}),
                domain(&repo, &absl::Now, &cache),
                service(&domain, identity),
                table(plan::MakeDispatchTable(&service)) {}
        };
        auto parts = std::make_shared<Parts>(db, cfg, identity);
        return grpcx::ServiceWiring{parts, parts->table.get(), {}};
      });
}
