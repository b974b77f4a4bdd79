// What the survey service needs from the KPI service: recording survey-derived actuals, and what
// a published survey says of the 施策 linked to its questions. The gRPC
// implementation forwards the caller's principal and the remaining deadline; tests may use the
// real KpiDomain in process.
#pragma once

#include "absl/status/statusor.h"
#include "common/auth/principal.h"
#include "sokei/kpi/v1/kpi_service.pb.h"

namespace sokei::survey {

class KpiClient {
 public:
  virtual ~KpiClient() = default;
  virtual absl::StatusOr<kpi::v1::RecordObservationsResponse> RecordObservations(
      const auth::Principal& p, const kpi::v1::RecordObservationsRequest& r) = 0;
  virtual absl::StatusOr<kpi::v1::SurveyPerceptions> RecordSurveyPerceptions(
      const auth::Principal& p, const kpi::v1::RecordSurveyPerceptionsRequest& r) = 0;
};

}  // namespace sokei::survey
