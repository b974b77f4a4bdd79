// Helpers shared by the KPI domain's source files (not part of its interface).
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/api/idempotent_write.h"
#include "common/api/load_resource.h"
#include "common/api/resources.h"
#include "common/status/status.h"
#include "services/kpi/domain/kpi_domain.h"

namespace sokei::kpi {

inline constexpr char kMunicipalityPattern[] = "municipalities/*";
inline constexpr char kIndicatorPattern[] = "municipalities/*/indicators/*";
inline constexpr char kObservationPattern[] = "municipalities/*/indicators/*/observations/*";
inline constexpr char kPlanPattern[] = "municipalities/*/plans/*";
inline constexpr char kNodePattern[] = "municipalities/*/plans/*/nodes/*";
inline constexpr char kDepartmentPattern[] = "municipalities/*/departments/*";
inline constexpr char kEvaluationPattern[] = "municipalities/*/plans/*/evaluations/*";
inline constexpr char kSheetPattern[] = "municipalities/*/plans/*/evaluations/*/sheets/*";
inline constexpr char kCostPattern[] = "municipalities/*/plans/*/costs/*";

// One write use case: a transaction, request_id idempotency, the write context for audit rows.
template <typename Resp>
absl::StatusOr<Resp> KpiDomain::Mutate(
    const Principal& p, const std::string& municipality, const char* method,
    const std::string& request_id, const google::protobuf::Message& request,
    const std::function<absl::Status(WriteContext&, Resp*)>& fn) {
  return api::MutateOnce<Resp, KpiTx>(repo_, clock_(), p, municipality, method, request_id, request,
                                     fn);
}


// Indicator validation (indicator_rules.cc): the fields a write may set, with their limits.
void CheckYear(api::Violations& v, const std::string& field, int year, bool required);
void CheckMeasurement(api::Violations& v, const std::string& field,
                      const type::v1::Measurement& m);
void CheckTargets(api::Violations& v, const std::string& field,
                  google::protobuf::RepeatedPtrField<pb::Target>* targets);
absl::Status ValidateIndicator(pb::Indicator* ind, const std::string& municipality,
                               const std::string& prefix);
// The storage code of an indicator: unique per plan.
std::string CodeKey(const pb::Indicator& ind);

// Where a resource lives, for its storage record.
struct Placement {
  std::string municipality, parent, code;
  int64_t sort_key = 0;
};

// One observation to create or change.
struct ObservationChange {
  std::string indicator;
  int fiscal_year = 0;
  std::string breakdown_key;
  type::v1::Measurement value;
  std::string source;
  std::string etag;
  pb::ReviewState state = pb::REVIEW_STATE_DRAFT;
  std::string event_comment;
  std::string reported_rate, reported_grade;  // the city's own figures, when they differ
  type::v1::Measurement forecast;             // a 見込 beside the actual (kept, not graded)
  bool reference = false;                     // a 参考 value or a year before the baseline's
};

using api::LoadOrNotFound;

std::string DepartmentId(const std::string& department_name);
std::string PlanOfNode(const std::string& node);
std::vector<std::string> PlansOf(const pb::Indicator& ind);
std::string ObservationId(int fiscal_year, const std::string& breakdown_key);
void NormalizeMeasurement(type::v1::Measurement* m);
// The same value written the same way, up to what SearchFold ignores: Sokei's own CP932 export
// read back (― for —, － for −) or a re-typed full-width digit is not a change.
bool SameMeasurement(const type::v1::Measurement& a, const type::v1::Measurement& b);
// Its texts (raw, note, qualitative, label, breakdown keys) folded as SearchFold does.
void FoldMeasurementTexts(type::v1::Measurement* m);
bool IsPlanner(const Principal& p);
absl::Status CheckKpiRead(const Principal& p, const std::string& municipality);
absl::Status CheckObservationWrite(const Principal& p, const pb::Indicator& ind,
                                   const std::string& municipality);
absl::StatusOr<pb::GradingScheme> LoadScheme(KpiTx& tx, const std::string& plan);
// The plan's sheet template (the default until a planner changed it).
absl::StatusOr<pb::SheetTemplate> LoadSheetTemplate(KpiTx& tx, const std::string& plan);
// The cost settings of the municipality (its id: 142140; empty until set), and a plan's stored
// costs of the fiscal
// years in [from_year, to_year] (as stored: DeriveCost fills the output fields).
absl::StatusOr<pb::CostSettings> LoadCostSettings(KpiTx& tx, const std::string& municipality);
absl::StatusOr<std::vector<pb::ProjectCost>> LoadCosts(KpiTx& tx, const std::string& plan,
                                                       int from_year, int to_year);
absl::Status CheckEtag(const std::string& given, const std::string& stored,
                       const std::string& reason, const std::string& name);

Placement IndicatorPlacement(const pb::Indicator& ind, const std::string& municipality);
Record StampIndicator(pb::Indicator* m, const Placement& w, absl::Time now, const Record* prev);
Record StampObservation(pb::Observation* m, const Placement& w, absl::Time now, const Record* prev);
Record StampEvaluation(pb::Evaluation* m, const Placement& w, absl::Time now, const Record* prev);
Record StampSheet(pb::EvaluationSheet* m, const Placement& w, absl::Time now, const Record* prev);
// Placement of a cost: the plan, sort_key = its fiscal year; the code is set here (its name).
Record StampCost(pb::ProjectCost* m, const Placement& w, absl::Time now, const Record* prev);

// Observations of indicators this transaction created: none is stored (observations are written
// only under an existing indicator and deleted with it), so none is read first; their records are
// kept here and inserted together (InsertMany) by the caller before its transaction ends.
struct NewObservations {
  std::vector<Record> records;
};

// Creates or updates an observation (no write when the value is unchanged; `changed` says which).
// `under_new_indicator`: the observation's indicator was created in this transaction.
absl::StatusOr<pb::Observation> UpsertObservation(
    KpiDomain::WriteContext& w, const std::string& municipality, const ObservationChange& c,
    bool* changed, bool* existed = nullptr, NewObservations* under_new_indicator = nullptr);
absl::Status AuditWrite(KpiDomain::WriteContext& w, const std::string& municipality,
                        const std::string& resource, const google::protobuf::Message* before,
                        const google::protobuf::Message* after);

// Grade counts and roll-ups per node, package and department for evaluated indicators.
// `out` is a fresh message (on the arena the results were evaluated on).
void BuildSummary(const std::string& plan, int fiscal_year, const planpb::PlanTree& tree,
                  const std::vector<planpb::Department>& departments,
                  const pb::GradingScheme& scheme,
                  const std::vector<const pb::Indicator*>& indicators,
                  const std::vector<const pb::IndicatorResult*>& results, bool with_indicators,
                  pb::PlanSummary* out);

// An indicator's achievement as printed (never rounded up onto a whole percent), "" when none.
std::string AchievementPercent(const pb::IndicatorResult& r);

}  // namespace sokei::kpi
