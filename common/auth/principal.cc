#include "common/auth/principal.h"

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status/status.h"

namespace sokei::auth {
namespace {

std::string First(const std::multimap<std::string, std::string>& md, const char* key) {
  auto it = md.find(key);
  return it == md.end() ? std::string() : it->second;
}

bool InMunicipality(const Principal& p, absl::string_view municipality) {
  return p.municipality == municipality || (p.municipality == "*" && p.Has(Role::kAdmin));
}

}  // namespace

const std::map<absl::string_view, Role>& RoleNames() {
  static const std::map<absl::string_view, Role> kRoles = {
      {"admin", Role::kAdmin},   {"planner", Role::kPlanner}, {"editor", Role::kEditor},
      {"viewer", Role::kViewer}, {"public", Role::kPublic},   {"system", Role::kSystem}};
  return kRoles;
}

std::vector<std::pair<std::string, std::string>> ToMetadata(const Principal& p) {
  std::vector<std::string> roles, departments(p.departments.begin(), p.departments.end());
  for (const auto& [name, role] : RoleNames()) {
    if (p.Has(role)) roles.emplace_back(name);
  }
  std::vector<std::pair<std::string, std::string>> out = {{kSubjectKey, p.subject},
                                                          {kRolesKey, absl::StrJoin(roles, ",")},
                                                          {kMunicipalityKey, p.municipality}};
  if (!departments.empty()) out.emplace_back(kDepartmentsKey, absl::StrJoin(departments, ","));
  if (!p.proof.empty()) out.emplace_back(kProofKey, p.proof);
  return out;
}

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  const auto& kRoles = RoleNames();
  auto it = kRoles.find(name);
  if (it == kRoles.end()) {
    return status::Unauthenticated("PRINCIPAL_INVALID", "the caller's role is not recognised");
  }
  return it->second;
}

absl::StatusOr<Principal> FromMetadata(const std::multimap<std::string, std::string>& metadata,
                                       config::AuthMode mode) {
  Principal p;
  p.subject = First(metadata, kSubjectKey);
  if (p.subject.empty()) {
    if (mode == config::AuthMode::kDev) {
      p.subject = "dev";
      p.roles = {Role::kAdmin};
      p.municipality = "*";
      return p;
    }
    return status::Unauthenticated("PRINCIPAL_MISSING", "the call carries no verified principal");
  }
  for (absl::string_view r : absl::StrSplit(First(metadata, kRolesKey), ',', absl::SkipEmpty())) {
    SOKEI_ASSIGN_OR_RETURN(Role role, ParseRole(absl::StripAsciiWhitespace(r)));
    p.roles.insert(role);
  }
  if (p.roles.empty()) {
    return status::Unauthenticated("PRINCIPAL_INVALID", "the caller has no role");
  }
  p.municipality = First(metadata, kMunicipalityKey);
  if (p.municipality.empty() || (p.municipality == "*" && !p.Has(Role::kAdmin))) {
    return status::Unauthenticated("PRINCIPAL_INVALID", "the caller has no municipality");
  }
  for (absl::string_view d :
       absl::StrSplit(First(metadata, kDepartmentsKey), ',', absl::SkipEmpty())) {
    p.departments.insert(std::string(absl::StripAsciiWhitespace(d)));
  }
  p.proof = First(metadata, kProofKey);
  return p;
}

absl::Status CheckRead(const Principal& p, absl::string_view municipality) {
  if (InMunicipality(p, municipality)) return absl::OkStatus();
  return status::PermissionDenied("PERMISSION_DENIED",
                                  "the caller may not access this municipality");
}

absl::Status CheckWriteStructure(const Principal& p, absl::string_view municipality) {
  if (!InMunicipality(p, municipality)) {
    return status::PermissionDenied("PERMISSION_DENIED",
                                    "the caller may not access this municipality");
  }
  if (p.Has(Role::kAdmin) || p.Has(Role::kPlanner)) return absl::OkStatus();
  return status::PermissionDenied("PERMISSION_DENIED",
                                  "only planners (企画課) and admins may change plan structure");
}

absl::Status CheckAdmin(const Principal& p) {
  if (p.Has(Role::kAdmin)) return absl::OkStatus();
  return status::PermissionDenied("PERMISSION_DENIED", "only admins may do this");
}

}  // namespace sokei::auth
