#include "services/kpi/api/kpi_grpc_service.h"

#include "common/log/log.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"

namespace sokei::kpi {

template <typename Req, typename Resp>
grpc::Status KpiGrpcService::Call(grpc::ServerContext* ctx, const char* method, const Req& req,
                                  Resp* resp,
                                  absl::StatusOr<Resp> (KpiDomain::*fn)(const Principal&,
                                                                        const Req&)) {
  std::multimap<std::string, std::string> metadata;
  for (const auto& [k, v] : ctx->client_metadata()) {
    if (k.starts_with("x-sokei-") || k == "x-request-id") {
      metadata.emplace(std::string(k.data(), k.size()), std::string(v.data(), v.size()));
    }
  }
  auto principal = auth::FromMetadata(metadata, auth_mode_);
  absl::StatusOr<Resp> result =
      principal.ok() ? (domain_->*fn)(*principal, req) : absl::StatusOr<Resp>(principal.status());
  if (result.ok()) {
    *resp = std::move(*result);
    return grpc::Status::OK;
  }
  const absl::Status& s = result.status();
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

#define SOKEI_KPI_RPC(Method, Req, Resp)                                                      \
  grpc::Status KpiGrpcService::Method(grpc::ServerContext* ctx, const Req* req, Resp* resp) { \
    return Call<Req, Resp>(ctx, #Method, *req, resp, &KpiDomain::Method);                     \
  }
SOKEI_KPI_METHODS(SOKEI_KPI_RPC)
#undef SOKEI_KPI_RPC

std::unique_ptr<grpcx::DispatchTable> MakeDispatchTable(DispatchedKpiService* service) {
  auto table = std::make_unique<grpcx::DispatchTable>(
      service, pb::GetIndicatorRequest::descriptor()->file()->FindServiceByName("KpiService"));
#define SOKEI_KPI_DISPATCH(Method, Req, Resp)                                             \
  table->Add<KpiGrpcService, Req, Resp>(                                                  \
      service, #Method, [service](grpc::ServerContext* ctx, const Req* req, Resp* resp) { \
        return service->Method(ctx, req, resp);                                           \
      });
  SOKEI_KPI_METHODS(SOKEI_KPI_DISPATCH)
#undef SOKEI_KPI_DISPATCH
  return table;
}

}  // namespace sokei::kpi
