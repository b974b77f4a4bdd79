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

// ---------------------------------------------------------------------------------------------
// Shared helpers (kpi_internal.h)

std::string DepartmentId(const std::string& department_name) {
  const size_t slash = department_name.rfind('/');
  return slash == std::string::npos ? department_name : department_name.substr(slash + 1);
}

std::string PlanOfNode(const std::string& node) {
  const size_t at = node.find("/nodes/");
  return at == std::string::npos ? std::string() : node.substr(0, at);
}

std::vector<std::string> PlansOf(const pb::Indicator& ind) {
  std::set<std::string> plans;
  for (const auto& n : ind.nodes()) plans.insert(PlanOfNode(n));
  return {plans.begin(), plans.end()};
}

std::string ObservationId(int fiscal_year, const std::string& breakdown_key) {
  if (breakdown_key.empty()) return absl::StrCat(fiscal_year);
  return absl::StrCat(fiscal_year, "-b",
                      absl::Hex(api::Fnv1a64(jp::Nfkc(breakdown_key)) & 0xffffffffffULL));
}

void FoldMeasurementTexts(type::v1::Measurement* m) {
  m->set_raw(jp::SearchFold(m->raw()));
  m->set_note(jp::SearchFold(m->note()));
  m->set_qualitative(jp::SearchFold(m->qualitative()));
  m->set_label(jp::SearchFold(m->label()));
  if (m->has_secondary()) FoldMeasurementTexts(m->mutable_secondary());
  for (auto& b : *m->mutable_breakdowns()) b.set_key(jp::SearchFold(b.key()));
}

bool SameMeasurement(const type::v1::Measurement& a, const type::v1::Measurement& b) {
  type::v1::Measurement x = a, y = b;
  FoldMeasurementTexts(&x);
  FoldMeasurementTexts(&y);
  return x.SerializeAsString() == y.SerializeAsString();
}

void NormalizeMeasurement(type::v1::Measurement* m) {
  if (m->understood() == type::v1::UNDERSTANDING_UNSPECIFIED && m->value().empty() &&
      !m->raw().empty()) {
    *m = jp::ParseMeasurement(m->raw());
  }
  if (m->understood() == type::v1::UNDERSTANDING_UNSPECIFIED) {
    m->set_understood(type::v1::UNDERSTANDING_FULL);
  }
}

template <typename T>
Record StampAny(T* msg, const Placement& where, absl::Time now, const Record* previous) {
  const int64_t revision = api::StampRevision(msg, now, previous ? previous->revision : 0);
  Record r;
  r.name = msg->name();
  r.municipality = where.municipality;
  r.parent = where.parent;
  r.code = where.code;
  r.sort_key = where.sort_key;
  r.revision = revision;
  r.data = msg->SerializeAsString();
  return r;
}

Record StampIndicator(pb::Indicator* m, const Placement& w, absl::Time now, const Record* prev) {
  return StampAny(m, w, now, prev);
}
Record StampObservation(pb::Observation* m, const Placement& w, absl::Time now,
                        const Record* prev) {
  return StampAny(m, w, now, prev);
}
Record StampEvaluation(pb::Evaluation* m, const Placement& w, absl::Time now, const Record* prev) {
  return StampAny(m, w, now, prev);
}

absl::Status CheckEtag(const std::string& given, const std::string& stored,
                       const std::string& reason, const std::string& name) {
  if (!given.empty() && given != stored) return status::EtagMismatch(reason, name);
  return absl::OkStatus();
}

bool IsPlanner(const Principal& p) {
  return p.Has(auth::Role::kAdmin) || p.Has(auth::Role::kPlanner);
}

absl::Status CheckKpiRead(const Principal& p, const std::string& municipality) {
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, municipality));
  if (p.PublicOnly()) {
    return status::PermissionDenied("PERMISSION_DENIED",
                                    "public callers may read published evaluations only");
  }
  return absl::OkStatus();
}

