#include "services/plan/domain/plan_domain.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/api/audit_events.h"
#include "common/api/idempotent_write.h"
#include "common/api/listing.h"
#include "common/api/names.h"
#include "common/api/resources.h"
#include "common/jp/text.h"
#include "common/status/status.h"
#include "google/protobuf/util/field_mask_util.h"
#include "google/protobuf/util/json_util.h"
#include "services/plan/domain/validation.h"

namespace sokei::plan {
namespace {

using api::ApplyMask;
using api::AuditPayload;
using api::AuditPayloadToJson;
using api::CheckId;
using api::CheckRequestId;
using api::Fingerprint;
using api::Micros;
using api::Paginate;
using api::PrefixFields;
using api::ToTimestamp;
using google::protobuf::Message;
using google::protobuf::util::FieldMaskUtil;

constexpr char kMunicipalityPattern[] = "municipalities/*";
constexpr char kDepartmentPattern[] = "municipalities/*/departments/*";
constexpr char kPlanPattern[] = "municipalities/*/plans/*";
constexpr char kNodePattern[] = "municipalities/*/plans/*/nodes/*";
constexpr char kPackagePattern[] = "municipalities/*/plans/*/packages/*";
constexpr char kLinkPattern[] = "municipalities/*/plans/*/packages/*/links/*";

std::string ReasonPrefix(Kind kind) {
  switch (kind) {
    case Kind::kMunicipality:
      return "MUNICIPALITY";
    case Kind::kDepartment:
      return "DEPARTMENT";
    case Kind::kPlan:
      return "PLAN";
    case Kind::kNode:
      return "NODE";
    case Kind::kPackage:
      return "PACKAGE";
    case Kind::kLink:
      return "PACKAGE_LINK";
  }
  return "RESOURCE";
}
std::string Reason(Kind kind, absl::string_view suffix) {
  return absl::StrCat(ReasonPrefix(kind), "_", suffix);
}

template <typename T>
absl::StatusOr<T> Decode(const Record& r) {
  T msg;
  if (!msg.ParseFromString(r.data)) return status::Internal("STORAGE_CORRUPT");
  return msg;
}

template <typename T>
absl::StatusOr<std::optional<T>> Load(PlanTx& tx, Kind kind, const std::string& name) {
  SOKEI_ASSIGN_OR_RETURN(auto rec, tx.Get(kind, name));
  if (!rec) return std::optional<T>();
  SOKEI_ASSIGN_OR_RETURN(T msg, Decode<T>(*rec));
  return std::optional<T>(std::move(msg));
}

template <typename T>
absl::StatusOr<T> LoadOrNotFound(PlanTx& tx, Kind kind, const std::string& name) {
  SOKEI_ASSIGN_OR_RETURN(auto msg, Load<T>(tx, kind, name));
  if (!msg) return status::NotFound(Reason(kind, "NOT_FOUND"), name);
  return std::move(*msg);
}

template <typename T>
absl::StatusOr<std::vector<T>> DecodeAll(const std::vector<Record>& records) {
  std::vector<T> out;
  out.reserve(records.size());
  for (const Record& r : records) {
    SOKEI_ASSIGN_OR_RETURN(T msg, Decode<T>(r));
    out.push_back(std::move(msg));
  }
  return out;
}

// Where a resource lives, for its storage record.
struct Placement {
  std::string municipality, plan, collection, code;
  int64_t sort_key = 0;
};

std::string CodeKey(const std::string& code) { return jp::Nfkc(code); }

// Sets name, etag and times; returns the record to store.
template <typename T>
Record Stamp(T* msg, const Placement& where, absl::Time now, const Record* previous) {
  const int64_t revision = api::StampRevision(msg, now, previous ? previous->revision : 0);
  Record r;
  r.name = msg->name();
  r.municipality = where.municipality;
  r.plan = where.plan;
  r.collection = where.collection;
  r.code = where.code.empty() ? "" : CodeKey(where.code);
  r.sort_key = where.sort_key;
  r.revision = revision;
  r.data = msg->SerializeAsString();
  return r;
}

absl::Status CheckEtag(Kind kind, const std::string& given, const std::string& stored,
                       const std::string& name) {
  if (!given.empty() && given != stored)
    return status::EtagMismatch(Reason(kind, "ETAG_MISMATCH"), name);
  return absl::OkStatus();
}

// Public callers see adopted plans only; others are told the plan does not exist.
absl::Status CheckPlanVisible(const Principal& p, const pb::Plan& plan) {
  if (p.PublicOnly() && plan.status() != pb::PLAN_STATUS_ADOPTED) {
    return status::NotFound("PLAN_NOT_FOUND", plan.name());
  }
  return absl::OkStatus();
}

absl::Status CheckPlanVisibleByName(PlanTx& tx, const Principal& p, const std::string& plan) {
  if (!p.PublicOnly()) return absl::OkStatus();
  SOKEI_ASSIGN_OR_RETURN(auto pl, LoadOrNotFound<pb::Plan>(tx, Kind::kPlan, plan));
  return CheckPlanVisible(p, pl);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Write plumbing

template <typename Resp>
absl::StatusOr<Resp> PlanDomain::Mutate(
    const Principal& p, const std::string& municipality, const char* method,
    const std::string& request_id, const Message& request,
    const std::function<absl::Status(WriteContext&, Resp*)>& fn) {
  SOKEI_RETURN_IF_ERROR(CheckRequestId(request_id));
  Resp response;
  const absl::Time now = clock_();
  SOKEI_RETURN_IF_ERROR(repo_->Write([&](PlanTx& tx) -> absl::Status {
    WriteContext w{tx, p, method, request_id, now};
    return api::IdempotentWrite(tx, municipality, method, request_id, request, now, &response,
                                [&] { return fn(w, &response); });
  }));
  return response;
}

// ---------------------------------------------------------------------------------------------
// Municipalities

absl::StatusOr<pb::Municipality> PlanDomain::CreateMunicipality(
    const Principal& p, const pb::CreateMunicipalityRequest& r) {
  SOKEI_RETURN_IF_ERROR(auth::CheckAdmin(p));
  const std::string name = absl::StrCat("municipalities/", r.municipality_id());
  SOKEI_RETURN_IF_ERROR(api::ParseName(name, kMunicipalityPattern, "municipality_id").status());
  Violations v;
  v.Text("municipality.display_name", r.municipality().display_name(), kMaxTitleChars, true);
  v.Text("municipality.prefecture", r.municipality().prefecture(), kMaxLabelChars, false);
  SOKEI_RETURN_IF_ERROR(v.ToStatus("MUNICIPALITY_INVALID"));
  return Mutate<pb::Municipality>(
      p, r.municipality_id(), "CreateMunicipality", r.request_id(), r,
      [&](WriteContext& w, pb::Municipality* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto existing, w.tx.Get(Kind::kMunicipality, name));
        if (existing) return status::AlreadyExists("MUNICIPALITY_ALREADY_EXISTS", name);
        *out = r.municipality();
        out->set_name(name);
        Record rec = Stamp(out, {r.municipality_id(), "", "", "", 0}, w.now, nullptr);
        SOKEI_RETURN_IF_ERROR(w.tx.Insert(Kind::kMunicipality, rec));
        return w.Audit(r.municipality_id(), name, nullptr, out);
      });
}

absl::StatusOr<pb::Municipality> PlanDomain::GetMunicipality(const Principal& p,
                                                             const pb::GetMunicipalityRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kMunicipalityPattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, name.municipality()));
  pb::Municipality out;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(out,
                           LoadOrNotFound<pb::Municipality>(tx, Kind::kMunicipality, r.name()));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<pb::ListMunicipalitiesResponse> PlanDomain::ListMunicipalities(
    const Principal& p, const pb::ListMunicipalitiesRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto page,
                         api::ParsePage(r.page_size(), r.page_token(), "municipalities"));
  std::vector<pb::Municipality> all;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(auto recs, tx.ListCollection(Kind::kMunicipality, ""));
    SOKEI_ASSIGN_OR_RETURN(all, DecodeAll<pb::Municipality>(recs));
    return absl::OkStatus();
  }));
  // Everyone sees only the municipalities they belong to (admins of "*" see all).
  all.erase(std::remove_if(all.begin(), all.end(),
                           [&](const pb::Municipality& m) {
                             return !auth::CheckRead(p, api::MunicipalityOf(m.name())).ok();
                           }),
            all.end());
  pb::ListMunicipalitiesResponse resp;
  const int64_t total = static_cast<int64_t>(all.size());
  for (auto& m : Paginate(std::move(all), page)) *resp.add_municipalities() = std::move(m);
  resp.set_next_page_token(api::NextPageToken(page, total, "municipalities"));
  return resp;
}

absl::StatusOr<pb::Municipality> PlanDomain::UpdateMunicipality(
    const Principal& p, const pb::UpdateMunicipalityRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.municipality().name(), kMunicipalityPattern,
                                                   "municipality.name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, name.municipality()));
  return Mutate<pb::Municipality>(
      p, name.municipality(), "UpdateMunicipality", "", r,
      [&](WriteContext& w, pb::Municipality* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kMunicipality, name.ToString()));
        if (!rec) return status::NotFound("MUNICIPALITY_NOT_FOUND", name.ToString());
        SOKEI_ASSIGN_OR_RETURN(auto before, Decode<pb::Municipality>(*rec));
        SOKEI_RETURN_IF_ERROR(
            CheckEtag(Kind::kMunicipality, r.municipality().etag(), before.etag(), before.name()));
        *out = before;
        SOKEI_RETURN_IF_ERROR(
            ApplyMask(r.municipality(), r.update_mask(), {"display_name", "prefecture"}, out));
        Violations v;
        v.Text("municipality.display_name", out->display_name(), kMaxTitleChars, true);
        v.Text("municipality.prefecture", out->prefecture(), kMaxLabelChars, false);
        SOKEI_RETURN_IF_ERROR(v.ToStatus("MUNICIPALITY_INVALID"));
        Record next = Stamp(out, {name.municipality(), "", "", "", 0}, w.now, &*rec);
        SOKEI_RETURN_IF_ERROR(w.tx.Update(Kind::kMunicipality, next));
        return w.Audit(name.municipality(), out->name(), &before, out);
      });
}

