// Indicators: create, read, list, update, delete, and their targets.
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

const std::set<std::string> kIndicatorMutable = {
    "code",      "display_name",         "definition",   "kind",        "unit",
    "direction", "aggregation",          "period_basis", "data_source", "departments",
    "nodes",     "breakdown_dimensions", "formula",      "baseline",    "survey_based",
    "weight",    "project_name"};

}  // namespace


// The owner nodes must exist (the plan service says so, with the caller's rights).
absl::Status KpiDomain::CheckNodesExist(const Principal& p, const pb::Indicator& ind) {
  for (int i = 0; i < ind.nodes_size(); ++i) {
    auto node = plans_->GetNode(p, ind.nodes(i));
    if (!node.ok()) {
      if (node.status().code() == absl::StatusCode::kNotFound ||
          node.status().code() == absl::StatusCode::kInvalidArgument) {
        return status::InvalidField("INDICATOR_NODE_NOT_FOUND",
                                    absl::StrCat("indicator.nodes[", i, "]"), "no such node");
      }
      return node.status();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<pb::Indicator> KpiDomain::CreateIndicator(const Principal& p,
                                                         const pb::CreateIndicatorRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kMunicipalityPattern, "parent"));
  const std::string m = parent.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  SOKEI_RETURN_IF_ERROR(api::CheckId("indicator_id", r.indicator_id()));
  pb::Indicator ind = r.indicator();
  SOKEI_RETURN_IF_ERROR(ValidateIndicator(&ind, m, "indicator."));
  // Created by a person with its direction given (ValidateIndicator requires one).
  ind.set_direction_source(pb::DIRECTION_SOURCE_STATED);
  ind.clear_direction_evidence();
  // Targets given at creation are version 1.
  if (!ind.target_specs().empty()) {
    if (ind.target_specs_size() > 1) {
      return status::InvalidField("INDICATOR_INVALID", "indicator.target_specs",
                                  "give one version at creation; revise later with ReviseTargets");
    }
    api::Violations v;
    auto* spec = ind.mutable_target_specs(0);
    CheckTargets(v, "indicator.target_specs[0].targets", spec->mutable_targets());
    SOKEI_RETURN_IF_ERROR(v.ToStatus("INDICATOR_INVALID"));
    spec->set_version(1);
    if (spec->reason().empty()) spec->set_reason("初期設定");
    spec->set_author(p.subject);
    *spec->mutable_create_time() = ToTimestamp(clock_());
  }
  SOKEI_RETURN_IF_ERROR(CheckNodesExist(p, ind));
  ind.set_name(absl::StrCat(r.parent(), "/indicators/", r.indicator_id()));
  return Mutate<pb::Indicator>(
      p, m, "CreateIndicator", r.request_id(), r,
      [&](WriteContext& w, pb::Indicator* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto existing, w.tx.Get(Kind::kIndicator, ind.name()));
        if (existing) return status::AlreadyExists("INDICATOR_ALREADY_EXISTS", ind.name());
        *out = ind;
        Record rec = StampIndicator(out, IndicatorPlacement(*out, m), w.now, nullptr);
        auto s = w.tx.Insert(Kind::kIndicator, rec);
        if (!s.ok() && s.code() == absl::StatusCode::kAlreadyExists) {
          return status::AlreadyExists("INDICATOR_CODE_TAKEN", ind.code());
        }
        SOKEI_RETURN_IF_ERROR(s);
        SOKEI_RETURN_IF_ERROR(w.tx.SetPlans(out->name(), PlansOf(*out)));
        return w.Audit(m, out->name(), nullptr, out);
      });
}