absl::Status CheckObservationWrite(const Principal& p, const pb::Indicator& ind,
                                   const std::string& municipality) {
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, municipality));
  if (IsPlanner(p)) return absl::OkStatus();
  if (p.Has(auth::Role::kEditor)) {
    for (const auto& d : ind.departments()) {
      if (p.departments.count(DepartmentId(d))) return absl::OkStatus();
    }
    return status::PermissionDenied("DEPARTMENT_NOT_OWNER",
                                    "the indicator belongs to another department");
  }
  return status::PermissionDenied("PERMISSION_DENIED",
                                  "only editors of the owning department, planners and admins "
                                  "may record observations");
}

absl::StatusOr<pb::GradingScheme> LoadScheme(KpiTx& tx, const std::string& plan) {
  const std::string name = plan + "/gradingScheme";
  SOKEI_ASSIGN_OR_RETURN(auto rec, tx.Get(Kind::kScheme, name));
  pb::GradingScheme s;
  if (rec) {
    if (!s.ParseFromString(rec->data)) return status::Internal("STORAGE_CORRUPT");
    return s;
  }
  s = Normalize(s);
  s.set_name(name);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Write plumbing

absl::Status AuditWrite(KpiDomain::WriteContext& w, const std::string& municipality,
                        const std::string& resource, const Message* before, const Message* after) {
  return w.Audit(municipality, resource, before, after);
}

template <typename Resp>
absl::StatusOr<Resp> KpiDomain::Mutate(
    const Principal& p, const std::string& municipality, const char* method,
    const std::string& request_id, const Message& request,
    const std::function<absl::Status(WriteContext&, Resp*)>& fn) {
  SOKEI_RETURN_IF_ERROR(api::CheckRequestId(request_id));
  Resp response;
  const absl::Time now = clock_();
  SOKEI_RETURN_IF_ERROR(repo_->Write([&](KpiTx& tx) -> absl::Status {
    WriteContext w{tx, p, method, request_id, now};
    return api::IdempotentWrite(tx, municipality, method, request_id, request, now, &response,
                                [&] { return fn(w, &response); });
  }));
  return response;
}

// Explicit instantiation for the importer (table_import.cc).
template absl::StatusOr<pb::ImportProgressTableResponse>
KpiDomain::Mutate<pb::ImportProgressTableResponse>(
    const Principal&, const std::string&, const char*, const std::string&, const Message&,
    const std::function<absl::Status(WriteContext&, pb::ImportProgressTableResponse*)>&);

// ---------------------------------------------------------------------------------------------
// Indicators

namespace {

constexpr char kMunicipalityPattern[] = "municipalities/*";
constexpr char kIndicatorPattern[] = "municipalities/*/indicators/*";
constexpr char kObservationPattern[] = "municipalities/*/indicators/*/observations/*";
constexpr char kPlanPattern[] = "municipalities/*/plans/*";
constexpr char kNodePattern[] = "municipalities/*/plans/*/nodes/*";
constexpr char kDepartmentPattern[] = "municipalities/*/departments/*";
constexpr char kEvaluationPattern[] = "municipalities/*/plans/*/evaluations/*";

const std::set<std::string> kIndicatorMutable = {
    "code",      "display_name",         "definition",   "kind",        "unit",
    "direction", "aggregation",          "period_basis", "data_source", "departments",
    "nodes",     "breakdown_dimensions", "formula",      "baseline",    "survey_based",
    "weight",    "project_name"};

void CheckYear(api::Violations& v, const std::string& field, int year, bool required) {
  if (year == 0 && !required) return;
  if (year < 1900 || year > 2200)
    v.Add(field, "a fiscal year between 1900 and 2200 (令和2年度 = 2020)");
}

void CheckMeasurement(api::Violations& v, const std::string& field,
                      const type::v1::Measurement& m) {
  v.Text(field + ".raw", m.raw(), 4096, false);
  if (!m.value().empty() && !jp::ParseDecimal(m.value())) {
    v.Add(field + ".value", "must be a decimal number such as 1234.5");
  }
  if (!m.upper().empty() && !jp::ParseDecimal(m.upper())) {
    v.Add(field + ".upper", "must be a decimal number");
  }
  v.Text(field + ".unit", m.unit(), 20, false);
}

void CheckTargets(api::Violations& v, const std::string& field,
                  google::protobuf::RepeatedPtrField<pb::Target>* targets) {
  std::set<int> years;
  for (int i = 0; i < targets->size(); ++i) {
    auto* t = targets->Mutable(i);
    const std::string f = absl::StrCat(field, "[", i, "]");
    CheckYear(v, f + ".fiscal_year", t->fiscal_year(), true);
    if (!years.insert(t->fiscal_year()).second) v.Add(f + ".fiscal_year", "appears twice");
    NormalizeMeasurement(t->mutable_value());
    CheckMeasurement(v, f + ".value", t->value());
    if (t->kind() == pb::TARGET_KIND_UNSPECIFIED) t->set_kind(ClassifyTarget(t->value()));
  }
}

// Validates an indicator as a client sent it (all fields), normalising measurements.
absl::Status ValidateIndicator(pb::Indicator* ind, const std::string& municipality,
                               const std::string& prefix) {
  api::Violations v;
  v.Text(prefix + "display_name", ind->display_name(), 200, true);
  v.Text(prefix + "code", ind->code(), 32, false);
  v.Text(prefix + "definition", ind->definition(), 20000, false);
  v.Text(prefix + "unit", ind->unit(), 20, false);
  v.Text(prefix + "data_source", ind->data_source(), 500, false);
  v.Text(prefix + "project_name", ind->project_name(), 200, false);
  if (ind->kind() == pb::INDICATOR_KIND_UNSPECIFIED || !pb::IndicatorKind_IsValid(ind->kind())) {
    v.Add(prefix + "kind", "is required: ACTIVITY, OUTCOME, NUMERIC_GOAL, KPI or PERCEPTION");
  }
  if (ind->direction() == pb::DIRECTION_UNSPECIFIED || !pb::Direction_IsValid(ind->direction())) {
    v.Add(prefix + "direction", "is required: INCREASE, DECREASE, MAINTAIN or NONE");
  }
  if (!pb::Formula_IsValid(ind->formula())) v.Add(prefix + "formula", "is not a known formula");
  if (ind->aggregation().kind() == pb::AGGREGATION_KIND_UNSPECIFIED) {
    ind->mutable_aggregation()->set_kind(pb::AGGREGATION_KIND_PER_PERIOD);
  }
  if (ind->aggregation().kind() == pb::AGGREGATION_KIND_CUMULATIVE) {
    CheckYear(v, prefix + "aggregation.start_year", ind->aggregation().start_year(), false);
  }
  if (ind->weight() < 0) v.Add(prefix + "weight", "must not be negative");
  if (ind->nodes().empty()) v.Add(prefix + "nodes", "at least one owner node is required");
  if (ind->nodes_size() > 20) v.Add(prefix + "nodes", "at most 20 owner nodes");
  for (int i = 0; i < ind->nodes_size(); ++i) {
    auto n = api::ParseName(ind->nodes(i), kNodePattern, "");
    if (!n.ok() || n->municipality() != municipality) {
      v.Add(absl::StrCat(prefix, "nodes[", i, "]"),
            "must be a node name of this municipality: municipalities/{m}/plans/{p}/nodes/{n}");
    }
  }
  if (ind->departments_size() > 20) v.Add(prefix + "departments", "at most 20 departments");
  for (int i = 0; i < ind->departments_size(); ++i) {
    auto d = api::ParseName(ind->departments(i), kDepartmentPattern, "");
    if (!d.ok() || d->municipality() != municipality) {
      v.Add(absl::StrCat(prefix, "departments[", i, "]"),
            "must be a department name of this municipality");
    }
  }
  for (int i = 0; i < ind->breakdown_dimensions_size(); ++i) {
    v.Text(absl::StrCat(prefix, "breakdown_dimensions[", i, "]"), ind->breakdown_dimensions(i), 50,
           true);
  }
  NormalizeMeasurement(ind->mutable_baseline()->mutable_value());
  if (!ind->baseline().value().raw().empty() || !ind->baseline().value().value().empty()) {
    CheckMeasurement(v, prefix + "baseline.value", ind->baseline().value());
  }
  CheckYear(v, prefix + "baseline.fiscal_year", ind->baseline().fiscal_year(), false);
  v.Text(prefix + "baseline.label", ind->baseline().label(), 50, false);
  return v.ToStatus("INDICATOR_INVALID");
}

std::string CodeKey(const pb::Indicator& ind) {
  if (ind.code().empty()) return "";
  const auto plans = PlansOf(ind);
  return absl::StrCat(plans.empty() ? "" : plans.front(), "#", jp::Nfkc(ind.code()));
}

}  // namespace

Placement IndicatorPlacement(const pb::Indicator& ind, const std::string& municipality) {
  return {municipality, absl::StrCat("municipalities/", municipality), CodeKey(ind), 0};
}

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

// ---------------------------------------------------------------------------------------------
// Observations and their review

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
                                                  bool* existed) {
  const std::string name =
      absl::StrCat(c.indicator, "/observations/", ObservationId(c.fiscal_year, c.breakdown_key));
  SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kObservation, name));
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