// ---------------------------------------------------------------------------------------------
// Departments

namespace {

absl::Status RequireMunicipality(PlanTx& tx, const std::string& m) {
  SOKEI_ASSIGN_OR_RETURN(auto rec, tx.Get(Kind::kMunicipality, absl::StrCat("municipalities/", m)));
  if (!rec) return status::NotFound("MUNICIPALITY_NOT_FOUND", absl::StrCat("municipalities/", m));
  return absl::OkStatus();
}

absl::Status ValidateDepartment(PlanTx& tx, const pb::Department& d,
                                const std::string& municipality) {
  Violations v;
  v.Text("department.display_name", d.display_name(), kMaxTitleChars, true);
  v.Text("department.code", d.code(), kMaxCodeChars, false);
  v.Date("department.valid_from", d.valid_from(), false);
  v.Date("department.valid_until", d.valid_until(), false);
  if (d.has_valid_from() && d.has_valid_until() && d.valid_until().year() != 0 &&
      DateKey(d.valid_until()) < DateKey(d.valid_from())) {
    v.Add("department.valid_until", "is before valid_from");
  }
  SOKEI_RETURN_IF_ERROR(v.ToStatus("DEPARTMENT_INVALID"));
  if (!d.parent_department().empty()) {
    SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(d.parent_department(), kDepartmentPattern,
                                                       "department.parent_department"));
    if (parent.municipality() != municipality || parent.ToString() == d.name()) {
      return status::InvalidField("DEPARTMENT_INVALID", "department.parent_department",
                                  "must be another department of the same municipality");
    }
    SOKEI_ASSIGN_OR_RETURN(auto rec, tx.Get(Kind::kDepartment, d.parent_department()));
    if (!rec) {
      return status::InvalidField("DEPARTMENT_INVALID", "department.parent_department",
                                  "does not exist");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<pb::Department> PlanDomain::CreateDepartment(const Principal& p,
                                                            const pb::CreateDepartmentRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kMunicipalityPattern, "parent"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, parent.municipality()));
  SOKEI_RETURN_IF_ERROR(CheckId("department_id", r.department_id()));
  const std::string name = absl::StrCat(r.parent(), "/departments/", r.department_id());
  if (r.department().former_names_size() > 0) {
    return status::InvalidField("DEPARTMENT_INVALID", "department.former_names", "is output only");
  }
  return Mutate<pb::Department>(
      p, parent.municipality(), "CreateDepartment", r.request_id(), r,
      [&](WriteContext& w, pb::Department* out) -> absl::Status {
        SOKEI_RETURN_IF_ERROR(RequireMunicipality(w.tx, parent.municipality()));
        *out = r.department();
        out->set_name(name);
        SOKEI_RETURN_IF_ERROR(ValidateDepartment(w.tx, *out, parent.municipality()));
        SOKEI_ASSIGN_OR_RETURN(auto existing, w.tx.Get(Kind::kDepartment, name));
        if (existing) return status::AlreadyExists("DEPARTMENT_ALREADY_EXISTS", name);
        Record rec =
            Stamp(out, {parent.municipality(), "", r.parent(), out->code(), 0}, w.now, nullptr);
        absl::Status s = w.tx.Insert(Kind::kDepartment, rec);
        if (absl::IsAlreadyExists(s)) {
          return status::InvalidField("DEPARTMENT_CODE_DUPLICATE", "department.code",
                                      "another department of this municipality has this code");
        }
        SOKEI_RETURN_IF_ERROR(s);
        return w.Audit(parent.municipality(), name, nullptr, out);
      });
}

absl::StatusOr<pb::Department> PlanDomain::GetDepartment(const Principal& p,
                                                         const pb::GetDepartmentRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kDepartmentPattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, name.municipality()));
  pb::Department out;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(out, LoadOrNotFound<pb::Department>(tx, Kind::kDepartment, r.name()));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<pb::ListDepartmentsResponse> PlanDomain::ListDepartments(
    const Principal& p, const pb::ListDepartmentsRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kMunicipalityPattern, "parent"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, parent.municipality()));
  SOKEI_ASSIGN_OR_RETURN(auto filter, api::ParseFilter(r.filter(), {"code", "active"}));
  if (filter.count("active") && filter["active"] != "true" && filter["active"] != "false") {
    return status::InvalidField("FILTER_INVALID", "filter", "active must be true or false");
  }
  const std::string key = absl::StrCat(r.parent(), "|", r.filter());
  SOKEI_ASSIGN_OR_RETURN(auto page, api::ParsePage(r.page_size(), r.page_token(), key));
  std::vector<pb::Department> all;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(auto recs, tx.ListCollection(Kind::kDepartment, r.parent()));
    SOKEI_ASSIGN_OR_RETURN(all, DecodeAll<pb::Department>(recs));
    return absl::OkStatus();
  }));
  const absl::CivilDay today = absl::ToCivilDay(clock_(), absl::FixedTimeZone(9 * 3600));
  const int today_key = static_cast<int>(today.year() * 10000 + today.month() * 100 + today.day());
  all.erase(std::remove_if(all.begin(), all.end(),
                           [&](const pb::Department& d) {
                             if (filter.count("code") && d.code() != filter["code"]) return true;
                             if (filter.count("active")) {
                               const bool active = d.valid_until().year() == 0 ||
                                                   DateKey(d.valid_until()) >= today_key;
                               if (active != (filter["active"] == "true")) return true;
                             }
                             return false;
                           }),
            all.end());
  pb::ListDepartmentsResponse resp;
  const int64_t total = static_cast<int64_t>(all.size());
  for (auto& d : Paginate(std::move(all), page)) *resp.add_departments() = std::move(d);
  resp.set_next_page_token(api::NextPageToken(page, total, key));
  return resp;
}

absl::StatusOr<pb::Department> PlanDomain::UpdateDepartment(const Principal& p,
                                                            const pb::UpdateDepartmentRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(
      auto name, api::ParseName(r.department().name(), kDepartmentPattern, "department.name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, name.municipality()));
  Violations dv;
  dv.Date("rename_effective_date", r.rename_effective_date(), false);
  SOKEI_RETURN_IF_ERROR(dv.ToStatus("DEPARTMENT_INVALID"));
  return Mutate<pb::Department>(
      p, name.municipality(), "UpdateDepartment", "", r,
      [&](WriteContext& w, pb::Department* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kDepartment, name.ToString()));
        if (!rec) return status::NotFound("DEPARTMENT_NOT_FOUND", name.ToString());
        SOKEI_ASSIGN_OR_RETURN(auto before, Decode<pb::Department>(*rec));
        SOKEI_RETURN_IF_ERROR(
            CheckEtag(Kind::kDepartment, r.department().etag(), before.etag(), before.name()));
        *out = before;
        SOKEI_RETURN_IF_ERROR(ApplyMask(
            r.department(), r.update_mask(),
            {"code", "display_name", "parent_department", "valid_from", "valid_until"}, out));
        SOKEI_RETURN_IF_ERROR(ValidateDepartment(w.tx, *out, name.municipality()));
        if (out->display_name() != before.display_name()) {
          // 名称変更: keep the old name, valid until the day before the new one takes effect.
          absl::CivilDay effective = absl::ToCivilDay(w.now, absl::FixedTimeZone(9 * 3600));
          if (r.rename_effective_date().year() != 0) {
            effective =
                absl::CivilDay(r.rename_effective_date().year(), r.rename_effective_date().month(),
                               r.rename_effective_date().day());
          }
          const absl::CivilDay last = effective - 1;
          auto* former = out->add_former_names();
          former->set_display_name(before.display_name());
          former->mutable_valid_until()->set_year(static_cast<int>(last.year()));
          former->mutable_valid_until()->set_month(last.month());
          former->mutable_valid_until()->set_day(last.day());
        }
        Record next =
            Stamp(out, {name.municipality(), "", rec->collection, out->code(), 0}, w.now, &*rec);
        absl::Status s = w.tx.Update(Kind::kDepartment, next);
        if (absl::IsAlreadyExists(s)) {
          return status::InvalidField("DEPARTMENT_CODE_DUPLICATE", "department.code",
                                      "another department of this municipality has this code");
        }
        SOKEI_RETURN_IF_ERROR(s);
        return w.Audit(name.municipality(), out->name(), &before, out);
      });
}

