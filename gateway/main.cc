// sokei-gateway: wiring only. The typed config (gateway_config) → credentials → the route table
// from the linked services' descriptors → one channel per upstream → the listeners.
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
#include "common/grpcx/lock_mode.h"
#include "common/log/log.h"
#include "gateway/server/dev_tokens.h"
#include "gateway/server/gateway_config.h"
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
  if (argc > 1)
    Die("usage: sokei-gateway [--openapi] (settings come from SOKEI_GATEWAY_* variables)");
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  grpcx::QuietLockGraphInRelease();

  auto cfg = gateway::LoadGatewayConfig();
  if (!cfg.ok()) config::DieWithConfigError(cfg.status());
  auto signer = gateway::LoadIdentitySigner(*cfg);
  if (!signer.ok()) Die(std::string(signer.status().message()));
  auto creds = gateway::LoadCredentials(*cfg);
  if (!creds.ok()) Die(std::string(creds.status().message()));
  // Without a sign-in for staff configured, the console shows the published pages only.
  gateway::ConsoleSettings console;
  console.municipality = cfg->console_municipality;
  console.oidc = cfg->oidc;
  if (cfg->dev) {
    auto roles = gateway::SetUpDevTokens(cfg->data_dir, cfg->jwt, &*creds);
    if (!roles.ok()) Die(std::string(roles.status().message()));
    console.dev_roles_json = *roles;
  }

  const std::vector<const google::protobuf::ServiceDescriptor*> services = Services();
  auto routes = gateway::RouteTable::Build(services);
  if (!routes.ok()) Die(std::string(routes.status().message()));
  auto upstreams = gateway::MakeUpstreams(services, cfg->upstreams);
  gateway::GatewayOptions options;
  options.jwt = cfg->jwt;
  options.rate_per_second = cfg->rate_per_second;
  options.burst = cfg->burst;
  options.anonymous_public = cfg->anonymous_public;
  options.identity_signer = *signer;
  options.response_cache_bytes = static_cast<size_t>(cfg->response_cache_mb) << 20;
  // Rate limits shared by every replica through Redis (in-process without it).
  const std::string& redis_addr = cfg->redis_addr;
  cache::Cache shared_limits({redis_addr});
  options.shared_rate_limits = &shared_limits;
  const size_t route_count = routes->routes().size();
  gateway::Gateway gw(std::move(*routes), std::move(*creds), std::move(upstreams), options);
  // The web console's build (web/dist); unset, no console is served.
  if (const std::string& dir = cfg->console_dir; !dir.empty()) {
    auto site = gateway::StaticSite::Load(dir);
    if (!site.ok()) Die(absl::StrCat("SOKEI_GATEWAY_CONSOLE_DIR: ", site.status().message()));
    log::Info("console loaded", {{"files", std::to_string((*site)->file_count())},
                                 {"bytes", std::to_string((*site)->total_bytes())}});
    gw.ServeConsole(std::move(*site), console);
  }
  gateway::ListenerOptions lo;
  lo.address = cfg->http_addr;
  lo.threads = cfg->threads;
  lo.max_connections = cfg->max_connections;
  lo.max_connections_per_client = cfg->max_connections_per_client;
  lo.header_timeout = absl::Milliseconds(cfg->header_timeout_ms);
  auto listener = gateway::HttpListener::Start(lo, &gw);
  if (!listener.ok()) {
    log::Error("cannot start", {{"error", listener.status().message()}});
    return 1;
  }
  // /metrics and the probes on a port of their own, not behind the Ingress.
  gateway::ListenerOptions ops = lo;
  ops.address = cfg->ops_addr;
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
  const std::string& grpc_addr = cfg->grpc_addr;
  auto grpc_server = gateway::StartPassthrough(grpc_addr, &passthrough, &grpc_port);
  if (!grpc_server.ok()) {
    log::Error("cannot start", {{"error", grpc_server.status().message()}});
    return 1;
  }
  log::Info("sokei-gateway serving", {{"http", lo.address},
                                      {"grpc", grpc_addr},
                                      {"ops", ops.address},
                                      {"ops_port", std::to_string((*ops_listener)->port())},
                                      {"port", std::to_string((*listener)->port())},
                                      {"routes", std::to_string(route_count)},
                                      {"rate_limits", redis_addr.empty() ? "in-process" : "redis"},
                                      {"mode", cfg->dev ? "dev" : "production"}});
  int sig = 0;
  sigwait(&set, &sig);
  log::Info("shutting down", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
  (*listener)->Stop();
  (*ops_listener)->Stop();
  (*grpc_server)->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
  log::Info("sokei-gateway stopped");
  return 0;
}
