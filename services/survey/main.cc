// sokei-survey: wiring only. Config → SQLite or PostgreSQL → migrations → KPI-service client →
// domain → gRPC server.
#include <algorithm>

#include "common/config/config.h"
#include "common/grpcx/server.h"
#include "common/grpcx/upstream.h"
#include "common/log/log.h"
#include "common/storage/open.h"
#include "services/survey/api/grpc_kpi_client.h"
#include "services/survey/api/survey_grpc_service.h"
#include "services/survey/storage/sql_survey_repository.h"

int main() {
  using namespace sokei;
  grpcx::BlockTerminationSignals();
  auto cfg = config::LoadServiceConfig("survey", "127.0.0.1:50053");
  if (!cfg.ok()) config::DieWithConfigError(cfg.status());
  const std::string kpi_addr = config::EnvOr("SOKEI_KPI_ADDR", "127.0.0.1:50052");
  if (!config::IsValidHostPort(kpi_addr)) {
    config::DieWithConfigError(
        absl::InvalidArgumentError("SOKEI_KPI_ADDR must be host:port of the KPI service"));
  }
  // Response files arrive in one message of up to 16 MiB, or streamed in chunks.
  const int max_message = std::max(cfg->max_message_bytes, 17 << 20);
  auto db = storage::OpenForService(*cfg, "survey");
  if (!db.ok()) {
    log::Error("database unavailable", {{"error", db.status().message()}});
    return 1;
  }
  survey::SqlSurveyRepository repo(db->get());
  if (auto s = repo.Migrate(); !s.ok()) {
    log::Error("migrations failed", {{"error", s.message()}});
    return 1;
  }
  if (config::EnvOr("SOKEI_MIGRATE_ONLY", "") == "1") {
    log::Info("sokei-survey migrations applied");
    return 0;
  }
  survey::GrpcKpiClient kpi(grpcx::MakeUpstreamChannel(kpi_addr, 64 << 20));
  survey::SurveyDomain domain(&repo, &kpi, &absl::Now);
  survey::DispatchedSurveyService service(&domain, cfg->auth_mode);
  auto table = survey::MakeDispatchTable(&service);
  auto server = grpcx::Server::Start(
      {cfg->listen_addr, cfg->threads, max_message, cfg->shutdown_grace_ms, true}, {},
      {"sokei.survey.v1.SurveyService"}, {table.get()});
  if (!server.ok()) {
    log::Error("cannot start", {{"error", server.status().message()}});
    return 1;
  }
  storage::Database* database = db->get();
  (*server)->WatchReadiness([database] { return storage::Ping(*database); },
                            std::chrono::milliseconds(cfg->readiness_interval_ms));
  log::Info("sokei-survey serving",
            {{"addr", cfg->listen_addr},
             {"port", std::to_string((*server)->port())},
             {"kpi_service", kpi_addr},
             {"auth_mode", cfg->auth_mode == config::AuthMode::kDev ? "dev" : "metadata"},
             {"storage", cfg->pg_dsn.empty() ? "sqlite" : "postgres"}});
  (*server)->WaitForTermination();
  log::Info("sokei-survey stopped");
  return 0;
}
