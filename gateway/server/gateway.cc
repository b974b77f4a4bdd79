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
#include "common/status/grpc_status.h"
#include "common/status/status.h"
#include "gateway/transcode/files.h"
#include "gateway/transcode/transcoder.h"

namespace sokei::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr double kBucketsMs[] = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000};

std::string Header(const HttpRequest& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? "" : it->second;
}

bool ValidRequestId(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

std::string NewRequestId() {
  absl::BitGen gen;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(gen), absl::Uniform<uint64_t>(gen));
}

HttpResponse ErrorResponse(const absl::Status& s) {
  HttpResponse r;
  r.status = HttpStatusFor(static_cast<grpc::StatusCode>(s.code()));
  r.body = RenderError(s);
  if (r.status == 401) {
    r.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="sokei", error="invalid_token")");
  }
  if (r.status == 429) r.headers.emplace_back("Retry-After", "1");
  return r;
}

// Why the caller's roles may not call a method of this access level: the counter's reason and
// the caller's message; {nullptr, nullptr} if they may.
struct Refusal {
  const char* reason = nullptr;
  const char* message = nullptr;
};
Refusal RoleRefusal(const auth::Principal& p, const type::v1::MethodAccess& access) {
  using type::v1::AccessLevel;
  const bool admin = p.Has(auth::Role::kAdmin);
  const bool planner = admin || p.Has(auth::Role::kPlanner);
  const bool writer = planner || p.Has(auth::Role::kEditor);
  if (!access.read_only() && !writer) return {"READ_ONLY_ROLE", "this role may read only"};
  const char* message = nullptr;
  switch (access.level()) {
    case AccessLevel::PUBLIC:
      break;
    case AccessLevel::STAFF:
      if (p.PublicOnly()) message = "public callers may not read this";
      break;
    case AccessLevel::DEPARTMENT:
      if (!writer) message = "only editors, planners and admins may do this";
      break;
    case AccessLevel::PLANNER:
      if (!planner) message = "only planners (企画課) and admins may do this";
      break;
    case AccessLevel::ADMIN:
      if (!admin) message = "only admins may do this";
      break;
    default:
      message = "this method is not open to callers";
  }
  return message == nullptr ? Refusal{} : Refusal{"ROLE_NOT_ALLOWED", message};
}

// A method that takes a file (a bytes `content` with the whole body bound): an import or a file
// read — the bigger body limit and the import timeout. By the contract's shape, not by name.
bool IsImport(const Route& route) { return TakesFileUpload(route); }

// The municipality a request is about: the first bound name under municipalities/.
std::string MunicipalityOf(const std::vector<std::pair<std::string, std::string>>& bindings) {
  for (const auto& [field, value] : bindings) {
    if (absl::StartsWith(value, "municipalities/")) {
      const std::string rest = value.substr(15);
      return rest.substr(0, rest.find('/'));
    }
  }
  return "";
}

std::string UpstreamKey(const Route& route) { return route.method->service()->file()->package(); }

// ---- OpenAPI ----

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppend(&out, absl::StrFormat("\\u%04x", c));
      continue;
    }
    out.push_back(c);
  }
  return out + "\"";
}

// municipalities → municipality, analyses → analysis, plans → plan.
std::string Singular(const std::string& plural) {
  if (absl::EndsWith(plural, "ies")) return plural.substr(0, plural.size() - 3) + "y";
  if (absl::EndsWith(plural, "ses")) return plural.substr(0, plural.size() - 2) + "is";
  if (absl::EndsWith(plural, "s")) return plural.substr(0, plural.size() - 1);
  return plural;
}

