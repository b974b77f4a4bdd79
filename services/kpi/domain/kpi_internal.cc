// The helpers kpi_internal.h declares: ids, measurements, records, access checks, the scheme.
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
#include "services/kpi/domain/sheet_template.h"

namespace sokei::kpi {

using api::Micros;
using api::ToTimestamp;
using google::protobuf::Message;


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
Record StampSheet(pb::EvaluationSheet* m, const Placement& w, absl::Time now, const Record* prev) {
  return StampAny(m, w, now, prev);
}
Record StampCost(pb::ProjectCost* m, const Placement& w, absl::Time now, const Record* prev) {
  // Unique per plan is the cost's name (one 事業 and one year), never the node alone: a 事業 has
  // a cost in every year. (Rows written before keep the node as their code; both stay unique.)
  Placement unique = w;
  unique.code = m->name();
  return StampAny(m, unique, now, prev);
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

absl::StatusOr<pb::CostSettings> LoadCostSettings(KpiTx& tx, const std::string& municipality) {
  const std::string name = absl::StrCat("municipalities/", municipality, "/costSettings");
  SOKEI_ASSIGN_OR_RETURN(auto rec, tx.Get(Kind::kCostSettings, name));
  pb::CostSettings s;
  if (rec && !s.ParseFromString(rec->data)) return status::Internal("STORAGE_CORRUPT");
  s.set_name(name);
  return s;
}

absl::StatusOr<std::vector<pb::ProjectCost>> LoadCosts(KpiTx& tx, const std::string& plan,
                                                       int from_year, int to_year) {
  SOKEI_ASSIGN_OR_RETURN(auto recs, tx.ListParent(Kind::kCost, plan));
  std::vector<pb::ProjectCost> out;
  for (const Record& rec : recs) {
    if (rec.sort_key < from_year || rec.sort_key > to_year) continue;
    pb::ProjectCost c;
    if (!c.ParseFromString(rec.data)) return status::Internal("STORAGE_CORRUPT");
    out.push_back(std::move(c));
  }
  return out;
}

absl::StatusOr<pb::SheetTemplate> LoadSheetTemplate(KpiTx& tx, const std::string& plan) {
  const std::string name = plan + "/sheetTemplate";
  SOKEI_ASSIGN_OR_RETURN(auto rec, tx.Get(Kind::kSheetTemplate, name));
  if (!rec) return DefaultSheetTemplate(name);
  pb::SheetTemplate t;
  if (!t.ParseFromString(rec->data)) return status::Internal("STORAGE_CORRUPT");
  return t;
}


absl::Status AuditWrite(KpiDomain::WriteContext& w, const std::string& municipality,
                        const std::string& resource, const Message* before, const Message* after) {
  return w.Audit(municipality, resource, before, after);
}

}  // namespace sokei::kpi
