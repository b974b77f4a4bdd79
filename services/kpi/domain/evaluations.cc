// Yearly evaluations: create, stages, overrides, amendments, publication.
#include "services/kpi/domain/kpi_domain.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/api/audit_events.h"
#include "common/api/hash.h"
#include "common/api/idempotent_write.h"
#include "common/api/listing.h"
#include "common/api/names.h"
#include "common/api/resources.h"
#include "common/jp/measurement.h"
#include "common/jp/text.h"
#include "common/status/status.h"
#include "services/kpi/domain/achievement.h"
#include "services/kpi/domain/kpi_internal.h"

namespace sokei::kpi {

using api::Micros;
using api::ToTimestamp;
using google::protobuf::Message;


namespace {

absl::StatusOr<pb::Evaluation> DecodeEvaluation(const std::optional<Record>& rec,
                                                const std::string& name) {
  if (!rec) return status::NotFound("EVALUATION_NOT_FOUND", name);
  pb::Evaluation e;
  if (!e.ParseFromString(rec->data)) return status::Internal("STORAGE_CORRUPT");
  return e;
}

// An evaluation about to change: the etag (when given) matches and it is not published.
absl::Status CheckOpen(const pb::Evaluation& e, const std::string& name, const std::string& etag) {
  SOKEI_RETURN_IF_ERROR(CheckEtag(etag, e.etag(), "EVALUATION_ETAG_MISMATCH", name));
  if (e.stage() == pb::EVALUATION_STAGE_PUBLISHED) {
    return status::FailedPrecondition(
        "EVALUATION_PUBLISHED",
        {"STAGE", name, "a published evaluation is frozen; correct it with an amendment"});
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<pb::Evaluation> KpiDomain::CreateEvaluation(const Principal& p,
                                                           const pb::CreateEvaluationRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto plan, api::ParseName(r.parent(), kPlanPattern, "parent"));
  const std::string m = plan.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  if (r.fiscal_year() < 1900 || r.fiscal_year() > 2200) {
    return status::InvalidField("EVALUATION_INVALID", "fiscal_year",
                                "a fiscal year between 1900 and 2200");
  }
  SOKEI_ASSIGN_OR_RETURN(auto summary, ComputeSummary(p, r.parent(), r.fiscal_year(), true));
  const std::string name = absl::StrCat(r.parent(), "/evaluations/", r.fiscal_year());
  return Mutate<pb::Evaluation>(
      p, m, "CreateEvaluation", r.request_id(), r,
      [&](WriteContext& w, pb::Evaluation* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto existing, w.tx.Get(Kind::kEvaluation, name));
        if (existing) return status::AlreadyExists("EVALUATION_ALREADY_EXISTS", name);
        out->set_name(name);
        out->set_fiscal_year(r.fiscal_year());
        out->set_stage(pb::EVALUATION_STAGE_SELF);
        *out->mutable_summary() = summary;
        Record rec = StampEvaluation(out, {m, r.parent(), "", r.fiscal_year()}, w.now, nullptr);
        SOKEI_RETURN_IF_ERROR(w.tx.Insert(Kind::kEvaluation, rec));
        return w.Audit(m, name, nullptr, out);
      });
}

absl::StatusOr<pb::Evaluation> KpiDomain::GetEvaluation(const Principal& p,
                                                        const pb::GetEvaluationRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kEvaluationPattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, name.municipality()));
  pb::Evaluation e;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](KpiTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(
        e, LoadOrNotFound<pb::Evaluation>(tx, Kind::kEvaluation, r.name(), "EVALUATION_NOT_FOUND"));
    return absl::OkStatus();
  }));
  // Public callers see published evaluations only; the others do not exist for them. Who
  // overrode a grade or amended the evaluation (staff accounts) is not theirs to see: the
  // judgement and its reason are.
  if (p.PublicOnly()) {
    if (e.stage() != pb::EVALUATION_STAGE_PUBLISHED) {
      return status::NotFound("EVALUATION_NOT_FOUND", r.name());
    }
    auto* s = e.mutable_summary();
    for (auto* rollups : {s->mutable_nodes(), s->mutable_packages(), s->mutable_departments()}) {
      for (auto& r : *rollups) r.clear_override_author();
    }
    for (auto& a : *e.mutable_amendments()) a.clear_author();
  }
  return e;
}