std::string SchemaOf(const FieldDescriptor* f, std::set<const Descriptor*>* todo) {
  std::string item;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      item = f->type() == FieldDescriptor::TYPE_BYTES ? R"({"type":"string","format":"byte"})"
                                                      : R"({"type":"string"})";
      break;
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_UINT32:
      item = R"({"type":"integer","format":"int32"})";
      break;
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT64:
      item = R"({"type":"string","format":"int64"})";
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT:
      item = R"({"type":"number"})";
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      item = R"({"type":"boolean"})";
      break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      std::vector<std::string> names;
      for (int i = 0; i < f->enum_type()->value_count(); ++i) {
        names.push_back(JsonString(f->enum_type()->value(i)->name()));
      }
      item = absl::StrCat(R"({"type":"string","enum":[)", absl::StrJoin(names, ","), "]}");
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      if (f->is_map()) {
        item = absl::StrCat(R"({"type":"object","additionalProperties":)",
                            SchemaOf(f->message_type()->map_value(), todo), "}");
        return item;
      }
      if (f->message_type()->full_name() == "google.protobuf.Timestamp") {
        item = R"({"type":"string","format":"date-time"})";
      } else if (f->message_type()->full_name() == "google.protobuf.FieldMask") {
        item = R"({"type":"string","description":"comma-separated field paths"})";
      } else {
        todo->insert(f->message_type());
        item = absl::StrCat(R"({"$ref":"#/components/schemas/)", f->message_type()->full_name(),
                            "\"}");
      }
      break;
  }
  return f->is_repeated() ? absl::StrCat(R"({"type":"array","items":)", item, "}") : item;
}

std::string BuildOpenApi(const RouteTable& routes) {
  std::map<std::string, std::vector<std::string>> paths;  // openapi path → operations
  std::set<const Descriptor*> todo;
  for (const Route& r : routes.routes()) {
    // {name=municipalities/*/plans/*} → municipalities/{municipality}/plans/{plan}: one path
    // parameter per wildcard, named after its collection, so that no two routes share a path.
    std::string path = r.path.text();
    std::vector<std::string> params;
    auto add_param = [&](const std::string& name, const std::string& field) {
      params.push_back(
          absl::StrCat(R"({"name":)", JsonString(name), R"(,"in":"path","required":true,)",
                       R"("schema":{"type":"string"},"description":)",
                       JsonString(absl::StrCat("part of the request field ", field)), "}"));
    };
    for (const auto& fp : r.path.FieldPaths()) {
      const size_t open = path.find("{" + fp);
      const size_t close = path.find('}', open);
      const std::string inner = path.substr(open + 1, close - open - 1);
      const size_t eq = inner.find('=');
      std::string expanded;
      if (eq == std::string::npos) {
        expanded = "{" + fp + "}";
        add_param(fp, fp);
      } else {
        std::string previous;
        for (absl::string_view seg : absl::StrSplit(inner.substr(eq + 1), '/')) {
          std::string part(seg);
          if (seg == "*" || seg == "**") {
            std::string name = previous.empty() ? fp : Singular(previous);
            if (seg == "**") name = fp;
            part = "{" + name + "}";
            add_param(name, fp);
          }
          previous = std::string(seg);
          absl::StrAppend(&expanded, expanded.empty() ? "" : "/", part);
        }
      }
      path.replace(open, close - open + 1, expanded);
    }
    // The request's other top-level fields travel in the query when there is no whole-body
    // binding (scalars, enums, repeated scalars and the well-known types written as strings) — and
    // for a file upload sent as the raw file, every field but its `content`.
    const bool raw_upload = TakesFileUpload(r);
    if (r.body != "*" || raw_upload) {
      std::set<std::string> taken;
      for (const auto& fp : r.path.FieldPaths()) taken.insert(fp.substr(0, fp.find('.')));
      if (!r.body.empty() && r.body != "*") taken.insert(r.body);
      if (raw_upload) taken.insert("content");
      const Descriptor* in = r.method->input_type();
      for (int i = 0; i < in->field_count(); ++i) {
        const auto* f = in->field(i);
        if (taken.count(f->name())) continue;
        if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE &&
            f->message_type()->full_name().rfind("google.protobuf.", 0) != 0) {
          continue;
        }
        if (f->is_map()) continue;
        std::set<const Descriptor*> unused;
        params.push_back(absl::StrCat(
            R"({"name":)", JsonString(f->json_name()), R"(,"in":"query","required":false,"schema":)",
            SchemaOf(f, &unused),
            r.body == "*" ? R"x(,"description":"with the raw file as the body only (else in the JSON)")x"
                          : "",
            "}"));
      }
    }
    if (r.http_method == "GET" && IsFileReply(r.method->output_type())) {
      params.push_back(
          R"({"name":"alt","in":"query","required":false,"schema":{"type":"string","enum":["media"]},)"
          R"("description":"media: the file itself (its Content-Type, Content-Disposition) instead of JSON"})");
    }
    todo.insert(r.method->input_type());
    todo.insert(r.method->output_type());
    std::string op = absl::StrCat(JsonString(absl::AsciiStrToLower(r.http_method)),
                                  R"(:{"operationId":)", JsonString(r.method->full_name()),
                                  R"(,"tags":[)", JsonString(r.method->service()->name()),
                                  R"(],"parameters":[)", absl::StrJoin(params, ","), "]");
    if (!r.body.empty()) {
      const Descriptor* body_type =
          r.body == "*" ? r.method->input_type()
                        : r.method->input_type()->FindFieldByName(r.body)->message_type();
      if (body_type != nullptr) {
        todo.insert(body_type);
        // A file upload may also be the raw file, its other fields in the query.
        const std::string raw =
            raw_upload
                ? R"(,"text/csv":{"schema":{"type":"string","format":"binary"}},"text/tab-separated-values":{"schema":{"type":"string","format":"binary"}},"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":{"schema":{"type":"string","format":"binary"}})"
                : "";
        absl::StrAppend(
            &op,
            R"(,"requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/)",
            body_type->full_name(), R"("}})", raw, "}}");
      }
    }
    absl::StrAppend(
        &op,
        R"(,"responses":{"200":{"description":"OK","content":{"application/json":{"schema":{"$ref":"#/components/schemas/)",
        r.method->output_type()->full_name(),
        R"("}}}},"default":{"description":"google.rpc.Status","content":{"application/json":{"schema":{"$ref":"#/components/schemas/google.rpc.Status"}}}}}})");
    paths[path].push_back(op);
  }
  std::map<std::string, std::string> schemas;
  while (!todo.empty()) {
    const Descriptor* d = *todo.begin();
    todo.erase(todo.begin());
    if (schemas.count(d->full_name())) continue;
    std::vector<std::string> props;
    std::set<const Descriptor*> more;
    for (int i = 0; i < d->field_count(); ++i) {
      props.push_back(
          absl::StrCat(JsonString(d->field(i)->json_name()), ":", SchemaOf(d->field(i), &more)));
    }
    schemas[d->full_name()] =
        absl::StrCat(R"({"type":"object","properties":{)", absl::StrJoin(props, ","), "}}");
    for (const auto* m : more) {
      if (!schemas.count(m->full_name())) todo.insert(m);
    }
  }
  schemas["google.rpc.Status"] =
      R"({"type":"object","properties":{"code":{"type":"integer"},"message":{"type":"string"},"details":{"type":"array","items":{"type":"object"}}}})";
  std::vector<std::string> path_json, schema_json;
  for (const auto& [p, ops] : paths)
    path_json.push_back(absl::StrCat(JsonString(p), ":{", absl::StrJoin(ops, ","), "}"));
  for (const auto& [n, s] : schemas) schema_json.push_back(absl::StrCat(JsonString(n), ":", s));
  return absl::StrCat(
      R"({"openapi":"3.0.3","info":{"title":"Sokei","version":"v1","description":"REST/JSON of the Sokei services, transcoded from their google.api.http rules"},)",
      R"("components":{"securitySchemes":{"bearer":{"type":"http","scheme":"bearer","bearerFormat":"JWT"},"apiKey":{"type":"apiKey","in":"header","name":"X-Api-Key"}},"schemas":{)",
      absl::StrJoin(schema_json, ","), R"(}},"security":[{"bearer":[]},{"apiKey":[]}],"paths":{)",
      absl::StrJoin(path_json, ","), "}}");
}

}  // namespace

