#include "services/kpi/api/kpi_grpc_service.h"

#include "common/grpcx/adapter.h"
#include "common/grpcx/serve_changes.h"

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

grpc::Status KpiGrpcService::ListChanges(grpc::ServerContext* ctx,
                                   const ::sokei::type::v1::ListChangesRequest* req,
                                   ::sokei::type::v1::ListChangesResponse* resp) {
  return grpcx::ServeListChanges(ctx, identity_, domain_->changes(), *req, resp);
}

grpc::Status KpiGrpcService::WatchChanges(grpc::ServerContext* ctx,
                                    const ::sokei::type::v1::WatchChangesRequest* req,
                                    grpc::ServerWriter<::sokei::type::v1::ChangeEvent>* writer) {
  return grpcx::ServeWatch(ctx, identity_, domain_->changes(), *req, writer);
}

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
  table->KeepSync("ListChanges");
  table->KeepSync("WatchChanges");
  return table;
}

}  // namespace sokei::kpi