absl::StatusOr<pb::ListEvaluationsResponse> KpiDomain::ListEvaluations(
    const Principal& p, const pb::ListEvaluationsRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto plan, api::ParseName(r.parent(), kPlanPattern, "parent"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, plan.municipality()));
  std::vector<pb::Evaluation> all;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](KpiTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(auto recs, tx.ListParent(Kind::kEvaluation, r.parent()));
    for (const Record& rec : recs) {
      pb::Evaluation e;
      if (!e.ParseFromString(rec.data)) return status::Internal("STORAGE_CORRUPT");
      if (p.PublicOnly() && e.stage() != pb::EVALUATION_STAGE_PUBLISHED) continue;
      all.push_back(std::move(e));
    }
    return absl::OkStatus();
  }));
  std::sort(all.begin(), all.end(), [](const pb::Evaluation& a, const pb::Evaluation& b) {
    return a.fiscal_year() > b.fiscal_year();
  });
  pb::ListEvaluationsResponse out;
  for (auto& e : all) {
    // The list is an index: the snapshot's indicators and amendments are read with GetEvaluation.
    auto* s = e.mutable_summary();
    s->clear_indicators();
    s->clear_needs_attention();
    for (auto* rollups : {s->mutable_nodes(), s->mutable_packages(), s->mutable_departments()}) {
      rollups->Clear();
    }
    e.clear_amendments();
    *out.add_evaluations() = std::move(e);
  }
  return out;
}

absl::StatusOr<pb::Evaluation> KpiDomain::AdvanceEvaluation(const Principal& p,
                                                            const pb::AdvanceEvaluationRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kEvaluationPattern, "name"));
  const std::string m = name.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  if (!pb::EvaluationStage_IsValid(r.stage()) || r.stage() == pb::EVALUATION_STAGE_UNSPECIFIED) {
    return status::InvalidField("EVALUATION_INVALID", "stage", "is required");
  }
  const std::string plan = name.Prefix("plans");
  // A refreshed snapshot, computed before the write transaction (it calls the plan service).
  std::optional<pb::PlanSummary> fresh;
  if (r.recompute()) {
    int year = 0;
    if (!absl::SimpleAtoi(name.Id("evaluations"), &year)) {
      return status::NotFound("EVALUATION_NOT_FOUND", r.name());
    }
    SOKEI_ASSIGN_OR_RETURN(fresh, ComputeSummary(p, plan, year, true));
  }
  return Mutate<pb::Evaluation>(
      p, m, "AdvanceEvaluation", "", r, [&](WriteContext& w, pb::Evaluation* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kEvaluation, r.name()));
        SOKEI_ASSIGN_OR_RETURN(pb::Evaluation before, DecodeEvaluation(rec, r.name()));
        SOKEI_RETURN_IF_ERROR(CheckOpen(before, r.name(), r.etag()));
        if (r.stage() != before.stage() + 1) {
          return status::FailedPrecondition(
              "EVALUATION_STAGE_INVALID",
              {"STAGE", r.name(),
               absl::StrCat("the next stage after ", pb::EvaluationStage_Name(before.stage()),
                            " is ",
                            pb::EvaluationStage_Name(
                                static_cast<pb::EvaluationStage>(before.stage() + 1)))});
        }
        *out = before;
        out->set_stage(r.stage());
        if (fresh) *out->mutable_summary() = *fresh;
        if (r.stage() == pb::EVALUATION_STAGE_PUBLISHED) {
          *out->mutable_publish_time() = ToTimestamp(w.now);
        }
        Record next = StampEvaluation(out, {m, plan, "", rec->sort_key}, w.now, &*rec);
        SOKEI_RETURN_IF_ERROR(w.tx.Update(Kind::kEvaluation, next));
        return w.Audit(m, r.name(), &before, out);
      });
}

