// KpiClient over a real kpi::KpiDomain in the same process: the survey domain tests publish into
// the real KPI rules without a socket. The gRPC client is tested in the survey gRPC suite.
#pragma once

#include "services/kpi/domain/kpi_domain.h"
#include "services/survey/domain/kpi_client.h"

namespace sokei::testing {

class InProcessKpiClient final : public survey::KpiClient {
 public:
  explicit InProcessKpiClient(kpi::KpiDomain* d) : d_(d) {}
  absl::StatusOr<kpi::v1::RecordObservationsResponse> RecordObservations(
      const auth::Principal& p, const kpi::v1::RecordObservationsRequest& r) override {
    ++calls;
    if (fail) return absl::UnavailableError("the KPI service is down (test)");
    return d_->RecordObservations(p, r);
  }
  absl::StatusOr<kpi::v1::SurveyPerceptions> RecordSurveyPerceptions(
      const auth::Principal& p, const kpi::v1::RecordSurveyPerceptionsRequest& r) override {
    ++perception_calls;
    if (fail) return absl::UnavailableError("the KPI service is down (test)");
    return d_->RecordSurveyPerceptions(p, r);
  }
  int calls = 0;             // RecordObservations
  int perception_calls = 0;  // RecordSurveyPerceptions
  bool fail = false;

 private:
  kpi::KpiDomain* d_;
};

}  // namespace sokei::testing
