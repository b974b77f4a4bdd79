// The KPI use cases: every method of sokei.kpi.v1.KpiService as plain C++ returning
// absl::StatusOr, on a KpiRepository and the plan service (through PlanClient). One transaction
// per write, etag checks (ABORTED), request_id idempotency, an audit row per change in the same
// transaction.
//
// Authorization (object level): planners and admins of the municipality edit indicators, schemes
// and evaluations and review observations; an editor drafts and submits observations only for
// indicators of their own departments — another department's indicator is PERMISSION_DENIED
// (reason DEPARTMENT_NOT_OWNER; chosen over NOT_FOUND because indicators are not secret inside a
// municipality, every viewer may read them). Public callers read published evaluations only.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/api/change_feed.h"
#include "common/api/write_context.h"
#include "common/auth/principal.h"
#include "common/cache/cache.h"
#include "google/protobuf/arena.h"
#include "services/kpi/domain/arena_block.h"
#include "services/kpi/domain/parsed_records.h"
#include "services/kpi/domain/plan_client.h"
#include "services/kpi/domain/structure_memo.h"
#include "services/kpi/files/pdf_renderer.h"
#include "services/kpi/files/table_writer.h"
#include "services/kpi/storage/kpi_repository.h"
#include "sokei/kpi/v1/kpi_service.pb.h"

namespace sokei::kpi {

namespace pb = ::sokei::kpi::v1;
using auth::Principal;
using ::google::protobuf::Empty;
struct ImportPlan;  // services/kpi/import/import_plan.h

class KpiDomain {
 public:
  using Clock = std::function<absl::Time()>;
  // `files` renders exported tables (TSV, CSV, xlsx). `cache` (optional) holds GetPlanSummary
  // results under the municipality's KPI generation and a fingerprint of the plan structure, so
  // neither a KPI write nor a plan change is ever served stale.
  KpiDomain(KpiRepository* repo, PlanClient* plans, const TableWriter* files,
            Clock clock = &absl::Now, cache::Cache* cache = nullptr)
      : repo_(repo), plans_(plans), files_(files), clock_(std::move(clock)), cache_(cache) {}

  absl::StatusOr<pb::Indicator> CreateIndicator(const Principal& p,
                                                const pb::CreateIndicatorRequest& r);
  absl::StatusOr<pb::Indicator> GetIndicator(const Principal& p, const pb::GetIndicatorRequest& r);
  absl::StatusOr<pb::ListIndicatorsResponse> ListIndicators(const Principal& p,
                                                            const pb::ListIndicatorsRequest& r);
  absl::StatusOr<pb::Indicator> UpdateIndicator(const Principal& p,
                                                const pb::UpdateIndicatorRequest& r);
  absl::StatusOr<Empty> DeleteIndicator(const Principal& p, const pb::DeleteIndicatorRequest& r);
  absl::StatusOr<pb::Indicator> ReviseTargets(const Principal& p,
                                              const pb::ReviseTargetsRequest& r);

  absl::StatusOr<pb::RecordObservationsResponse> RecordObservations(
      const Principal& p, const pb::RecordObservationsRequest& r);
  absl::StatusOr<pb::ListObservationsResponse> ListObservations(
      const Principal& p, const pb::ListObservationsRequest& r);
  absl::StatusOr<pb::ReviewObservationsResponse> SubmitObservations(
      const Principal& p, const pb::ReviewObservationsRequest& r);
  absl::StatusOr<pb::ReviewObservationsResponse> ApproveObservations(
      const Principal& p, const pb::ReviewObservationsRequest& r);
  absl::StatusOr<pb::ReviewObservationsResponse> ReturnObservations(
      const Principal& p, const pb::ReviewObservationsRequest& r);

  absl::StatusOr<pb::IndicatorHistory> GetIndicatorHistory(const Principal& p,
                                                           const pb::GetIndicatorHistoryRequest& r);
  // node_history.cc: a node and the nodes it came from, with their indicators' histories.
  absl::StatusOr<pb::NodeHistory> GetNodeHistory(const Principal& p,
                                                 const pb::GetNodeHistoryRequest& r);
  absl::StatusOr<pb::IndicatorDiff> DiffIndicators(const Principal& p,
                                                   const pb::DiffIndicatorsRequest& r);
  absl::StatusOr<pb::CarryIndicatorsResponse> CarryIndicators(
      const Principal& p, const pb::CarryIndicatorsRequest& r);
  absl::StatusOr<pb::SurveyPerceptions> RecordSurveyPerceptions(
      const Principal& p, const pb::RecordSurveyPerceptionsRequest& r);
  absl::StatusOr<pb::PlanSummary> GetPlanSummary(const Principal& p,
                                                 const pb::GetPlanSummaryRequest& r);
  // The same summary as serialized PlanSummary bytes (the gRPC adapter sends them as they are): a
  // cache hit is the generations, a GET and no parse.
  absl::StatusOr<std::string> GetPlanSummaryBytes(const Principal& p,
                                                  const pb::GetPlanSummaryRequest& r);

