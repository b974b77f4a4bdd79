// Resource names (docs/api.md): municipalities/{m}/plans/{p}/nodes/{n} … Parsing and validation of the
// segments: ids are [a-z0-9-], at most 63 characters; the municipality id is a
// 全国地方公共団体コード.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sokei::api {

// A parsed name: alternating collection / id pairs.
struct ResourceName {
  std::vector<std::pair<std::string, std::string>> parts;  // {"plans", "6th"} …

  const std::string& municipality() const { return parts.front().second; }
  // The id for a collection segment ("plans"), or "" when absent.
  std::string Id(absl::string_view collection) const;
  // The name up to and including `collection`'s id: municipalities/142140/plans/x.
  std::string Prefix(absl::string_view collection) const;
  std::string ToString() const;
};

// Parses `name` against a pattern such as "municipalities/*/plans/*/nodes/*". `field` names the
// request field for the error. A "-" id is accepted only where allow_wildcard is true.
absl::StatusOr<ResourceName> ParseName(absl::string_view name, absl::string_view pattern,
                                       absl::string_view field, bool allow_wildcard = false);

// True for a valid resource id: [a-z0-9-]{1,63}, not starting or ending with '-'.
bool IsValidId(absl::string_view id);

// The municipality segment of any resource name ("" if malformed).
std::string MunicipalityOf(absl::string_view name);

}  // namespace sokei::api
