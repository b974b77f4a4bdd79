// Observations (実績) and their review: record, submit, approve, return.
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


absl::StatusOr<pb::RecordObservationsResponse> KpiDomain::RecordObservations(
    const Principal& p, const pb::RecordObservationsRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kMunicipalityPattern, "parent"));
  const std::string m = parent.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, m));
  if (r.observations().empty() || r.observations_size() > 1000) {
    return status::InvalidField("OBSERVATIONS_INVALID", "observations", "1 to 1000 per call");
  }
  // Validate every input before touching storage.
  api::Violations v;
  std::vector<type::v1::Measurement> values;
  for (int i = 0; i < r.observations_size(); ++i) {
    const auto& in = r.observations(i);
    const std::string f = absl::StrCat("observations[", i, "].");
    auto n = api::ParseName(in.indicator(), kIndicatorPattern, "");
    if (!n.ok() || n->municipality() != m)
      v.Add(f + "indicator", "must be an indicator of this municipality");
    CheckYear(v, f + "fiscal_year", in.fiscal_year(), true);
    v.Text(f + "breakdown_key", in.breakdown_key(), 50, false);
    v.Text(f + "source", in.source(), 500, false);
    type::v1::Measurement mv;
    if (!in.raw_value().empty()) {
      if (in.raw_value().size() > 4096) v.Add(f + "raw_value", "at most 4096 bytes");
      mv = jp::ParseMeasurement(in.raw_value());
    } else if (in.has_value()) {
      mv = in.value();
      NormalizeMeasurement(&mv);
      CheckMeasurement(v, f + "value", mv);
    } else {
      v.Add(f + "raw_value", "give raw_value (the cell as written) or value");
    }
    values.push_back(std::move(mv));
  }
  SOKEI_RETURN_IF_ERROR(v.ToStatus("OBSERVATIONS_INVALID"));
  if (r.validate_only()) {
    // The same checks as a write (the indicator exists, the caller may write it), no write.
    pb::RecordObservationsResponse out;
    SOKEI_RETURN_IF_ERROR(repo_->Read([&](KpiTx& tx) -> absl::Status {
      for (int i = 0; i < r.observations_size(); ++i) {
        const auto& in = r.observations(i);
        SOKEI_ASSIGN_OR_RETURN(auto ind, LoadOrNotFound<pb::Indicator>(tx, Kind::kIndicator,
                                                                       in.indicator(),
                                                                       "INDICATOR_NOT_FOUND"));
        SOKEI_RETURN_IF_ERROR(CheckObservationWrite(p, ind, m));
        pb::Observation* o = out.add_observations();
        o->set_name(absl::StrCat(in.indicator(), "/observations/",
                                 ObservationId(in.fiscal_year(), in.breakdown_key())));
        o->set_fiscal_year(in.fiscal_year());
        o->set_breakdown_key(in.breakdown_key());
        *o->mutable_value() = values[i];
        o->set_source(in.source());
      }
      return absl::OkStatus();
    }));
    return out;
  }
  return Mutate<pb::RecordObservationsResponse>(
      p, m, "RecordObservations", r.request_id(), r,
      [&](WriteContext& w, pb::RecordObservationsResponse* out) -> absl::Status {
        for (int i = 0; i < r.observations_size(); ++i) {
          const auto& in = r.observations(i);
          SOKEI_ASSIGN_OR_RETURN(
              auto ind, LoadOrNotFound<pb::Indicator>(w.tx, Kind::kIndicator, in.indicator(),
                                                      "INDICATOR_NOT_FOUND"));
          SOKEI_RETURN_IF_ERROR(CheckObservationWrite(p, ind, m));
          ObservationChange change{
              in.indicator(), in.fiscal_year(), in.breakdown_key(),     values[i],
              in.source(),    in.etag(),        pb::REVIEW_STATE_DRAFT, "recorded", "", "", {}, false};
          SOKEI_ASSIGN_OR_RETURN(auto obs, UpsertObservation(w, m, change, nullptr));
          *out->add_observations() = std::move(obs);
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<pb::Observation> UpsertObservation(KpiDomain::WriteContext& w,
                                                  const std::string& municipality,
                                                  const ObservationChange& c, bool* changed,
                                                  bool* existed,
                                                  NewObservations* under_new_indicator) {
  const std::string name =
      absl::StrCat(c.indicator, "/observations/", ObservationId(c.fiscal_year, c.breakdown_key));
  std::optional<Record> rec;
  if (under_new_indicator == nullptr) {
    SOKEI_ASSIGN_OR_RETURN(rec, w.tx.Get(Kind::kObservation, name));
  }
  if (existed) *existed = rec.has_value();
  pb::Observation obs;
  pb::Observation before;
  if (rec) {
    if (!before.ParseFromString(rec->data)) return status::Internal("STORAGE_CORRUPT");
    SOKEI_RETURN_IF_ERROR(CheckEtag(c.etag, before.etag(), "OBSERVATION_ETAG_MISMATCH", name));
    obs = before;
    if (SameMeasurement(obs.value(), c.value) && obs.source() == c.source &&
        obs.reported_rate() == c.reported_rate && obs.reported_grade() == c.reported_grade &&
        SameMeasurement(obs.forecast(), c.forecast) && obs.reference() == c.reference) {
      if (changed) *changed = false;
      return obs;  // the same value again: nothing to write
    }
    const bool locked = obs.review_state() == pb::REVIEW_STATE_SUBMITTED ||
                        obs.review_state() == pb::REVIEW_STATE_APPROVED;
    if (locked && !IsPlanner(w.principal)) {
      return status::FailedPrecondition(
          "OBSERVATION_LOCKED",
          {"REVIEW_STATE", name, "submitted or approved values change only after a return"});
    }
  } else {
    obs.set_name(name);
    obs.set_fiscal_year(c.fiscal_year);
    obs.set_breakdown_key(c.breakdown_key);
  }
  *obs.mutable_value() = c.value;
  obs.set_source(c.source);
  obs.set_reported_rate(c.reported_rate);
  obs.set_reported_grade(c.reported_grade);
  obs.set_reference(c.reference);
  if (c.forecast.raw().empty()) {
    obs.clear_forecast();
  } else {
    *obs.mutable_forecast() = c.forecast;
  }
  obs.set_entered_by(w.principal.subject);
  obs.set_review_state(c.state);
  auto* ev = obs.add_review_history();
  ev->set_state(c.state);
  ev->set_actor(w.principal.subject);
  ev->set_comment(c.event_comment);
  *ev->mutable_time() = ToTimestamp(w.now);
  Record next = StampObservation(&obs, {municipality, c.indicator, "", c.fiscal_year}, w.now,
                                 rec ? &*rec : nullptr);
  if (rec) {
    SOKEI_RETURN_IF_ERROR(w.tx.Update(Kind::kObservation, next));
  } else if (under_new_indicator != nullptr) {
    under_new_indicator->records.push_back(std::move(next));
  } else {
    SOKEI_RETURN_IF_ERROR(w.tx.Insert(Kind::kObservation, next));
  }
  if (changed) *changed = true;
  SOKEI_RETURN_IF_ERROR(w.Audit(municipality, name, rec ? &before : nullptr, &obs));
  return obs;
}

absl::StatusOr<pb::ListObservationsResponse> KpiDomain::ListObservations(
    const Principal& p, const pb::ListObservationsRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kIndicatorPattern, "parent"));
  SOKEI_RETURN_IF_ERROR(CheckKpiRead(p, parent.municipality()));
  SOKEI_ASSIGN_OR_RETURN(auto page, api::ParsePage(r.page_size(), r.page_token(), r.parent()));
  std::vector<pb::Observation> all;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](KpiTx& tx) -> absl::Status {
    SOKEI_RETURN_IF_ERROR(
        LoadOrNotFound<pb::Indicator>(tx, Kind::kIndicator, r.parent(), "INDICATOR_NOT_FOUND")
            .status());
    SOKEI_ASSIGN_OR_RETURN(auto recs, tx.ListParent(Kind::kObservation, r.parent()));
    for (const Record& rec : recs) {
      pb::Observation o;
      if (!o.ParseFromString(rec.data)) return status::Internal("STORAGE_CORRUPT");
      all.push_back(std::move(o));
    }
    return absl::OkStatus();
  }));
  const int64_t total = static_cast<int64_t>(all.size());
  pb::ListObservationsResponse resp;
  for (auto& o : api::Paginate(std::move(all), page)) *resp.add_observations() = std::move(o);
  resp.set_next_page_token(api::NextPageToken(page, total, r.parent()));
  return resp;
}

