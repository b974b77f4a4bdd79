#include "common/grpcx/adapter.h"

#include "common/log/log.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"

namespace sokei::grpcx {

std::multimap<std::string, std::string> SokeiMetadata(const grpc::ServerContext& ctx) {
  std::multimap<std::string, std::string> out;
  for (const auto& [k, v] : ctx.client_metadata()) {
    if (k.starts_with("x-sokei-") || k == "x-request-id") {
      out.emplace(std::string(k.data(), k.size()), std::string(v.data(), v.size()));
    }
  }
  return out;
}

grpc::Status FinishCall(const std::multimap<std::string, std::string>& metadata, const char* method,
                        const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  if (s.code() == absl::StatusCode::kInternal || s.code() == absl::StatusCode::kUnavailable) {
    auto rid = metadata.find("x-request-id");
    auto info = status::GetErrorInfo(s);
    log::Warn("rpc failed", {{"method", method},
                             {"code", absl::StatusCodeToString(s.code())},
                             {"reason", info ? info->reason : ""},
                             {"request_id", rid == metadata.end() ? "" : rid->second}});
  }
  return status::ToGrpc(s);
}

}  // namespace sokei::grpcx
