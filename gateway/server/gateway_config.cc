#include "gateway/server/gateway_config.h"

#include <fstream>
#include <sstream>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/config/config.h"
#include "common/status/status.h"

namespace sokei::gateway {
namespace {

using config::EnvOr;

void ReadInt(const char* name, int* out, std::vector<std::string>* errors) {
  const std::string v = EnvOr(name, "");
  if (v.empty()) return;
  int n = 0;
  if (!absl::SimpleAtoi(v, &n) || n < 0) {
    errors->push_back(absl::StrCat(name, " must be a number"));
    return;
  }
  *out = n;
}

void ReadAddr(const char* name, std::string* out, std::vector<std::string>* errors) {
  *out = EnvOr(name, *out);
  if (!config::IsValidHostPort(*out)) errors->push_back(absl::StrCat(name, " must be host:port"));
}

absl::StatusOr<std::string> ReadFile(const std::string& what, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(what, ": cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

absl::StatusOr<GatewayConfig> LoadGatewayConfig() {
  GatewayConfig c;
  std::vector<std::string> errors;
  c.dev = EnvOr("SOKEI_GATEWAY_DEV", "") == "1";
  c.data_dir = EnvOr("SOKEI_DATA_DIR", c.data_dir);
  // Staff sign-in for the console at the city's OpenID Connect provider (authorization code +
  // PKCE): its issuer and the console's client id there. The provider's access tokens are then
  // verified like any bearer token, with its keys from SOKEI_GATEWAY_JWKS_FILE.
  if (const std::string issuer = EnvOr("SOKEI_GATEWAY_OIDC_ISSUER", ""); !issuer.empty()) {
    c.oidc = ConsoleOidc{issuer, EnvOr("SOKEI_GATEWAY_OIDC_CLIENT_ID", "")};
    c.oidc->scope = EnvOr("SOKEI_GATEWAY_OIDC_SCOPE", c.oidc->scope);
    if (auto s = ValidateConsoleOidc(*c.oidc); !s.ok()) errors.push_back(std::string(s.message()));
  }
  c.jwt.issuer = EnvOr("SOKEI_GATEWAY_JWT_ISSUER", c.dev    ? "sokei-dev"
                                                   : c.oidc ? c.oidc->issuer
                                                            : "");
  c.jwt.audience = EnvOr("SOKEI_GATEWAY_JWT_AUDIENCE", "sokei");
  if (c.jwt.issuer.empty()) {
    errors.push_back("SOKEI_GATEWAY_JWT_ISSUER is required (the identity provider's iss)");
  }
  for (absl::string_view entry :
       absl::StrSplit(EnvOr("SOKEI_GATEWAY_JWT_KEYS", ""), ',', absl::SkipEmpty())) {
    std::vector<std::string> kv = absl::StrSplit(entry, absl::MaxSplits('=', 1));
    std::vector<std::string> ap = kv.size() == 2 ? absl::StrSplit(kv[1], absl::MaxSplits(':', 1))
                                                 : std::vector<std::string>{};
    if (ap.size() != 2) {
      errors.push_back("SOKEI_GATEWAY_JWT_KEYS entries are kid=ALG:/path/to/public.pem");
      continue;
    }
    c.jwt_keys.push_back({kv[0], ap[0], ap[1]});
  }
  c.jwks_file = EnvOr("SOKEI_GATEWAY_JWKS_FILE", "");
  c.api_keys_file = EnvOr("SOKEI_GATEWAY_API_KEYS_FILE", "");
  if (!c.dev && c.jwt_keys.empty() && c.jwks_file.empty()) {
    errors.push_back(
        "no JWT keys: set SOKEI_GATEWAY_JWT_KEYS or SOKEI_GATEWAY_JWKS_FILE (or "
        "SOKEI_GATEWAY_DEV=1 locally)");
  }
  c.console_municipality = EnvOr("SOKEI_GATEWAY_CONSOLE_MUNICIPALITY", c.console_municipality);
  if (c.console_municipality.size() != 6 ||
      !absl::c_all_of(c.console_municipality, absl::ascii_isdigit)) {
    errors.push_back("SOKEI_GATEWAY_CONSOLE_MUNICIPALITY must be a 6-digit municipality code");
  }
  c.console_dir = EnvOr("SOKEI_GATEWAY_CONSOLE_DIR", "");
  for (const auto& [pkg, env, fallback] :
       std::vector<std::tuple<std::string, const char*, const char*>>{
           {"sokei.plan.v1", "SOKEI_PLAN_ADDR", "127.0.0.1:50051"},
           {"sokei.kpi.v1", "SOKEI_KPI_ADDR", "127.0.0.1:50052"},
           {"sokei.survey.v1", "SOKEI_SURVEY_ADDR", "127.0.0.1:50053"}}) {
    std::string addr = fallback;
    ReadAddr(env, &addr, &errors);
    c.upstreams[pkg] = addr;
  }
  ReadInt("SOKEI_GATEWAY_RATE", &c.rate_per_second, &errors);
  ReadInt("SOKEI_GATEWAY_BURST", &c.burst, &errors);
  c.anonymous_public = EnvOr("SOKEI_GATEWAY_ANONYMOUS_PUBLIC", "") == "1";
  c.redis_addr = EnvOr("SOKEI_REDIS_ADDR", "");
  if (!c.redis_addr.empty() && !config::IsValidHostPort(c.redis_addr)) {
    errors.push_back("SOKEI_REDIS_ADDR must be host:port");
  }
  ReadAddr("SOKEI_GATEWAY_HTTP_ADDR", &c.http_addr, &errors);
  ReadAddr("SOKEI_GATEWAY_OPS_ADDR", &c.ops_addr, &errors);
  ReadAddr("SOKEI_GATEWAY_GRPC_ADDR", &c.grpc_addr, &errors);
  ReadInt("SOKEI_GATEWAY_THREADS", &c.threads, &errors);
  ReadInt("SOKEI_GATEWAY_MAX_CONNECTIONS", &c.max_connections, &errors);
  ReadInt("SOKEI_GATEWAY_MAX_CONNECTIONS_PER_CLIENT", &c.max_connections_per_client, &errors);
  ReadInt("SOKEI_GATEWAY_HEADER_TIMEOUT_MS", &c.header_timeout_ms, &errors);
  ReadInt("SOKEI_GATEWAY_RESPONSE_CACHE_MB", &c.response_cache_mb, &errors);
  if (c.response_cache_mb < 0 || c.response_cache_mb > 65536) {
    errors.push_back("SOKEI_GATEWAY_RESPONSE_CACHE_MB must be 0 (off) to 65536");
  }
  c.identity_key_file = EnvOr("SOKEI_GATEWAY_IDENTITY_KEY_FILE", "");
  if (c.identity_key_file.empty() && !c.dev) {
    errors.push_back(
        "SOKEI_GATEWAY_IDENTITY_KEY_FILE (the key that signs identities for the services) is "
        "required (or SOKEI_GATEWAY_DEV=1 locally)");
  }
  if (!errors.empty()) {
    return status::WithReason(absl::StatusCode::kInvalidArgument, absl::StrJoin(errors, "; "),
                              "CONFIG_INVALID");
  }
  return c;
}

absl::StatusOr<Credentials> LoadCredentials(const GatewayConfig& config) {
  Credentials creds;
  for (const auto& k : config.jwt_keys) {
    SOKEI_ASSIGN_OR_RETURN(std::string pem, ReadFile("SOKEI_GATEWAY_JWT_KEYS", k.path));
    SOKEI_RETURN_IF_ERROR(creds.AddPublicKey(k.kid, k.algorithm, pem));
  }
  if (!config.jwks_file.empty()) {
    SOKEI_ASSIGN_OR_RETURN(std::string jwks, ReadFile("SOKEI_GATEWAY_JWKS_FILE", config.jwks_file));
    SOKEI_RETURN_IF_ERROR(creds.AddJwks(jwks));
  }
  if (!config.api_keys_file.empty()) {
    SOKEI_ASSIGN_OR_RETURN(std::string text,
                           ReadFile("SOKEI_GATEWAY_API_KEYS_FILE", config.api_keys_file));
    for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
      if (absl::StartsWith(line, "#")) continue;
      std::vector<std::string> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (parts.size() != 4) {
        return absl::InvalidArgumentError("API key lines are: sha256hex name municipality roles");
      }
      SOKEI_RETURN_IF_ERROR(creds.AddApiKeyHash(parts[0], parts[1], parts[2], parts[3]));
    }
  }
  return creds;
}

absl::StatusOr<std::shared_ptr<const auth::ProofSigner>> LoadIdentitySigner(
    const GatewayConfig& config) {
  if (config.identity_key_file.empty()) return std::shared_ptr<const auth::ProofSigner>();
  SOKEI_ASSIGN_OR_RETURN(std::string pem,
                         ReadFile("SOKEI_GATEWAY_IDENTITY_KEY_FILE", config.identity_key_file));
  auto signer = auth::ProofSigner::FromPem(pem);
  if (!signer.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("SOKEI_GATEWAY_IDENTITY_KEY_FILE: ", signer.status().message()));
  }
  return std::shared_ptr<const auth::ProofSigner>(std::move(*signer));
}

}  // namespace sokei::gateway
