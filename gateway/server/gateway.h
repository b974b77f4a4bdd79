// The gateway's request path, independent of the HTTP library: operations endpoints, routing,
// authentication, edge authorization, rate limits, transcoding and the non-blocking forward to the
// upstream service with the generic stub. The HTTP listener hands each parsed request here and
// writes whatever comes back; the reply callback may run on a gRPC thread.
#pragma once

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/auth/identity_proof.h"
#include "common/trace/trace.h"
#include "gateway/auth/credentials.h"
#include "gateway/server/console_settings.h"
#include "gateway/server/rate_limiter.h"
#include "gateway/server/static_site.h"
#include "gateway/server/upstream_health.h"
#include "gateway/transcode/routes.h"

namespace sokei::gateway {
class ChangeFollower;
class ResponseCache;

// Where a request line leads in the route table.
struct RouteLookup {
  RouteTable::Outcome outcome = RouteTable::Outcome::kNotFound;
  RouteTable::Match match;
  std::vector<std::string> allowed;  // kMethodNotAllowed: the methods the path has
};

struct HttpRequest {
  std::string method;
  std::string target;                               // path and query, as received
  std::multimap<std::string, std::string> headers;  // names in lower case
  std::string body;
  bool ops_listener = false;  // came in on the operations port (/metrics is served only there)
  // The route, when the listener already looked it up (for the body limit); Handle looks it up
  // otherwise.
  std::optional<RouteLookup> route;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type = "application/json";
};

struct GatewayOptions {
  JwtPolicy jwt;
  // Requests per second per principal and the burst allowed above it (0 = no limit).
  double rate_per_second = 50;
  double burst = 100;
  // Redis for limits shared by every replica (nullptr: in-process only); see rate_limiter.h.
  cache::Cache* shared_rate_limits = nullptr;
  absl::Duration rate_sync_interval = absl::Milliseconds(100);
  // Deadlines by method class (the access option): reads, writes, file imports.
  absl::Duration read_timeout = absl::Seconds(10);
  absl::Duration upstream_timeout = absl::Seconds(30);
  absl::Duration import_timeout = absl::Seconds(300);
  // Each upstream's health is checked this often (0: never) with this deadline; a down upstream's
  // requests fail at once with 503 (upstream_health.h).
  absl::Duration health_interval = absl::Seconds(1);
  absl::Duration health_timeout = absl::Milliseconds(500);
  // Citizens read published results without signing in: a request with no credentials to a
  // PUBLIC read-only method acts as the public role of the municipality its path names (the
  // services then show published things only). Every other method still needs a token or key.
  bool anonymous_public = false;
  // Signs the principal forwarded to the services (nullptr: unsigned, for dev-mode services).
  std::shared_ptr<const auth::ProofSigner> identity_signer;
  // The response cache (response_cache.h): bytes of rendered GET replies kept per replica
  // (0: none), and how long one is served at most even when nothing changed.
  size_t response_cache_bytes = 0;
  absl::Duration response_cache_max_age = absl::Minutes(5);
};

class Gateway {
 public:
  // `upstreams`: package prefix ("sokei.plan.v1") → channel.
  Gateway(RouteTable routes, Credentials credentials,
          std::map<std::string, std::shared_ptr<grpc::Channel>> upstreams, GatewayOptions options,
          std::function<absl::Time()> clock = &absl::Now);
  ~Gateway();

  void Handle(HttpRequest request, std::function<void(HttpResponse)> done);

  // The route of a request line (`target` with or without its query).
  RouteLookup Lookup(const std::string& method, const std::string& target) const;
  // Body limit for a looked-up request line, known before the body is read (16 MiB for import
  // methods, 1 MiB otherwise).
  static size_t BodyLimit(const RouteLookup& lookup);

  // The web console: its static files and the settings it reads at /console/config.json (how to
  // sign in). Served on the HTTP port, never on the operations port. Call before serving.
  void ServeConsole(std::unique_ptr<StaticSite> site, const ConsoleSettings& settings);

  const RouteTable& routes() const { return routes_; }
  std::string MetricsText() const;
  std::string OpenApiJson() const;

  // Counters for /metrics (also read by tests).
  void CountRejected(const std::string& reason);
  // An upstream call that ended without a service's answer (unavailable, deadline, internal…);
  // `package` as "sokei.plan.v1". Domain errors (NOT_FOUND, INVALID_ARGUMENT, …) are not counted.
  void CountUpstreamError(const std::string& package, grpc::StatusCode code);

  // Authentication, edge authorization and the rate limit, for REST and gRPC alike: the principal
  // from `authorization` ("Bearer …") or `api_key`; `municipality` the one the request names ("" if
  // unknown here); `access` the method's (sokei.type.v1.access) option.
  absl::StatusOr<auth::Principal> Admit(const std::string& authorization,
                                        const std::string& api_key, const std::string& municipality,
                                        const type::v1::MethodAccess& access);
  // The upstream stub for a method's package ("sokei.plan.v1"), or nullptr.
  grpc::GenericStub* StubFor(const std::string& package) const;
  // Whether the package's upstream answered its last health check (true before the first, and
  // when checks are off).
  bool UpstreamUp(const std::string& package) const;

  RateLimiter& rate_limiter() { return *limiter_; }

  // A write for `municipality` ("*": any) went through this replica: its cached replies go.
  void NoteWrite(const std::string& municipality);
  // The response cache, when there is one (tests read its figures).
  const ResponseCache* response_cache() const { return cache_.get(); }
  // The x-sokei-* metadata that carries `principal` to a service, with its signed proof.
  std::vector<std::pair<std::string, std::string>> UpstreamMetadata(
      const auth::Principal& principal) const;

 private:
  struct Counters;
  // `media`: answer a file reply as the file itself (alt=media) instead of JSON.
  void Forward(const Route& route, std::unique_ptr<google::protobuf::Message> request,
               const auth::Principal& principal, const std::string& request_id,
               const trace::Context& trace, bool media, std::function<void(HttpResponse)> done);
  void Readiness(std::function<void(HttpResponse)> done);
  // The console's file for a GET, or nullopt when the path is not the console's.
  std::optional<HttpResponse> ConsoleFile(const HttpRequest& req, const std::string& path) const;
  void Record(const std::string& route, int status, absl::Duration latency);

  RouteTable routes_;
  Credentials credentials_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> upstreams_;
  std::map<std::string, std::unique_ptr<grpc::GenericStub>> stubs_;
  GatewayOptions options_;
  std::function<absl::Time()> clock_;
  std::string openapi_;
  std::unique_ptr<StaticSite> site_;
  std::string console_config_;
  std::string console_csp_;
  std::unique_ptr<RateLimiter> limiter_;
  // Tokens verified recently (the same bytes verify the same way until they expire): saves the
  // signature check and two JSON parses on every request of a session. Bounded; cleared when full.
  struct Verified {
    auth::Principal principal;
    absl::Time expires;
  };
  std::mutex token_mu_;
  std::map<std::string, Verified> verified_;
  std::unique_ptr<Counters> counters_;
  std::unique_ptr<UpstreamHealth> health_;
  std::unique_ptr<ResponseCache> cache_;
  // Last: stopped first (its threads use the stubs, the signer and the cache).
  std::unique_ptr<ChangeFollower> follower_;
};

}  // namespace sokei::gateway
