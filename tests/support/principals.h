// The callers tests act as: one role in one municipality ("*" for all), optionally with the
// departments the caller belongs to.
#pragma once

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/auth/principal.h"

namespace sokei::testing {

inline auth::Principal TestPrincipal(auth::Role role, std::string municipality = "142140",
                                     std::set<std::string> departments = {}) {
  auth::Principal p;
  p.subject = absl::StrCat("user-", static_cast<int>(role));
  p.roles = {role};
  p.municipality = std::move(municipality);
  p.departments = std::move(departments);
  return p;
}

}  // namespace sokei::testing
