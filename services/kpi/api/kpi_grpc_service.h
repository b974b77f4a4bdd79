// gRPC adapter of the KPI service: reads the principal from metadata, calls KpiDomain, maps
// absl::Status to grpc::Status with google.rpc details. No logic of its own.
#pragma once

#include <memory>

#include "common/auth/identity_check.h"
#include "common/config/config.h"
#include "common/grpcx/dispatch.h"
#include "common/grpcx/serve_changes.h"
#include "services/kpi/domain/kpi_domain.h"
#include "sokei/kpi/v1/kpi_service.grpc.pb.h"

namespace sokei::kpi {

// Every KpiService method, in proto declaration order (the dispatch table checks the order).
#define SOKEI_KPI_METHODS(X)                                                              \
  X(CreateIndicator, pb::CreateIndicatorRequest, pb::Indicator)                           \
  X(GetIndicator, pb::GetIndicatorRequest, pb::Indicator)                                 \
  X(ListIndicators, pb::ListIndicatorsRequest, pb::ListIndicatorsResponse)                \
  X(UpdateIndicator, pb::UpdateIndicatorRequest, pb::Indicator)                           \
  X(DeleteIndicator, pb::DeleteIndicatorRequest, Empty)                                   \
  X(ReviseTargets, pb::ReviseTargetsRequest, pb::Indicator)                               \
  X(RecordObservations, pb::RecordObservationsRequest, pb::RecordObservationsResponse)    \
  X(ListObservations, pb::ListObservationsRequest, pb::ListObservationsResponse)          \
  X(SubmitObservations, pb::ReviewObservationsRequest, pb::ReviewObservationsResponse)    \
  X(ApproveObservations, pb::ReviewObservationsRequest, pb::ReviewObservationsResponse)   \
  X(ReturnObservations, pb::ReviewObservationsRequest, pb::ReviewObservationsResponse)    \
  X(GetIndicatorHistory, pb::GetIndicatorHistoryRequest, pb::IndicatorHistory)            \
  X(GetNodeHistory, pb::GetNodeHistoryRequest, pb::NodeHistory)                          \
  X(DiffIndicators, pb::DiffIndicatorsRequest, pb::IndicatorDiff)                        \
  X(CarryIndicators, pb::CarryIndicatorsRequest, pb::CarryIndicatorsResponse)             \
  X(RecordSurveyPerceptions, pb::RecordSurveyPerceptionsRequest, pb::SurveyPerceptions)  \
  X(GetPlanSummary, pb::GetPlanSummaryRequest, pb::PlanSummary)                           \
  X(GetGradingScheme, pb::GetGradingSchemeRequest, pb::GradingScheme)                     \
  X(UpdateGradingScheme, pb::UpdateGradingSchemeRequest, pb::GradingScheme)               \
  X(CreateEvaluation, pb::CreateEvaluationRequest, pb::Evaluation)                        \
  X(GetEvaluation, pb::GetEvaluationRequest, pb::Evaluation)                              \
  X(ListEvaluations, pb::ListEvaluationsRequest, pb::ListEvaluationsResponse)             \
  X(AdvanceEvaluation, pb::AdvanceEvaluationRequest, pb::Evaluation)                      \
  X(OverrideRollup, pb::OverrideRollupRequest, pb::Evaluation)                            \
  X(AmendEvaluation, pb::AmendEvaluationRequest, pb::Evaluation)                          \
  X(ExportEvaluationReport, pb::ExportEvaluationReportRequest, pb::ExportedFile)          \
  X(GetSheetTemplate, pb::GetSheetTemplateRequest, pb::SheetTemplate)                    \
  X(UpdateSheetTemplate, pb::UpdateSheetTemplateRequest, pb::SheetTemplate)               \
  X(ListEvaluationSheets, pb::ListEvaluationSheetsRequest, pb::ListEvaluationSheetsResponse) \
  X(GetEvaluationSheet, pb::GetEvaluationSheetRequest, pb::EvaluationSheet)               \
  X(UpdateEvaluationSheet, pb::UpdateEvaluationSheetRequest, pb::EvaluationSheet)         \
  X(SubmitEvaluationSheet, pb::ReviewEvaluationSheetRequest, pb::EvaluationSheet)         \
  X(ReturnEvaluationSheet, pb::ReviewEvaluationSheetRequest, pb::EvaluationSheet)         \
  X(AcceptEvaluationSheet, pb::ReviewEvaluationSheetRequest, pb::EvaluationSheet)         \
  X(ExportEvaluationSheet, pb::ExportEvaluationSheetRequest, pb::ExportedFile)            \
  X(ExportEvaluationBook, pb::ExportEvaluationBookRequest, pb::ExportedFile)              \
  X(ImportCostTable, pb::ImportCostTableRequest, pb::ImportCostTableResponse)            \
  X(ListProjectCosts, pb::ListProjectCostsRequest, pb::ListProjectCostsResponse)         \
  X(UpdateProjectCost, pb::UpdateProjectCostRequest, pb::ProjectCost)                    \
  X(GetCostSettings, pb::GetCostSettingsRequest, pb::CostSettings)                       \
  X(UpdateCostSettings, pb::UpdateCostSettingsRequest, pb::CostSettings)                 \
  X(ImportProgressTable, pb::ImportProgressTableRequest, pb::ImportProgressTableResponse) \
  X(InferTableShape, pb::InferTableShapeRequest, pb::TableShape)                          \
  X(ExportProgressTable, pb::ExportProgressTableRequest, pb::ExportedFile)                \
  X(ImportObservationSheet, pb::ImportObservationSheetRequest,                            \
    pb::ImportObservationSheetResponse)                                                   \
  X(ListAuditEvents, pb::ListAuditEventsRequest, pb::ListAuditEventsResponse)

class KpiGrpcService : public pb::KpiService::Service {
 public:
  KpiGrpcService(KpiDomain* domain, auth::IdentityCheck identity)
      : domain_(domain), identity_(std::move(identity)) {}

#define SOKEI_KPI_RPC(Method, Req, Resp) \
  grpc::Status Method(grpc::ServerContext* ctx, const Req* req, Resp* resp) override;
  SOKEI_KPI_METHODS(SOKEI_KPI_RPC)
#undef SOKEI_KPI_RPC