absl::StatusOr<Empty> PlanDomain::DeleteDepartment(const Principal& p,
                                                   const pb::DeleteDepartmentRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kDepartmentPattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, name.municipality()));
  return Mutate<Empty>(
      p, name.municipality(), "DeleteDepartment", "", r,
      [&](WriteContext& w, Empty*) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto before,
                               LoadOrNotFound<pb::Department>(w.tx, Kind::kDepartment, r.name()));
        SOKEI_RETURN_IF_ERROR(CheckEtag(Kind::kDepartment, r.etag(), before.etag(), before.name()));
        SOKEI_ASSIGN_OR_RETURN(auto nodes, w.tx.ListMunicipality(Kind::kNode, name.municipality()));
        for (const Record& rec : nodes) {
          SOKEI_ASSIGN_OR_RETURN(auto node, Decode<pb::Node>(rec));
          for (const auto& a : node.departments()) {
            if (a.department() == r.name()) {
              return status::FailedPrecondition(
                  "DEPARTMENT_IN_USE", {"IN_USE", r.name(),
                                        absl::StrCat("is assigned to ", node.name(),
                                                     "; set valid_until instead of deleting it")});
            }
          }
        }
        SOKEI_ASSIGN_OR_RETURN(
            auto depts,
            w.tx.ListCollection(Kind::kDepartment,
                                before.name().substr(0, before.name().find("/departments/"))));
        for (const Record& rec : depts) {
          SOKEI_ASSIGN_OR_RETURN(auto d, Decode<pb::Department>(rec));
          if (d.parent_department() == r.name()) {
            return status::FailedPrecondition(
                "DEPARTMENT_IN_USE",
                {"IN_USE", r.name(), absl::StrCat("is the parent of ", d.name())});
          }
        }
        SOKEI_RETURN_IF_ERROR(w.tx.Delete(Kind::kDepartment, r.name()));
        return w.Audit(name.municipality(), r.name(), &before, nullptr);
      });
}

// ---------------------------------------------------------------------------------------------
// Plans

namespace {

absl::Status ValidatePlan(PlanTx& tx, const pb::Plan& plan, const std::string& municipality) {
  Violations v;
  v.Text("plan.display_name", plan.display_name(), kMaxTitleChars, true);
  v.Text("plan.version_label", plan.version_label(), kMaxLabelChars, false);
  v.Text("plan.description", plan.description(), kMaxBodyChars, false);
  if (plan.kind() == pb::PLAN_KIND_UNSPECIFIED)
    v.Add("plan.kind", "is required (COMPREHENSIVE, STRATEGY or SECTORAL)");
  if (plan.layer() == pb::PLAN_LAYER_UNSPECIFIED)
    v.Add("plan.layer", "is required (VISION, BASIC_PLAN or IMPLEMENTATION_PLAN)");
  if (plan.status() == pb::PLAN_STATUS_UNSPECIFIED) v.Add("plan.status", "is required");
  const auto& period = plan.period();
  if (period.start_year() < 1900 || period.start_year() > 2200) {
    v.Add("plan.period.start_year", "is required: the first fiscal year (令和5年度 = 2023)");
  }
  if (period.end_year() < period.start_year() || period.end_year() - period.start_year() > 30) {
    v.Add("plan.period.end_year", "must be on or after start_year, within 30 years");
  }
  if (plan.revision_cycle_years() < 0 || plan.revision_cycle_years() > 10) {
    v.Add("plan.revision_cycle_years", "must be 0 to 10");
  }
  v.Date("plan.adopted_date", plan.adopted_date(), false);
  if (plan.levels_size() < 2 || plan.levels_size() > 5) {
    v.Add("plan.levels", "a plan tree has 2 to 5 levels");
  }
  for (int i = 0; i < plan.levels_size(); ++i) {
    const auto& l = plan.levels(i);
    const std::string f = absl::StrCat("plan.levels[", i, "]");
    if (l.depth() != i + 1)
      v.Add(f + ".depth", absl::StrCat("must be ", i + 1, " (levels are listed from the root)"));
    v.Text(f + ".display_name", l.display_name(), kMaxLabelChars, true);
    if (!l.code_pattern().empty() && !IsValidPattern(l.code_pattern())) {
      v.Add(f + ".code_pattern", "is not a valid regular expression");
    }
  }
  SOKEI_RETURN_IF_ERROR(v.ToStatus("PLAN_INVALID"));
  for (const auto& [field, ref] :
       {std::pair<std::string, std::string>{"plan.supersedes", plan.supersedes()},
        {"plan.parent_plan", plan.parent_plan()}}) {
    if (ref.empty()) continue;
    SOKEI_ASSIGN_OR_RETURN(auto n, api::ParseName(ref, kPlanPattern, field));
    if (n.municipality() != municipality || ref == plan.name()) {
      return status::InvalidField("PLAN_INVALID", field,
                                  "must be another plan of the same municipality");
    }
    SOKEI_ASSIGN_OR_RETURN(auto other, Load<pb::Plan>(tx, Kind::kPlan, ref));
    if (!other) return status::InvalidField("PLAN_INVALID", field, "does not exist");
    if (field == "plan.parent_plan" && (period.start_year() < other->period().start_year() ||
                                        period.end_year() > other->period().end_year())) {
      return status::InvalidField(
          "PLAN_PERIOD_INVALID", "plan.period",
          absl::StrCat("must lie within the parent plan's period ", other->period().start_year(),
                       "–", other->period().end_year()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<pb::Plan> PlanDomain::CreatePlan(const Principal& p,
                                                const pb::CreatePlanRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kMunicipalityPattern, "parent"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, parent.municipality()));
  SOKEI_RETURN_IF_ERROR(CheckId("plan_id", r.plan_id()));
  const std::string name = absl::StrCat(r.parent(), "/plans/", r.plan_id());
  return Mutate<pb::Plan>(
      p, parent.municipality(), "CreatePlan", r.request_id(), r,
      [&](WriteContext& w, pb::Plan* out) -> absl::Status {
        SOKEI_RETURN_IF_ERROR(RequireMunicipality(w.tx, parent.municipality()));
        *out = r.plan();
        out->set_name(name);
        if (out->status() == pb::PLAN_STATUS_UNSPECIFIED) out->set_status(pb::PLAN_STATUS_DRAFT);
        SOKEI_RETURN_IF_ERROR(ValidatePlan(w.tx, *out, parent.municipality()));
        SOKEI_ASSIGN_OR_RETURN(auto existing, w.tx.Get(Kind::kPlan, name));
        if (existing) return status::AlreadyExists("PLAN_ALREADY_EXISTS", name);
        Record rec = Stamp(out, {parent.municipality(), name, r.parent(), "", 0}, w.now, nullptr);
        SOKEI_RETURN_IF_ERROR(w.tx.Insert(Kind::kPlan, rec));
        return w.Audit(parent.municipality(), name, nullptr, out);
      });
}

absl::StatusOr<pb::Plan> PlanDomain::GetPlan(const Principal& p, const pb::GetPlanRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kPlanPattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, name.municipality()));
  pb::Plan out;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(out, LoadOrNotFound<pb::Plan>(tx, Kind::kPlan, r.name()));
    return CheckPlanVisible(p, out);
  }));
  return out;
}

absl::StatusOr<pb::ListPlansResponse> PlanDomain::ListPlans(const Principal& p,
                                                            const pb::ListPlansRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kMunicipalityPattern, "parent"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, parent.municipality()));
  SOKEI_ASSIGN_OR_RETURN(auto filter, api::ParseFilter(r.filter(), {"kind", "layer", "status"}));
  const std::string key = absl::StrCat(r.parent(), "|", r.filter());
  SOKEI_ASSIGN_OR_RETURN(auto page, api::ParsePage(r.page_size(), r.page_token(), key));
  std::vector<pb::Plan> all;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(auto recs, tx.ListCollection(Kind::kPlan, r.parent()));
    SOKEI_ASSIGN_OR_RETURN(all, DecodeAll<pb::Plan>(recs));
    return absl::OkStatus();
  }));
  for (const auto& [k, value] : filter) {
    const auto* field = pb::Plan::descriptor()->FindFieldByName(k);
    if (field->enum_type()->FindValueByName(value) == nullptr) {
      return status::InvalidField("FILTER_INVALID", "filter",
                                  absl::StrCat(status::Quote(value), " is not a value of ", k));
    }
  }
  all.erase(std::remove_if(all.begin(), all.end(),
                           [&](const pb::Plan& plan) {
                             if (!CheckPlanVisible(p, plan).ok()) return true;
                             for (const auto& [k, value] : filter) {
                               const auto* field = pb::Plan::descriptor()->FindFieldByName(k);
                               const auto* got = plan.GetReflection()->GetEnum(plan, field);
                               if (got->name() != value) return true;
                             }
                             return false;
                           }),
            all.end());
  pb::ListPlansResponse resp;
  const int64_t total = static_cast<int64_t>(all.size());
  for (auto& plan : Paginate(std::move(all), page)) *resp.add_plans() = std::move(plan);
  resp.set_next_page_token(api::NextPageToken(page, total, key));
  return resp;
}

absl::StatusOr<pb::Plan> PlanDomain::UpdatePlan(const Principal& p,
                                                const pb::UpdatePlanRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.plan().name(), kPlanPattern, "plan.name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, name.municipality()));
  return Mutate<pb::Plan>(
      p, name.municipality(), "UpdatePlan", "", r,
      [&](WriteContext& w, pb::Plan* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kPlan, name.ToString()));
        if (!rec) return status::NotFound("PLAN_NOT_FOUND", name.ToString());
        SOKEI_ASSIGN_OR_RETURN(auto before, Decode<pb::Plan>(*rec));
        SOKEI_RETURN_IF_ERROR(
            CheckEtag(Kind::kPlan, r.plan().etag(), before.etag(), before.name()));
        *out = before;
        SOKEI_RETURN_IF_ERROR(ApplyMask(
            r.plan(), r.update_mask(),
            {"display_name", "kind", "layer", "version_label", "period", "revision_cycle_years",
             "status", "adopted_date", "supersedes", "parent_plan", "levels", "description"},
            out));
        SOKEI_RETURN_IF_ERROR(ValidatePlan(w.tx, *out, name.municipality()));
        // Level definitions must still fit every node.
        SOKEI_ASSIGN_OR_RETURN(auto nodes, w.tx.ListPlan(Kind::kNode, out->name()));
        for (const Record& nr : nodes) {
          SOKEI_ASSIGN_OR_RETURN(auto node, Decode<pb::Node>(nr));
          if (node.level() > out->levels_size()) {
            return status::FailedPrecondition(
                "PLAN_LEVELS_IN_USE",
                {"LEVELS", out->name(),
                 absl::StrCat(node.name(), " is at level ", node.level(),
                              "; remove or move it before dropping that level")});
          }
          const auto& pattern = out->levels(node.level() - 1).code_pattern();
          if (!pattern.empty() && !node.code().empty() && !MatchesPattern(pattern, node.code())) {
            return status::FailedPrecondition(
                "PLAN_LEVELS_IN_USE",
                {"CODE_PATTERN", out->name(),
                 absl::StrCat("the code of ", node.name(), " does not match the new pattern")});
          }
        }
        Record next =
            Stamp(out, {name.municipality(), out->name(), rec->collection, "", 0}, w.now, &*rec);
        SOKEI_RETURN_IF_ERROR(w.tx.Update(Kind::kPlan, next));
        return w.Audit(name.municipality(), out->name(), &before, out);
      });
}