// ---------------------------------------------------------------------------------------------
// Reads with achievement

absl::StatusOr<pb::IndicatorHistory> KpiDomain::GetIndicatorHistory(
    const Principal& p, const pb::GetIndicatorHistoryRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kIndicatorPattern, "name"));
  SOKEI_RETURN_IF_ERROR(CheckKpiRead(p, name.municipality()));
  if (!r.plan().empty()) {
    SOKEI_RETURN_IF_ERROR(api::ParseName(r.plan(), kPlanPattern, "plan").status());
  }
  pb::IndicatorHistory h;
  std::vector<pb::Observation> obs;
  pb::GradingScheme scheme;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](KpiTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(
        *h.mutable_indicator(),
        LoadOrNotFound<pb::Indicator>(tx, Kind::kIndicator, r.name(), "INDICATOR_NOT_FOUND"));
    SOKEI_ASSIGN_OR_RETURN(auto recs, tx.ListParent(Kind::kObservation, r.name()));
    obs.clear();
    for (const Record& rec : recs) {
      pb::Observation o;
      if (!o.ParseFromString(rec.data)) return status::Internal("STORAGE_CORRUPT");
      obs.push_back(std::move(o));
    }
    const auto plans = PlansOf(h.indicator());
    const std::string plan = !r.plan().empty() ? r.plan() : (plans.empty() ? "" : plans.front());
    if (plan.empty()) {
      scheme = Normalize(scheme);
    } else {
      SOKEI_ASSIGN_OR_RETURN(scheme, LoadScheme(tx, plan));
    }
    return absl::OkStatus();
  }));
  const pb::Indicator& ind = h.indicator();
  ObservationsByYear by_year;
  int first = 0, last = 0;
  auto widen = [&](int y) {
    if (y <= 0) return;
    first = first == 0 ? y : std::min(first, y);
    last = std::max(last, y);
  };
  for (const auto& o : obs) {
    if (!o.breakdown_key().empty()) continue;
    by_year[o.fiscal_year()] = &o;
    widen(o.fiscal_year());
  }
  int final_year = 0;
  std::optional<double> final_value;
  for (const auto& spec : ind.target_specs()) {
    for (const auto& t : spec.targets()) widen(t.fiscal_year());
  }
  if (const auto* spec = ind.target_specs().empty() ? nullptr : &*ind.target_specs().rbegin()) {
    for (const auto& t : spec->targets()) {
      if (t.fiscal_year() >= final_year) {
        final_year = t.fiscal_year();
        final_value = jp::MeasurementValue(t.value());
      }
    }
  }
  if (ind.baseline().fiscal_year() > 0) widen(ind.baseline().fiscal_year() + 1);
  // The trend runs on what the target measures. For a 累計 indicator that is the running total:
  // cells that are running totals already (an import's F1) as they stand, yearly values (F5)
  // summed from the start year — and the baseline, one year's figure, is no point of it.
  const bool cumulative = ind.aggregation().kind() == pb::AGGREGATION_KIND_CUMULATIVE;
  const bool sums = cumulative && ind.formula() != pb::FORMULA_F1_RATIO;
  std::vector<std::pair<int, double>> trend;
  auto b = jp::MeasurementValue(ind.baseline().value());
  if (b && ind.baseline().fiscal_year() > 0 && !cumulative) {
    trend.emplace_back(ind.baseline().fiscal_year(), *b);
  }
  double running = sums && ind.aggregation().baseline_included() ? b.value_or(0.0) : 0.0;
  for (int y = first; y > 0 && y <= last && y - first < 100; ++y) {
    auto* pt = h.add_points();
    pt->set_fiscal_year(y);
    if (auto it = by_year.find(y); it != by_year.end()) {
      *pt->mutable_observation() = *it->second;
      const auto& v = it->second->value();
      const int start = ind.aggregation().start_year();
      if (auto x = jp::MeasurementValue(v); x && !v.partial_period() && !it->second->reference() &&
                                            !(sums && start > 0 && y < start)) {
        running += *x;
        trend.emplace_back(y, sums ? running : *x);
      }
    }
    const pb::TargetSpec* spec = SpecInForce(ind, y);
    const YearTarget yt = TargetFor(spec, y);
    if (yt.target != nullptr && !yt.interim) {
      *pt->mutable_target() = *yt.target;
      pt->set_target_version(spec->version());
    }
    *pt->mutable_result() = EvaluateIndicator(ind, scheme, y, by_year);
  }
  *h.mutable_forecast() = LinearForecast(trend, final_year, final_value, ind.direction());
  return h;
}