absl::StatusOr<pb::Indicator> KpiDomain::GetIndicator(const Principal& p,
                                                      const pb::GetIndicatorRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kIndicatorPattern, "name"));
  SOKEI_RETURN_IF_ERROR(CheckKpiRead(p, name.municipality()));
  pb::Indicator out;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](KpiTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(
        out, LoadOrNotFound<pb::Indicator>(tx, Kind::kIndicator, r.name(), "INDICATOR_NOT_FOUND"));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<pb::ListIndicatorsResponse> KpiDomain::ListIndicators(
    const Principal& p, const pb::ListIndicatorsRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kMunicipalityPattern, "parent"));
  SOKEI_RETURN_IF_ERROR(CheckKpiRead(p, parent.municipality()));
  SOKEI_ASSIGN_OR_RETURN(auto f,
                         api::ParseFilter(r.filter(), {"plan", "node", "department", "code"}));
  const std::string key = absl::StrCat(r.parent(), "|", r.filter());
  SOKEI_ASSIGN_OR_RETURN(auto page, api::ParsePage(r.page_size(), r.page_token(), key));
  std::vector<pb::Indicator> all;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](KpiTx& tx) -> absl::Status {
    std::vector<Record> recs;
    if (!f["plan"].empty()) {
      SOKEI_ASSIGN_OR_RETURN(recs, tx.ListPlanIndicators(f["plan"]));
    } else {
      SOKEI_ASSIGN_OR_RETURN(recs, tx.ListParent(Kind::kIndicator, r.parent()));
    }
    for (const Record& rec : recs) {
      pb::Indicator ind;
      if (!ind.ParseFromString(rec.data)) return status::Internal("STORAGE_CORRUPT");
      if (!f["node"].empty() &&
          std::find(ind.nodes().begin(), ind.nodes().end(), f["node"]) == ind.nodes().end()) {
        continue;
      }
      if (!f["department"].empty() && std::find(ind.departments().begin(), ind.departments().end(),
                                                f["department"]) == ind.departments().end()) {
        continue;
      }
      if (!f["code"].empty() && jp::Nfkc(ind.code()) != jp::Nfkc(f["code"])) continue;
      all.push_back(std::move(ind));
    }
    return absl::OkStatus();
  }));
  // Stable order: by code as the city numbers them, then name.
  std::stable_sort(all.begin(), all.end(), [](const pb::Indicator& a, const pb::Indicator& b) {
    return std::tie(a.code(), a.name()) < std::tie(b.code(), b.name());
  });
  const int64_t total = static_cast<int64_t>(all.size());
  pb::ListIndicatorsResponse resp;
  for (auto& ind : api::Paginate(std::move(all), page)) *resp.add_indicators() = std::move(ind);
  resp.set_next_page_token(api::NextPageToken(page, total, key));
  return resp;
}

absl::StatusOr<pb::Indicator> KpiDomain::UpdateIndicator(const Principal& p,
                                                         const pb::UpdateIndicatorRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name,
                         api::ParseName(r.indicator().name(), kIndicatorPattern, "indicator.name"));
  const std::string m = name.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  if (std::find(r.update_mask().paths().begin(), r.update_mask().paths().end(), "nodes") !=
      r.update_mask().paths().end()) {
    SOKEI_RETURN_IF_ERROR(CheckNodesExist(p, r.indicator()));
  }
  return Mutate<pb::Indicator>(
      p, m, "UpdateIndicator", "", r, [&](WriteContext& w, pb::Indicator* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kIndicator, r.indicator().name()));
        if (!rec) return status::NotFound("INDICATOR_NOT_FOUND", r.indicator().name());
        pb::Indicator before;
        if (!before.ParseFromString(rec->data)) return status::Internal("STORAGE_CORRUPT");
        SOKEI_RETURN_IF_ERROR(CheckEtag(r.indicator().etag(), before.etag(),
                                        "INDICATOR_ETAG_MISMATCH", before.name()));
        *out = before;
        SOKEI_RETURN_IF_ERROR(
            api::ApplyMask(r.indicator(), r.update_mask(), kIndicatorMutable, out));
        if (std::find(r.update_mask().paths().begin(), r.update_mask().paths().end(),
                      "direction") != r.update_mask().paths().end()) {
          // A person decided: no longer an inference (provisional grades become final).
          out->set_direction_source(pb::DIRECTION_SOURCE_STATED);
          out->clear_direction_evidence();
        }
        SOKEI_RETURN_IF_ERROR(ValidateIndicator(out, m, "indicator."));
        Record next = StampIndicator(out, IndicatorPlacement(*out, m), w.now, &*rec);
        auto s = w.tx.Update(Kind::kIndicator, next);
        if (!s.ok() && s.code() == absl::StatusCode::kAlreadyExists) {
          return status::AlreadyExists("INDICATOR_CODE_TAKEN", out->code());
        }
        SOKEI_RETURN_IF_ERROR(s);
        SOKEI_RETURN_IF_ERROR(w.tx.SetPlans(out->name(), PlansOf(*out)));
        return w.Audit(m, out->name(), &before, out);
      });
}

