// Validation of indicators and their place in storage (declared in kpi_internal.h).
#include "services/kpi/domain/kpi_domain.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/api/audit_events.h"
#include "common/api/hash.h"
#include "common/api/idempotent_write.h"
#include "common/api/listing.h"
#include "common/api/names.h"
#include "common/api/resources.h"
#include "common/jp/measurement.h"
#include "common/jp/text.h"
#include "common/status/status.h"
#include "services/kpi/domain/achievement.h"
#include "services/kpi/domain/kpi_internal.h"

namespace sokei::kpi {

using api::Micros;
using api::ToTimestamp;
using google::protobuf::Message;

void CheckYear(api::Violations& v, const std::string& field, int year, bool required) {
  if (year == 0 && !required) return;
  if (year < 1900 || year > 2200)
    v.Add(field, "a fiscal year between 1900 and 2200 (令和2年度 = 2020)");
}

void CheckMeasurement(api::Violations& v, const std::string& field,
                      const type::v1::Measurement& m) {
  v.Text(field + ".raw", m.raw(), 4096, false);
  if (!m.value().empty() && !jp::ParseDecimal(m.value())) {
    v.Add(field + ".value", "must be a decimal number such as 1234.5");
  }
  if (!m.upper().empty() && !jp::ParseDecimal(m.upper())) {
    v.Add(field + ".upper", "must be a decimal number");
  }
  v.Text(field + ".unit", m.unit(), 20, false);
}

void CheckTargets(api::Violations& v, const std::string& field,
                  google::protobuf::RepeatedPtrField<pb::Target>* targets) {
  std::set<int> years;
  for (int i = 0; i < targets->size(); ++i) {
    auto* t = targets->Mutable(i);
    const std::string f = absl::StrCat(field, "[", i, "]");
    CheckYear(v, f + ".fiscal_year", t->fiscal_year(), true);
    if (!years.insert(t->fiscal_year()).second) v.Add(f + ".fiscal_year", "appears twice");
    NormalizeMeasurement(t->mutable_value());
    CheckMeasurement(v, f + ".value", t->value());
    if (t->kind() == pb::TARGET_KIND_UNSPECIFIED) t->set_kind(ClassifyTarget(t->value()));
  }
}

// Validates an indicator as a client sent it (all fields), normalising measurements.
absl::Status ValidateIndicator(pb::Indicator* ind, const std::string& municipality,
                               const std::string& prefix) {
  api::Violations v;
  v.Text(prefix + "display_name", ind->display_name(), 200, true);
  v.Text(prefix + "code", ind->code(), 32, false);
  v.Text(prefix + "definition", ind->definition(), 20000, false);
  v.Text(prefix + "unit", ind->unit(), 20, false);
  v.Text(prefix + "data_source", ind->data_source(), 500, false);
  v.Text(prefix + "project_name", ind->project_name(), 200, false);
  if (ind->kind() == pb::INDICATOR_KIND_UNSPECIFIED || !pb::IndicatorKind_IsValid(ind->kind())) {
    v.Add(prefix + "kind", "is required: ACTIVITY, OUTCOME, NUMERIC_GOAL, KPI or PERCEPTION");
  }
  if (ind->direction() == pb::DIRECTION_UNSPECIFIED || !pb::Direction_IsValid(ind->direction())) {
    v.Add(prefix + "direction", "is required: INCREASE, DECREASE, MAINTAIN or NONE");
  }
  if (!pb::Formula_IsValid(ind->formula())) v.Add(prefix + "formula", "is not a known formula");
  if (ind->aggregation().kind() == pb::AGGREGATION_KIND_UNSPECIFIED) {
    ind->mutable_aggregation()->set_kind(pb::AGGREGATION_KIND_PER_PERIOD);
  }
  if (ind->aggregation().kind() == pb::AGGREGATION_KIND_CUMULATIVE) {
    CheckYear(v, prefix + "aggregation.start_year", ind->aggregation().start_year(), false);
  }
  if (ind->weight() < 0) v.Add(prefix + "weight", "must not be negative");
  if (ind->nodes().empty()) v.Add(prefix + "nodes", "at least one owner node is required");
  if (ind->nodes_size() > 20) v.Add(prefix + "nodes", "at most 20 owner nodes");
  for (int i = 0; i < ind->nodes_size(); ++i) {
    auto n = api::ParseName(ind->nodes(i), kNodePattern, "");
    if (!n.ok() || n->municipality() != municipality) {
      v.Add(absl::StrCat(prefix, "nodes[", i, "]"),
            "must be a node name of this municipality: municipalities/{m}/plans/{p}/nodes/{n}");
    }
  }
  if (ind->departments_size() > 20) v.Add(prefix + "departments", "at most 20 departments");
  for (int i = 0; i < ind->departments_size(); ++i) {
    auto d = api::ParseName(ind->departments(i), kDepartmentPattern, "");
    if (!d.ok() || d->municipality() != municipality) {
      v.Add(absl::StrCat(prefix, "departments[", i, "]"),
            "must be a department name of this municipality");
    }
  }
  for (int i = 0; i < ind->breakdown_dimensions_size(); ++i) {
    v.Text(absl::StrCat(prefix, "breakdown_dimensions[", i, "]"), ind->breakdown_dimensions(i), 50,
           true);
  }
  NormalizeMeasurement(ind->mutable_baseline()->mutable_value());
  if (!ind->baseline().value().raw().empty() || !ind->baseline().value().value().empty()) {
    CheckMeasurement(v, prefix + "baseline.value", ind->baseline().value());
  }
  CheckYear(v, prefix + "baseline.fiscal_year", ind->baseline().fiscal_year(), false);
  v.Text(prefix + "baseline.label", ind->baseline().label(), 50, false);
  return v.ToStatus("INDICATOR_INVALID");
}

std::string CodeKey(const pb::Indicator& ind) {
  if (ind.code().empty()) return "";
  const auto plans = PlansOf(ind);
  return absl::StrCat(plans.empty() ? "" : plans.front(), "#", jp::Nfkc(ind.code()));
}

Placement IndicatorPlacement(const pb::Indicator& ind, const std::string& municipality) {
  return {municipality, absl::StrCat("municipalities/", municipality), CodeKey(ind), 0};
}

}  // namespace sokei::kpi
