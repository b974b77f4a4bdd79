// PlanClient over a real plan::PlanDomain in the same process (its own SQLite database): the KPI
// domain tests exercise the real plan rules without a socket. The gRPC client is tested in the
// KPI gRPC suite.
#pragma once

#include "services/kpi/domain/plan_client.h"
#include "services/plan/domain/plan_domain.h"

namespace sokei::testing {

class InProcessPlanClient final : public kpi::PlanClient {
 public:
  explicit InProcessPlanClient(plan::PlanDomain* d) : d_(d) {}

  absl::StatusOr<kpi::planpb::Plan> GetPlan(const auth::Principal& p,
                                            const std::string& name) override {
    kpi::planpb::GetPlanRequest r;
    r.set_name(name);
    return d_->GetPlan(p, r);
  }
  absl::StatusOr<kpi::planpb::Plan> UpdatePlanLevels(const auth::Principal& p,
                                                     const kpi::planpb::Plan& plan) override {
    kpi::planpb::UpdatePlanRequest r;
    *r.mutable_plan() = plan;
    r.mutable_update_mask()->add_paths("levels");
    return d_->UpdatePlan(p, r);
  }
  absl::StatusOr<kpi::planpb::Node> GetNode(const auth::Principal& p,
                                            const std::string& name) override {
    kpi::planpb::GetNodeRequest r;
    r.set_name(name);
    return d_->GetNode(p, r);
  }
  absl::StatusOr<kpi::planpb::PlanTree> GetPlanTree(const auth::Principal& p,
                                                    const std::string& plan) override {
    ++tree_calls;
    kpi::planpb::GetPlanTreeRequest r;
    r.set_name(plan);
    kpi::planpb::PlanTree t;
    auto s = d_->GetPlanTree(p, r, &t);
    if (!s.ok()) return s;
    return t;
  }
  absl::StatusOr<int64_t> StructureGeneration(const auth::Principal& p,
                                              const std::string& plan) override {
    kpi::planpb::GetStructureGenerationRequest r;
    r.set_plan(plan);
    auto g = d_->GetStructureGeneration(p, r);
    if (!g.ok()) return g.status();
    return g->generation();
  }
  absl::StatusOr<std::vector<kpi::planpb::Department>> ListDepartments(
      const auth::Principal& p, const std::string& municipality) override {
    ++department_calls;
    std::vector<kpi::planpb::Department> out;
    kpi::planpb::ListDepartmentsRequest r;
    r.set_parent("municipalities/" + municipality);
    r.set_page_size(500);
    while (true) {
      auto resp = d_->ListDepartments(p, r);
      if (!resp.ok()) return resp.status();
      for (auto& d : *resp->mutable_departments()) out.push_back(std::move(d));
      if (resp->next_page_token().empty()) return out;
      r.set_page_token(resp->next_page_token());
    }
  }
  absl::StatusOr<kpi::planpb::Department> CreateDepartment(
      const auth::Principal& p, const kpi::planpb::CreateDepartmentRequest& r) override {
    return d_->CreateDepartment(p, r);
  }
  absl::StatusOr<kpi::planpb::BatchCreateNodesResponse> BatchCreateNodes(
      const auth::Principal& p, const kpi::planpb::BatchCreateNodesRequest& r) override {
    return d_->BatchCreateNodes(p, r);
  }

  int tree_calls = 0;
  int department_calls = 0;  // ListDepartments, however many pages

 private:
  plan::PlanDomain* d_;
};

}  // namespace sokei::testing
