#include "common/grpcx/call_log.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/log/log.h"
#include "common/metrics/call_metrics.h"

namespace sokei::grpcx {
namespace {

std::string Metadata(const grpc::ServerContext& ctx, const char* key) {
  auto it = ctx.client_metadata().find(key);
  return it == ctx.client_metadata().end() ? std::string()
                                           : std::string(it->second.data(), it->second.size());
}

}  // namespace

trace::Context IncomingTrace(const grpc::ServerContext& ctx) {
  auto parent = trace::Parse(Metadata(ctx, trace::kTraceparentKey),
                             Metadata(ctx, trace::kTracestateKey));
  return parent ? trace::Child(*parent) : trace::Start();
}

void LogCall(const grpc::ServerContext& ctx, const std::string& method, const grpc::Status& status,
             std::chrono::steady_clock::duration took) {
  const std::string request_id = Metadata(ctx, "x-request-id");
  const std::string ms =
      absl::StrFormat("%.2f", std::chrono::duration<double, std::milli>(took).count());
  const std::string code =
      absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code()));
  metrics::CallMetrics::Global().Record(method, code,
                                        std::chrono::duration<double>(took).count());
  log::Info("rpc", {{"method", method},
                    {"code", code},
                    {"ms", ms},
                    {"request_id", request_id}});
}

}  // namespace sokei::grpcx