  // GetPlanSummary as bytes: the reply goes out as the serialized summary the domain returns
  // (from the cache when warm), without a parse and a second serialization.
  grpc::Status GetPlanSummaryRaw(grpc::ServerContext* ctx, const grpc::ByteBuffer* req,
                                 grpc::ByteBuffer* resp);

  // The change feed (common/grpcx/serve_changes.h), on gRPC's sync threads.
  SOKEI_CHANGE_FEED_RPCS
  // ImportProgressTable with the file streamed in parts (on gRPC's sync threads).
  grpc::Status StreamProgressTable(grpc::ServerContext* ctx,
                                   grpc::ServerReader<pb::ImportProgressTableRequest>* reader,
                                   pb::ImportProgressTableResponse* resp) override;
  // The exports as a stream of parts (on gRPC's sync threads).
  grpc::Status DownloadProgressTable(grpc::ServerContext* ctx,
                                     const pb::ExportProgressTableRequest* req,
                                     grpc::ServerWriter<pb::FileChunk>* writer) override;
  grpc::Status DownloadEvaluationReport(grpc::ServerContext* ctx,
                                        const pb::ExportEvaluationReportRequest* req,
                                        grpc::ServerWriter<pb::FileChunk>* writer) override;

 private:
  template <typename Req, typename Resp>
  grpc::Status Call(grpc::ServerContext* ctx, const char* method, const Req& req, Resp* resp,
                    absl::StatusOr<Resp> (KpiDomain::*fn)(const Principal&, const Req&));

  KpiDomain* domain_;
  auth::IdentityCheck identity_;
};

using DispatchedKpiService = grpcx::Dispatched<KpiGrpcService>;
std::unique_ptr<grpcx::DispatchTable> MakeDispatchTable(DispatchedKpiService* service);

}  // namespace sokei::kpi
