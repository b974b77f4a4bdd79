// gRPC adapter of the plan service: reads the principal from metadata, calls PlanDomain, maps
// absl::Status to grpc::Status with google.rpc details. No logic of its own.
#pragma once

#include <memory>

#include "common/auth/identity_check.h"
#include "common/config/config.h"
#include "common/grpcx/adapter.h"
#include "common/grpcx/dispatch.h"
#include "common/grpcx/serve_changes.h"
#include "services/plan/domain/plan_domain.h"
#include "sokei/plan/v1/plan_service.grpc.pb.h"

namespace sokei::plan {

// Every PlanService method, in proto declaration order (the dispatch table checks the order).
#define SOKEI_PLAN_METHODS(X)                                                          \
  X(CreateMunicipality, pb::CreateMunicipalityRequest, pb::Municipality)               \
  X(GetMunicipality, pb::GetMunicipalityRequest, pb::Municipality)                     \
  X(ListMunicipalities, pb::ListMunicipalitiesRequest, pb::ListMunicipalitiesResponse) \
  X(UpdateMunicipality, pb::UpdateMunicipalityRequest, pb::Municipality)               \
  X(CreateDepartment, pb::CreateDepartmentRequest, pb::Department)                     \
  X(GetDepartment, pb::GetDepartmentRequest, pb::Department)                           \
  X(ListDepartments, pb::ListDepartmentsRequest, pb::ListDepartmentsResponse)          \
  X(UpdateDepartment, pb::UpdateDepartmentRequest, pb::Department)                     \
  X(DeleteDepartment, pb::DeleteDepartmentRequest, Empty)                              \
  X(CreatePlan, pb::CreatePlanRequest, pb::Plan)                                       \
  X(GetPlan, pb::GetPlanRequest, pb::Plan)                                             \
  X(ListPlans, pb::ListPlansRequest, pb::ListPlansResponse)                            \
  X(UpdatePlan, pb::UpdatePlanRequest, pb::Plan)                                       \
  X(DeletePlan, pb::DeletePlanRequest, Empty)                                          \
  X(GetPlanTree, pb::GetPlanTreeRequest, pb::PlanTree)                                 \
  X(CreateNode, pb::CreateNodeRequest, pb::Node)                                       \
  X(BatchCreateNodes, pb::BatchCreateNodesRequest, pb::BatchCreateNodesResponse)       \
  X(GetNode, pb::GetNodeRequest, pb::Node)                                             \
  X(ListNodes, pb::ListNodesRequest, pb::ListNodesResponse)                            \
  X(UpdateNode, pb::UpdateNodeRequest, pb::Node)                                       \
  X(DeleteNode, pb::DeleteNodeRequest, Empty)                                          \
  X(MoveNode, pb::MoveNodeRequest, pb::Node)                                           \
  X(SearchNodes, pb::SearchNodesRequest, pb::SearchNodesResponse)                      \
  X(CreatePackage, pb::CreatePackageRequest, pb::Package)                              \
  X(GetPackage, pb::GetPackageRequest, pb::Package)                                    \
  X(ListPackages, pb::ListPackagesRequest, pb::ListPackagesResponse)                   \
  X(UpdatePackage, pb::UpdatePackageRequest, pb::Package)                              \
  X(DeletePackage, pb::DeletePackageRequest, Empty)                                    \
  X(CreatePackageLink, pb::CreatePackageLinkRequest, pb::PackageLink)                  \
  X(GetPackageLink, pb::GetPackageLinkRequest, pb::PackageLink)                        \
  X(ListPackageLinks, pb::ListPackageLinksRequest, pb::ListPackageLinksResponse)       \
  X(DeletePackageLink, pb::DeletePackageLinkRequest, Empty)                            \
  X(GetPackageMatrix, pb::GetPackageMatrixRequest, pb::PackageMatrix)                  \
  X(GetStructureGeneration, pb::GetStructureGenerationRequest, pb::StructureGeneration)   \
  X(RevisePlan, pb::RevisePlanRequest, pb::Plan)                                       \
  X(DiffPlans, pb::DiffPlansRequest, pb::PlanDiff)                                     \
  X(ListAuditEvents, pb::ListAuditEventsRequest, pb::ListAuditEventsResponse)

class PlanGrpcService : public pb::PlanService::Service {
 public:
  PlanGrpcService(PlanDomain* domain, auth::IdentityCheck identity)
      : domain_(domain), identity_(std::move(identity)) {}

#define SOKEI_PLAN_RPC(Method, Req, Resp) \
  grpc::Status Method(grpc::ServerContext* ctx, const Req* req, Resp* resp) override;
  SOKEI_PLAN_METHODS(SOKEI_PLAN_RPC)
#undef SOKEI_PLAN_RPC

  // A hot read on the completion-queue runtime (GetPlanTree, GetNode): the reply is sent as the
  // serialized bytes `bytes(domain, principal, request)` returns — the tree from the cache when
  // warm, the stored node as it is — without a parse and a second serialization.
  template <class Req, class Bytes>
  grpc::Status ServeBytes(grpc::ServerContext* ctx, const char* method, const grpc::ByteBuffer* req,
                          grpc::ByteBuffer* resp, const Bytes& bytes) {
    return grpcx::ServeUnaryBytes<Req>(
        ctx, identity_, method, req, resp,
        [&](const Principal& p, const Req& r) { return bytes(*domain_, p, r); });
  }

  // The change feed (common/grpcx/serve_changes.h), on gRPC's sync threads.
  SOKEI_CHANGE_FEED_RPCS

 private:
  template <typename Req, typename Resp>
  grpc::Status Call(grpc::ServerContext* ctx, const char* method, const Req& req, Resp* resp,
                    absl::StatusOr<Resp> (PlanDomain::*fn)(const Principal&, const Req&));
  // For domain methods that fill the response in place.
  template <typename Req, typename Resp>
  grpc::Status Call(grpc::ServerContext* ctx, const char* method, const Req& req, Resp* resp,
                    absl::Status (PlanDomain::*fn)(const Principal&, const Req&, Resp*));

  PlanDomain* domain_;
  auth::IdentityCheck identity_;
};

// The plan service on the completion-queue runtime (common/grpcx/dispatch.h).
using DispatchedPlanService = grpcx::Dispatched<PlanGrpcService>;
std::unique_ptr<grpcx::DispatchTable> MakeDispatchTable(DispatchedPlanService* service);

}  // namespace sokei::plan