struct Gateway::Counters {
  std::mutex mu;
  std::map<std::pair<std::string, int>, int64_t> requests;  // (route, status)
  std::map<std::string, std::vector<int64_t>> latency;      // route → bucket counts (+Inf last)
  std::map<std::string, double> latency_sum;
  std::map<std::string, int64_t> rejected;                                 // reason
  std::map<std::pair<std::string, std::string>, int64_t> upstream_errors;  // (service, code)
};

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

void Gateway::CountRejected(const std::string& reason) {
  std::lock_guard<std::mutex> lock(counters_->mu);
  ++counters_->rejected[reason];
}

void Gateway::CountUpstreamError(const std::string& package, grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::DATA_LOSS:
    case grpc::StatusCode::UNIMPLEMENTED:
      break;
    default:
      return;  // the service answered
  }
  const std::string name = absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  std::lock_guard<std::mutex> lock(counters_->mu);
  ++counters_->upstream_errors[{package, name}];
}

void Gateway::Record(const std::string& route, int status, absl::Duration latency) {
  std::lock_guard<std::mutex> lock(counters_->mu);
  ++counters_->requests[{route, status}];
  auto& buckets = counters_->latency[route];
  buckets.resize(std::size(kBucketsMs) + 1, 0);
  const double ms = absl::ToDoubleMilliseconds(latency);
  size_t b = 0;
  while (b < std::size(kBucketsMs) && ms > kBucketsMs[b]) ++b;
  ++buckets[b];
  counters_->latency_sum[route] += ms / 1000;
}

