// What the KPI service needs from the plan service. The KPI service never reads the plan
// service's tables: it calls this interface, implemented over gRPC in production (forwarding the
// caller's principal, so the plan service applies its own authorization) and in-process in tests.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/auth/principal.h"
#include "sokei/plan/v1/plan_service.pb.h"

namespace sokei::kpi {

namespace planpb = ::sokei::plan::v1;

class PlanClient {
 public:
  virtual ~PlanClient() = default;
  virtual absl::StatusOr<planpb::Plan> GetPlan(const auth::Principal& p,
                                               const std::string& name) = 0;
  virtual absl::StatusOr<planpb::Plan> UpdatePlanLevels(const auth::Principal& p,
                                                        const planpb::Plan& plan) = 0;
  virtual absl::StatusOr<planpb::Node> GetNode(const auth::Principal& p,
                                               const std::string& name) = 0;
  virtual absl::StatusOr<planpb::PlanTree> GetPlanTree(const auth::Principal& p,
                                                       const std::string& plan) = 0;
  // The plan structure's generation (grows with every change of the municipality's plans, nodes,
  // packages and departments): what a cached copy built from the structure is checked against.
  virtual absl::StatusOr<int64_t> StructureGeneration(const auth::Principal& p,
                                                      const std::string& plan) = 0;
  // Every department of the municipality (its 6-digit code, e.g. "142140").
  virtual absl::StatusOr<std::vector<planpb::Department>> ListDepartments(
      const auth::Principal& p, const std::string& municipality) = 0;
  virtual absl::StatusOr<planpb::Department> CreateDepartment(
      const auth::Principal& p, const planpb::CreateDepartmentRequest& r) = 0;
  virtual absl::StatusOr<planpb::BatchCreateNodesResponse> BatchCreateNodes(
      const auth::Principal& p, const planpb::BatchCreateNodesRequest& r) = 0;
};

}  // namespace sokei::kpi
