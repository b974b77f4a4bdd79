// Publication (freezing the results, sending survey-derived actuals and what the survey says of
// the linked 施策 to the KPI service) and the survey audit trail.
#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/api/audit_events.h"
#include "common/api/hash.h"
#include "common/api/idempotent_write.h"
#include "common/api/listing.h"
#include "common/api/names.h"
#include "common/jp/text.h"
#include "services/survey/domain/survey_domain.h"
#include "services/survey/domain/survey_internal.h"

namespace sokei::survey {

using api::ToTimestamp;
using google::protobuf::Message;

// ---------------------------------------------------------------------------------------------
// Publication and the KPI link

absl::StatusOr<pb::PublishResponse> SurveyDomain::Publish(const Principal& p,
                                                          const pb::PublishRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kSurveyPattern, "name"));
  const std::string m = name.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  SOKEI_RETURN_IF_ERROR(api::CheckRequestId(r.request_id()));
  SOKEI_ASSIGN_OR_RETURN(auto v, Load(p, r.name(), true));
  if (v.survey.status() == pb::SURVEY_STATUS_PUBLISHED && !r.request_id().empty()) {
    // A retry of a publication that committed: the stored response answers it.
    return Mutate<pb::PublishResponse>(p, m, "Publish", r.request_id(), r,
                                       [&](WriteContext&, pb::PublishResponse*) -> absl::Status {
                                         return CheckNotPublished(v.survey);
                                       });
  }
  SOKEI_RETURN_IF_ERROR(CheckNotPublished(v.survey));
  SOKEI_RETURN_IF_ERROR(CheckEtag(r.etag(), v.survey.etag(), "SURVEY_ETAG_MISMATCH", r.name()));
  if (v.survey.valid_responses() == 0 && v.survey.source() != pb::SURVEY_SOURCE_PUBLISHED_RESULTS) {
    return status::FailedPrecondition("SURVEY_NO_RESPONSES",
                                      {"RESPONSES", r.name(), "import the responses first"});
  }
  kpi::v1::RecordObservationsRequest kreq;
  SOKEI_ASSIGN_OR_RETURN(auto actuals, Actuals(v, &kreq));
  if (kreq.observations_size() > 0) {
    // Retry-safe: the same survey data always sends the same request id to the KPI service.
    kreq.set_parent(absl::StrCat("municipalities/", m));
    kreq.set_request_id(absl::StrCat(
        "survey-publish-",
        absl::Hex(api::Fnv1a64(absl::StrCat(r.name(), "#", v.survey.data_version())))));
    auto recorded = kpi_->RecordObservations(p, kreq);
    if (!recorded.ok()) return recorded.status();
  }
  // What it says of each linked 施策, for their 施策評価シート (retry-safe the same way).
  kpi::v1::RecordSurveyPerceptionsRequest preq;
  *preq.mutable_perceptions() = Perceptions(v);
  if (preq.perceptions().nodes_size() > 0) {
    preq.set_parent(absl::StrCat("municipalities/", m));
    preq.set_request_id(absl::StrCat(
        "survey-perceptions-",
        absl::Hex(api::Fnv1a64(absl::StrCat(r.name(), "#", v.survey.data_version())))));
    auto recorded = kpi_->RecordSurveyPerceptions(p, preq);
    if (!recorded.ok()) return recorded.status();
  }
  const std::string etag = v.survey.etag();
  return Mutate<pb::PublishResponse>(
      p, m, "Publish", r.request_id(), r,
      [&](WriteContext& w, pb::PublishResponse* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kSurvey, r.name()));
        if (!rec) return status::NotFound("SURVEY_NOT_FOUND", r.name());
        pb::Survey before;
        if (!before.ParseFromString(rec->data)) return status::Internal("STORAGE_CORRUPT");
        SOKEI_RETURN_IF_ERROR(CheckNotPublished(before));
        // Nothing changed between the computation and now (else the actuals may be stale).
        SOKEI_RETURN_IF_ERROR(CheckEtag(etag, before.etag(), "SURVEY_ETAG_MISMATCH", r.name()));
        pb::Survey after = before;
        after.set_status(pb::SURVEY_STATUS_PUBLISHED);
        *after.mutable_publish_time() = ToTimestamp(w.now);
        Record next = Stamp(&after, m, rec->parent, "", after.fiscal_year(), w.now, &*rec);
        SOKEI_RETURN_IF_ERROR(w.tx.Update(Kind::kSurvey, next));
        *out->mutable_survey() = after;
        for (auto& a : actuals) *out->add_actuals() = a;
        return w.Audit(m, r.name(), &before, &after);
      });
}

// ---------------------------------------------------------------------------------------------
// Audit

absl::StatusOr<pb::ListAuditEventsResponse> SurveyDomain::ListAuditEvents(
    const Principal& p, const pb::ListAuditEventsRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto page, api::ReadAuditPage<SurveyTx>(repo_, p, r.parent(), r.filter(),
                                                                 r.page_size(), r.page_token()));
  pb::ListAuditEventsResponse resp;
  api::AppendAuditEvents(page, r.parent(), "surveyAuditEvents", resp.mutable_audit_events());
  resp.set_next_page_token(page.next_page_token);
  return resp;
}

}  // namespace sokei::survey
