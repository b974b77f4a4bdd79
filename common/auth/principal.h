// Who is calling: the principal the gateway verified and forwards as x-sokei-* metadata, and the
// policy checks every service applies (roles of docs/architecture.md, "The gateway", municipality scope).
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/config/config.h"

namespace sokei::auth {

enum class Role { kAdmin, kPlanner, kEditor, kViewer, kPublic, kSystem };

// Metadata keys (lower case, as gRPC requires).
inline constexpr char kSubjectKey[] = "x-sokei-subject";
inline constexpr char kRolesKey[] = "x-sokei-roles";                // comma-separated
inline constexpr char kMunicipalityKey[] = "x-sokei-municipality";  // 6-digit code, or * for admin
inline constexpr char kDepartmentsKey[] = "x-sokei-departments";    // comma-separated dept ids
inline constexpr char kProofKey[] = "x-sokei-proof";  // the gateway's signature (identity_proof.h)

struct Principal {
  std::string subject;
  std::set<Role> roles;
  std::string municipality;  // "*" = every municipality (admin only)
  std::set<std::string> departments;
  // The gateway's signed proof of the fields above, forwarded unchanged to other services.
  std::string proof;

  bool Has(Role r) const { return roles.count(r) > 0; }
  // Only the public role: sees published things only.
  bool PublicOnly() const { return Has(Role::kPublic) && roles.size() == 1; }
};

// Reads the principal from metadata. In AuthMode::kDev a call without x-sokei-subject acts as
// {subject "dev", admin of every municipality}; in kMetadata it is UNAUTHENTICATED.
absl::StatusOr<Principal> FromMetadata(const std::multimap<std::string, std::string>& metadata,
                                       config::AuthMode mode);

absl::StatusOr<Role> ParseRole(absl::string_view name);
// The one table of role names (metadata ⇄ Role), in name order.
const std::map<absl::string_view, Role>& RoleNames();

// The metadata that carries `p` to another service (the inverse of FromMetadata).
std::vector<std::pair<std::string, std::string>> ToMetadata(const Principal& p);

// Read access to a municipality's plan data (published-only roles are narrowed by the service).
absl::Status CheckRead(const Principal& p, absl::string_view municipality);
// Write access to plan structure: admin, or planner of that municipality.
absl::Status CheckWriteStructure(const Principal& p, absl::string_view municipality);
// Admin only (creating municipalities).
absl::Status CheckAdmin(const Principal& p);

}  // namespace sokei::auth