absl::StatusOr<pb::Evaluation> KpiDomain::OverrideRollup(const Principal& p,
                                                         const pb::OverrideRollupRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kEvaluationPattern, "name"));
  const std::string m = name.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  api::Violations v;
  v.Text("subject", r.subject(), 300, true);
  v.Text("grade", r.grade(), 50, false);
  v.Text("comment", r.comment(), 2000, !r.grade().empty());
  SOKEI_RETURN_IF_ERROR(v.ToStatus("OVERRIDE_INVALID"));
  const std::string plan = name.Prefix("plans");
  return Mutate<pb::Evaluation>(
      p, m, "OverrideRollup", "", r, [&](WriteContext& w, pb::Evaluation* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kEvaluation, r.name()));
        SOKEI_ASSIGN_OR_RETURN(pb::Evaluation before, DecodeEvaluation(rec, r.name()));
        SOKEI_RETURN_IF_ERROR(CheckOpen(before, r.name(), r.etag()));
        SOKEI_ASSIGN_OR_RETURN(auto scheme, LoadScheme(w.tx, plan));
        if (!r.grade().empty()) {
          bool known = false;
          for (const auto& b : scheme.bands()) known = known || b.label() == r.grade();
          for (const auto& rule : scheme.rollup_rules()) {
            for (const auto& b : rule.bands()) known = known || b.label() == r.grade();
          }
          if (!known) {
            return status::InvalidField("OVERRIDE_INVALID", "grade",
                                        "is not a grade of the plan's scheme");
          }
        }
        *out = before;
        v1::RollupResult* target = nullptr;
        for (auto* list :
             {out->mutable_summary()->mutable_nodes(), out->mutable_summary()->mutable_packages(),
              out->mutable_summary()->mutable_departments()}) {
          for (auto& rr : *list) {
            if (rr.subject() == r.subject()) target = &rr;
          }
        }
        if (target == nullptr) {
          return status::InvalidField("OVERRIDE_INVALID", "subject",
                                      "is not a node, package or department of this evaluation");
        }
        target->set_override_grade(r.grade());
        target->set_override_comment(r.grade().empty() ? "" : r.comment());
        target->set_override_author(r.grade().empty() ? "" : p.subject);
        Record next = StampEvaluation(out, {m, plan, "", rec->sort_key}, w.now, &*rec);
        SOKEI_RETURN_IF_ERROR(w.tx.Update(Kind::kEvaluation, next));
        return w.Audit(m, r.name(), &before, out);
      });
}

absl::StatusOr<pb::Evaluation> KpiDomain::AmendEvaluation(const Principal& p,
                                                          const pb::AmendEvaluationRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kEvaluationPattern, "name"));
  const std::string m = name.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  api::Violations v;
  v.Text("reason", r.reason(), 2000, true);
  auto ind_name = api::ParseName(r.indicator(), kIndicatorPattern, "indicator");
  if (!ind_name.ok() || ind_name->municipality() != m) {
    v.Add("indicator", "must be an indicator of this municipality");
  }
  SOKEI_RETURN_IF_ERROR(v.ToStatus("AMENDMENT_INVALID"));
  const std::string plan = name.Prefix("plans");
  return Mutate<pb::Evaluation>(
      p, m, "AmendEvaluation", "", r, [&](WriteContext& w, pb::Evaluation* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kEvaluation, r.name()));
        SOKEI_ASSIGN_OR_RETURN(pb::Evaluation before, DecodeEvaluation(rec, r.name()));
        if (before.stage() != pb::EVALUATION_STAGE_PUBLISHED) {
          return status::FailedPrecondition(
              "EVALUATION_NOT_PUBLISHED",
              {"STAGE", r.name(),
               "amendments are for published evaluations; advance with recompute"});
        }
        *out = before;
        pb::IndicatorResult* old = nullptr;
        for (auto& ir : *out->mutable_summary()->mutable_indicators()) {
          if (ir.indicator() == r.indicator()) old = &ir;
        }
        if (old == nullptr) {
          return status::InvalidField("AMENDMENT_INVALID", "indicator",
                                      "is not part of this evaluation");
        }
        SOKEI_ASSIGN_OR_RETURN(auto ind,
                               LoadOrNotFound<pb::Indicator>(w.tx, Kind::kIndicator, r.indicator(),
                                                             "INDICATOR_NOT_FOUND"));
        SOKEI_ASSIGN_OR_RETURN(auto scheme, LoadScheme(w.tx, plan));
        SOKEI_ASSIGN_OR_RETURN(auto orecs, w.tx.ListParent(Kind::kObservation, r.indicator()));
        std::vector<pb::Observation> obs(orecs.size());
        ObservationsByYear by_year;
        for (size_t i = 0; i < orecs.size(); ++i) {
          if (!obs[i].ParseFromString(orecs[i].data)) return status::Internal("STORAGE_CORRUPT");
          if (obs[i].breakdown_key().empty()) by_year[obs[i].fiscal_year()] = &obs[i];
        }
        pb::IndicatorResult now = EvaluateIndicator(ind, scheme, before.fiscal_year(), by_year);
        auto* a = out->add_amendments();
        a->set_indicator(r.indicator());
        a->set_reason(r.reason());
        a->set_author(p.subject);
        *a->mutable_time() = ToTimestamp(w.now);
        *a->mutable_before() = *old;
        *a->mutable_after() = now;
        *old = now;
        Record next = StampEvaluation(out, {m, plan, "", rec->sort_key}, w.now, &*rec);
        SOKEI_RETURN_IF_ERROR(w.tx.Update(Kind::kEvaluation, next));
        return w.Audit(m, r.name(), &before, out);
      });
}

}  // namespace sokei::kpi
