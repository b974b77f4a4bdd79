// The KPI service's storage interface. Resources are records (protobuf bytes plus the columns they
// are looked up by); indicators belong to plans through a membership table, so the dashboard read
// of a plan is two queries whatever the number of indicators.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/storage/audit_log.h"
#include "common/storage/resource_record.h"
#include "common/storage/service_tx.h"

namespace sokei::kpi {

enum class Kind {
  kIndicator,
  kObservation,
  kScheme,
  kEvaluation,
  kSheetTemplate,
  kSheet,
  kCost,
  kCostSettings,
  kPerceptions,  // a survey's SurveyPerceptions, parent: the municipality
};

const char* KindName(Kind kind);

// parent: the municipality for indicators, the indicator for observations, the evaluation for
// sheets, the plan otherwise.
using Record = storage::ResourceRecord;

using AuditRow = storage::AuditRow;
using IdempotencyRow = storage::IdempotencyRow;

// Get, ListParent, Insert, Update and Delete of the shared record store, the generation, the
// audit trail and the request ids (service_tx.h), and the KPI service's own reads.
class KpiTx : public storage::RecordStoreTx<Kind> {
 public:
  // Indicators that belong to `plan`, and all observations of those indicators.
  virtual absl::StatusOr<std::vector<Record>> ListPlanIndicators(const std::string& plan) = 0;
  virtual absl::StatusOr<std::vector<Record>> ListPlanObservations(const std::string& plan) = 0;
  // Only the serialized indicators of the plan, in no particular order.
  virtual absl::StatusOr<std::vector<std::string>> ListPlanIndicatorData(
      const std::string& plan) = 0;
  // Only the serialized observations of the plan's indicators for fiscal years in
  // [from_year, to_year] (the dashboard read needs nothing else).
  virtual absl::StatusOr<std::vector<std::string>> ListPlanObservationData(const std::string& plan,
                                                                           int from_year,
                                                                           int to_year) = 0;
  // Replaces the plans an indicator belongs to.
  virtual absl::Status SetPlans(const std::string& indicator,
                                const std::vector<std::string>& plans) = 0;
  // Memberships (plan, indicator) of indicators created in this transaction (which belong to no
  // plan yet), several to a statement.
  virtual absl::Status AddMemberships(
      const std::vector<std::pair<std::string, std::string>>& plan_indicator) = 0;
};

class KpiRepository {
 public:
  virtual ~KpiRepository() = default;
  virtual absl::Status Read(const std::function<absl::Status(KpiTx&)>& fn) = 0;
  // All or nothing: the changes made by `fn` are committed only when it returns OK.
  virtual absl::Status Write(const std::function<absl::Status(KpiTx&)>& fn) = 0;
  // A dry run: `fn` runs in a write transaction that is always rolled back — it sees its own
  // changes, nobody else ever does. Returns what `fn` returned.
  virtual absl::Status Rehearse(const std::function<absl::Status(KpiTx&)>& fn) = 0;
};

}  // namespace sokei::kpi
