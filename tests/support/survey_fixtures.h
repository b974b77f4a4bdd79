// What the survey suites set up again and again.
#pragma once

#include <string>

#include "absl/strings/str_cat.h"
#include "sokei/kpi/v1/kpi_service.pb.h"

namespace sokei::testing {

// The 困りごと indicator the demo survey feeds: survey-based, perception, percent, to increase,
// under the plan's node f05 (地域福祉), id "consult".
inline kpi::v1::CreateIndicatorRequest ConsultIndicatorRequest(const std::string& municipality,
                                                               const std::string& plan) {
  kpi::v1::CreateIndicatorRequest r;
  r.set_parent(municipality);
  r.set_indicator_id("consult");
  auto* ind = r.mutable_indicator();
  ind->set_display_name("困りごとがある時に相談できると回答した割合");
  ind->set_kind(kpi::v1::INDICATOR_KIND_PERCEPTION);
  ind->set_direction(kpi::v1::DIRECTION_INCREASE);
  ind->set_unit("%");
  ind->set_survey_based(true);
  ind->add_nodes(absl::StrCat(plan, "/nodes/f05"));
  return r;
}

}  // namespace sokei::testing
