#include "services/kpi/api/grpc_plan_client.h"

#include "common/grpcx/upstream.h"

namespace sokei::kpi {

GrpcPlanClient::GrpcPlanClient(std::shared_ptr<grpc::Channel> channel)
    : stub_(planpb::PlanService::NewStub(std::move(channel))) {}

std::shared_ptr<grpc::Channel> GrpcPlanClient::MakeChannel(const std::string& address,
                                                           int max_message_bytes) {
  return grpcx::MakeUpstreamChannel(address, max_message_bytes);
}

template <typename Req, typename Resp>
absl::StatusOr<Resp> GrpcPlanClient::Call(
    const auth::Principal& p,
    grpc::Status (planpb::PlanService::Stub::*fn)(grpc::ClientContext*, const Req&, Resp*),
    const Req& req) {
  return grpcx::CallUpstream(p, stub_.get(), fn, req, "PLAN_SERVICE_UNAVAILABLE",
                             "the plan service did not answer; try again");
}

absl::StatusOr<planpb::Plan> GrpcPlanClient::GetPlan(const auth::Principal& p,
                                                     const std::string& name) {
  planpb::GetPlanRequest r;
  r.set_name(name);
  return Call(p, &planpb::PlanService::Stub::GetPlan, r);
}

absl::StatusOr<planpb::Plan> GrpcPlanClient::UpdatePlanLevels(const auth::Principal& p,
                                                              const planpb::Plan& plan) {
  planpb::UpdatePlanRequest r;
  *r.mutable_plan() = plan;
  r.mutable_update_mask()->add_paths("levels");
  return Call(p, &planpb::PlanService::Stub::UpdatePlan, r);
}

absl::StatusOr<planpb::Node> GrpcPlanClient::GetNode(const auth::Principal& p,
                                                     const std::string& name) {
  planpb::GetNodeRequest r;
  r.set_name(name);
  return Call(p, &planpb::PlanService::Stub::GetNode, r);
}

absl::StatusOr<planpb::PlanTree> GrpcPlanClient::GetPlanTree(const auth::Principal& p,
                                                             const std::string& plan) {
  planpb::GetPlanTreeRequest r;
  r.set_name(plan);
  return Call(p, &planpb::PlanService::Stub::GetPlanTree, r);
}

absl::StatusOr<int64_t> GrpcPlanClient::StructureGeneration(const auth::Principal& p,
                                                            const std::string& plan) {
  planpb::GetStructureGenerationRequest r;
  r.set_plan(plan);
  auto g = Call(p, &planpb::PlanService::Stub::GetStructureGeneration, r);
  if (!g.ok()) return g.status();
  return g->generation();
}

absl::StatusOr<std::vector<planpb::Department>> GrpcPlanClient::ListDepartments(
    const auth::Principal& p, const std::string& municipality) {
  planpb::ListDepartmentsRequest r;
  r.set_parent("municipalities/" + municipality);
  r.set_page_size(500);
  std::vector<planpb::Department> out;
  for (int pages = 0; pages < 100; ++pages) {
    auto resp = Call(p, &planpb::PlanService::Stub::ListDepartments, r);
    if (!resp.ok()) return resp.status();
    for (auto& d : *resp->mutable_departments()) out.push_back(std::move(d));
    if (resp->next_page_token().empty()) break;
    r.set_page_token(resp->next_page_token());
  }
  return out;
}

absl::StatusOr<planpb::Department> GrpcPlanClient::CreateDepartment(
    const auth::Principal& p, const planpb::CreateDepartmentRequest& r) {
  return Call(p, &planpb::PlanService::Stub::CreateDepartment, r);
}

absl::StatusOr<planpb::BatchCreateNodesResponse> GrpcPlanClient::BatchCreateNodes(
    const auth::Principal& p, const planpb::BatchCreateNodesRequest& r) {
  return Call(p, &planpb::PlanService::Stub::BatchCreateNodes, r);
}

}  // namespace sokei::kpi