absl::StatusOr<Empty> PlanDomain::DeletePlan(const Principal& p, const pb::DeletePlanRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kPlanPattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, name.municipality()));
  return Mutate<Empty>(
      p, name.municipality(), "DeletePlan", "", r, [&](WriteContext& w, Empty*) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto before, LoadOrNotFound<pb::Plan>(w.tx, Kind::kPlan, r.name()));
        SOKEI_RETURN_IF_ERROR(CheckEtag(Kind::kPlan, r.etag(), before.etag(), before.name()));
        for (Kind kind : {Kind::kLink, Kind::kPackage, Kind::kNode}) {
          SOKEI_ASSIGN_OR_RETURN(auto children, w.tx.ListPlan(kind, r.name()));
          if (!children.empty() && !r.force()) {
            return status::FailedPrecondition(
                "PLAN_HAS_CHILDREN", {"HAS_CHILDREN", r.name(),
                                      "has nodes or packages; delete them first or pass force"});
          }
          for (const Record& c : children) SOKEI_RETURN_IF_ERROR(w.tx.Delete(kind, c.name));
        }
        SOKEI_RETURN_IF_ERROR(w.tx.Delete(Kind::kPlan, r.name()));
        return w.Audit(name.municipality(), r.name(), &before, nullptr);
      });
}

// ---------------------------------------------------------------------------------------------
// Tree

absl::Status PlanDomain::GetPlanTree(const Principal& p, const pb::GetPlanTreeRequest& r,
                                     pb::PlanTree* out) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kPlanPattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, name.municipality()));
  out->Clear();
  pb::PlanTree& tree = *out;
  google::protobuf::Arena* arena = tree.GetArena();
  std::vector<std::string> node_data;
  std::vector<Record> package_recs, link_recs;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(*tree.mutable_plan(),
                           LoadOrNotFound<pb::Plan>(tx, Kind::kPlan, r.name()));
    SOKEI_RETURN_IF_ERROR(CheckPlanVisible(p, tree.plan()));
    SOKEI_ASSIGN_OR_RETURN(node_data, tx.ListPlanData(Kind::kNode, r.name()));
    SOKEI_ASSIGN_OR_RETURN(package_recs, tx.ListPlan(Kind::kPackage, r.name()));
    SOKEI_ASSIGN_OR_RETURN(link_recs, tx.ListPlan(Kind::kLink, r.name()));
    return absl::OkStatus();
  }));
  *tree.mutable_levels() = tree.plan().levels();
  // Parse every node onto the response's arena (or the heap), in sibling order (the rows come
  // sorted by sort_key, name); then hand them to the response depth-first without copying.
  std::vector<pb::Node*> nodes;
  std::vector<std::unique_ptr<pb::Node>> heap_owned;  // only when the response is on the heap
  nodes.reserve(node_data.size());
  for (const std::string& data : node_data) {
    pb::Node* node = google::protobuf::Arena::CreateMessage<pb::Node>(arena);
    if (arena == nullptr) heap_owned.emplace_back(node);
    if (!node->ParseFromString(data)) return status::Internal("STORAGE_CORRUPT");
    nodes.push_back(node);
  }
  std::unordered_map<absl::string_view, std::vector<size_t>, absl::Hash<absl::string_view>>
      children;
  std::vector<size_t> roots;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i]->parent().empty()) {
      roots.push_back(i);
    } else {
      children[nodes[i]->parent()].push_back(i);
    }
  }
  tree.mutable_nodes()->Reserve(static_cast<int>(nodes.size()));
  std::vector<size_t> stack(roots.rbegin(), roots.rend());
  while (!stack.empty()) {
    const size_t i = stack.back();
    stack.pop_back();
    auto* tn = tree.add_nodes();
    auto it = children.find(nodes[i]->name());
    if (it != children.end()) {
      for (size_t c : it->second) tn->add_children(nodes[c]->name());
      stack.insert(stack.end(), it->second.rbegin(), it->second.rend());
    }
    if (arena != nullptr) {
      tn->unsafe_arena_set_allocated_node(nodes[i]);
    } else {
      tn->set_allocated_node(heap_owned[i].release());
    }
  }
  for (const Record& rec : package_recs) {
    if (!tree.add_packages()->ParseFromString(rec.data)) return status::Internal("STORAGE_CORRUPT");
  }
  for (const Record& rec : link_recs) {
    if (!tree.add_links()->ParseFromString(rec.data)) return status::Internal("STORAGE_CORRUPT");
    tree.add_link_packages(rec.collection);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> PlanDomain::GetPlanTreeBytes(const Principal& p,
                                                         const pb::GetPlanTreeRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kPlanPattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, name.municipality()));
  auto build = [&]() -> absl::StatusOr<std::string> {
    google::protobuf::Arena arena;
    auto* tree = google::protobuf::Arena::CreateMessage<pb::PlanTree>(&arena);
    SOKEI_RETURN_IF_ERROR(GetPlanTree(p, r, tree));
    return tree->SerializeAsString();
  };
  if (cache_ == nullptr || !cache_->enabled()) return build();
  int64_t generation = 0;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(generation, tx.Generation(name.municipality()));
    // Existence and visibility are checked on every read, before the cache is consulted.
    SOKEI_ASSIGN_OR_RETURN(auto plan, LoadOrNotFound<pb::Plan>(tx, Kind::kPlan, r.name()));
    return CheckPlanVisible(p, plan);
  }));
  // The tree does not depend on who reads it (visibility was checked above).
  const std::string key = absl::StrCat("sokei:", name.municipality(), ":plan:g", generation,
                                       ":tree:", name.Id("plans"));
  return cache_->GetOrCompute(key, build);
}

// ---------------------------------------------------------------------------------------------
// Nodes

