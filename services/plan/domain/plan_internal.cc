#include "services/plan/domain/plan_internal.h"

namespace sokei::plan {

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

std::string CodeKey(const std::string& code) { return jp::Nfkc(code); }

absl::Status CheckEtag(Kind kind, const std::string& given, const std::string& stored,
                       const std::string& name) {
  if (!given.empty() && given != stored)
    return status::EtagMismatch(Reason(kind, "ETAG_MISMATCH"), name);
  return absl::OkStatus();
}

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

absl::Status RequireMunicipality(PlanTx& tx, const std::string& m) {
  SOKEI_ASSIGN_OR_RETURN(auto rec, tx.Get(Kind::kMunicipality, absl::StrCat("municipalities/", m)));
  if (!rec) return status::NotFound("MUNICIPALITY_NOT_FOUND", absl::StrCat("municipalities/", m));
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

}  // namespace sokei::plan
