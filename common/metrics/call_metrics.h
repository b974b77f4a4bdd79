// The served calls of a process, for Prometheus: a count per method and code and a latency
// histogram per method, in the text exposition format (version 0.0.4). Recorded by the call log
// (grpcx/call_log) for every call a service serves; served by the service's operations port.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace sokei::metrics {

class CallMetrics {
 public:
  static CallMetrics& Global();

  void Record(const std::string& method, const std::string& code, double seconds);
  // sokei_rpc_requests_total{service,method,code} and sokei_rpc_request_seconds{service,method}.
  std::string Text(const std::string& service) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, long> counts_;  // (method, code)
  struct Latency {
    std::vector<long> buckets;  // one per bound, and +Inf
    double sum = 0;
    long count = 0;
  };
  std::map<std::string, Latency> latency_;
};

}  // namespace sokei::metrics
