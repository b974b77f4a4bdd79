// gRPC adapter of the survey service: reads the principal from metadata, calls SurveyDomain, maps
// absl::Status to grpc::Status with google.rpc details. StreamResponses gathers the streamed file
// and hands it to the same importer.
#pragma once

#include <memory>

#include "common/auth/identity_check.h"
#include "common/config/config.h"
#include "common/grpcx/dispatch.h"
#include "common/grpcx/serve_changes.h"
#include "services/survey/domain/survey_domain.h"
#include "sokei/survey/v1/survey_service.grpc.pb.h"

namespace sokei::survey {

// Every unary SurveyService method, in proto declaration order (the dispatch table checks it).
#define SOKEI_SURVEY_METHODS(X)                                                              \
  X(CreateSurvey, pb::CreateSurveyRequest, pb::Survey)                                       \
  X(GetSurvey, pb::GetSurveyRequest, pb::Survey)                                             \
  X(ListSurveys, pb::ListSurveysRequest, pb::ListSurveysResponse)                            \
  X(UpdateSurvey, pb::UpdateSurveyRequest, pb::Survey)                                       \
  X(DeleteSurvey, pb::DeleteSurveyRequest, Empty)                                            \
  X(CreateQuestion, pb::CreateQuestionRequest, pb::Question)                                 \
  X(BatchCreateQuestions, pb::BatchCreateQuestionsRequest, pb::BatchCreateQuestionsResponse) \
  X(GetQuestion, pb::GetQuestionRequest, pb::Question)                                       \
  X(ListQuestions, pb::ListQuestionsRequest, pb::ListQuestionsResponse)                      \
  X(UpdateQuestion, pb::UpdateQuestionRequest, pb::Question)                                 \
  X(DeleteQuestion, pb::DeleteQuestionRequest, Empty)                                        \
  X(ImportResponses, pb::ImportResponsesRequest, pb::ImportResponsesResponse)                \
  X(ImportPublishedResults, pb::ImportPublishedResultsRequest,                               \
    pb::ImportPublishedResultsResponse)                                                      \
  X(ExportResponses, pb::ExportResponsesRequest, pb::ExportedResponses)                      \
  X(GetQuestionStats, pb::GetQuestionStatsRequest, pb::QuestionStats)                        \
  X(GetCrossTab, pb::GetCrossTabRequest, pb::CrossTab)                                       \
  X(RunCsAnalysis, pb::RunCsAnalysisRequest, pb::CsAnalysis)                                 \
  X(CompareWaves, pb::CompareWavesRequest, pb::WaveComparison)                               \
  X(GetWeightingReport, pb::GetWeightingReportRequest, pb::WeightingReport)                  \
  X(Publish, pb::PublishRequest, pb::PublishResponse)                                        \
  X(ListAuditEvents, pb::ListAuditEventsRequest, pb::ListAuditEventsResponse)

class SurveyGrpcService : public pb::SurveyService::Service {
 public:
  SurveyGrpcService(SurveyDomain* domain, auth::IdentityCheck identity)
      : domain_(domain), identity_(std::move(identity)) {}

#define SOKEI_SURVEY_RPC(Method, Req, Resp) \
  grpc::Status Method(grpc::ServerContext* ctx, const Req* req, Resp* resp) override;
  SOKEI_SURVEY_METHODS(SOKEI_SURVEY_RPC)
#undef SOKEI_SURVEY_RPC

  grpc::Status StreamResponses(grpc::ServerContext* ctx,
                               grpc::ServerReader<pb::ImportResponsesRequest>* reader,
                               pb::ImportResponsesResponse* resp) override;

  // The change feed (common/grpcx/serve_changes.h), on gRPC's sync threads.
  SOKEI_CHANGE_FEED_RPCS

 private:
  template <typename Req, typename Resp>
  grpc::Status Call(grpc::ServerContext* ctx, const char* method, const Req& req, Resp* resp,
                    absl::StatusOr<Resp> (SurveyDomain::*fn)(const Principal&, const Req&));

  SurveyDomain* domain_;
  static void ReturnFreedMemory();
  auth::IdentityCheck identity_;
};

using DispatchedSurveyService = grpcx::Dispatched<SurveyGrpcService>;
std::unique_ptr<grpcx::DispatchTable> MakeDispatchTable(DispatchedSurveyService* service);

}  // namespace sokei::survey
