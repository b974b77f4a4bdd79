// The survey service's domain: validation, authorization, the response importer, the statistics
// on the in-memory columnar form of the responses, disclosure control and publication (with the
// survey-derived actuals recorded in the KPI service). Returns absl::Status with google.rpc
// details; knows nothing of gRPC.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>

#include "absl/time/time.h"
#include "common/api/change_feed.h"
#include "common/api/write_context.h"
#include "common/auth/principal.h"
#include "google/protobuf/empty.pb.h"
#include "services/survey/domain/kpi_client.h"
#include "services/survey/stats/linked_tables.h"
#include "services/survey/stats/stats.h"
#include "services/survey/storage/survey_repository.h"
#include "sokei/survey/v1/survey_service.pb.h"

namespace sokei::survey {

namespace pb = ::sokei::survey::v1;
using auth::Principal;
using Empty = google::protobuf::Empty;

struct ReadResponses;  // response_reader.h

// A survey's responses compiled for statistics: the columnar dataset, the weights, and how
// questions, options and attributes map onto it. Immutable once built; shared by readers.
struct Compiled {
  stats::Dataset data;
  stats::WeightingResult weights;
  bool weighted = false;
  std::vector<int> weighting_attributes;  // attribute indexes of the weighting cells
  std::map<std::string, int> column_of;   // question id → column
  // Each question's tables protected together (linked_tables.h), made on first use; keyed by
  // column, k and the small-row limit.
  mutable std::mutex families_mu;
  mutable std::map<std::tuple<int, int, int>, std::shared_ptr<const stats::FamilyProtection>>
      families;
};

class SurveyDomain {
 public:
  SurveyDomain(SurveyRepository* repo, KpiClient* kpi, std::function<absl::Time()> clock);
  // How many times a survey's responses were compiled for statistics: each compile reads every
  // respondent at once, so the adapter hands the freed memory back after a call that did one.
  uint64_t compiles() const { return compiles_.load(); }

  absl::StatusOr<pb::Survey> CreateSurvey(const Principal& p, const pb::CreateSurveyRequest& r);
  absl::StatusOr<pb::Survey> GetSurvey(const Principal& p, const pb::GetSurveyRequest& r);
  absl::StatusOr<pb::ListSurveysResponse> ListSurveys(const Principal& p,
                                                      const pb::ListSurveysRequest& r);
  absl::StatusOr<pb::Survey> UpdateSurvey(const Principal& p, const pb::UpdateSurveyRequest& r);
  absl::StatusOr<Empty> DeleteSurvey(const Principal& p, const pb::DeleteSurveyRequest& r);

  absl::StatusOr<pb::Question> CreateQuestion(const Principal& p,
                                              const pb::CreateQuestionRequest& r);
  absl::StatusOr<pb::BatchCreateQuestionsResponse> BatchCreateQuestions(
      const Principal& p, const pb::BatchCreateQuestionsRequest& r);
  absl::StatusOr<pb::Question> GetQuestion(const Principal& p, const pb::GetQuestionRequest& r);
  absl::StatusOr<pb::ListQuestionsResponse> ListQuestions(const Principal& p,
                                                          const pb::ListQuestionsRequest& r);
  absl::StatusOr<pb::Question> UpdateQuestion(const Principal& p,
                                              const pb::UpdateQuestionRequest& r);
  absl::StatusOr<Empty> DeleteQuestion(const Principal& p, const pb::DeleteQuestionRequest& r);

  absl::StatusOr<pb::ImportResponsesResponse> ImportResponses(const Principal& p,
                                                              const pb::ImportResponsesRequest& r);
  // published_results.cc
  absl::StatusOr<pb::ImportPublishedResultsResponse> ImportPublishedResults(
      const Principal& p, const pb::ImportPublishedResultsRequest& r);
  absl::StatusOr<pb::ExportedResponses> ExportResponses(const Principal& p,
                                                        const pb::ExportResponsesRequest& r);

