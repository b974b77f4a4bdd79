// sokei-kpi: wiring only. Config → SQLite or PostgreSQL → migrations → plan-service client →
// domain → gRPC server.
#include <algorithm>

#include "common/cache/cache.h"
#include "common/config/config.h"
#include "common/grpcx/server.h"
#include "common/log/log.h"
#include "common/storage/open.h"
#include "services/kpi/api/grpc_plan_client.h"
#include "services/kpi/api/kpi_grpc_service.h"
#include "services/kpi/storage/sql_kpi_repository.h"

int main() {
  using namespace sokei;
  grpcx::BlockTerminationSignals();
  auto cfg = config::LoadServiceConfig("kpi", "127.0.0.1:50052");
  if (!cfg.ok()) config::DieWithConfigError(cfg.status());
  const std::string plan_addr = config::EnvOr("SOKEI_PLAN_ADDR", "127.0.0.1:50051");
  if (!config::IsValidHostPort(plan_addr)) {
    config::DieWithConfigError(
        absl::InvalidArgumentError("SOKEI_PLAN_ADDR must be host:port of the plan service"));
  }
  // Progress tables are imported in one message of up to 16 MiB.
  const int max_message = std::max(cfg->max_message_bytes, 17 << 20);
  auto db = storage::OpenForService(*cfg, "kpi");
  if (!db.ok()) {
    log::Error("database unavailable", {{"error", db.status().message()}});
    return 1;
  }
  kpi::SqlKpiRepository repo(db->get());
  if (auto s = repo.Migrate(); !s.ok()) {
    log::Error("migrations failed", {{"error", s.message()}});
    return 1;
  }
  // The migrations Job of the Kubernetes deployment runs the binary with SOKEI_MIGRATE_ONLY=1.
  if (config::EnvOr("SOKEI_MIGRATE_ONLY", "") == "1") {
    log::Info("sokei-kpi migrations applied");
    return 0;
  }
  kpi::GrpcPlanClient plans(kpi::GrpcPlanClient::MakeChannel(plan_addr, 64 << 20));
  // The shared cache, when configured: the dashboard read only, never on the correctness path.
  cache::Cache cache({cfg->redis_addr});
  kpi::KpiDomain domain(&repo, &plans, &absl::Now, &cache);
  kpi::DispatchedKpiService service(&domain, cfg->auth_mode);
  auto table = kpi::MakeDispatchTable(&service);
  auto server = grpcx::Server::Start(
      {cfg->listen_addr, cfg->threads, max_message, cfg->shutdown_grace_ms, true}, {},
      {"sokei.kpi.v1.KpiService"}, {table.get()});
  if (!server.ok()) {
    log::Error("cannot start", {{"error", server.status().message()}});
    return 1;
  }
  storage::Database* database = db->get();
  (*server)->WatchReadiness([database] { return storage::Ping(*database); },
                            std::chrono::milliseconds(cfg->readiness_interval_ms));
  log::Info("sokei-kpi serving",
            {{"addr", cfg->listen_addr},
             {"port", std::to_string((*server)->port())},
             {"plan_service", plan_addr},
             {"auth_mode", cfg->auth_mode == config::AuthMode::kDev ? "dev" : "metadata"},
             {"storage", cfg->pg_dsn.empty() ? "sqlite" : "postgres"}});
  (*server)->WaitForTermination();
  log::Info("sokei-kpi stopped");
  return 0;
}