  absl::StatusOr<pb::GradingScheme> GetGradingScheme(const Principal& p,
                                                     const pb::GetGradingSchemeRequest& r);
  absl::StatusOr<pb::GradingScheme> UpdateGradingScheme(const Principal& p,
                                                        const pb::UpdateGradingSchemeRequest& r);

  absl::StatusOr<pb::Evaluation> CreateEvaluation(const Principal& p,
                                                  const pb::CreateEvaluationRequest& r);
  absl::StatusOr<pb::Evaluation> GetEvaluation(const Principal& p,
                                               const pb::GetEvaluationRequest& r);
  absl::StatusOr<pb::ListEvaluationsResponse> ListEvaluations(const Principal& p,
                                                              const pb::ListEvaluationsRequest& r);
  absl::StatusOr<pb::Evaluation> AdvanceEvaluation(const Principal& p,
                                                   const pb::AdvanceEvaluationRequest& r);
  absl::StatusOr<pb::Evaluation> OverrideRollup(const Principal& p,
                                                const pb::OverrideRollupRequest& r);
  absl::StatusOr<pb::Evaluation> AmendEvaluation(const Principal& p,
                                                 const pb::AmendEvaluationRequest& r);
  absl::StatusOr<pb::ExportedFile> ExportEvaluationReport(
      const Principal& p, const pb::ExportEvaluationReportRequest& r);

  // sheet_templates.cc, evaluation_sheets.cc, evaluation_sheet_report.cc: the 評価シート.
  absl::StatusOr<pb::SheetTemplate> GetSheetTemplate(const Principal& p,
                                                     const pb::GetSheetTemplateRequest& r);
  absl::StatusOr<pb::SheetTemplate> UpdateSheetTemplate(const Principal& p,
                                                        const pb::UpdateSheetTemplateRequest& r);
  absl::StatusOr<pb::ListEvaluationSheetsResponse> ListEvaluationSheets(
      const Principal& p, const pb::ListEvaluationSheetsRequest& r);
  absl::StatusOr<pb::EvaluationSheet> GetEvaluationSheet(const Principal& p,
                                                         const pb::GetEvaluationSheetRequest& r);
  absl::StatusOr<pb::EvaluationSheet> UpdateEvaluationSheet(
      const Principal& p, const pb::UpdateEvaluationSheetRequest& r);
  absl::StatusOr<pb::EvaluationSheet> SubmitEvaluationSheet(
      const Principal& p, const pb::ReviewEvaluationSheetRequest& r);
  absl::StatusOr<pb::EvaluationSheet> ReturnEvaluationSheet(
      const Principal& p, const pb::ReviewEvaluationSheetRequest& r);
  absl::StatusOr<pb::EvaluationSheet> AcceptEvaluationSheet(
      const Principal& p, const pb::ReviewEvaluationSheetRequest& r);
  absl::StatusOr<pb::ExportedFile> ExportEvaluationSheet(
      const Principal& p, const pb::ExportEvaluationSheetRequest& r);
  // evaluation_book.cc: the year's 評価結果報告書 (HTML, or PDF through the PdfRenderer).
  absl::StatusOr<pb::ExportedFile> ExportEvaluationBook(const Principal& p,
                                                        const pb::ExportEvaluationBookRequest& r);

  // cost_table_import.cc, project_costs.cc: 予算・決算 and トータルコスト.
  absl::StatusOr<pb::ImportCostTableResponse> ImportCostTable(const Principal& p,
                                                              const pb::ImportCostTableRequest& r);
  absl::StatusOr<pb::ListProjectCostsResponse> ListProjectCosts(
      const Principal& p, const pb::ListProjectCostsRequest& r);
  absl::StatusOr<pb::ProjectCost> UpdateProjectCost(const Principal& p,
                                                    const pb::UpdateProjectCostRequest& r);
  absl::StatusOr<pb::CostSettings> GetCostSettings(const Principal& p,
                                                   const pb::GetCostSettingsRequest& r);
  absl::StatusOr<pb::CostSettings> UpdateCostSettings(const Principal& p,
                                                      const pb::UpdateCostSettingsRequest& r);

  absl::StatusOr<pb::ImportProgressTableResponse> ImportProgressTable(
      const Principal& p, const pb::ImportProgressTableRequest& r);
  absl::StatusOr<pb::ExportedFile> ExportProgressTable(const Principal& p,
                                                       const pb::ExportProgressTableRequest& r);
  // table_shape.cc
  absl::StatusOr<pb::TableShape> InferTableShape(const Principal& p,
                                                 const pb::InferTableShapeRequest& r);
  // observation_sheet.cc
  absl::StatusOr<pb::ImportObservationSheetResponse> ImportObservationSheet(
      const Principal& p, const pb::ImportObservationSheetRequest& r);