namespace {

absl::Status ValidateNode(PlanTx& tx, const pb::Plan& plan, const pb::Node& node,
                          const std::string& municipality) {
  Violations v;
  v.Text("node.display_name", node.display_name(), kMaxTitleChars, true);
  v.Text("node.code", node.code(), kMaxCodeChars, false);
  v.Sections("node.sections", node.sections());
  v.SdgGoals("node.sdg_goals", node.sdg_goals());
  v.SdgTargets("node.sdg_targets", node.sdg_targets());
  v.Labels("node.tags", node.tags(), kMaxCodeChars);
  v.Labels("node.budget_codes", node.budget_codes(), kMaxCodeChars);
  if (node.level() < 1 || node.level() > plan.levels_size()) {
    v.Add("node.level", absl::StrCat("must be 1 to ", plan.levels_size(), " (the plan's levels)"));
  } else {
    const auto& pattern = plan.levels(node.level() - 1).code_pattern();
    if (!pattern.empty() && !node.code().empty() && !MatchesPattern(pattern, node.code())) {
      v.Add("node.code", absl::StrCat("does not match the code pattern of level ", node.level(),
                                      " (", plan.levels(node.level() - 1).display_name(), ")"));
    }
  }
  std::set<std::pair<std::string, int>> seen_departments;
  for (int i = 0; i < node.departments_size(); ++i) {
    const auto& a = node.departments(i);
    const std::string f = absl::StrCat("node.departments[", i, "]");
    if (a.role() == pb::DEPARTMENT_ROLE_UNSPECIFIED)
      v.Add(f + ".role", "is required (OWNER, IN_CHARGE or RELATED)");
    if (!seen_departments.insert({a.department(), a.role()}).second) v.Add(f, "appears twice");
  }
  for (int i = 0; i < node.lineage_size(); ++i) {
    if (node.lineage(i).relation() == pb::LINEAGE_RELATION_UNSPECIFIED) {
      v.Add(absl::StrCat("node.lineage[", i, "].relation"), "is required");
    }
  }
  SOKEI_RETURN_IF_ERROR(v.ToStatus("NODE_INVALID"));

  if (node.level() == 1 && !node.parent().empty()) {
    return status::InvalidField("NODE_PARENT_INVALID", "node.parent",
                                "a level-1 node has no parent");
  }
  if (node.level() > 1) {
    if (node.parent().empty()) {
      return status::InvalidField("NODE_PARENT_INVALID", "node.parent",
                                  absl::StrCat("is required for a level-", node.level(), " node"));
    }
    SOKEI_ASSIGN_OR_RETURN(auto pn, api::ParseName(node.parent(), kNodePattern, "node.parent"));
    if (pn.Prefix("plans") != plan.name()) {
      return status::InvalidField("NODE_PARENT_INVALID", "node.parent",
                                  "must be a node of the same plan");
    }
    SOKEI_ASSIGN_OR_RETURN(auto parent, Load<pb::Node>(tx, Kind::kNode, node.parent()));
    if (!parent)
      return status::InvalidField("NODE_PARENT_INVALID", "node.parent", "does not exist");
    if (parent->level() != node.level() - 1) {
      return status::InvalidField(
          "NODE_LEVEL_INVALID", "node.level",
          absl::StrCat("the parent is at level ", parent->level(),
                       ", so this node must be at level ", parent->level() + 1));
    }
  }
  for (int i = 0; i < node.departments_size(); ++i) {
    const std::string f = absl::StrCat("node.departments[", i, "].department");
    SOKEI_ASSIGN_OR_RETURN(auto dn,
                           api::ParseName(node.departments(i).department(), kDepartmentPattern, f));
    SOKEI_ASSIGN_OR_RETURN(auto rec, tx.Get(Kind::kDepartment, dn.ToString()));
    if (dn.municipality() != municipality || !rec) {
      return status::InvalidField("NODE_DEPARTMENT_INVALID", f,
                                  "is not a department of this municipality");
    }
  }
  for (int i = 0; i < node.lineage_size(); ++i) {
    const std::string f = absl::StrCat("node.lineage[", i, "].source_node");
    SOKEI_ASSIGN_OR_RETURN(auto ln, api::ParseName(node.lineage(i).source_node(), kNodePattern, f));
    if (ln.municipality() != municipality || ln.Prefix("plans") == plan.name()) {
      return status::InvalidField("NODE_LINEAGE_INVALID", f,
                                  "must be a node of another plan of this municipality");
    }
    SOKEI_ASSIGN_OR_RETURN(auto rec, tx.Get(Kind::kNode, ln.ToString()));
    if (!rec) return status::InvalidField("NODE_LINEAGE_INVALID", f, "does not exist");
  }
  return absl::OkStatus();
}

absl::Status InsertCoded(PlanTx& tx, Kind kind, const Record& rec, const std::string& code_field) {
  absl::Status s = tx.Insert(kind, rec);
  if (absl::IsAlreadyExists(s)) {
    SOKEI_ASSIGN_OR_RETURN(auto existing, tx.Get(kind, rec.name));
    if (existing) return status::AlreadyExists(Reason(kind, "ALREADY_EXISTS"), rec.name);
    return status::InvalidField(Reason(kind, "CODE_DUPLICATE"), code_field,
                                "another resource of this plan (or, for packages, of the same "
                                "parent) already has this code");
  }
  return s;
}

absl::Status UpdateCoded(PlanTx& tx, Kind kind, const Record& rec, const std::string& code_field) {
  absl::Status s = tx.Update(kind, rec);
  if (absl::IsAlreadyExists(s)) {
    return status::InvalidField(Reason(kind, "CODE_DUPLICATE"), code_field,
                                "another resource of this plan (or, for packages, of the same "
                                "parent) already has this code");
  }
  return s;
}

// Names of `root` and every node below it.
std::set<std::string> Subtree(const std::vector<pb::Node>& nodes, const std::string& root) {
  std::unordered_map<std::string, std::vector<const pb::Node*>> children;
  for (const auto& n : nodes) children[n.parent()].push_back(&n);
  std::set<std::string> out{root};
  std::vector<std::string> stack{root};
  while (!stack.empty()) {
    const std::string cur = stack.back();
    stack.pop_back();
    for (const pb::Node* c : children[cur]) {
      if (out.insert(c->name()).second) stack.push_back(c->name());
    }
  }
  return out;
}

}  // namespace

absl::Status PlanDomain::CreateNodeInTx(WriteContext& w, const pb::CreateNodeRequest& r,
                                        pb::Node* out) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kPlanPattern, "parent"));
  SOKEI_RETURN_IF_ERROR(CheckId("node_id", r.node_id()));
  SOKEI_ASSIGN_OR_RETURN(auto plan, LoadOrNotFound<pb::Plan>(w.tx, Kind::kPlan, r.parent()));
  *out = r.node();
  out->set_name(absl::StrCat(r.parent(), "/nodes/", r.node_id()));
  SOKEI_RETURN_IF_ERROR(ValidateNode(w.tx, plan, *out, parent.municipality()));
  Record rec =
      Stamp(out, {parent.municipality(), r.parent(), r.parent(), out->code(), out->sort_key()},
            w.now, nullptr);
  SOKEI_RETURN_IF_ERROR(InsertCoded(w.tx, Kind::kNode, rec, "node.code"));
  return w.Audit(parent.municipality(), out->name(), nullptr, out);
}

absl::StatusOr<pb::Node> PlanDomain::CreateNode(const Principal& p,
                                                const pb::CreateNodeRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kPlanPattern, "parent"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, parent.municipality()));
  return Mutate<pb::Node>(
      p, parent.municipality(), "CreateNode", r.request_id(), r,
      [&](WriteContext& w, pb::Node* out) { return CreateNodeInTx(w, r, out); });
}

absl::StatusOr<pb::BatchCreateNodesResponse> PlanDomain::BatchCreateNodes(
    const Principal& p, const pb::BatchCreateNodesRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kPlanPattern, "parent"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, parent.municipality()));
  if (r.requests_size() == 0 || r.requests_size() > 5000) {
    return status::InvalidField("BATCH_SIZE_INVALID", "requests", "must hold 1 to 5000 nodes");
  }
  return Mutate<pb::BatchCreateNodesResponse>(
      p, parent.municipality(), "BatchCreateNodes", r.request_id(), r,
      [&](WriteContext& w, pb::BatchCreateNodesResponse* out) -> absl::Status {
        for (int i = 0; i < r.requests_size(); ++i) {
          pb::CreateNodeRequest item = r.requests(i);
          const std::string prefix = absl::StrCat("requests[", i, "].");
          if (!item.parent().empty() && item.parent() != r.parent()) {
            return status::InvalidField("NODE_PARENT_INVALID", prefix + "parent",
                                        "must be empty or equal to the batch's parent");
          }
          item.set_parent(r.parent());
          SOKEI_RETURN_IF_ERROR(PrefixFields(CreateNodeInTx(w, item, out->add_nodes()), prefix));
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<pb::Node> PlanDomain::GetNode(const Principal& p, const pb::GetNodeRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kNodePattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, name.municipality()));
  pb::Node out;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    SOKEI_RETURN_IF_ERROR(CheckPlanVisibleByName(tx, p, name.Prefix("plans")));
    SOKEI_ASSIGN_OR_RETURN(out, LoadOrNotFound<pb::Node>(tx, Kind::kNode, r.name()));
    return absl::OkStatus();
  }));
  return out;
}

namespace {

// Applies the shared structured filters of ListNodes and SearchNodes.
struct NodeFilter {
  int level = 0;
  std::string parent, code, department, tag;
  int sdg_goal = 0;
  std::vector<std::string> words;  // folded query words

  bool Matches(const pb::Node& n) const {
    if (level != 0 && n.level() != level) return false;
    if (!parent.empty() && n.parent() != parent) return false;
    if (!code.empty() && jp::Nfkc(n.code()) != jp::Nfkc(code)) return false;
    if (!department.empty() &&
        std::none_of(n.departments().begin(), n.departments().end(),
                     [&](const auto& a) { return a.department() == department; })) {
      return false;
    }
    if (!tag.empty() && std::none_of(n.tags().begin(), n.tags().end(), [&](const std::string& t) {
          return jp::SearchFold(t) == jp::SearchFold(tag);
        })) {
      return false;
    }
    if (sdg_goal != 0 &&
        std::find(n.sdg_goals().begin(), n.sdg_goals().end(), sdg_goal) == n.sdg_goals().end()) {
      return false;
    }
    if (!words.empty()) {
      std::string text = absl::StrCat(n.code(), " ", n.display_name());
      for (const auto& s : n.sections()) absl::StrAppend(&text, " ", s.heading(), " ", s.body());
      const std::string folded = jp::SearchFold(text);
      for (const auto& w : words) {
        if (folded.find(w) == std::string::npos) return false;
      }
    }
    return true;
  }
};

absl::Status ParseIntField(const std::string& field, const std::string& value, int min, int max,
                           int* out) {
  char* end = nullptr;
  const long v = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || v < min || v > max) {
    return status::InvalidField("FILTER_INVALID", field,
                                absl::StrCat("must be a number from ", min, " to ", max));
  }
  *out = static_cast<int>(v);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<pb::ListNodesResponse> PlanDomain::ListNodes(const Principal& p,
                                                            const pb::ListNodesRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kPlanPattern, "parent"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, parent.municipality()));
  SOKEI_ASSIGN_OR_RETURN(auto f, api::ParseFilter(r.filter(), {"level", "parent", "code",
                                                               "department", "tag", "sdg_goal"}));
  NodeFilter filter;
  if (f.count("level"))
    SOKEI_RETURN_IF_ERROR(ParseIntField("filter", f["level"], 1, 5, &filter.level));
  if (f.count("sdg_goal"))
    SOKEI_RETURN_IF_ERROR(ParseIntField("filter", f["sdg_goal"], 1, 17, &filter.sdg_goal));
  filter.parent = f["parent"];
  filter.code = f["code"];
  filter.department = f["department"];
  filter.tag = f["tag"];
  if (!r.order_by().empty() && r.order_by() != "sort_key" && r.order_by() != "code" &&
      r.order_by() != "display_name") {
    return status::InvalidField("ORDER_BY_INVALID", "order_by",
                                "must be sort_key, code or display_name");
  }
  const std::string key = absl::StrCat(r.parent(), "|", r.filter(), "|", r.order_by());
  SOKEI_ASSIGN_OR_RETURN(auto page, api::ParsePage(r.page_size(), r.page_token(), key));
  std::vector<pb::Node> all;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(auto plan, LoadOrNotFound<pb::Plan>(tx, Kind::kPlan, r.parent()));
    SOKEI_RETURN_IF_ERROR(CheckPlanVisible(p, plan));
    SOKEI_ASSIGN_OR_RETURN(auto recs, tx.ListCollection(Kind::kNode, r.parent()));
    SOKEI_ASSIGN_OR_RETURN(all, DecodeAll<pb::Node>(recs));
    return absl::OkStatus();
  }));
  all.erase(
      std::remove_if(all.begin(), all.end(), [&](const pb::Node& n) { return !filter.Matches(n); }),
      all.end());
  if (r.order_by() == "code") {
    std::stable_sort(all.begin(), all.end(), [](const pb::Node& a, const pb::Node& b) {
      return jp::Nfkc(a.code()) < jp::Nfkc(b.code());
    });
  } else if (r.order_by() == "display_name") {
    std::stable_sort(all.begin(), all.end(), [](const pb::Node& a, const pb::Node& b) {
      return a.display_name() < b.display_name();
    });
  }
  pb::ListNodesResponse resp;
  const int64_t total = static_cast<int64_t>(all.size());
  for (auto& n : Paginate(std::move(all), page)) *resp.add_nodes() = std::move(n);
  resp.set_next_page_token(api::NextPageToken(page, total, key));
  return resp;
}

