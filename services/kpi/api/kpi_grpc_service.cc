#include "services/kpi/api/kpi_grpc_service.h"

#include "common/grpcx/adapter.h"

namespace sokei::kpi {

template <typename Req, typename Resp>
grpc::Status KpiGrpcService::Call(grpc::ServerContext* ctx, const char* method, const Req& req,
                                  Resp* resp,
                                  absl::StatusOr<Resp> (KpiDomain::*fn)(const Principal&,
                                                                        const Req&)) {
  return grpcx::ServeUnary(ctx, identity_, method, domain_, fn, req, resp);
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