  absl::StatusOr<pb::ListAuditEventsResponse> ListAuditEvents(const Principal& p,
                                                              const pb::ListAuditEventsRequest& r);
  // The change feed (common/api/change_feed.h): a page (long-poll) or a stream of changes.
  api::ChangeFeed& changes() { return changes_; }
  // How PDF documents are printed (none: PDF requests are FAILED_PRECONDITION, PDF_UNAVAILABLE).
  void set_pdf_renderer(const PdfRenderer* pdf) { pdf_ = pdf; }
  // The stored bytes of the records kept parsed for summaries, and forgetting them: the next
  // summary parses every row, as the first after a start does (benchmarks and tests).
  size_t parsed_record_bytes() const {
    return parsed_indicators_.kept_bytes() + parsed_observations_.kept_bytes();
  }
  void ForgetParsedRecords() {
    parsed_indicators_.Clear();
    parsed_observations_.Clear();
  }

  using WriteContext = api::WriteContext<KpiTx>;

 private:
  template <typename Resp>
  absl::StatusOr<Resp> Mutate(const Principal& p, const std::string& municipality,
                              const char* method, const std::string& request_id,
                              const google::protobuf::Message& request,
                              const std::function<absl::Status(WriteContext&, Resp*)>& fn);
  absl::StatusOr<pb::ReviewObservationsResponse> Review(const Principal& p,
                                                        const pb::ReviewObservationsRequest& r,
                                                        const char* method, pb::ReviewState to);
  absl::Status CheckNodesExist(const Principal& p, const pb::Indicator& ind);
  // evaluation_sheets.cc: a sheet moved to `to` (submit, return, accept) with a review event.
  absl::StatusOr<pb::EvaluationSheet> TransitionSheet(const Principal& p,
                                                      const pb::ReviewEvaluationSheetRequest& r,
                                                      const char* method, pb::SheetState to);

  // table_import.cc: the structure an import adds through the plan service (level names,
  // departments, nodes; counted only in a dry run); folded department name → resource name.
  absl::StatusOr<std::map<std::string, std::string>> ImportStructure(
      const Principal& p, const std::string& municipality, const pb::ImportProgressTableRequest& r,
      const ImportPlan& plan, const planpb::Plan& stored, pb::ImportCounts* counts);
  // The summary of a plan for a fiscal year from current data (the dashboard and snapshots), as a
  // message or as the bytes the RPC sends. Both are built on one arena (WithSummary, SummaryOn):
  // thousands of results and roll-ups, freed at once, `use` given the summary before.
  absl::StatusOr<pb::PlanSummary> ComputeSummary(const Principal& p, const std::string& plan,
                                                 int fiscal_year, bool with_indicators);
  absl::StatusOr<std::string> ComputeSummaryBytes(const Principal& p, const std::string& plan,
                                                  int fiscal_year, bool with_indicators);
  absl::Status WithSummary(const Principal& p, const std::string& plan, int fiscal_year,
                           bool with_indicators,
                           const std::function<void(const pb::PlanSummary&)>& use);
  absl::StatusOr<const pb::PlanSummary*> SummaryOn(google::protobuf::Arena* arena,
                                                   const Principal& p, const std::string& plan,
                                                   int fiscal_year, bool with_indicators);
  absl::StatusOr<const pb::PlanSummary*> SummaryOn(
      google::protobuf::Arena* arena, const std::string& plan, int fiscal_year,
      bool with_indicators, const planpb::PlanTree& tree,
      const std::vector<planpb::Department>& departments);

  KpiRepository* repo_;
  PlanClient* plans_;
  const TableWriter* files_;
  const PdfRenderer* pdf_ = nullptr;
  Clock clock_;
  cache::Cache* cache_;
  // The structure of recent summaries' plans and municipalities, by generation.
  StructureMemo<planpb::PlanTree> trees_{8};
  StructureMemo<std::vector<planpb::Department>> departments_{8};
  ArenaBlock summary_block_;  // the summaries' arena memory, kept between them
  // The indicators and observations recent summaries read, parsed, by their stored bytes (by plan;
  // observations by plan and years): a summary parses only the rows that changed since. 4 MiB of
  // rows per kind (a 2,000-indicator plan's are ≈ 1 MiB and 0.5 MiB); parsed, ≈ 4× that.
  ParsedRecords<pb::Indicator> parsed_indicators_{8, 4 << 20};
  ParsedRecords<pb::Observation> parsed_observations_{8, 4 << 20};
  // Reads the outbox through the repository (declared last: it refers to repo_).
  api::ChangeFeed changes_{[this](const api::ChangeFeed::ReadFn::argument_type& fn) {
    return repo_->Read([&](KpiTx& tx) { return fn(tx); });
  }};
};

}  // namespace sokei::kpi