absl::StatusOr<pb::SearchNodesResponse> PlanDomain::SearchNodes(const Principal& p,
                                                                const pb::SearchNodesRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(
      auto parent, api::ParseName(r.parent(), kPlanPattern, "parent", /*allow_wildcard=*/true));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, parent.municipality()));
  Violations v;
  v.Text("query", r.query(), kMaxTitleChars, false);
  if (r.sdg_goal() < 0 || r.sdg_goal() > 17) v.Add("sdg_goal", "an SDG goal is 1 to 17");
  if (r.level() < 0 || r.level() > 5) v.Add("level", "must be 1 to 5");
  SOKEI_RETURN_IF_ERROR(v.ToStatus("SEARCH_INVALID"));
  NodeFilter filter;
  filter.level = r.level();
  filter.department = r.department();
  filter.tag = r.tag();
  filter.sdg_goal = r.sdg_goal();
  for (absl::string_view word : absl::StrSplit(jp::Nfkc(r.query()), ' ', absl::SkipEmpty())) {
    std::string folded = jp::SearchFold(word);
    if (!folded.empty()) filter.words.push_back(std::move(folded));
  }
  const std::string key = absl::StrCat(r.parent(), "|", r.query(), "|", r.department(), "|",
                                       r.sdg_goal(), "|", r.tag(), "|", r.level());
  SOKEI_ASSIGN_OR_RETURN(auto page, api::ParsePage(r.page_size(), r.page_token(), key));
  std::vector<pb::Node> all;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    std::vector<Record> recs;
    std::set<std::string> visible_plans;
    if (parent.Id("plans") == "-") {
      SOKEI_ASSIGN_OR_RETURN(auto plans,
                             tx.ListCollection(Kind::kPlan, parent.Prefix("municipalities")));
      for (const Record& pr : plans) {
        SOKEI_ASSIGN_OR_RETURN(auto plan, Decode<pb::Plan>(pr));
        if (CheckPlanVisible(p, plan).ok()) visible_plans.insert(plan.name());
      }
      SOKEI_ASSIGN_OR_RETURN(recs, tx.ListMunicipality(Kind::kNode, parent.municipality()));
    } else {
      SOKEI_ASSIGN_OR_RETURN(auto plan, LoadOrNotFound<pb::Plan>(tx, Kind::kPlan, r.parent()));
      SOKEI_RETURN_IF_ERROR(CheckPlanVisible(p, plan));
      visible_plans.insert(plan.name());
      SOKEI_ASSIGN_OR_RETURN(recs, tx.ListCollection(Kind::kNode, r.parent()));
    }
    for (const Record& rec : recs) {
      if (visible_plans.count(rec.plan) == 0) continue;
      SOKEI_ASSIGN_OR_RETURN(auto node, Decode<pb::Node>(rec));
      if (filter.Matches(node)) all.push_back(std::move(node));
    }
    return absl::OkStatus();
  }));
  pb::SearchNodesResponse resp;
  const int64_t total = static_cast<int64_t>(all.size());
  for (auto& n : Paginate(std::move(all), page)) *resp.add_nodes() = std::move(n);
  resp.set_next_page_token(api::NextPageToken(page, total, key));
  return resp;
}

absl::StatusOr<pb::Node> PlanDomain::UpdateNode(const Principal& p,
                                                const pb::UpdateNodeRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.node().name(), kNodePattern, "node.name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, name.municipality()));
  return Mutate<pb::Node>(
      p, name.municipality(), "UpdateNode", "", r,
      [&](WriteContext& w, pb::Node* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kNode, name.ToString()));
        if (!rec) return status::NotFound("NODE_NOT_FOUND", name.ToString());
        SOKEI_ASSIGN_OR_RETURN(auto before, Decode<pb::Node>(*rec));
        SOKEI_RETURN_IF_ERROR(
            CheckEtag(Kind::kNode, r.node().etag(), before.etag(), before.name()));
        *out = before;
        SOKEI_RETURN_IF_ERROR(
            ApplyMask(r.node(), r.update_mask(),
                      {"code", "display_name", "sort_key", "sections", "departments", "sdg_goals",
                       "sdg_targets", "tags", "budget_codes", "lineage"},
                      out));
        SOKEI_ASSIGN_OR_RETURN(auto plan, LoadOrNotFound<pb::Plan>(w.tx, Kind::kPlan, rec->plan));
        SOKEI_RETURN_IF_ERROR(ValidateNode(w.tx, plan, *out, name.municipality()));
        Record next = Stamp(
            out, {name.municipality(), rec->plan, rec->collection, out->code(), out->sort_key()},
            w.now, &*rec);
        SOKEI_RETURN_IF_ERROR(UpdateCoded(w.tx, Kind::kNode, next, "node.code"));
        return w.Audit(name.municipality(), out->name(), &before, out);
      });
}

absl::StatusOr<Empty> PlanDomain::DeleteNode(const Principal& p, const pb::DeleteNodeRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kNodePattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, name.municipality()));
  return Mutate<Empty>(
      p, name.municipality(), "DeleteNode", "", r, [&](WriteContext& w, Empty*) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto before, LoadOrNotFound<pb::Node>(w.tx, Kind::kNode, r.name()));
        SOKEI_RETURN_IF_ERROR(CheckEtag(Kind::kNode, r.etag(), before.etag(), before.name()));
        const std::string plan = name.Prefix("plans");
        SOKEI_ASSIGN_OR_RETURN(auto node_recs, w.tx.ListPlan(Kind::kNode, plan));
        SOKEI_ASSIGN_OR_RETURN(auto nodes, DecodeAll<pb::Node>(node_recs));
        const std::set<std::string> doomed = Subtree(nodes, r.name());
        SOKEI_ASSIGN_OR_RETURN(auto link_recs, w.tx.ListPlan(Kind::kLink, plan));
        std::vector<std::string> doomed_links;
        for (const Record& lr : link_recs) {
          SOKEI_ASSIGN_OR_RETURN(auto link, Decode<pb::PackageLink>(lr));
          if (doomed.count(link.node())) doomed_links.push_back(link.name());
        }
        if (!r.force() && (doomed.size() > 1 || !doomed_links.empty())) {
          return status::FailedPrecondition(
              "NODE_HAS_CHILDREN",
              {"HAS_CHILDREN", r.name(),
               absl::StrCat("has ", doomed.size() - 1, " descendant node(s) and ",
                            doomed_links.size(),
                            " package link(s); pass force to delete them too")});
        }
        for (const auto& l : doomed_links) SOKEI_RETURN_IF_ERROR(w.tx.Delete(Kind::kLink, l));
        for (const auto& n : doomed) SOKEI_RETURN_IF_ERROR(w.tx.Delete(Kind::kNode, n));
        return w.Audit(name.municipality(), r.name(), &before, nullptr);
      });
}

absl::StatusOr<pb::Node> PlanDomain::MoveNode(const Principal& p, const pb::MoveNodeRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kNodePattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, name.municipality()));
  return Mutate<pb::Node>(
      p, name.municipality(), "MoveNode", "", r,
      [&](WriteContext& w, pb::Node* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kNode, r.name()));
        if (!rec) return status::NotFound("NODE_NOT_FOUND", r.name());
        SOKEI_ASSIGN_OR_RETURN(auto before, Decode<pb::Node>(*rec));
        SOKEI_RETURN_IF_ERROR(CheckEtag(Kind::kNode, r.etag(), before.etag(), before.name()));
        if (!r.new_parent().empty()) {
          SOKEI_ASSIGN_OR_RETURN(auto pn,
                                 api::ParseName(r.new_parent(), kNodePattern, "new_parent"));
          if (pn.Prefix("plans") != rec->plan) {
            return status::InvalidField("NODE_PARENT_INVALID", "new_parent",
                                        "must be a node of the same plan");
          }
          SOKEI_ASSIGN_OR_RETURN(auto node_recs, w.tx.ListPlan(Kind::kNode, rec->plan));
          SOKEI_ASSIGN_OR_RETURN(auto nodes, DecodeAll<pb::Node>(node_recs));
          if (Subtree(nodes, r.name()).count(r.new_parent())) {
            return status::FailedPrecondition(
                "NODE_CYCLE",
                {"CYCLE", r.name(), "cannot move a node under itself or one of its descendants"});
          }
          SOKEI_ASSIGN_OR_RETURN(auto np, Load<pb::Node>(w.tx, Kind::kNode, r.new_parent()));
          if (!np)
            return status::InvalidField("NODE_PARENT_INVALID", "new_parent", "does not exist");
          if (np->level() != before.level() - 1) {
            return status::FailedPrecondition(
                "NODE_LEVEL_MISMATCH",
                {"LEVEL", r.name(),
                 absl::StrCat("is at level ", before.level(), " and needs a parent at level ",
                              before.level() - 1, "; the new parent is at level ", np->level())});
          }
        } else if (before.level() != 1) {
          return status::FailedPrecondition(
              "NODE_LEVEL_MISMATCH",
              {"LEVEL", r.name(), "only a level-1 node can be moved to the root"});
        }
        *out = before;
        out->set_parent(r.new_parent());
        out->set_sort_key(r.sort_key());
        Record next = Stamp(
            out, {name.municipality(), rec->plan, rec->collection, out->code(), out->sort_key()},
            w.now, &*rec);
        SOKEI_RETURN_IF_ERROR(w.tx.Update(Kind::kNode, next));
        return w.Audit(name.municipality(), out->name(), &before, out);
      });
}

