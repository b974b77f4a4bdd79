// Departments: create, rename (former names kept), merge, list.
#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "absl/hash/hash.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "services/plan/domain/plan_internal.h"
#include "services/plan/domain/validation.h"

namespace sokei::plan {

namespace {


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

}  // namespace sokei::plan
