// sokei-gateway: wiring only. Config → credentials → the route table from the linked services'
// descriptors → one channel per upstream → the HTTP listener.
#include <sys/stat.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>

#include "absl/algorithm/container.h"
#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/cache/cache.h"
#include "common/config/config.h"
#include "common/log/log.h"
#include "gateway/server/grpc_passthrough.h"
#include "gateway/server/http_listener.h"
#include "gateway/server/upstreams.h"
#include "sokei/kpi/v1/kpi_service.grpc.pb.h"
#include "sokei/plan/v1/plan_service.grpc.pb.h"
#include "sokei/survey/v1/survey_service.grpc.pb.h"

namespace {

using namespace sokei;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "sokei-gateway: %s\n", message.c_str());
  std::exit(2);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int IntEnv(const char* name, int fallback) {
  const std::string v = config::EnvOr(name, "");
  int out = fallback;
  if (!v.empty() && (!absl::SimpleAtoi(v, &out) || out < 0))
    Die(absl::StrCat(name, " must be a number"));
  return out;
}

// Development: an HS256 secret kept in the data directory, and ready tokens for each role. Returns
// the roles for the console's sign-in page (a JSON array of role, label and token).
std::string DevSetup(gateway::Credentials* creds, const gateway::JwtPolicy& policy) {
  const std::string dir = config::EnvOr("SOKEI_DATA_DIR", "./var");
  mkdir(dir.c_str(), 0755);
  const std::string secret_path = dir + "/gateway-dev-secret";
  std::string secret;
  if (std::ifstream in(secret_path); in) {
    std::getline(in, secret);
  } else {
    absl::BitGen gen;
    secret = absl::StrFormat("%016x%016x%016x", absl::Uniform<uint64_t>(gen),
                             absl::Uniform<uint64_t>(gen), absl::Uniform<uint64_t>(gen));
    std::ofstream out(secret_path);
    out << secret << "\n";
    chmod(secret_path.c_str(), 0600);
  }
  if (auto s = creds->AddHmacSecret("dev", secret); !s.ok()) Die(std::string(s.message()));
  const int64_t exp = absl::ToUnixSeconds(absl::Now() + absl::Hours(24 * 30));
  struct Who {
    const char* role;
    const char* claims;
    const char* label;  // how the console's sign-in page names the role
  };
  const Who who[] = {
      {"admin", R"("sub":"dev-admin","roles":["admin"],"municipality":"*")", "システム管理者"},
      {"planner", R"("sub":"dev-planner","roles":["planner"],"municipality":"142140")",
       "企画課（伊勢原市 企画政策課・計画担当）"},
      {"editor",
       R"("sub":"dev-editor","roles":["editor"],"municipality":"142140","departments":["kikaku"])",
       "所管課（伊勢原市 企画政策課）"},
      // d-hc796d3cb13: the id the progress-table importer gives 子育て支援課 (seed 001 owner of 06-101 …).
      {"editor-kosodate",
       R"("sub":"dev-editor-kosodate","roles":["editor"],"municipality":"142140","departments":["d-hc796d3cb13"])",
       "所管課（伊勢原市 子育て支援課）"},
      {"viewer", R"("sub":"dev-viewer","roles":["viewer"],"municipality":"142140")",
       "閲覧者（伊勢原市 職員）"},
      {"public", R"("sub":"dev-public","roles":["public"],"municipality":"142140")",
       "市民（公開情報のみ）"}};
  std::string json = "{\n";
  std::string console = "[";
  for (size_t i = 0; i < std::size(who); ++i) {
    auto token =
        gateway::SignJwt("HS256", "dev", secret,
                         absl::StrCat("{", who[i].claims, R"(,"iss":")", policy.issuer,
                                      R"(","aud":")", policy.audience, R"(","exp":)", exp, "}"));
    if (!token.ok()) Die("cannot sign the development tokens");
    absl::StrAppend(&json, "  \"", who[i].role, "\": \"", *token, "\"",
                    i + 1 < std::size(who) ? "," : "", "\n");
    absl::StrAppend(&console, i == 0 ? "" : ",", R"({"role":")", who[i].role, R"(","label":")",
                    who[i].label, R"(","token":")", *token, R"("})");
  }
  console += "]";
  json += "}\n";
  const std::string tokens_path = dir + "/dev-tokens.json";
  std::ofstream(tokens_path) << json;
  chmod(tokens_path.c_str(), 0600);
  log::Info("development tokens written", {{"file", tokens_path}});
  return console;
}

// `sokei-gateway --openapi` prints the REST contract (the document /openapi.json serves) and exits:
// the console's API types are generated from it at build time.
int PrintOpenApi(const std::vector<const google::protobuf::ServiceDescriptor*>& services) {
  auto routes = gateway::RouteTable::Build(services);
  if (!routes.ok()) Die(std::string(routes.status().message()));
  gateway::Gateway gw(std::move(*routes), gateway::Credentials(), {}, gateway::GatewayOptions());
  std::printf("%s\n", gw.OpenApiJson().c_str());
  return 0;
}