absl::StatusOr<pb::PlanSummary> KpiDomain::GetPlanSummary(const Principal& p,
                                                          const pb::GetPlanSummaryRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto plan, api::ParseName(r.plan(), kPlanPattern, "plan"));
  SOKEI_RETURN_IF_ERROR(CheckKpiRead(p, plan.municipality()));
  if (r.fiscal_year() < 1900 || r.fiscal_year() > 2200) {
    return status::InvalidField("SUMMARY_INVALID", "fiscal_year",
                                "a fiscal year between 1900 and 2200 (令和2年度 = 2020)");
  }
  const bool full = r.view() == pb::SUMMARY_VIEW_FULL;
  if (cache_ == nullptr || !cache_->enabled()) {
    return ComputeSummary(p, r.plan(), r.fiscal_year(), full);
  }
  // The structure is always read (it also checks the caller may see the plan); the key holds the
  // KPI generation and a fingerprint of the structure, so the cached value is the current one.
  SOKEI_ASSIGN_OR_RETURN(auto tree, plans_->GetPlanTree(p, r.plan()));
  SOKEI_ASSIGN_OR_RETURN(auto departments, plans_->ListDepartments(p, plan.municipality()));
  int64_t generation = 0;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](KpiTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(generation, tx.Generation(plan.municipality()));
    return absl::OkStatus();
  }));
  std::string structure = api::Fingerprint(tree);
  for (const auto& d : departments) absl::StrAppend(&structure, ".", api::Fingerprint(d));
  const std::string key = absl::StrCat(
      "sokei:kpi:summary:v1:", plan.municipality(), ":", generation, ":", api::Fingerprint([&] {
        pb::GetPlanSummaryRequest k = r;
        k.set_view(full ? pb::SUMMARY_VIEW_FULL : pb::SUMMARY_VIEW_BASIC);
        return k;
      }()),
      ":", std::hash<std::string>{}(structure));
  SOKEI_ASSIGN_OR_RETURN(
      std::string bytes, cache_->GetOrCompute(key, [&]() -> absl::StatusOr<std::string> {
        SOKEI_ASSIGN_OR_RETURN(auto s,
                               ComputeSummary(r.plan(), r.fiscal_year(), full, tree, departments));
        return s.SerializeAsString();
      }));
  pb::PlanSummary out;
  if (!out.ParseFromString(bytes)) return status::Internal("CACHE_CORRUPT");
  return out;
}

