// The plan trees the KPI service read recently, kept in this process under the plan service's
// structure generation (which every committed plan write of the municipality moves on): an
// uncached summary asks for the generation — one small read — instead of the whole tree, while
// the structure is unchanged. A tree read after its generation was read may be newer than that
// generation says, never older. The tree does not depend on who reads it; whether the caller may
// see the plan is checked by the generation read itself.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

#include "sokei/plan/v1/plan_service.pb.h"

namespace sokei::kpi {

class PlanTreeMemo {
 public:
  static constexpr size_t kPlans = 8;  // trees kept (a 2,000-node tree is under 1 MB)

  std::shared_ptr<const plan::v1::PlanTree> Get(const std::string& plan, int64_t generation) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = kept_.begin(); it != kept_.end(); ++it) {
      if (std::get<0>(*it) == plan && std::get<1>(*it) == generation) {
        kept_.splice(kept_.begin(), kept_, it);
        return std::get<2>(kept_.front());
      }
    }
    return nullptr;
  }

  void Put(const std::string& plan, int64_t generation,
           std::shared_ptr<const plan::v1::PlanTree> tree) {
    std::lock_guard<std::mutex> lock(mu_);
    kept_.remove_if([&](const auto& e) { return std::get<0>(e) == plan; });
    kept_.emplace_front(plan, generation, std::move(tree));
    while (kept_.size() > kPlans) kept_.pop_back();
  }

 private:
  std::mutex mu_;
  std::list<std::tuple<std::string, int64_t, std::shared_ptr<const plan::v1::PlanTree>>> kept_;
};

}  // namespace sokei::kpi
