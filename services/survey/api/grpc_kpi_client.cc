#include "services/survey/api/grpc_kpi_client.h"

#include "common/grpcx/upstream.h"

namespace sokei::survey {

absl::StatusOr<kpi::v1::RecordObservationsResponse> GrpcKpiClient::RecordObservations(
    const auth::Principal& p, const kpi::v1::RecordObservationsRequest& r) {
  return grpcx::CallUpstream(p, stub_.get(), &kpi::v1::KpiService::Stub::RecordObservations, r,
                             "KPI_SERVICE_UNAVAILABLE",
                             "the KPI service did not answer; nothing was published, try again");
}

absl::StatusOr<kpi::v1::SurveyPerceptions> GrpcKpiClient::RecordSurveyPerceptions(
    const auth::Principal& p, const kpi::v1::RecordSurveyPerceptionsRequest& r) {
  return grpcx::CallUpstream(p, stub_.get(), &kpi::v1::KpiService::Stub::RecordSurveyPerceptions, r,
                             "KPI_SERVICE_UNAVAILABLE",
                             "the KPI service did not answer; nothing was published, try again");
}

}  // namespace sokei::survey
