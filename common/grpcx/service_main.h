// The one way a Sokei service starts and stops: configuration → database → migrations (and the
// Kubernetes migrations Job's SOKEI_MIGRATE_ONLY=1 exit) → the service's own wiring → the gRPC
// server with readiness following the database → a log line → wait for SIGTERM. Each main.cc
// says only what is its own.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "common/auth/identity_check.h"
#include "common/config/config.h"
#include "common/grpcx/server.h"
#include "common/storage/driver.h"

namespace sokei::grpcx {

struct ServiceMainSpec {
  std::string service;            // "plan", "kpi", "survey": SOKEI_<SERVICE>_* and log lines
  std::string default_addr;       // when SOKEI_<SERVICE>_ADDR is unset
  std::string grpc_service;       // "sokei.kpi.v1.KpiService": the health name
  int min_message_bytes = 0;      // imports arrive in one message of up to 16 MiB
};

// What a service builds once its database is migrated: the dispatch table to serve and the log
// fields to add to its "serving" line. `keep` holds whatever the table's handlers use.
struct ServiceWiring {
  std::shared_ptr<void> keep;
  DispatchTable* table = nullptr;
  std::vector<std::pair<std::string, std::string>> log_fields;
};

// An upstream service's address from `env` (host:port), or the configuration error naming it.
std::string UpstreamAddressOrDie(const char* env, const std::string& fallback, const char* what);

// Runs the service until SIGINT / SIGTERM; returns the process exit code.
int RunService(const ServiceMainSpec& spec,
               const std::function<absl::Status(storage::Database*)>& migrate,
               const std::function<absl::StatusOr<ServiceWiring>(
                   const config::ServiceConfig&, storage::Database*, const auth::IdentityCheck&)>& wire);

}  // namespace sokei::grpcx
