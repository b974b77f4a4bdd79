#include "common/metrics/call_metrics.h"

#include <iterator>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace sokei::metrics {
namespace {

constexpr double kBounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                              0.1,   0.25,   0.5,   1,    2.5,   10};

}  // namespace

CallMetrics& CallMetrics::Global() {
  static CallMetrics* m = new CallMetrics();
  return *m;
}

void CallMetrics::Record(const std::string& method, const std::string& code, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++counts_[{method, code}];
  Latency& l = latency_[method];
  l.buckets.resize(std::size(kBounds) + 1, 0);
  size_t b = 0;
  while (b < std::size(kBounds) && seconds > kBounds[b]) ++b;
  ++l.buckets[b];
  l.sum += seconds;
  ++l.count;
}

std::string CallMetrics::Text(const std::string& service) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out =
      "# HELP sokei_rpc_requests_total Calls served, by method and status code.\n"
      "# TYPE sokei_rpc_requests_total counter\n";
  for (const auto& [key, n] : counts_) {
    absl::StrAppend(&out, "sokei_rpc_requests_total{service=\"", service, "\",method=\"", key.first,
                    "\",code=\"", key.second, "\"} ", n, "\n");
  }
  absl::StrAppend(&out,
                  "# HELP sokei_rpc_request_seconds Time to serve a call, by method.\n"
                  "# TYPE sokei_rpc_request_seconds histogram\n");
  for (const auto& [method, l] : latency_) {
    const std::string labels = absl::StrCat("service=\"", service, "\",method=\"", method, "\"");
    long cumulative = 0;
    for (size_t b = 0; b < l.buckets.size(); ++b) {
      cumulative += l.buckets[b];
      const std::string le = b < std::size(kBounds) ? absl::StrFormat("%g", kBounds[b]) : "+Inf";
      absl::StrAppend(&out, "sokei_rpc_request_seconds_bucket{", labels, ",le=\"", le, "\"} ",
                      cumulative, "\n");
    }
    absl::StrAppend(&out, "sokei_rpc_request_seconds_sum{", labels, "} ",
                    absl::StrFormat("%.6f", l.sum), "\n", "sokei_rpc_request_seconds_count{",
                    labels, "} ", l.count, "\n");
  }
  return out;
}

}  // namespace sokei::metrics
