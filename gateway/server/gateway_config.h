// The gateway's settings from SOKEI_GATEWAY_* (and the upstream addresses), read and checked in
// one place at start: every problem is listed in one INVALID_ARGUMENT naming the variables.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/auth/identity_proof.h"
#include "gateway/auth/credentials.h"
#include "gateway/server/console_settings.h"

namespace sokei::gateway {

struct JwtKeyFile {
  std::string kid, algorithm, path;  // SOKEI_GATEWAY_JWT_KEYS=kid=RS256:/path/key.pem,…
};

struct GatewayConfig {
  bool dev = false;                  // SOKEI_GATEWAY_DEV=1: dev tokens in the data directory
  std::string data_dir = "./var";    // SOKEI_DATA_DIR
  JwtPolicy jwt;                     // SOKEI_GATEWAY_JWT_ISSUER / _AUDIENCE
  std::vector<JwtKeyFile> jwt_keys;  // SOKEI_GATEWAY_JWT_KEYS
  std::string jwks_file;             // SOKEI_GATEWAY_JWKS_FILE: the provider's JWKS document
  std::string api_keys_file;         // SOKEI_GATEWAY_API_KEYS_FILE
  std::optional<ConsoleOidc> oidc;   // SOKEI_GATEWAY_OIDC_ISSUER / _CLIENT_ID / _SCOPE
  std::string console_municipality = "142140";   // SOKEI_GATEWAY_CONSOLE_MUNICIPALITY
  std::string console_dir;                       // SOKEI_GATEWAY_CONSOLE_DIR (web/dist)
  std::map<std::string, std::string> upstreams;  // proto package → SOKEI_{PLAN,KPI,SURVEY}_ADDR
  int rate_per_second = 50;                      // SOKEI_GATEWAY_RATE
  int burst = 100;                               // SOKEI_GATEWAY_BURST
  bool anonymous_public = false;                 // SOKEI_GATEWAY_ANONYMOUS_PUBLIC=1
  std::string redis_addr;                        // SOKEI_REDIS_ADDR: shared rate limits
  std::string http_addr = "127.0.0.1:8080";      // SOKEI_GATEWAY_HTTP_ADDR
  std::string ops_addr = "127.0.0.1:8081";       // SOKEI_GATEWAY_OPS_ADDR
  std::string grpc_addr = "127.0.0.1:9090";      // SOKEI_GATEWAY_GRPC_ADDR
  int threads = 2;                               // SOKEI_GATEWAY_THREADS
  int max_connections = 1024;                    // SOKEI_GATEWAY_MAX_CONNECTIONS
  int max_connections_per_client = 256;  // SOKEI_GATEWAY_MAX_CONNECTIONS_PER_CLIENT (per address)
  int header_timeout_ms = 10000;         // SOKEI_GATEWAY_HEADER_TIMEOUT_MS
  int response_cache_mb = 64;  // SOKEI_GATEWAY_RESPONSE_CACHE_MB: rendered GET replies; 0 = off
  // The Ed25519 private key (PEM) that signs the identity the gateway forwards to the services
  // (identity_proof.h). Required outside dev mode.
  std::string identity_key_file;  // SOKEI_GATEWAY_IDENTITY_KEY_FILE
};

absl::StatusOr<GatewayConfig> LoadGatewayConfig();

// The credentials the configuration names: public keys and the JWKS from their files, API keys
// from theirs (lines "sha256hex name municipality roles,…", # comments).
absl::StatusOr<Credentials> LoadCredentials(const GatewayConfig& config);

// The signer of forwarded identities from SOKEI_GATEWAY_IDENTITY_KEY_FILE (nullptr in dev mode
// without one: dev-mode services take the metadata as sent).
absl::StatusOr<std::shared_ptr<const auth::ProofSigner>> LoadIdentitySigner(
    const GatewayConfig& config);

}  // namespace sokei::gateway
