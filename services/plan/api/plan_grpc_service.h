// gRPC adapter of the plan service: reads the principal from metadata, calls PlanDomain, maps
// absl::Status to grpc::Status with google.rpc details. No logic of its own.
#pragma once

#include "common/config/config.h"
#include "services/plan/domain/plan_domain.h"
#include "sokei/plan/v1/plan_service.grpc.pb.h"

namespace sokei::plan {

class PlanGrpcService final : public pb::PlanService::Service {
 public:
  PlanGrpcService(PlanDomain* domain, config::AuthMode auth_mode)
      : domain_(domain), auth_mode_(auth_mode) {}

#define SOKEI_PLAN_RPC(Method, Req, Resp) \
  grpc::Status Method(grpc::ServerContext* ctx, const Req* req, Resp* resp) override;
  SOKEI_PLAN_RPC(CreateMunicipality, pb::CreateMunicipalityRequest, pb::Municipality)
  SOKEI_PLAN_RPC(GetMunicipality, pb::GetMunicipalityRequest, pb::Municipality)
  SOKEI_PLAN_RPC(ListMunicipalities, pb::ListMunicipalitiesRequest, pb::ListMunicipalitiesResponse)
  SOKEI_PLAN_RPC(UpdateMunicipality, pb::UpdateMunicipalityRequest, pb::Municipality)
  SOKEI_PLAN_RPC(CreateDepartment, pb::CreateDepartmentRequest, pb::Department)
  SOKEI_PLAN_RPC(GetDepartment, pb::GetDepartmentRequest, pb::Department)
  SOKEI_PLAN_RPC(ListDepartments, pb::ListDepartmentsRequest, pb::ListDepartmentsResponse)
  SOKEI_PLAN_RPC(UpdateDepartment, pb::UpdateDepartmentRequest, pb::Department)
  SOKEI_PLAN_RPC(DeleteDepartment, pb::DeleteDepartmentRequest, Empty)
  SOKEI_PLAN_RPC(CreatePlan, pb::CreatePlanRequest, pb::Plan)
  SOKEI_PLAN_RPC(GetPlan, pb::GetPlanRequest, pb::Plan)
  SOKEI_PLAN_RPC(ListPlans, pb::ListPlansRequest, pb::ListPlansResponse)
  SOKEI_PLAN_RPC(UpdatePlan, pb::UpdatePlanRequest, pb::Plan)
  SOKEI_PLAN_RPC(DeletePlan, pb::DeletePlanRequest, Empty)
  SOKEI_PLAN_RPC(GetPlanTree, pb::GetPlanTreeRequest, pb::PlanTree)
  SOKEI_PLAN_RPC(CreateNode, pb::CreateNodeRequest, pb::Node)
  SOKEI_PLAN_RPC(BatchCreateNodes, pb::BatchCreateNodesRequest, pb::BatchCreateNodesResponse)
  SOKEI_PLAN_RPC(GetNode, pb::GetNodeRequest, pb::Node)
  SOKEI_PLAN_RPC(ListNodes, pb::ListNodesRequest, pb::ListNodesResponse)
  SOKEI_PLAN_RPC(UpdateNode, pb::UpdateNodeRequest, pb::Node)
  SOKEI_PLAN_RPC(DeleteNode, pb::DeleteNodeRequest, Empty)
  SOKEI_PLAN_RPC(MoveNode, pb::MoveNodeRequest, pb::Node)
  SOKEI_PLAN_RPC(SearchNodes, pb::SearchNodesRequest, pb::SearchNodesResponse)
  SOKEI_PLAN_RPC(CreatePackage, pb::CreatePackageRequest, pb::Package)
  SOKEI_PLAN_RPC(GetPackage, pb::GetPackageRequest, pb::Package)
  SOKEI_PLAN_RPC(ListPackages, pb::ListPackagesRequest, pb::ListPackagesResponse)
  SOKEI_PLAN_RPC(UpdatePackage, pb::UpdatePackageRequest, pb::Package)
  SOKEI_PLAN_RPC(DeletePackage, pb::DeletePackageRequest, Empty)
  SOKEI_PLAN_RPC(CreatePackageLink, pb::CreatePackageLinkRequest, pb::PackageLink)
  SOKEI_PLAN_RPC(GetPackageLink, pb::GetPackageLinkRequest, pb::PackageLink)
  SOKEI_PLAN_RPC(ListPackageLinks, pb::ListPackageLinksRequest, pb::ListPackageLinksResponse)
  SOKEI_PLAN_RPC(DeletePackageLink, pb::DeletePackageLinkRequest, Empty)
  SOKEI_PLAN_RPC(GetPackageMatrix, pb::GetPackageMatrixRequest, pb::PackageMatrix)
  SOKEI_PLAN_RPC(ListAuditEvents, pb::ListAuditEventsRequest, pb::ListAuditEventsResponse)
#undef SOKEI_PLAN_RPC

 private:
  template <typename Req, typename Resp>
  grpc::Status Call(grpc::ServerContext* ctx, const char* method, const Req& req, Resp* resp,
                    absl::StatusOr<Resp> (PlanDomain::*fn)(const Principal&, const Req&));

  PlanDomain* domain_;
  config::AuthMode auth_mode_;
};

}  // namespace sokei::plan
