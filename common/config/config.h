// Configuration from SOKEI_* environment variables, parsed into a typed struct and validated at
// start-up. A bad value stops the process with a message naming the variable.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace sokei::config {

enum class AuthMode {
  kMetadata,  // the principal the gateway forwards in x-sokei-* metadata, with its signed proof
  kDev,       // local runs: a call without principal metadata acts as a dev admin
};

struct ServiceConfig {
  std::string listen_addr;  // host:port (port 0 = pick a free one)
  std::string data_dir;     // SQLite files live here
  std::string pg_dsn;       // non-empty = PostgreSQL (later)
  std::string redis_addr;   // non-empty = Redis cache (later)
  int threads = 8;          // request threads = database pool size
  int max_message_bytes = 4 * 1024 * 1024;
  AuthMode auth_mode = AuthMode::kMetadata;
  // Metadata mode: the Ed25519 public keys (PEM) whose proofs the service accepts.
  std::string identity_trust_file;
  int shutdown_grace_ms = 10000;
  int readiness_interval_ms = 1000;  // how often readiness asks the database
};

// Reads the configuration of `service` ("plan", "kpi", …). `default_addr` applies when
// SOKEI_<SERVICE>_ADDR is unset. Every problem is listed in one INVALID_ARGUMENT.
absl::StatusOr<ServiceConfig> LoadServiceConfig(const std::string& service,
                                                const std::string& default_addr);

// Helpers, exposed for tests and other binaries.
std::string EnvOr(const char* name, const std::string& fallback);
bool IsValidHostPort(const std::string& addr);

// Prints the error and exits with status 2: for main() only.
[[noreturn]] void DieWithConfigError(const absl::Status& status);

}  // namespace sokei::config