absl::StatusOr<Empty> KpiDomain::DeleteIndicator(const Principal& p,
                                                 const pb::DeleteIndicatorRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kIndicatorPattern, "name"));
  const std::string m = name.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  return Mutate<Empty>(
      p, m, "DeleteIndicator", "", r, [&](WriteContext& w, Empty*) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(
            auto before,
            LoadOrNotFound<pb::Indicator>(w.tx, Kind::kIndicator, r.name(), "INDICATOR_NOT_FOUND"));
        SOKEI_RETURN_IF_ERROR(
            CheckEtag(r.etag(), before.etag(), "INDICATOR_ETAG_MISMATCH", r.name()));
        SOKEI_ASSIGN_OR_RETURN(auto obs, w.tx.ListParent(Kind::kObservation, r.name()));
        if (!obs.empty() && !r.force()) {
          return status::FailedPrecondition(
              "INDICATOR_HAS_OBSERVATIONS",
              {"OBSERVATIONS", r.name(),
               absl::StrCat("the indicator has ", obs.size(),
                            " observations; delete with force to remove them too")});
        }
        for (const Record& o : obs) SOKEI_RETURN_IF_ERROR(w.tx.Delete(Kind::kObservation, o.name));
        SOKEI_RETURN_IF_ERROR(w.tx.Delete(Kind::kIndicator, r.name()));
        SOKEI_RETURN_IF_ERROR(w.tx.SetPlans(r.name(), {}));
        return w.Audit(m, r.name(), &before, nullptr);
      });
}

absl::StatusOr<pb::Indicator> KpiDomain::ReviseTargets(const Principal& p,
                                                       const pb::ReviseTargetsRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kIndicatorPattern, "name"));
  const std::string m = name.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  api::Violations v;
  v.Text("reason", r.reason(), 500, true);
  CheckYear(v, "valid_from_year", r.valid_from_year(), true);
  pb::TargetSpec spec;
  *spec.mutable_targets() = r.targets();
  CheckTargets(v, "targets", spec.mutable_targets());
  if (spec.targets().empty()) v.Add("targets", "at least one target");
  SOKEI_RETURN_IF_ERROR(v.ToStatus("TARGETS_INVALID"));
  return Mutate<pb::Indicator>(
      p, m, "ReviseTargets", "", r, [&](WriteContext& w, pb::Indicator* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kIndicator, r.name()));
        if (!rec) return status::NotFound("INDICATOR_NOT_FOUND", r.name());
        pb::Indicator before;
        if (!before.ParseFromString(rec->data)) return status::Internal("STORAGE_CORRUPT");
        SOKEI_RETURN_IF_ERROR(
            CheckEtag(r.etag(), before.etag(), "INDICATOR_ETAG_MISMATCH", r.name()));
        *out = before;
        auto* s = out->add_target_specs();
        *s = spec;
        s->set_version(out->target_specs_size());
        s->set_reason(r.reason());
        s->set_valid_from_year(r.valid_from_year());
        s->set_author(p.subject);
        *s->mutable_create_time() = ToTimestamp(w.now);
        Record next = StampIndicator(out, IndicatorPlacement(*out, m), w.now, &*rec);
        SOKEI_RETURN_IF_ERROR(w.tx.Update(Kind::kIndicator, next));
        return w.Audit(m, out->name(), &before, out);
      });
}

}  // namespace sokei::kpi