  absl::StatusOr<pb::QuestionStats> GetQuestionStats(const Principal& p,
                                                     const pb::GetQuestionStatsRequest& r);
  absl::StatusOr<pb::CrossTab> GetCrossTab(const Principal& p, const pb::GetCrossTabRequest& r);
  absl::StatusOr<pb::CsAnalysis> RunCsAnalysis(const Principal& p,
                                               const pb::RunCsAnalysisRequest& r);
  absl::StatusOr<pb::WaveComparison> CompareWaves(const Principal& p,
                                                  const pb::CompareWavesRequest& r);
  absl::StatusOr<pb::WeightingReport> GetWeightingReport(const Principal& p,
                                                         const pb::GetWeightingReportRequest& r);
  absl::StatusOr<pb::PublishResponse> Publish(const Principal& p, const pb::PublishRequest& r);
  absl::StatusOr<pb::ListAuditEventsResponse> ListAuditEvents(const Principal& p,
                                                              const pb::ListAuditEventsRequest& r);
  // The change feed (common/api/change_feed.h): a page (long-poll) or a stream of changes.
  api::ChangeFeed& changes() { return changes_; }

  // The largest response file a streamed import takes (unary calls stop at the message limit).
  static constexpr size_t kMaxStreamImportBytes = 256 << 20;

  using WriteContext = api::WriteContext<SurveyTx>;
  // A survey, its questions in position order, and its compiled responses.
  struct View {
    pb::Survey survey;
    std::vector<pb::Question> questions;
    std::shared_ptr<const Compiled> compiled;
    const pb::Question* Find(const std::string& name) const;
  };

 private:
  template <typename Resp>
  absl::StatusOr<Resp> Mutate(const Principal& p, const std::string& municipality,
                              const char* method, const std::string& request_id,
                              const google::protobuf::Message& request,
                              const std::function<absl::Status(WriteContext&, Resp*)>& fn);
  // Loads the survey for reading by `p` (public callers: published surveys only).
  absl::StatusOr<View> Load(const Principal& p, const std::string& survey_name, bool with_data);
  absl::StatusOr<std::shared_ptr<const Compiled>> CompiledFor(const pb::Survey& s,
                                                              const std::vector<pb::Question>& qs);
  absl::StatusOr<std::vector<pb::RecordedActual>> Actuals(const View& v,
                                                          kpi::v1::RecordObservationsRequest* req);
  // What the survey says of each 施策 linked to an importance or satisfaction question: mean
  // and positive share with their margins, for the 施策評価シート (bases below the survey's k
  // are left out).
  kpi::v1::SurveyPerceptions Perceptions(const View& v);
  // The write of ImportResponses: the respondents read, unless the survey changed meanwhile
  // (`etag` as it was read).
  absl::StatusOr<pb::ImportResponsesResponse> StoreResponses(const Principal& p,
                                                             const std::string& municipality,
                                                             const pb::ImportResponsesRequest& r,
                                                             const std::string& etag,
                                                             const ReadResponses& read);

  SurveyRepository* repo_;
  KpiClient* kpi_;
  std::function<absl::Time()> clock_;
  // Compiled responses of recently used surveys (process memory only: microdata is never sent
  // to the shared cache). Keyed by survey name; valid while the fingerprint matches.
  std::mutex cache_mu_;
  std::list<std::pair<std::string, std::pair<std::string, std::shared_ptr<const Compiled>>>> cache_;
  std::atomic<uint64_t> compiles_{0};  // responses compiled so far (compiles())
  // Reads the outbox through the repository (declared last: it refers to repo_).
  api::ChangeFeed changes_{[this](const api::ChangeFeed::ReadFn::argument_type& fn) {
    return repo_->Read([&](SurveyTx& tx) { return fn(tx); });
  }};
};

}  // namespace sokei::survey
