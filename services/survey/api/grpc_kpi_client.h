// KpiClient over gRPC: the caller's principal and remaining deadline go with the call, so the KPI
// service applies its own rules to the person publishing.
#pragma once

#include <memory>

#include "grpcpp/channel.h"
#include "services/survey/domain/kpi_client.h"
#include "sokei/kpi/v1/kpi_service.grpc.pb.h"

namespace sokei::survey {

class GrpcKpiClient final : public KpiClient {
 public:
  explicit GrpcKpiClient(std::shared_ptr<grpc::Channel> channel)
      : stub_(kpi::v1::KpiService::NewStub(std::move(channel))) {}
  absl::StatusOr<kpi::v1::RecordObservationsResponse> RecordObservations(
      const auth::Principal& p, const kpi::v1::RecordObservationsRequest& r) override;
  absl::StatusOr<kpi::v1::SurveyPerceptions> RecordSurveyPerceptions(
      const auth::Principal& p, const kpi::v1::RecordSurveyPerceptionsRequest& r) override;

 private:
  std::unique_ptr<kpi::v1::KpiService::Stub> stub_;
};

}  // namespace sokei::survey
