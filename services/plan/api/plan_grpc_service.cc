#include "services/plan/api/plan_grpc_service.h"

#include "common/log/log.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"

namespace sokei::plan {
namespace {

std::multimap<std::string, std::string> SokeiMetadata(const grpc::ServerContext& ctx) {
  std::multimap<std::string, std::string> out;
  for (const auto& [k, v] : ctx.client_metadata()) {
    if (k.starts_with("x-sokei-") || k == "x-request-id") {
      out.emplace(std::string(k.data(), k.size()), std::string(v.data(), v.size()));
    }
  }
  return out;
}

}  // namespace

template <typename Req, typename Resp>
grpc::Status PlanGrpcService::Call(grpc::ServerContext* ctx, const char* method, const Req& req,
                                   Resp* resp,
                                   absl::StatusOr<Resp> (PlanDomain::*fn)(const Principal&, const Req&)) {
  const auto metadata = SokeiMetadata(*ctx);
  absl::StatusOr<Resp> result;
  auto principal = auth::FromMetadata(metadata, auth_mode_);
  if (!principal.ok()) {
    result = principal.status();
  } else {
    result = (domain_->*fn)(*principal, req);
  }
  if (!result.ok()) {
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
  *resp = std::move(*result);
  return grpc::Status::OK;
}

#define SOKEI_PLAN_RPC(Method, Req, Resp)                                                   \
  grpc::Status PlanGrpcService::Method(grpc::ServerContext* ctx, const Req* req, Resp* resp) { \
    return Call<Req, Resp>(ctx, #Method, *req, resp, &PlanDomain::Method);                     \
  }
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

}  // namespace sokei::plan
