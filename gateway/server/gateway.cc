// The gateway: routing a REST request to admission and forwarding, and serving the console.
#include "gateway/server/gateway.h"

#include <google/protobuf/dynamic_message.h>

#include <algorithm>
#include <optional>
#include <set>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/log/log.h"
#include "common/metrics/registry.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"
#include "common/trace/trace.h"
#include "gateway/server/change_follower.h"
#include "gateway/server/gateway_internal.h"
#include "gateway/server/http_caching.h"
#include "gateway/server/openapi.h"
#include "gateway/server/response_cache.h"
#include "gateway/transcode/files.h"
#include "gateway/transcode/transcoder.h"

namespace sokei::gateway {
namespace {

// The response cache's answers by result: hit, miss (kept for next time) or bypass (the feeds
// were not followed).
void CountCache(const char* result) {
  metrics::Registry::Global().Add("sokei_gateway_response_cache_total",
                                  "REST GETs by what the response cache did.", {{"result", result}},
                                  1);
}

}  // namespace

Gateway::Gateway(RouteTable routes, Credentials credentials,
                 std::map<std::string, std::shared_ptr<grpc::Channel>> upstreams,
                 GatewayOptions options, std::function<absl::Time()> clock)
    : routes_(std::move(routes)),
      credentials_(std::move(credentials)),
      upstreams_(std::move(upstreams)),
      options_(std::move(options)),
      clock_(std::move(clock)),
      counters_(std::make_unique<Counters>()) {
  for (const auto& [pkg, ch] : upstreams_) stubs_[pkg] = std::make_unique<grpc::GenericStub>(ch);
  limiter_ = std::make_unique<RateLimiter>(
      RateLimitOptions{options_.rate_per_second, options_.burst, options_.shared_rate_limits,
                       options_.rate_sync_interval},
      clock_);
  openapi_ = BuildOpenApi(routes_);
  if (options_.health_interval > absl::ZeroDuration() && !stubs_.empty()) {
    std::map<std::string, grpc::GenericStub*> checked;
    for (const auto& [pkg, stub] : stubs_) checked[pkg] = stub.get();
    health_ = std::make_unique<UpstreamHealth>(std::move(checked), options_.health_interval,
                                               options_.health_timeout);
  }
  // The response cache follows every service's change feed (one ListChanges per package).
  if (options_.response_cache_bytes > 0) {
    cache_ = std::make_unique<ResponseCache>(options_.response_cache_bytes,
                                             options_.response_cache_max_age);
    std::vector<FollowedFeed> feeds;
    std::set<std::string> packages;
    for (const Route& r : routes_.routes()) {
      if (r.method->name() != "ListChanges") continue;
      const std::string package = UpstreamKey(r);
      auto stub = stubs_.find(package);
      if (stub == stubs_.end() || !packages.insert(package).second) continue;
      feeds.push_back({package, r.grpc_path, stub->second.get()});
    }
    auth::Principal reader;  // reads every municipality's feed, and nothing else
    reader.subject = "sokei-gateway/response-cache";
    reader.roles = {auth::Role::kAdmin};
    reader.municipality = "*";
    if (!feeds.empty()) {
      follower_ = std::make_unique<ChangeFollower>(
          std::move(feeds), [this, reader] { return UpstreamMetadata(reader); }, cache_.get());
    }
  }
}

void Gateway::NoteWrite(const std::string& municipality) {
  if (cache_ == nullptr) return;
  if (municipality.empty() || municipality == "*") {
    cache_->InvalidateAll();
  } else {
    cache_->Invalidate(municipality);
  }
}

bool Gateway::UpstreamUp(const std::string& package) const {
  return health_ == nullptr || health_->Up(package);
}

Gateway::~Gateway() = default;

RouteLookup Gateway::Lookup(const std::string& method, const std::string& target) const {
  RouteLookup l;
  l.outcome = routes_.Find(method, absl::string_view(target).substr(0, target.find('?')), &l.match,
                           &l.allowed);
  return l;
}

size_t Gateway::BodyLimit(const RouteLookup& l) {
  const bool import = l.outcome == RouteTable::Outcome::kFound && IsImport(*l.match.route);
  return import ? (16u << 20) : (1u << 20);
}

void Gateway::ServeConsole(std::unique_ptr<StaticSite> site, const ConsoleSettings& settings) {
  site_ = std::move(site);
  console_config_ = ConsoleConfigJson(settings);
  console_csp_ = ConsoleCsp(settings);
}

std::optional<HttpResponse> Gateway::ConsoleFile(const HttpRequest& req,
                                                 const std::string& path) const {
  if (site_ == nullptr) return std::nullopt;
  if (path == "/console/config.json") return HttpResponse{200, {}, console_config_};
  const StaticFile* f = site_->Find(path);
  if (f == nullptr) return std::nullopt;
  HttpResponse r;
  r.content_type = f->content_type;
  r.headers = {{"Cache-Control", f->cache_control}, {"ETag", f->etag}};
  if (absl::StartsWith(f->content_type, "text/html")) {
    // The console loads only its own scripts and talks only to this origin (and the identity
    // provider's, with OIDC); ECharts and the design system set inline styles. No framing
    // (clickjacking), no referrer to other sites.
    r.headers.emplace_back("Content-Security-Policy", console_csp_);
    r.headers.emplace_back("X-Frame-Options", "DENY");
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
  }
  if (!f->gzip.empty()) r.headers.emplace_back("Vary", "Accept-Encoding");
  const std::string inm = Header(req, "if-none-match");
  if (!inm.empty() && (inm == f->etag || absl::StrContains(inm, f->etag))) {
    r.status = 304;
    return r;
  }
  const std::string ae = Header(req, "accept-encoding");
  if (!f->gzip.empty() && absl::StrContains(absl::AsciiStrToLower(ae), "gzip")) {
    r.headers.emplace_back("Content-Encoding", "gzip");
    r.body = f->gzip;
  } else {
    r.body = f->body;
  }
  return r;
}

void Gateway::Handle(HttpRequest req, std::function<void(HttpResponse)> done) {
  const absl::Time start = clock_();
  std::string request_id = Header(req, "x-request-id");
  if (!ValidRequestId(request_id)) request_id = NewRequestId();
  const size_t q = req.target.find('?');
  const std::string path = req.target.substr(0, q);
  const std::string query = q == std::string::npos ? "" : req.target.substr(q + 1);
  const std::string method = req.method;
  // The caller's trace (W3C traceparent) or a new one: in the access line, forwarded upstream.
  const trace::Context trace = [&] {
    auto parent = trace::Parse(Header(req, "traceparent"), Header(req, "tracestate"));
    return parent ? trace::Child(*parent) : trace::Start();
  }();
  // A GET's reply may be revalidated (ETag, 304) and compressed (http_caching.h).
  const std::string if_none_match = method == "GET" ? Header(req, "if-none-match") : "";
  const std::string accept_encoding = method == "GET" ? Header(req, "accept-encoding") : "";
  auto reply = [this, done, request_id, start, method, if_none_match, accept_encoding, trace](
                   const std::string& route, HttpResponse r) {
    if (method == "GET") ConditionalGet(if_none_match, accept_encoding, &r);
    r.headers.emplace_back("X-Request-Id", request_id);
    r.headers.emplace_back("X-Trace-Id", trace.trace_id);
    trace::Scope traced(trace);
    const absl::Duration took = clock_() - start;
    Record(route, r.status, took);
    // The access log: the route template, never the path's names, the query or any header.
    log::Info("http", {{"method", method},
                       {"route", route},
                       {"status", absl::StrCat(r.status)},
                       {"ms", absl::StrFormat("%.2f", absl::ToDoubleMilliseconds(took))},
                       {"request_id", request_id}});
    done(std::move(r));
  };
  if (req.method == "GET" && path == "/healthz") {
    return reply("/healthz", HttpResponse{200, {}, R"({"status":"SERVING"})"});
  }
  if (req.method == "GET" && path == "/readyz") {
    return Readiness([reply](HttpResponse r) { reply("/readyz", std::move(r)); });
  }
  if (req.method == "GET" && path == "/openapi.json")
    return reply("/openapi.json", HttpResponse{200, {}, openapi_});
  // The console's files; the REST API under /v1/ never looks there.
  if (req.method == "GET" && !req.ops_listener && !absl::StartsWith(path, "/v1/")) {
    if (auto file = ConsoleFile(req, path)) {
      return reply(path == "/console/config.json" ? path : "(console)", std::move(*file));
    }
  }
  if (req.method == "GET" && path == "/metrics" && req.ops_listener) {
    HttpResponse r{200, {}, MetricsText()};
    r.content_type = "text/plain; version=0.0.4";
    return reply("/metrics", std::move(r));
  }
  if (!req.route) req.route = Lookup(req.method, path);
  const RouteTable::Match& match = req.route->match;
  const std::vector<std::string>& allowed = req.route->allowed;
  switch (req.route->outcome) {
    case RouteTable::Outcome::kNotFound: {
      HttpResponse r = ErrorResponse(
          status::WithReason(absl::StatusCode::kNotFound, "no such REST route", "ROUTE_NOT_FOUND"));
      return reply("(unrouted)", std::move(r));
    }
    case RouteTable::Outcome::kMethodNotAllowed: {
      HttpResponse r = ErrorResponse(status::WithReason(
          absl::StatusCode::kUnimplemented,
          absl::StrCat("method not allowed here; use ", absl::StrJoin(allowed, ", ")),
          "METHOD_NOT_ALLOWED"));
      r.status = 405;
      r.headers.emplace_back("Allow", absl::StrJoin(allowed, ", "));
      return reply("(unrouted)", std::move(r));
    }
    case RouteTable::Outcome::kFound:
      break;
  }
  const Route& route = *match.route;
  const std::string route_name = absl::StrCat(route.http_method, " ", route.path.text());
  auto principal = Admit(Header(req, "authorization"), Header(req, "x-api-key"),
                         MunicipalityOf(match.bindings), route.access);
  if (!principal.ok()) return reply(route_name, ErrorResponse(principal.status()));
  std::unique_ptr<Message> request(google::protobuf::MessageFactory::generated_factory()
                                       ->GetPrototype(route.method->input_type())
                                       ->New());
  // Files as files (transcode/files.h): `alt=media` downloads a file reply as the file; a file
  // body (CSV, TSV, xlsx) is the upload itself, its other fields in the query.
  std::string bind_query = query;
  const bool media = absl::StrContains(query, "alt=media") && TakeAltMedia(&bind_query);
  absl::Status bound;
  if (media && !IsFileReply(route.method->output_type())) {
    bound = status::InvalidField("REST_REQUEST_INVALID", "alt",
                                 "alt=media is for methods that answer with a file");
  } else if (TakesFileUpload(route) && IsFileContentType(Header(req, "content-type"))) {
    bound = BindFileUpload(route, match.bindings, bind_query, std::move(req.body), request.get());
  } else {
    bound = BindRequest(route, match.bindings, bind_query, req.body, request.get());
  }
  if (!bound.ok()) {
    CountRejected("REST_REQUEST_INVALID");
    return reply(route_name, ErrorResponse(bound));
  }
  const std::string municipality = MunicipalityOf(match.bindings);
  if (cache_ != nullptr && method == "GET" && CacheableRead(route, media, municipality)) {
    // Answered before and unchanged since: from the response cache (response_cache.h).
    if (auto generation = cache_->Generation(municipality)) {
      std::string key = ResponseCache::Key(*principal, req.target);
      if (auto hit = cache_->Get(municipality, key, *generation)) {
        CountCache("hit");
        HttpResponse r = Serve(*hit, if_none_match, accept_encoding);
        r.headers.emplace_back("X-Sokei-Cache", "hit");
        return reply(route_name, std::move(r));
      }
      CountCache("miss");
      return Forward(route, std::move(request), *principal, request_id, trace, media,
                     [this, reply, route_name, municipality, key = std::move(key), g = *generation,
                      if_none_match, accept_encoding](HttpResponse r) {
                       if (r.status == 200) {
                         auto reps = Represent(std::move(r.body), r.content_type, "", true);
                         cache_->Put(municipality, key, g, reps);
                         HttpResponse served = Serve(*reps, if_none_match, accept_encoding);
                         for (auto& h : r.headers) served.headers.push_back(std::move(h));
                         served.headers.emplace_back("X-Sokei-Cache", "miss");
                         r = std::move(served);
                       }
                       reply(route_name, std::move(r));
                     });
    }
    CountCache("bypass");  // the feeds are not followed (yet, or no longer)
  }
  if (cache_ != nullptr && !route.access.read_only()) {
    // A write moves its municipality on when it ends, whatever the outcome: read-your-writes on
    // this replica at once (the others learn it from the feeds).
    return Forward(route, std::move(request), *principal, request_id, trace, media,
                   [this, reply, route_name, municipality](HttpResponse r) {
                     NoteWrite(municipality);
                     reply(route_name, std::move(r));
                   });
  }
  Forward(route, std::move(request), *principal, request_id, trace, media,
          [reply, route_name](HttpResponse r) { reply(route_name, std::move(r)); });
}

}  // namespace sokei::gateway
