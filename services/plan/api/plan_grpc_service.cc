#include "services/plan/api/plan_grpc_service.h"

#include "common/grpcx/adapter.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"

namespace sokei::plan {

template <typename Req, typename Resp>
grpc::Status PlanGrpcService::Call(grpc::ServerContext* ctx, const char* method, const Req& req,
                                   Resp* resp,
                                   absl::StatusOr<Resp> (PlanDomain::*fn)(const Principal&,
                                                                          const Req&)) {
  return grpcx::ServeUnary(ctx, identity_, method, domain_, fn, req, resp);
}

template <typename Req, typename Resp>
grpc::Status PlanGrpcService::Call(grpc::ServerContext* ctx, const char* method, const Req& req,
                                   Resp* resp,
                                   absl::Status (PlanDomain::*fn)(const Principal&, const Req&,
                                                                  Resp*)) {
  const auto metadata = grpcx::SokeiMetadata(*ctx);
  auto principal = identity_.Read(metadata);
  if (!principal.ok()) return grpcx::FinishCall(metadata, method, principal.status());
  return grpcx::FinishCall(metadata, method, (domain_->*fn)(*principal, req, resp));
}

#define SOKEI_PLAN_RPC(Method, Req, Resp)                                                      \
  grpc::Status PlanGrpcService::Method(grpc::ServerContext* ctx, const Req* req, Resp* resp) { \
    return Call<Req, Resp>(ctx, #Method, *req, resp, &PlanDomain::Method);                     \
  }
SOKEI_PLAN_METHODS(SOKEI_PLAN_RPC)
#undef SOKEI_PLAN_RPC

namespace {

// A method whose reply goes out as the domain's bytes (PlanGrpcService::ServeBytes).
template <class Req, class Bytes>
void AddBytesMethod(grpcx::DispatchTable* table, DispatchedPlanService* service, const char* name,
                    Bytes bytes) {
  table->Add<PlanGrpcService, grpc::ByteBuffer, grpc::ByteBuffer>(
      service, name,
      [service, name, bytes](grpc::ServerContext* ctx, const grpc::ByteBuffer* req,
                             grpc::ByteBuffer* resp) {
        return service->ServeBytes<Req>(ctx, name, req, resp, bytes);
      });
}

template <class Req, class Resp, class Handler>
void AddMethod(grpcx::DispatchTable* table, DispatchedPlanService* service, const char* name,
               Handler handler) {
  // The hot reads go out as bytes.
  if constexpr (std::is_same_v<Req, pb::GetPlanTreeRequest>) {
    AddBytesMethod<Req>(table, service, name, [](PlanDomain& d, const Principal& p, const Req& r) {
      return d.GetPlanTreeBytes(p, r);
    });
  } else if constexpr (std::is_same_v<Req, pb::GetNodeRequest>) {
    AddBytesMethod<Req>(table, service, name, [](PlanDomain& d, const Principal& p, const Req& r) {
      return d.GetNodeBytes(p, r);
    });
  } else {
    table->Add<PlanGrpcService, Req, Resp>(service, name, std::move(handler));
  }
}

}  // namespace

std::unique_ptr<grpcx::DispatchTable> MakeDispatchTable(DispatchedPlanService* service) {
  auto table = std::make_unique<grpcx::DispatchTable>(
      service, pb::GetPlanRequest::descriptor()->file()->FindServiceByName("PlanService"));
#define SOKEI_PLAN_DISPATCH(Method, Req, Resp)                                           \
  AddMethod<Req, Resp>(table.get(), service, #Method,                                    \
                       [service](grpc::ServerContext* ctx, const Req* req, Resp* resp) { \
                         return service->Method(ctx, req, resp);                         \
                       });
  SOKEI_PLAN_METHODS(SOKEI_PLAN_DISPATCH)
#undef SOKEI_PLAN_DISPATCH
  table->KeepSync("ListChanges");
  table->KeepSync("WatchChanges");
  return table;
}

}  // namespace sokei::plan