std::string Gateway::MetricsText() const {
  std::lock_guard<std::mutex> lock(counters_->mu);
  std::string out =
      "# HELP sokei_gateway_requests_total Requests by route and HTTP status.\n"
      "# TYPE sokei_gateway_requests_total counter\n";
  for (const auto& [key, n] : counters_->requests) {
    absl::StrAppend(&out, "sokei_gateway_requests_total{route=", JsonString(key.first), ",code=\"",
                    key.second, "\"} ", n, "\n");
  }
  absl::StrAppend(&out,
                  "# HELP sokei_gateway_request_seconds Latency by route.\n"
                  "# TYPE sokei_gateway_request_seconds histogram\n");
  for (const auto& [route, buckets] : counters_->latency) {
    int64_t cumulative = 0;
    for (size_t b = 0; b < buckets.size(); ++b) {
      cumulative += buckets[b];
      const std::string le =
          b < std::size(kBucketsMs) ? absl::StrCat(kBucketsMs[b] / 1000) : "+Inf";
      absl::StrAppend(&out, "sokei_gateway_request_seconds_bucket{route=", JsonString(route),
                      ",le=\"", le, "\"} ", cumulative, "\n");
    }
    absl::StrAppend(&out, "sokei_gateway_request_seconds_sum{route=", JsonString(route), "} ",
                    counters_->latency_sum.at(route), "\n",
                    "sokei_gateway_request_seconds_count{route=", JsonString(route), "} ",
                    cumulative, "\n");
  }
  absl::StrAppend(&out,
                  "# HELP sokei_gateway_rejected_total Requests refused before any upstream call "
                  "(auth failures by reason, rate limits, limits).\n"
                  "# TYPE sokei_gateway_rejected_total counter\n");
  for (const auto& [reason, n] : counters_->rejected) {
    absl::StrAppend(&out, "sokei_gateway_rejected_total{reason=", JsonString(reason), "} ", n,
                    "\n");
  }
  absl::StrAppend(&out,
                  "# HELP sokei_gateway_upstream_errors_total Upstream calls (REST and gRPC "
                  "passthrough) that ended without the service's answer, by service and code.\n"
                  "# TYPE sokei_gateway_upstream_errors_total counter\n");
  for (const auto& [key, n] : counters_->upstream_errors) {
    absl::StrAppend(&out, "sokei_gateway_upstream_errors_total{service=", JsonString(key.first),
                    ",code=", JsonString(key.second), "} ", n, "\n");
  }
  absl::StrAppend(&out,
                  "# HELP sokei_gateway_rate_limit_sync_errors_total Rounds with the shared "
                  "(Redis) rate-limit buckets that failed; limits stayed per replica.\n"
                  "# TYPE sokei_gateway_rate_limit_sync_errors_total counter\n"
                  "sokei_gateway_rate_limit_sync_errors_total ",
                  limiter_->sync_errors(), "\n");
  return out;
}

std::string Gateway::OpenApiJson() const { return openapi_; }