// ---------------------------------------------------------------------------------------------
// Packages and links

namespace {

// Package codes repeat under different parents ((1), (2) under each 重点戦略): unique among
// siblings.
std::string PackageCodeKey(const pb::Package& pkg) {
  return pkg.code().empty() ? "" : absl::StrCat(pkg.parent(), "|", pkg.code());
}

absl::Status ValidatePackage(PlanTx& tx, const pb::Package& pkg, const std::string& plan) {
  Violations v;
  v.Text("package.display_name", pkg.display_name(), kMaxTitleChars, true);
  v.Text("package.code", pkg.code(), kMaxCodeChars, false);
  v.Text("package.kind_label", pkg.kind_label(), kMaxLabelChars, false);
  if (pkg.kind() == pb::PACKAGE_KIND_UNSPECIFIED) {
    v.Add("package.kind",
          "is required (PRIORITY_STRATEGY, PRIORITY_PROJECT, STRATEGY_GOAL or OTHER)");
  }
  v.Sections("package.sections", pkg.sections());
  v.Labels("package.tags", pkg.tags(), kMaxCodeChars);
  v.SdgGoals("package.sdg_goals", pkg.sdg_goals());
  v.Labels("package.indicator_titles", pkg.indicator_titles(), kMaxTitleChars);
  SOKEI_RETURN_IF_ERROR(v.ToStatus("PACKAGE_INVALID"));
  if (!pkg.parent().empty()) {
    SOKEI_ASSIGN_OR_RETURN(auto pn,
                           api::ParseName(pkg.parent(), kPackagePattern, "package.parent"));
    if (pn.Prefix("plans") != plan) {
      return status::InvalidField("PACKAGE_PARENT_INVALID", "package.parent",
                                  "must be a package of the same plan");
    }
    // Walk up: the parent must exist and the chain must not come back to this package.
    std::string cur = pkg.parent();
    for (int depth = 0; !cur.empty(); ++depth) {
      if (cur == pkg.name() || depth > 10) {
        return status::FailedPrecondition(
            "PACKAGE_CYCLE", {"CYCLE", pkg.name(), "a package cannot be its own ancestor"});
      }
      SOKEI_ASSIGN_OR_RETURN(auto up, Load<pb::Package>(tx, Kind::kPackage, cur));
      if (!up)
        return status::InvalidField("PACKAGE_PARENT_INVALID", "package.parent", "does not exist");
      cur = up->parent();
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<pb::Package> PlanDomain::CreatePackage(const Principal& p,
                                                      const pb::CreatePackageRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kPlanPattern, "parent"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, parent.municipality()));
  SOKEI_RETURN_IF_ERROR(CheckId("package_id", r.package_id()));
  return Mutate<pb::Package>(
      p, parent.municipality(), "CreatePackage", r.request_id(), r,
      [&](WriteContext& w, pb::Package* out) -> absl::Status {
        SOKEI_RETURN_IF_ERROR(LoadOrNotFound<pb::Plan>(w.tx, Kind::kPlan, r.parent()).status());
        *out = r.package();
        out->set_name(absl::StrCat(r.parent(), "/packages/", r.package_id()));
        SOKEI_RETURN_IF_ERROR(ValidatePackage(w.tx, *out, r.parent()));
        Record rec = Stamp(
            out,
            {parent.municipality(), r.parent(), r.parent(), PackageCodeKey(*out), out->sort_key()},
            w.now, nullptr);
        SOKEI_RETURN_IF_ERROR(InsertCoded(w.tx, Kind::kPackage, rec, "package.code"));
        return w.Audit(parent.municipality(), out->name(), nullptr, out);
      });
}

absl::StatusOr<pb::Package> PlanDomain::GetPackage(const Principal& p,
                                                   const pb::GetPackageRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kPackagePattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, name.municipality()));
  pb::Package out;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    SOKEI_RETURN_IF_ERROR(CheckPlanVisibleByName(tx, p, name.Prefix("plans")));
    SOKEI_ASSIGN_OR_RETURN(out, LoadOrNotFound<pb::Package>(tx, Kind::kPackage, r.name()));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<pb::ListPackagesResponse> PlanDomain::ListPackages(
    const Principal& p, const pb::ListPackagesRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kPlanPattern, "parent"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, parent.municipality()));
  SOKEI_ASSIGN_OR_RETURN(auto f, api::ParseFilter(r.filter(), {"kind", "parent"}));
  if (f.count("kind") && pb::PackageKind_descriptor()->FindValueByName(f["kind"]) == nullptr) {
    return status::InvalidField("FILTER_INVALID", "filter", "kind is not a PackageKind value");
  }
  const std::string key = absl::StrCat(r.parent(), "|", r.filter());
  SOKEI_ASSIGN_OR_RETURN(auto page, api::ParsePage(r.page_size(), r.page_token(), key));
  std::vector<pb::Package> all;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    SOKEI_RETURN_IF_ERROR(CheckPlanVisibleByName(tx, p, r.parent()));
    SOKEI_ASSIGN_OR_RETURN(auto recs, tx.ListCollection(Kind::kPackage, r.parent()));
    SOKEI_ASSIGN_OR_RETURN(all, DecodeAll<pb::Package>(recs));
    return absl::OkStatus();
  }));
  all.erase(std::remove_if(all.begin(), all.end(),
                           [&](const pb::Package& pkg) {
                             if (f.count("kind") && pb::PackageKind_Name(pkg.kind()) != f["kind"])
                               return true;
                             if (f.count("parent") && pkg.parent() != f["parent"]) return true;
                             return false;
                           }),
            all.end());
  pb::ListPackagesResponse resp;
  const int64_t total = static_cast<int64_t>(all.size());
  for (auto& x : Paginate(std::move(all), page)) *resp.add_packages() = std::move(x);
  resp.set_next_page_token(api::NextPageToken(page, total, key));
  return resp;
}

absl::StatusOr<pb::Package> PlanDomain::UpdatePackage(const Principal& p,
                                                      const pb::UpdatePackageRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name,
                         api::ParseName(r.package().name(), kPackagePattern, "package.name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, name.municipality()));
  return Mutate<pb::Package>(
      p, name.municipality(), "UpdatePackage", "", r,
      [&](WriteContext& w, pb::Package* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kPackage, name.ToString()));
        if (!rec) return status::NotFound("PACKAGE_NOT_FOUND", name.ToString());
        SOKEI_ASSIGN_OR_RETURN(auto before, Decode<pb::Package>(*rec));
        SOKEI_RETURN_IF_ERROR(
            CheckEtag(Kind::kPackage, r.package().etag(), before.etag(), before.name()));
        *out = before;
        SOKEI_RETURN_IF_ERROR(
            ApplyMask(r.package(), r.update_mask(),
                      {"code", "display_name", "kind", "kind_label", "parent", "sort_key",
                       "sections", "tags", "sdg_goals", "indicator_titles"},
                      out));
        SOKEI_RETURN_IF_ERROR(ValidatePackage(w.tx, *out, rec->plan));
        Record next = Stamp(out,
                            {name.municipality(), rec->plan, rec->collection, PackageCodeKey(*out),
                             out->sort_key()},
                            w.now, &*rec);
        SOKEI_RETURN_IF_ERROR(UpdateCoded(w.tx, Kind::kPackage, next, "package.code"));
        return w.Audit(name.municipality(), out->name(), &before, out);
      });
}

absl::StatusOr<Empty> PlanDomain::DeletePackage(const Principal& p,
                                                const pb::DeletePackageRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kPackagePattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, name.municipality()));
  return Mutate<Empty>(
      p, name.municipality(), "DeletePackage", "", r, [&](WriteContext& w, Empty*) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto before,
                               LoadOrNotFound<pb::Package>(w.tx, Kind::kPackage, r.name()));
        SOKEI_RETURN_IF_ERROR(CheckEtag(Kind::kPackage, r.etag(), before.etag(), before.name()));
        SOKEI_ASSIGN_OR_RETURN(auto pkg_recs, w.tx.ListPlan(Kind::kPackage, name.Prefix("plans")));
        // The package and its sub-packages, found by walking parents.
        std::set<std::string> doomed{r.name()};
        for (bool grew = true; grew;) {
          grew = false;
          for (const Record& pr : pkg_recs) {
            SOKEI_ASSIGN_OR_RETURN(auto pkg, Decode<pb::Package>(pr));
            if (doomed.count(pkg.parent()) && doomed.insert(pkg.name()).second) grew = true;
          }
        }
        std::vector<std::string> links;
        for (const auto& pkg : doomed) {
          SOKEI_ASSIGN_OR_RETURN(auto lrs, w.tx.ListCollection(Kind::kLink, pkg));
          for (const Record& lr : lrs) links.push_back(lr.name);
        }
        if (!r.force() && (doomed.size() > 1 || !links.empty())) {
          return status::FailedPrecondition(
              "PACKAGE_HAS_CHILDREN",
              {"HAS_CHILDREN", r.name(),
               absl::StrCat("has ", doomed.size() - 1, " sub-package(s) and ", links.size(),
                            " link(s); pass force to delete them too")});
        }
        for (const auto& l : links) SOKEI_RETURN_IF_ERROR(w.tx.Delete(Kind::kLink, l));
        for (const auto& pkg : doomed) SOKEI_RETURN_IF_ERROR(w.tx.Delete(Kind::kPackage, pkg));
        return w.Audit(name.municipality(), r.name(), &before, nullptr);
      });
}

