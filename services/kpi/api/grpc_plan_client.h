// PlanClient over gRPC: forwards the caller's principal as x-sokei-* metadata (the plan service
// applies its own rules to it) and the remaining deadline of the request being served.
#pragma once

#include <memory>
#include <string>

#include "grpcpp/channel.h"
#include "services/kpi/domain/plan_client.h"
#include "sokei/plan/v1/plan_service.grpc.pb.h"

namespace sokei::kpi {

class GrpcPlanClient final : public PlanClient {
 public:
  explicit GrpcPlanClient(std::shared_ptr<grpc::Channel> channel);
  // A channel to `address` with keepalive and a message limit of `max_message_bytes`.
  static std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address,
                                                    int max_message_bytes);

  absl::StatusOr<planpb::Plan> GetPlan(const auth::Principal& p, const std::string& name) override;
  absl::StatusOr<planpb::Plan> UpdatePlanLevels(const auth::Principal& p,
                                                const planpb::Plan& plan) override;
  absl::StatusOr<planpb::Node> GetNode(const auth::Principal& p, const std::string& name) override;
  absl::StatusOr<planpb::PlanTree> GetPlanTree(const auth::Principal& p,
                                               const std::string& plan) override;
  absl::StatusOr<int64_t> StructureGeneration(const auth::Principal& p,
                                              const std::string& plan) override;
  absl::StatusOr<std::vector<planpb::Department>> ListDepartments(
      const auth::Principal& p, const std::string& municipality) override;
  absl::StatusOr<planpb::Department> CreateDepartment(
      const auth::Principal& p, const planpb::CreateDepartmentRequest& r) override;
  absl::StatusOr<planpb::BatchCreateNodesResponse> BatchCreateNodes(
      const auth::Principal& p, const planpb::BatchCreateNodesRequest& r) override;

 private:
  template <typename Req, typename Resp>
  absl::StatusOr<Resp> Call(const auth::Principal& p,
                            grpc::Status (planpb::PlanService::Stub::*fn)(grpc::ClientContext*,
                                                                          const Req&, Resp*),
                            const Req& req);
  std::unique_ptr<planpb::PlanService::Stub> stub_;
};

}  // namespace sokei::kpi
