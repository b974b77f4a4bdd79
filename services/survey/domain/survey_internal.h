// Helpers shared by the survey domain's source files (not part of its interface).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/api/idempotent_write.h"
#include "common/api/load_resource.h"
#include "common/api/resources.h"
#include "common/status/status.h"
#include "services/survey/domain/survey_domain.h"

namespace sokei::survey {

inline constexpr char kMunicipalityPattern[] = "municipalities/*";
inline constexpr char kSurveyPattern[] = "municipalities/*/surveys/*";
inline constexpr char kQuestionPattern[] = "municipalities/*/surveys/*/questions/*";

using api::LoadOrNotFound;

template <typename T>
Record Stamp(T* msg, const std::string& municipality, const std::string& parent,
             const std::string& code, int64_t sort_key, absl::Time now, const Record* previous) {
  Record r;
  r.revision = api::StampRevision(msg, now, previous ? previous->revision : 0);
  r.name = msg->name();
  r.municipality = municipality;
  r.parent = parent;
  r.code = code;
  r.sort_key = sort_key;
  r.data = msg->SerializeAsString();
  return r;
}

bool IsPlanner(const Principal& p);
// Reads of survey definitions and results: anyone of the municipality (public callers are
// narrowed to published surveys by Load).
absl::Status CheckSurveyRead(const Principal& p, const std::string& municipality);
absl::Status CheckEtag(const std::string& given, const std::string& stored, const char* reason,
                       const std::string& name);
std::string IdOf(const std::string& name);
// The question's CSV header: `column`, or the printed number.
std::string ColumnKey(const pb::Question& q);
// Compiles responses into the columnar dataset (no weights).
absl::StatusOr<stats::Dataset> BuildDataset(const pb::Survey& s,
                                            const std::vector<pb::Question>& qs,
                                            const std::vector<std::string>& respondents);
stats::Polarity PolarityOf(pb::Polarity p);
// Weighting of the survey as the statistics take it.
absl::StatusOr<stats::WeightingInput> WeightingInputOf(const pb::Survey& s);
int MinCellCount(const pb::Survey& s);
int SmallRowLimit(const pb::Survey& s);
// 12.3 (one decimal), or - for no respondents.
std::string PercentText(double share, int64_t count);

// A finding of an import (responses or published results); `raw` cut at 200 bytes.
pb::ImportFinding MakeFinding(int row, const std::string& column, const std::string& raw,
                              const char* code, std::string message, pb::FindingSeverity severity);
// An uploaded table as UTF-8: `encoding` utf-8, cp932 or empty (detected); `not_a_table` for
// binary or undecodable content, `unknown_encoding` for another encoding (the reasons).
absl::StatusOr<std::string> DecodeUpload(const std::string& content, const std::string& encoding,
                                         const char* not_a_table, const char* unknown_encoding);

// Validation and shared checks (survey_rules.cc).
absl::Status ValidateSurvey(pb::Survey* s);
absl::Status ValidateQuestion(pb::Question* q, const std::string& municipality,
                              const std::string& prefix);
absl::StatusOr<pb::Survey> LoadSurvey(SurveyTx& tx, const std::string& name);
// SURVEY_PUBLISHED when the survey is published: its data are frozen.
absl::Status CheckNotPublished(const pb::Survey& s);
// The update mask names one of `paths`.
bool Touches(const google::protobuf::FieldMask& mask, const std::set<std::string>& paths);

// One write use case: a transaction, request_id idempotency, the write context for audit rows.
template <typename Resp>
absl::StatusOr<Resp> SurveyDomain::Mutate(
    const Principal& p, const std::string& municipality, const char* method,
    const std::string& request_id, const google::protobuf::Message& request,
    const std::function<absl::Status(WriteContext&, Resp*)>& fn) {
  return api::MutateOnce<Resp, SurveyTx>(repo_, clock_(), p, municipality, method, request_id,
                                         request, fn);
}

// ---- What every result shares (survey_analysis.cc) ----

// Whether the survey holds the city's published figures rather than responses.
bool FromPublished(const SurveyDomain::View& v);
// FAILED_PRECONDITION unless the survey holds responses (`what` needs them).
absl::Status NeedsResponses(const SurveyDomain::View& v, const char* what);
stats::Distribution DistributionOf(const SurveyDomain::View& v, const pb::Question& q,
                                   const std::vector<double>* w);
// Whether the published (suppressed) view applies: always for non-planners.
absl::StatusOr<bool> ApplyDisclosure(const Principal& p, pb::Disclosure requested);
absl::StatusOr<const std::vector<double>*> WeightsFor(const Compiled& c, bool weighted,
                                                      const char* field);
bool IsChoice(const pb::Question& q);
absl::StatusOr<const pb::Question*> FindQuestion(const SurveyDomain::View& v,
                                                 const std::string& name);
double Round1(double x);
// The attribute indexes of the survey's declared dimension sets, in declared order.
std::vector<std::vector<int>> DimensionSets(const pb::Survey& survey);
// The question's tables protected together (table 0 its distribution, then one per declared set).
std::shared_ptr<const stats::FamilyProtection> FamilyFor(const pb::Survey& survey,
                                                         const Compiled& c, int column);
// Whether the question's distribution has a cell hidden in the published view.
bool DistributionHidden(const SurveyDomain::View& v, const pb::Question& q);

// A question's measure (share, mean…) with its n and margin (survey_analysis.cc).
struct Measure {
  double value = 0;  // share 0…1 or mean
  double n_eff = 0;
  int64_t n = 0;
  double se = 0;         // means only
  bool se_known = true;  // false: published means without their spread
  double moe = 0;        // points (shares) or score units (means)
};
absl::StatusOr<Measure> MeasuredIn(const SurveyDomain::View& v, const pb::Question& q,
                                   const std::vector<double>* w, pb::KpiMeasure measure,
                                   const std::string& option_code, bool sampled,
                                   const std::string& field);

}  // namespace sokei::survey