absl::StatusOr<pb::PackageLink> PlanDomain::CreatePackageLink(
    const Principal& p, const pb::CreatePackageLinkRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kPackagePattern, "parent"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, parent.municipality()));
  SOKEI_ASSIGN_OR_RETURN(auto node, api::ParseName(r.link().node(), kNodePattern, "link.node"));
  if (node.Prefix("plans") != parent.Prefix("plans")) {
    return status::InvalidField("PACKAGE_LINK_INVALID", "link.node",
                                "must be a node of the package's plan");
  }
  const std::string link_id = r.link_id().empty() ? node.Id("nodes") : r.link_id();
  SOKEI_RETURN_IF_ERROR(CheckId("link_id", link_id));
  Violations v;
  if (r.link().role() == pb::PACKAGE_LINK_ROLE_UNSPECIFIED)
    v.Add("link.role", "is required (PRIMARY, CONTRIBUTING or RELATED)");
  v.Text("link.note", r.link().note(), kMaxBodyChars, false);
  SOKEI_RETURN_IF_ERROR(v.ToStatus("PACKAGE_LINK_INVALID"));
  return Mutate<pb::PackageLink>(
      p, parent.municipality(), "CreatePackageLink", r.request_id(), r,
      [&](WriteContext& w, pb::PackageLink* out) -> absl::Status {
        SOKEI_RETURN_IF_ERROR(
            LoadOrNotFound<pb::Package>(w.tx, Kind::kPackage, r.parent()).status());
        SOKEI_ASSIGN_OR_RETURN(auto n, Load<pb::Node>(w.tx, Kind::kNode, r.link().node()));
        if (!n) return status::InvalidField("PACKAGE_LINK_INVALID", "link.node", "does not exist");
        *out = r.link();
        out->set_name(absl::StrCat(r.parent(), "/links/", link_id));
        // The code column holds the node: one link per (package, node).
        Record rec =
            Stamp(out, {parent.municipality(), parent.Prefix("plans"), r.parent(), out->node(), 0},
                  w.now, nullptr);
        absl::Status s = w.tx.Insert(Kind::kLink, rec);
        if (absl::IsAlreadyExists(s))
          return status::AlreadyExists("PACKAGE_LINK_ALREADY_EXISTS", out->name());
        SOKEI_RETURN_IF_ERROR(s);
        return w.Audit(parent.municipality(), out->name(), nullptr, out);
      });
}

absl::StatusOr<pb::PackageLink> PlanDomain::GetPackageLink(const Principal& p,
                                                           const pb::GetPackageLinkRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kLinkPattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, name.municipality()));
  pb::PackageLink out;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    SOKEI_RETURN_IF_ERROR(CheckPlanVisibleByName(tx, p, name.Prefix("plans")));
    SOKEI_ASSIGN_OR_RETURN(out, LoadOrNotFound<pb::PackageLink>(tx, Kind::kLink, r.name()));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<pb::ListPackageLinksResponse> PlanDomain::ListPackageLinks(
    const Principal& p, const pb::ListPackageLinksRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kPackagePattern, "parent"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, parent.municipality()));
  SOKEI_ASSIGN_OR_RETURN(auto page, api::ParsePage(r.page_size(), r.page_token(), r.parent()));
  std::vector<pb::PackageLink> all;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    SOKEI_RETURN_IF_ERROR(CheckPlanVisibleByName(tx, p, parent.Prefix("plans")));
    SOKEI_RETURN_IF_ERROR(LoadOrNotFound<pb::Package>(tx, Kind::kPackage, r.parent()).status());
    SOKEI_ASSIGN_OR_RETURN(auto recs, tx.ListCollection(Kind::kLink, r.parent()));
    SOKEI_ASSIGN_OR_RETURN(all, DecodeAll<pb::PackageLink>(recs));
    return absl::OkStatus();
  }));
  pb::ListPackageLinksResponse resp;
  const int64_t total = static_cast<int64_t>(all.size());
  for (auto& x : Paginate(std::move(all), page)) *resp.add_links() = std::move(x);
  resp.set_next_page_token(api::NextPageToken(page, total, r.parent()));
  return resp;
}

absl::StatusOr<Empty> PlanDomain::DeletePackageLink(const Principal& p,
                                                    const pb::DeletePackageLinkRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kLinkPattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, name.municipality()));
  return Mutate<Empty>(
      p, name.municipality(), "DeletePackageLink", "", r,
      [&](WriteContext& w, Empty*) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto before,
                               LoadOrNotFound<pb::PackageLink>(w.tx, Kind::kLink, r.name()));
        SOKEI_RETURN_IF_ERROR(CheckEtag(Kind::kLink, r.etag(), before.etag(), before.name()));
        SOKEI_RETURN_IF_ERROR(w.tx.Delete(Kind::kLink, r.name()));
        return w.Audit(name.municipality(), r.name(), &before, nullptr);
      });
}

absl::StatusOr<pb::PackageMatrix> PlanDomain::GetPackageMatrix(
    const Principal& p, const pb::GetPackageMatrixRequest& r) {
  if (r.level() < 0 || r.level() > 5)
    return status::InvalidField("MATRIX_INVALID", "level", "must be 0 to 5");
  SOKEI_RETURN_IF_ERROR(api::ParseName(r.plan(), kPlanPattern, "plan").status());
  pb::GetPlanTreeRequest tree_request;
  tree_request.set_name(r.plan());
  pb::PlanTree tree;
  SOKEI_RETURN_IF_ERROR(GetPlanTree(p, tree_request, &tree));
  std::unordered_map<std::string, const pb::Node*> by_name;
  for (const auto& tn : tree.nodes()) by_name[tn.node().name()] = &tn.node();
  std::unordered_map<std::string, std::string> top_package;  // package → its top-level ancestor
  std::unordered_map<std::string, const pb::Package*> pkgs;
  for (const auto& pkg : tree.packages()) pkgs[pkg.name()] = &pkg;
  for (const auto& pkg : tree.packages()) {
    const pb::Package* cur = &pkg;
    for (int guard = 0; !cur->parent().empty() && pkgs.count(cur->parent()) && guard < 10;
         ++guard) {
      cur = pkgs[cur->parent()];
    }
    top_package[pkg.name()] = cur->name();
  }
  int level = r.level();
  if (level == 0) {
    for (const auto& link : tree.links()) {
      auto it = by_name.find(link.node());
      if (it != by_name.end()) level = std::max(level, it->second->level());
    }
    if (level == 0) level = 1;
  }
  // The ancestor of a node at `level` (or the node itself when shallower).
  auto row_of = [&](const pb::Node* n) {
    while (n->level() > level && by_name.count(n->parent())) n = by_name[n->parent()];
    return n;
  };
  std::map<std::string, std::map<std::string, std::vector<std::string>>>
      cells;  // row → top pkg → nodes
  for (int i = 0; i < tree.links_size(); ++i) {
    auto it = by_name.find(tree.links(i).node());
    if (it == by_name.end()) continue;
    const pb::Node* row = row_of(it->second);
    const std::string& column = top_package[tree.link_packages(i)];
    if (row->level() == level) {
      cells[row->name()][column].push_back(it->second->name());
    } else {
      // A link to a shallower node covers every row below it.
      for (const auto& tn : tree.nodes()) {
        if (tn.node().level() != level) continue;
        const pb::Node* up = &tn.node();
        while (up->level() > row->level() && by_name.count(up->parent()))
          up = by_name[up->parent()];
        if (up == row) cells[tn.node().name()][column].push_back(it->second->name());
      }
    }
  }
  pb::PackageMatrix out;
  std::vector<std::string> columns;
  for (const auto& pkg : tree.packages()) {
    if (pkg.parent().empty()) {
      *out.add_packages() = pkg;
      columns.push_back(pkg.name());
    }
  }
  for (const auto& tn : tree.nodes()) {
    if (tn.node().level() != level) continue;
    auto* row = out.add_rows();
    *row->mutable_node() = tn.node();
    auto it = cells.find(tn.node().name());
    if (it == cells.end()) continue;
    for (const auto& column : columns) {
      auto c = it->second.find(column);
      if (c == it->second.end()) continue;
      auto* cell = row->add_cells();
      cell->set_package(column);
      for (const auto& n : c->second) cell->add_linked_nodes(n);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Audit

absl::StatusOr<pb::ListAuditEventsResponse> PlanDomain::ListAuditEvents(
    const Principal& p, const pb::ListAuditEventsRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto page, api::ReadAuditPage<PlanTx>(repo_, p, r.parent(), r.filter(),
                                                               r.page_size(), r.page_token()));
  pb::ListAuditEventsResponse resp;
  for (const AuditRow& row : page.rows) {
    auto* e = resp.add_audit_events();
    e->set_name(absl::StrCat(r.parent(), "/auditEvents/", row.seq));
    api::FillAuditEvent(row, e);
  }
  resp.set_next_page_token(page.next_page_token);
  return resp;
}

}  // namespace sokei::plan