absl::StatusOr<pb::PlanSummary> KpiDomain::ComputeSummary(const Principal& p,
                                                          const std::string& plan_name,
                                                          int fiscal_year, bool with_indicators) {
  // The structure comes from the plan service; the values from our own store.
  SOKEI_ASSIGN_OR_RETURN(auto tree, plans_->GetPlanTree(p, plan_name));
  SOKEI_ASSIGN_OR_RETURN(auto departments,
                         plans_->ListDepartments(p, api::MunicipalityOf(plan_name)));
  return ComputeSummary(plan_name, fiscal_year, with_indicators, tree, departments);
}

absl::StatusOr<pb::PlanSummary> KpiDomain::ComputeSummary(
    const std::string& plan_name, int fiscal_year, bool with_indicators,
    const planpb::PlanTree& tree, const std::vector<planpb::Department>& departments) {
  // Thousands of small messages: parsed on one arena, freed at once.
  google::protobuf::Arena arena;
  std::vector<pb::Indicator*> indicators;
  std::vector<pb::Observation*> observations;
  pb::GradingScheme scheme;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](KpiTx& tx) -> absl::Status {
    indicators.clear();
    observations.clear();
    SOKEI_ASSIGN_OR_RETURN(scheme, LoadScheme(tx, plan_name));
    SOKEI_ASSIGN_OR_RETURN(auto irecs, tx.ListPlanIndicatorData(plan_name));
    // A year's grade needs that year; the year before only for 前年比 (direction-only) targets;
    // for 累計 indicators summed here (F5), every year from the start of the running total.
    int from = fiscal_year;
    for (const std::string& data : irecs) {
      auto* ind = google::protobuf::Arena::CreateMessage<pb::Indicator>(&arena);
      if (!ind->ParseFromString(data)) return status::Internal("STORAGE_CORRUPT");
      if (ind->aggregation().kind() == pb::AGGREGATION_KIND_CUMULATIVE &&
          (ind->formula() == pb::FORMULA_F5_CUMULATIVE ||
           ind->formula() == pb::FORMULA_UNSPECIFIED)) {
        from = std::min(from, ind->aggregation().start_year());
      }
      if (ind->formula() == pb::FORMULA_F8_DIRECTION) from = std::min(from, fiscal_year - 1);
      const YearTarget yt = TargetFor(SpecInForce(*ind, fiscal_year), fiscal_year);
      if (yt.target != nullptr && yt.target->kind() == pb::TARGET_KIND_DIRECTION_ONLY) {
        from = std::min(from, fiscal_year - 1);
      }
      indicators.push_back(ind);
    }
    // The order people read: by code as the city numbers them.
    std::sort(indicators.begin(), indicators.end(),
              [](const pb::Indicator* a, const pb::Indicator* b) {
                return std::tie(a->code(), a->name()) < std::tie(b->code(), b->name());
              });
    SOKEI_ASSIGN_OR_RETURN(auto data, tx.ListPlanObservationData(plan_name, from, fiscal_year));
    observations.reserve(data.size());
    for (const std::string& d : data) {
      auto* o = google::protobuf::Arena::CreateMessage<pb::Observation>(&arena);
      if (!o->ParseFromString(d)) return status::Internal("STORAGE_CORRUPT");
      observations.push_back(o);
    }
    return absl::OkStatus();
  }));
  // Observations by indicator (the name prefix before /observations/).
  std::unordered_map<std::string, ObservationsByYear> obs_of;
  obs_of.reserve(indicators.size());
  for (const auto* o : observations) {
    if (!o->breakdown_key().empty()) continue;
    const std::string ind = o->name().substr(0, o->name().rfind("/observations/"));
    obs_of[ind][o->fiscal_year()] = o;
  }
  static const ObservationsByYear kNone;
  std::vector<pb::IndicatorResult> results(indicators.size());
  for (size_t i = 0; i < indicators.size(); ++i) {
    auto it = obs_of.find(indicators[i]->name());
    results[i] = EvaluateIndicator(*indicators[i], scheme, fiscal_year,
                                   it == obs_of.end() ? kNone : it->second);
  }
  return BuildSummary(plan_name, fiscal_year, tree, departments, scheme, indicators, results,
                      with_indicators);
}