absl::StatusOr<pb::ReviewObservationsResponse> KpiDomain::Review(
    const Principal& p, const pb::ReviewObservationsRequest& r, const char* method,
    pb::ReviewState to) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kMunicipalityPattern, "parent"));
  const std::string m = parent.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, m));
  if (to != pb::REVIEW_STATE_SUBMITTED && !IsPlanner(p)) {
    return status::PermissionDenied("PERMISSION_DENIED",
                                    "only planners (企画課) and admins approve or return values");
  }
  api::Violations v;
  if (r.names().empty() || r.names_size() > 1000) v.Add("names", "1 to 1000 observation names");
  for (int i = 0; i < r.names_size(); ++i) {
    auto n = api::ParseName(r.names(i), kObservationPattern, "");
    if (!n.ok() || n->municipality() != m) {
      v.Add(absl::StrCat("names[", i, "]"), "must be an observation of this municipality");
    }
  }
  if (to == pb::REVIEW_STATE_RETURNED) {
    v.Text("comment", r.comment(), 2000, true);
  } else {
    v.Text("comment", r.comment(), 2000, false);
  }
  SOKEI_RETURN_IF_ERROR(v.ToStatus("REVIEW_INVALID"));
  return Mutate<pb::ReviewObservationsResponse>(
      p, m, method, r.request_id(), r,
      [&](WriteContext& w, pb::ReviewObservationsResponse* out) -> absl::Status {
        for (int i = 0; i < r.names_size(); ++i) {
          const std::string& name = r.names(i);
          SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kObservation, name));
          if (!rec) return status::NotFound("OBSERVATION_NOT_FOUND", name);
          pb::Observation before;
          if (!before.ParseFromString(rec->data)) return status::Internal("STORAGE_CORRUPT");
          SOKEI_ASSIGN_OR_RETURN(auto ind,
                                 LoadOrNotFound<pb::Indicator>(w.tx, Kind::kIndicator, rec->parent,
                                                               "INDICATOR_NOT_FOUND"));
          SOKEI_RETURN_IF_ERROR(CheckObservationWrite(p, ind, m));
          const auto from = before.review_state();
          const bool ok = (to == pb::REVIEW_STATE_SUBMITTED &&
                           (from == pb::REVIEW_STATE_DRAFT || from == pb::REVIEW_STATE_RETURNED)) ||
                          (to == pb::REVIEW_STATE_APPROVED && from == pb::REVIEW_STATE_SUBMITTED) ||
                          (to == pb::REVIEW_STATE_RETURNED && (from == pb::REVIEW_STATE_SUBMITTED ||
                                                               from == pb::REVIEW_STATE_APPROVED));
          if (!ok) {
            return status::FailedPrecondition(
                "REVIEW_STATE_INVALID", {"REVIEW_STATE", name,
                                         absl::StrCat("cannot go from ", pb::ReviewState_Name(from),
                                                      " to ", pb::ReviewState_Name(to))});
          }
          pb::Observation obs = before;
          obs.set_review_state(to);
          auto* ev = obs.add_review_history();
          ev->set_state(to);
          ev->set_actor(p.subject);
          ev->set_comment(r.comment());
          *ev->mutable_time() = ToTimestamp(w.now);
          Record next = StampObservation(&obs, {m, rec->parent, "", rec->sort_key}, w.now, &*rec);
          SOKEI_RETURN_IF_ERROR(w.tx.Update(Kind::kObservation, next));
          SOKEI_RETURN_IF_ERROR(w.Audit(m, name, &before, &obs));
          *out->add_observations() = std::move(obs);
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<pb::ReviewObservationsResponse> KpiDomain::SubmitObservations(
    const Principal& p, const pb::ReviewObservationsRequest& r) {
  return Review(p, r, "SubmitObservations", pb::REVIEW_STATE_SUBMITTED);
}
absl::StatusOr<pb::ReviewObservationsResponse> KpiDomain::ApproveObservations(
    const Principal& p, const pb::ReviewObservationsRequest& r) {
  return Review(p, r, "ApproveObservations", pb::REVIEW_STATE_APPROVED);
}
absl::StatusOr<pb::ReviewObservationsResponse> KpiDomain::ReturnObservations(
    const Principal& p, const pb::ReviewObservationsRequest& r) {
  return Review(p, r, "ReturnObservations", pb::REVIEW_STATE_RETURNED);
}

}  // namespace sokei::kpi