std::vector<const google::protobuf::ServiceDescriptor*> Services() {
  return {plan::v1::GetPlanRequest::descriptor()->file()->FindServiceByName("PlanService"),
          kpi::v1::GetIndicatorRequest::descriptor()->file()->FindServiceByName("KpiService"),
          survey::v1::GetSurveyRequest::descriptor()->file()->FindServiceByName("SurveyService")};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--openapi") return PrintOpenApi(Services());
  if (argc > 1) Die("usage: sokei-gateway [--openapi] (settings come from SOKEI_GATEWAY_* variables)");
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  gateway::JwtPolicy policy;
  const bool dev = config::EnvOr("SOKEI_GATEWAY_DEV", "") == "1";
  // Staff sign-in for the console at the city's OpenID Connect provider (authorization code +
  // PKCE): its issuer and the console's client id there. The provider's access tokens are then
  // verified like any bearer token, with its keys from SOKEI_GATEWAY_JWKS_FILE.
  std::optional<gateway::ConsoleOidc> oidc;
  if (const std::string issuer = config::EnvOr("SOKEI_GATEWAY_OIDC_ISSUER", ""); !issuer.empty()) {
    oidc = gateway::ConsoleOidc{issuer, config::EnvOr("SOKEI_GATEWAY_OIDC_CLIENT_ID", "")};
    oidc->scope = config::EnvOr("SOKEI_GATEWAY_OIDC_SCOPE", oidc->scope);
    if (auto s = gateway::ValidateConsoleOidc(*oidc); !s.ok()) Die(std::string(s.message()));
  }
  policy.issuer = config::EnvOr("SOKEI_GATEWAY_JWT_ISSUER",
                                dev ? "sokei-dev" : oidc ? oidc->issuer : "");
  policy.audience = config::EnvOr("SOKEI_GATEWAY_JWT_AUDIENCE", "sokei");
  if (policy.issuer.empty())
    Die("SOKEI_GATEWAY_JWT_ISSUER is required (the identity provider's iss)");

  gateway::Credentials creds;
  // SOKEI_GATEWAY_JWT_KEYS=kid=RS256:/path/key.pem,kid2=ES256:/path/ec.pem (public keys, PEM).
  for (absl::string_view entry :
       absl::StrSplit(config::EnvOr("SOKEI_GATEWAY_JWT_KEYS", ""), ',', absl::SkipEmpty())) {
    std::vector<std::string> kv = absl::StrSplit(entry, absl::MaxSplits('=', 1));
    std::vector<std::string> ap = kv.size() == 2 ? absl::StrSplit(kv[1], absl::MaxSplits(':', 1))
                                                 : std::vector<std::string>{};
    if (ap.size() != 2) Die("SOKEI_GATEWAY_JWT_KEYS entries are kid=ALG:/path/to/public.pem");
    if (auto s = creds.AddPublicKey(kv[0], ap[0], ReadFile(ap[1])); !s.ok())
      Die(std::string(s.message()));
  }
  // SOKEI_GATEWAY_JWKS_FILE: the identity provider's JWKS document (RFC 7517), saved as a file.
  if (const std::string f = config::EnvOr("SOKEI_GATEWAY_JWKS_FILE", ""); !f.empty()) {
    if (auto s = creds.AddJwks(ReadFile(f)); !s.ok()) Die(std::string(s.message()));
  }
  // SOKEI_GATEWAY_API_KEYS_FILE: lines "sha256hex name municipality roles,…" (# comments).
  if (const std::string f = config::EnvOr("SOKEI_GATEWAY_API_KEYS_FILE", ""); !f.empty()) {
    for (absl::string_view line : absl::StrSplit(ReadFile(f), '\n', absl::SkipWhitespace())) {
      if (absl::StartsWith(line, "#")) continue;
      std::vector<std::string> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (parts.size() != 4) Die("API key lines are: sha256hex name municipality roles");
      if (auto s = creds.AddApiKeyHash(parts[0], parts[1], parts[2], parts[3]); !s.ok()) {
        Die(std::string(s.message()));
      }
    }
  }
  // Without a sign-in for staff configured, the console shows the published pages only.
  // SOKEI_GATEWAY_CONSOLE_MUNICIPALITY: whose published results the console's public pages show.
  const std::string console_m = config::EnvOr("SOKEI_GATEWAY_CONSOLE_MUNICIPALITY", "142140");
  if (console_m.size() != 6 || !absl::c_all_of(console_m, absl::ascii_isdigit))
    Die("SOKEI_GATEWAY_CONSOLE_MUNICIPALITY must be a 6-digit municipality code");
  gateway::ConsoleSettings console;
  console.municipality = console_m;
  console.oidc = oidc;
  if (dev) console.dev_roles_json = DevSetup(&creds, policy);
  if (!creds.has_keys())
    Die("no JWT keys: set SOKEI_GATEWAY_JWT_KEYS or SOKEI_GATEWAY_JWKS_FILE (or "
        "SOKEI_GATEWAY_DEV=1 "
        "locally)");

  const std::vector<const google::protobuf::ServiceDescriptor*> services = Services();
  auto routes = gateway::RouteTable::Build(services);
  if (!routes.ok()) Die(std::string(routes.status().message()));
  std::map<std::string, std::string> addresses;
  for (const auto& [pkg, env, fallback] :
       std::vector<std::tuple<std::string, const char*, const char*>>{
           {"sokei.plan.v1", "SOKEI_PLAN_ADDR", "127.0.0.1:50051"},
           {"sokei.kpi.v1", "SOKEI_KPI_ADDR", "127.0.0.1:50052"},
           {"sokei.survey.v1", "SOKEI_SURVEY_ADDR", "127.0.0.1:50053"}}) {
    const std::string addr = config::EnvOr(env, fallback);
    if (!config::IsValidHostPort(addr)) Die(absl::StrCat(env, " must be host:port"));
    addresses[pkg] = addr;
  }
  auto upstreams = gateway::MakeUpstreams(services, addresses);
  gateway::GatewayOptions options;
  options.jwt = policy;
  options.rate_per_second = IntEnv("SOKEI_GATEWAY_RATE", 50);
  options.burst = IntEnv("SOKEI_GATEWAY_BURST", 100);
  // SOKEI_GATEWAY_ANONYMOUS_PUBLIC=1: published results readable without signing in.
  options.anonymous_public = config::EnvOr("SOKEI_GATEWAY_ANONYMOUS_PUBLIC", "") == "1";
  // SOKEI_REDIS_ADDR: rate limits shared by every replica (in-process without it).
  const std::string redis_addr = config::EnvOr("SOKEI_REDIS_ADDR", "");
  if (!redis_addr.empty() && !config::IsValidHostPort(redis_addr))
    Die("SOKEI_REDIS_ADDR must be host:port");
  cache::Cache shared_limits({redis_addr});
  options.shared_rate_limits = &shared_limits;
  const size_t route_count = routes->routes().size();
  gateway::Gateway gw(std::move(*routes), std::move(creds), std::move(upstreams), options);
  // SOKEI_GATEWAY_CONSOLE_DIR: the web console's build (web/dist); unset, no console is served.
  if (const std::string dir = config::EnvOr("SOKEI_GATEWAY_CONSOLE_DIR", ""); !dir.empty()) {
    auto site = gateway::StaticSite::Load(dir);
    if (!site.ok()) Die(absl::StrCat("SOKEI_GATEWAY_CONSOLE_DIR: ", site.status().message()));
    log::Info("console loaded", {{"files", std::to_string((*site)->file_count())},
                                 {"bytes", std::to_string((*site)->total_bytes())}});
    gw.ServeConsole(std::move(*site), console);
  }
  gateway::ListenerOptions lo;
  lo.address = config::EnvOr("SOKEI_GATEWAY_HTTP_ADDR", "127.0.0.1:8080");
  lo.threads = IntEnv("SOKEI_GATEWAY_THREADS", 2);
  lo.max_connections = IntEnv("SOKEI_GATEWAY_MAX_CONNECTIONS", 1024);
  lo.header_timeout = absl::Milliseconds(IntEnv("SOKEI_GATEWAY_HEADER_TIMEOUT_MS", 10000));
  auto listener = gateway::HttpListener::Start(lo, &gw);
  if (!listener.ok()) {
    log::Error("cannot start", {{"error", listener.status().message()}});
    return 1;
  }
  // /metrics and the probes on a port of their own, not behind the Ingress.
  gateway::ListenerOptions ops = lo;
  ops.address = config::EnvOr("SOKEI_GATEWAY_OPS_ADDR", "127.0.0.1:8081");
  ops.threads = 1;
  ops.max_connections = 64;
  ops.ops = true;
  auto ops_listener = gateway::HttpListener::Start(ops, &gw);
  if (!ops_listener.ok()) {
    log::Error("cannot start", {{"error", ops_listener.status().message()}});
    return 1;
  }
  // gRPC passthrough: every sokei.* method, unchanged, with the same authentication.
  gateway::Passthrough passthrough(&gw);
  int grpc_port = 0;
  const std::string grpc_addr = config::EnvOr("SOKEI_GATEWAY_GRPC_ADDR", "127.0.0.1:9090");
  auto grpc_server = gateway::StartPassthrough(grpc_addr, &passthrough, &grpc_port);
  if (!grpc_server.ok()) {
    log::Error("cannot start", {{"error", grpc_server.status().message()}});
    return 1;
  }
  log::Info("sokei-gateway serving", {{"http", lo.address},
                                      {"grpc", grpc_addr},
                                      {"ops", ops.address},
                                      {"port", std::to_string((*listener)->port())},
                                      {"routes", std::to_string(route_count)},
                                      {"rate_limits", redis_addr.empty() ? "in-process" : "redis"},
                                      {"mode", dev ? "dev" : "production"}});
  int sig = 0;
  sigwait(&set, &sig);
  log::Info("shutting down", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
  (*listener)->Stop();
  (*ops_listener)->Stop();
  (*grpc_server)->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
  log::Info("sokei-gateway stopped");
  return 0;
}
