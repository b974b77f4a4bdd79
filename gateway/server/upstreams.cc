#include "gateway/server/upstreams.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/grpcx/upstream.h"
#include "gateway/transcode/routes.h"

namespace sokei::gateway {

std::string RetryServiceConfig(
    const std::vector<const google::protobuf::ServiceDescriptor*>& services) {
  std::vector<std::string> names;
  for (const auto* svc : services) {
    for (int i = 0; i < svc->method_count(); ++i) {
      const auto* m = svc->method(i);
      if (!AccessOf(m).read_only() || m->client_streaming()) continue;
      names.push_back(
          absl::StrCat(R"({"service":")", svc->full_name(), R"(","method":")", m->name(), R"("})"));
    }
  }
  if (names.empty()) return "";
  // Retries stop when more than half of the token budget is gone (each failure costs 1, each
  // success gives 0.1 back): a service that keeps failing sees its traffic, not three times it.
  return absl::StrCat(
      R"({"methodConfig":[{"name":[)", absl::StrJoin(names, ","),
      R"(],"retryPolicy":{"maxAttempts":3,"initialBackoff":"0.05s","maxBackoff":"0.5s",)",
      R"("backoffMultiplier":2,"retryableStatusCodes":["UNAVAILABLE"]}}],)",
      R"("retryThrottling":{"maxTokens":10,"tokenRatio":0.1}})");
}

std::map<std::string, std::shared_ptr<grpc::Channel>> MakeUpstreams(
    const std::vector<const google::protobuf::ServiceDescriptor*>& services,
    const std::map<std::string, std::string>& addresses) {
  std::map<std::string, std::shared_ptr<grpc::Channel>> out;
  for (const auto* svc : services) {
    const std::string pkg = svc->file()->package();
    auto it = addresses.find(pkg);
    if (it == addresses.end()) continue;
    out[pkg] = grpcx::MakeUpstreamChannel(it->second, 64 << 20, RetryServiceConfig({svc}));
  }
  return out;
}

}  // namespace sokei::gateway
