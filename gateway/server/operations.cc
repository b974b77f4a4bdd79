// The operations endpoints: metrics (Prometheus text), readiness, the OpenAPI document.
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
#include "common/metrics/registry.h"
#include "common/log/log.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"
#include "gateway/transcode/files.h"
#include "gateway/transcode/transcoder.h"
#include "gateway/server/gateway_internal.h"

namespace sokei::gateway {

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
  // The passthrough's calls (and whatever else the process records).
  absl::StrAppend(&out, metrics::Registry::Global().Text("gateway"));
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

}  // namespace sokei::gateway
