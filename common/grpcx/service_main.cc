#include "common/grpcx/service_main.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/ascii.h"
#include "common/grpcx/lock_mode.h"
#include "common/grpcx/ops_server.h"
#include "common/log/log.h"
#include "common/metrics/call_metrics.h"
#include "common/metrics/registry.h"
#include "common/storage/open.h"

namespace sokei::grpcx {

std::string UpstreamAddressOrDie(const char* env, const std::string& fallback, const char* what) {
  const std::string addr = config::EnvOr(env, fallback);
  if (!config::IsValidHostPort(addr)) {
    config::DieWithConfigError(
        absl::InvalidArgumentError(absl::StrCat(env, " must be host:port of ", what)));
  }
  return addr;
}

int RunService(const ServiceMainSpec& spec,
               const std::function<absl::Status(storage::Database*)>& migrate,
               const std::function<absl::StatusOr<ServiceWiring>(
                   const config::ServiceConfig&, storage::Database*, const auth::IdentityCheck&)>& wire) {
  const std::string binary = absl::StrCat("sokei-", spec.service);
  BlockTerminationSignals();
  QuietLockGraphInRelease();
  auto cfg = config::LoadServiceConfig(spec.service, spec.default_addr);
  if (!cfg.ok()) config::DieWithConfigError(cfg.status());
  auto db = storage::OpenForService(*cfg, spec.service);
  if (!db.ok()) {
    log::Error("database unavailable", {{"error", db.status().message()}});
    return 1;
  }
  if (auto s = migrate(db->get()); !s.ok()) {
    log::Error("migrations failed", {{"error", s.message()}});
    return 1;
  }
  // The migrations Job of the Kubernetes deployment runs the binary with SOKEI_MIGRATE_ONLY=1.
  if (config::EnvOr("SOKEI_MIGRATE_ONLY", "") == "1") {
    log::Info(absl::StrCat(binary, " migrations applied"));
    return 0;
  }
  // Who may call: dev, or only principals with the gateway's signed proof.
  auto identity = auth::LoadIdentityCheck(*cfg);
  if (!identity.ok()) config::DieWithConfigError(identity.status());
  auto wiring = wire(*cfg, db->get(), *identity);
  if (!wiring.ok()) {
    log::Error("cannot start", {{"error", wiring.status().message()}});
    return 1;
  }
  auto server = Server::Start({cfg->listen_addr, cfg->threads,
                               std::max(cfg->max_message_bytes, spec.min_message_bytes),
                               cfg->shutdown_grace_ms, true},
                              {}, {spec.grpc_service}, {wiring->table});
  if (!server.ok()) {
    log::Error("cannot start", {{"error", server.status().message()}});
    return 1;
  }
  // The operations port (/metrics, /healthz), when SOKEI_<SERVICE>_OPS_ADDR names one.
  const std::string ops_var = absl::StrCat("SOKEI_", absl::AsciiStrToUpper(spec.service), "_OPS_ADDR");
  std::unique_ptr<OpsServer> ops;
  if (const std::string ops_addr = config::EnvOr(ops_var.c_str(), ""); !ops_addr.empty()) {
    auto started = OpsServer::Start(ops_addr, [service = spec.service] {
      return metrics::CallMetrics::Global().Text(service) + metrics::Registry::Global().Text(service);
    });
    if (!started.ok()) {
      log::Error("cannot start", {{"error", started.status().message()}});
      return 1;
    }
    ops = std::move(*started);
  }
  // Readiness follows the database: NOT_SERVING while it does not answer.
  storage::Database* database = db->get();
  (*server)->WatchReadiness([database] { return storage::Ping(*database); },
                            std::chrono::milliseconds(cfg->readiness_interval_ms));
  // The fields are views: every string they show lives until the line is written.
  const std::string port = std::to_string((*server)->port());
  const std::string cache = cfg->redis_addr.empty() ? "off" : cfg->redis_addr;
  const std::string ops_port = ops ? std::to_string(ops->port()) : "off";
  std::vector<log::Field> fields = {
      {"addr", cfg->listen_addr},
      {"port", port},
      {"auth_mode", cfg->auth_mode == config::AuthMode::kDev ? "dev" : "metadata"},
      {"storage", cfg->pg_dsn.empty() ? "sqlite" : "postgres"},
      {"cache", cache},
      {"ops_port", ops_port}};
  for (const auto& [k, v] : wiring->log_fields) fields.push_back({k, v});
  log::Write(log::Level::kInfo, absl::StrCat(binary, " serving"), fields);
  (*server)->WaitForTermination();
  log::Info(absl::StrCat(binary, " stopped"));
  return 0;
}

}  // namespace sokei::grpcx