void Gateway::Readiness(std::function<void(HttpResponse)> done) {
  struct State {
    std::mutex mu;
    int pending = 0;
    std::vector<std::string> down;
    std::function<void(HttpResponse)> done;
    std::vector<std::unique_ptr<grpc::ClientContext>> ctx;
    std::vector<std::unique_ptr<grpc::ByteBuffer>> req, resp;
  };
  auto st = std::make_shared<State>();
  st->done = std::move(done);
  st->pending = static_cast<int>(stubs_.size());
  if (st->pending == 0) {
    st->done(HttpResponse{200, {}, R"({"status":"SERVING"})"});
    return;
  }
  for (const auto& [pkg, stub] : stubs_) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
    // HealthCheckRequest{service: "<pkg's service>"} is a string field 1; "" asks for the server.
    auto req = std::make_unique<grpc::ByteBuffer>();
    grpc::Slice empty("");
    *req = grpc::ByteBuffer(&empty, 1);
    auto resp = std::make_unique<grpc::ByteBuffer>();
    grpc::ClientContext* c = ctx.get();
    grpc::ByteBuffer* q = req.get();
    grpc::ByteBuffer* p = resp.get();
    {
      std::lock_guard<std::mutex> lock(st->mu);
      st->ctx.push_back(std::move(ctx));
      st->req.push_back(std::move(req));
      st->resp.push_back(std::move(resp));
    }
    const std::string name = pkg;
    stub->UnaryCall(c, "/grpc.health.v1.Health/Check", grpc::StubOptions(), q, p,
                    [st, p, name](grpc::Status s) {
                      std::vector<grpc::Slice> slices;
                      std::string bytes;
                      if (s.ok() && p->Dump(&slices).ok()) {
                        for (const auto& sl : slices)
                          bytes.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
                      }
                      std::function<void(HttpResponse)> finish;
                      std::vector<std::string> down;
                      {
                        std::lock_guard<std::mutex> lock(st->mu);
                        if (!s.ok() || bytes != std::string("\x08\x01", 2))
                          st->down.push_back(name);
                        if (--st->pending == 0) {
                          finish = std::move(st->done);
                          down = st->down;
                        }
                      }
                      if (!finish) return;
                      std::sort(down.begin(), down.end());
                      if (down.empty()) {
                        finish(HttpResponse{200, {}, R"({"status":"SERVING"})"});
                      } else {
                        finish(HttpResponse{503,
                                            {},
                                            absl::StrCat(R"({"status":"NOT_SERVING","down":[")",
                                                         absl::StrJoin(down, "\",\""), "\"]}")});
                      }
                    });
  }
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
  auto reply = [this, done, request_id, start, method](const std::string& route, HttpResponse r) {
    r.headers.emplace_back("X-Request-Id", request_id);
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
      HttpResponse r;
      r.status = 404;
      r.body = RenderError(grpc::Status(grpc::StatusCode::NOT_FOUND, "no such REST route"));
      return reply("(unrouted)", std::move(r));
    }
    case RouteTable::Outcome::kMethodNotAllowed: {
      HttpResponse r;
      r.status = 405;
      r.headers.emplace_back("Allow", absl::StrJoin(allowed, ", "));
      r.body = RenderError(grpc::Status(
          grpc::StatusCode::UNIMPLEMENTED,
          absl::StrCat("method not allowed here; use ", absl::StrJoin(allowed, ", "))));
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
  Forward(route, std::move(request), *principal, request_id, media,
          [reply, route_name](HttpResponse r) { reply(route_name, std::move(r)); });
}

absl::StatusOr<auth::Principal> Gateway::Admit(const std::string& authz, const std::string& api_key,
                                               const std::string& m,
                                               const type::v1::MethodAccess& access) {
  // Authentication: a bearer token or an API key. Client copies of x-sokei-* never pass: the
  // upstream metadata is built from the verified principal alone.
  absl::StatusOr<auth::Principal> principal = status::Unauthenticated(
      "PRINCIPAL_MISSING",
      "send a bearer token (Authorization: Bearer …) or an API key (X-Api-Key)");
  if (absl::StartsWithIgnoreCase(authz, "bearer ")) {
    const std::string token(absl::StripAsciiWhitespace(authz.substr(7)));
    const absl::Time now = clock_();
    std::optional<auth::Principal> cached;
    {
      std::lock_guard<std::mutex> lock(token_mu_);
      auto it = verified_.find(token);
      if (it != verified_.end()) {
        if (now <= it->second.expires) {
          cached = it->second.principal;
        } else {
          verified_.erase(it);
        }
      }
    }
    if (cached) {
      principal = *cached;
    } else {
      absl::Time expires;
      principal = credentials_.VerifyJwt(token, options_.jwt, now, &expires);
      if (principal.ok()) {
        std::lock_guard<std::mutex> lock(token_mu_);
        if (verified_.size() >= 10000) verified_.clear();
        verified_[token] = {*principal, expires};
      }
    }
  } else if (!api_key.empty()) {
    principal = credentials_.VerifyApiKey(api_key);
  } else if (authz.empty() && options_.anonymous_public && !m.empty() &&
             access.level() == type::v1::PUBLIC && access.read_only()) {
    auth::Principal anonymous;
    anonymous.subject = "anonymous";
    anonymous.roles = {auth::Role::kPublic};
    anonymous.municipality = m;
    principal = std::move(anonymous);
  }
  if (!principal.ok()) {
    auto info = status::GetErrorInfo(principal.status());
    CountRejected(info ? info->reason : "UNAUTHENTICATED");
    return principal.status();
  }
  // Edge authorization: the municipality named, and reads versus writes. Object-level rules
  // (department ownership, published-only) stay in the services.
  if (!m.empty() && principal->municipality != "*" && principal->municipality != m) {
    CountRejected("OTHER_MUNICIPALITY");
    return status::PermissionDenied("PERMISSION_DENIED",
                                    "the caller may not act for this municipality");
  }
  if (const Refusal refusal = RoleRefusal(*principal, access); refusal.reason != nullptr) {
    CountRejected(refusal.reason);
    return status::PermissionDenied("PERMISSION_DENIED", refusal.message);
  }
  if (!limiter_->Allow(principal->subject)) {
    CountRejected("RATE_LIMITED");
    return status::ResourceExhausted("RATE_LIMITED", "too many requests; slow down and retry");
  }
  return principal;
}

