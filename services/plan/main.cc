// sokei-plan: wiring only. Config → SQLite → migrations → domain → gRPC server.

#include "common/cache/cache.h"
#include "common/config/config.h"
#include "common/grpcx/server.h"
#include "common/log/log.h"
#include "common/storage/open.h"
#include "services/plan/api/plan_grpc_service.h"
#include "services/plan/storage/sql_plan_repository.h"

int main() {
  using namespace sokei;
  grpcx::BlockTerminationSignals();
  auto cfg = config::LoadServiceConfig("plan", "127.0.0.1:50051");
  if (!cfg.ok()) config::DieWithConfigError(cfg.status());
  auto db = storage::OpenForService(*cfg, "plan");
  if (!db.ok()) {
    log::Error("database unavailable", {{"error", db.status().message()}});
    return 1;
  }
  plan::SqlPlanRepository repo(db->get());
  if (auto s = repo.Migrate(); !s.ok()) {
    log::Error("migrations failed", {{"error", s.message()}});
    return 1;
  }
  // The migrations Job of the Kubernetes deployment runs the binary with SOKEI_MIGRATE_ONLY=1.
  if (config::EnvOr("SOKEI_MIGRATE_ONLY", "") == "1") {
    log::Info("sokei-plan migrations applied");
    return 0;
  }
  // The shared cache, when configured: optional and never on the correctness path.
  cache::Cache cache({cfg->redis_addr});
  plan::PlanDomain domain(&repo, &absl::Now, &cache);
  plan::DispatchedPlanService service(&domain, cfg->auth_mode);
  auto table = plan::MakeDispatchTable(&service);
  auto server = grpcx::Server::Start(
      {cfg->listen_addr, cfg->threads, cfg->max_message_bytes, cfg->shutdown_grace_ms, true}, {},
      {"sokei.plan.v1.PlanService"}, {table.get()});
  if (!server.ok()) {
    log::Error("cannot start", {{"error", server.status().message()}});
    return 1;
  }
  // Readiness follows the database: NOT_SERVING while it does not answer.
  storage::Database* database = db->get();
  (*server)->WatchReadiness([database] { return storage::Ping(*database); },
                            std::chrono::milliseconds(cfg->readiness_interval_ms));
  const std::string port = std::to_string((*server)->port());
  log::Info("sokei-plan serving",
            {{"addr", cfg->listen_addr},
             {"port", port},
             {"auth_mode", cfg->auth_mode == config::AuthMode::kDev ? "dev" : "metadata"},
             {"storage", cfg->pg_dsn.empty() ? "sqlite" : "postgres"},
             {"cache", cfg->redis_addr.empty() ? "off" : cfg->redis_addr}});
  (*server)->WaitForTermination();
  log::Info("sokei-plan stopped");
  return 0;
}