// ---------------------------------------------------------------------------------------------
// Grading scheme

absl::StatusOr<pb::GradingScheme> KpiDomain::GetGradingScheme(
    const Principal& p, const pb::GetGradingSchemeRequest& r) {
  const std::string plan(absl::StripSuffix(r.name(), "/gradingScheme"));
  if (plan == r.name()) {
    return status::InvalidField("NAME_INVALID", "name",
                                "must be municipalities/{m}/plans/{p}/gradingScheme");
  }
  SOKEI_ASSIGN_OR_RETURN(auto pn, api::ParseName(plan, kPlanPattern, "name"));
  SOKEI_RETURN_IF_ERROR(CheckKpiRead(p, pn.municipality()));
  pb::GradingScheme s;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](KpiTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(s, LoadScheme(tx, plan));
    return absl::OkStatus();
  }));
  return s;
}

absl::StatusOr<pb::GradingScheme> KpiDomain::UpdateGradingScheme(
    const Principal& p, const pb::UpdateGradingSchemeRequest& r) {
  const std::string plan(absl::StripSuffix(r.scheme().name(), "/gradingScheme"));
  if (plan == r.scheme().name()) {
    return status::InvalidField("NAME_INVALID", "scheme.name",
                                "must be municipalities/{m}/plans/{p}/gradingScheme");
  }
  SOKEI_ASSIGN_OR_RETURN(auto pn, api::ParseName(plan, kPlanPattern, "scheme.name"));
  const std::string m = pn.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  SOKEI_RETURN_IF_ERROR(plans_->GetPlan(p, plan).status());
  static const std::set<std::string> kMutable = {
      "preset",          "bands",        "tolerance",         "no_change_band_points",
      "not_evaluable_label", "no_target_label", "not_reported_label", "rollup_rules"};
  return Mutate<pb::GradingScheme>(
      p, m, "UpdateGradingScheme", "", r,
      [&](WriteContext& w, pb::GradingScheme* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kScheme, r.scheme().name()));
        SOKEI_ASSIGN_OR_RETURN(pb::GradingScheme before, LoadScheme(w.tx, plan));
        SOKEI_RETURN_IF_ERROR(
            CheckEtag(r.scheme().etag(), before.etag(), "SCHEME_ETAG_MISMATCH", before.name()));
        *out = before;
        SOKEI_RETURN_IF_ERROR(api::ApplyMask(r.scheme(), r.update_mask(), kMutable, out));
        if (!pb::GradingPreset_IsValid(out->preset())) {
          return status::InvalidField("SCHEME_INVALID", "scheme.preset", "is not a known preset");
        }
        *out = Normalize(*out);
        std::string field;
        if (auto why = ValidateScheme(*out, &field); !why.empty()) {
          return status::InvalidField("SCHEME_INVALID", field, why);
        }
        out->set_name(r.scheme().name());
        const int64_t revision = rec ? rec->revision + 1 : 1;
        *out->mutable_update_time() = ToTimestamp(w.now);
        out->set_etag(absl::StrCat(absl::Hex(Micros(w.now)), ".", revision));
        Record next{out->name(), m, plan, "", 0, revision, out->SerializeAsString()};
        if (rec) {
          SOKEI_RETURN_IF_ERROR(w.tx.Update(Kind::kScheme, next));
        } else {
          SOKEI_RETURN_IF_ERROR(w.tx.Insert(Kind::kScheme, next));
        }
        return w.Audit(m, out->name(), &before, out);
      });
}

// ---------------------------------------------------------------------------------------------
// Evaluations

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

// ---------------------------------------------------------------------------------------------
// Audit

absl::StatusOr<pb::ListAuditEventsResponse> KpiDomain::ListAuditEvents(
    const Principal& p, const pb::ListAuditEventsRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto page, api::ReadAuditPage<KpiTx>(repo_, p, r.parent(), r.filter(),
                                                              r.page_size(), r.page_token()));
  pb::ListAuditEventsResponse resp;
  for (const AuditRow& row : page.rows) {
    auto* e = resp.add_audit_events();
    e->set_sequence(row.seq);
    api::FillAuditEvent(row, e);
  }
  resp.set_next_page_token(page.next_page_token);
  return resp;
}

}  // namespace sokei::kpi