grpc::GenericStub* Gateway::StubFor(const std::string& package) const {
  auto it = stubs_.find(package);
  return it == stubs_.end() ? nullptr : it->second.get();
}

void Gateway::Forward(const Route& route, std::unique_ptr<Message> request,
                      const auth::Principal& principal, const std::string& request_id, bool media,
                      std::function<void(HttpResponse)> done) {
  auto stub = stubs_.find(UpstreamKey(route));
  if (stub == stubs_.end()) {
    done(ErrorResponse(
        status::Unavailable("UPSTREAM_UNAVAILABLE", "the service is not configured")));
    return;
  }
  struct Call {
    grpc::ClientContext ctx;
    grpc::ByteBuffer request, response;
  };
  auto call = std::make_shared<Call>();
  for (const auto& [key, value] : auth::ToMetadata(principal)) call->ctx.AddMetadata(key, value);
  call->ctx.AddMetadata("x-request-id", request_id);
  const absl::Duration budget =
      IsImport(route) ? options_.import_timeout : options_.upstream_timeout;
  call->ctx.set_deadline(absl::ToChronoTime(absl::Now() + budget));
  const std::string bytes = request->SerializeAsString();
  grpc::Slice slice(bytes);
  call->request = grpc::ByteBuffer(&slice, 1);
  const Descriptor* output = route.method->output_type();
  stub->second->UnaryCall(
      &call->ctx, route.grpc_path, grpc::StubOptions(), &call->request, &call->response,
      [this, package = stub->first, call, output, media, done](grpc::Status s) {
        if (!s.ok()) {
          CountUpstreamError(package, s.error_code());
          HttpResponse r;
          r.status = HttpStatusFor(s.error_code());
          r.body = RenderError(s);
          if (r.status == 401)
            r.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="sokei")");
          if (r.status == 429 || r.status == 503) r.headers.emplace_back("Retry-After", "1");
          done(std::move(r));
          return;
        }
        std::vector<grpc::Slice> slices;
        std::string reply;
        if (call->response.Dump(&slices).ok()) {
          for (const auto& sl : slices)
            reply.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
        }
        std::unique_ptr<Message> msg(
            google::protobuf::MessageFactory::generated_factory()->GetPrototype(output)->New());
        if (!msg->ParseFromString(reply)) {
          done(ErrorResponse(status::Internal("UPSTREAM_REPLY_INVALID")));
          return;
        }
        if (media) {
          const auto* refl = msg->GetReflection();
          const Descriptor* d = msg->GetDescriptor();
          HttpResponse file;
          file.content_type = refl->GetString(*msg, d->FindFieldByName("content_type"));
          if (file.content_type.empty()) file.content_type = "application/octet-stream";
          file.body = refl->GetString(*msg, d->FindFieldByName("content"));
          file.headers.emplace_back(
              "Content-Disposition",
              ContentDisposition(refl->GetString(*msg, d->FindFieldByName("filename"))));
          done(std::move(file));
          return;
        }
        done(HttpResponse{200, {}, RenderJson(*msg)});
      });
}

}  // namespace sokei::gateway
