#include "common/config/config.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/status.h"

namespace sokei::config {
namespace {

void ReadInt(const char* name, int min, int max, int* out, std::vector<std::string>* errors) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return;
  int parsed = 0;
  if (!absl::SimpleAtoi(v, &parsed) || parsed < min || parsed > max) {
    errors->push_back(absl::StrCat(name, " must be a whole number from ", min, " to ", max));
    return;
  }
  *out = parsed;
}

}  // namespace

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return (v == nullptr || *v == '\0') ? fallback : std::string(v);
}

bool IsValidHostPort(const std::string& addr) {
  const size_t colon = addr.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  int port = 0;
  if (!absl::SimpleAtoi(addr.substr(colon + 1), &port)) return false;
  return port >= 0 && port <= 65535;
}

absl::StatusOr<ServiceConfig> LoadServiceConfig(const std::string& service,
                                                const std::string& default_addr) {
  ServiceConfig c;
  std::vector<std::string> errors;
  const std::string upper = absl::AsciiStrToUpper(service);
  const std::string addr_var = absl::StrCat("SOKEI_", upper, "_ADDR");
  c.listen_addr = EnvOr(addr_var.c_str(), default_addr);
  if (!IsValidHostPort(c.listen_addr)) {
    errors.push_back(absl::StrCat(addr_var, " must be host:port, e.g. 127.0.0.1:50051"));
  }
  c.data_dir = EnvOr("SOKEI_DATA_DIR", "./var");
  c.pg_dsn = EnvOr("SOKEI_PG_DSN", "");
  c.redis_addr = EnvOr("SOKEI_REDIS_ADDR", "");
  if (!c.redis_addr.empty() && !IsValidHostPort(c.redis_addr)) {
    errors.push_back("SOKEI_REDIS_ADDR must be host:port");
  }
  ReadInt("SOKEI_THREADS", 1, 256, &c.threads, &errors);
  ReadInt("SOKEI_MAX_MESSAGE_BYTES", 1024, 64 * 1024 * 1024, &c.max_message_bytes, &errors);
  ReadInt("SOKEI_SHUTDOWN_GRACE_MS", 0, 600000, &c.shutdown_grace_ms, &errors);
  ReadInt("SOKEI_READINESS_INTERVAL_MS", 50, 60000, &c.readiness_interval_ms, &errors);
  const std::string auth = EnvOr("SOKEI_AUTH_MODE", "metadata");
  if (auth == "metadata") {
    c.auth_mode = AuthMode::kMetadata;
  } else if (auth == "dev") {
    c.auth_mode = AuthMode::kDev;
  } else {
    errors.push_back("SOKEI_AUTH_MODE must be 'metadata' or 'dev'");
  }
  // Required to serve in metadata mode (auth::LoadIdentityCheck), not to migrate.
  c.identity_trust_file = EnvOr("SOKEI_IDENTITY_TRUST_FILE", "");
  if (!errors.empty()) {
    return status::WithReason(absl::StatusCode::kInvalidArgument, absl::StrJoin(errors, "; "),
                              "CONFIG_INVALID");
  }
  return c;
}

void DieWithConfigError(const absl::Status& status) {
  std::fprintf(stderr, "configuration error: %s\n", std::string(status.message()).c_str());
  std::exit(2);
}

}  // namespace sokei::config
