// Requests the plan tests build again and again.
#pragma once

#include <string>
#include <vector>

#include "sokei/plan/v1/plan_service.pb.h"

namespace sokei::testing {

// A valid CreatePlanRequest: a comprehensive basic plan 2023–2032 with `levels` levels.
inline sokei::plan::v1::CreatePlanRequest PlanRequest(const std::string& parent,
                                                      const std::string& id, int levels = 2) {
  sokei::plan::v1::CreatePlanRequest r;
  r.set_parent(parent);
  r.set_plan_id(id);
  auto* p = r.mutable_plan();
  p->set_display_name("総合計画");
  p->set_kind(sokei::plan::v1::PLAN_KIND_COMPREHENSIVE);
  p->set_layer(sokei::plan::v1::PLAN_LAYER_BASIC_PLAN);
  p->mutable_period()->set_start_year(2023);
  p->mutable_period()->set_end_year(2032);
  for (int i = 1; i <= levels; ++i) {
    auto* l = p->add_levels();
    l->set_depth(i);
    l->set_display_name("階層" + std::to_string(i));
  }
  return r;
}

// The same plan for the period [start, end] with the city's own level names.
inline sokei::plan::v1::CreatePlanRequest PlanRequest(const std::string& parent,
                                                      const std::string& id, int start, int end,
                                                      const std::vector<std::string>& levels) {
  auto r = PlanRequest(parent, id, 0);
  r.mutable_plan()->mutable_period()->set_start_year(start);
  r.mutable_plan()->mutable_period()->set_end_year(end);
  for (size_t i = 0; i < levels.size(); ++i) {
    auto* l = r.mutable_plan()->add_levels();
    l->set_depth(static_cast<int>(i) + 1);
    l->set_display_name(levels[i]);
  }
  return r;
}

}  // namespace sokei::testing
