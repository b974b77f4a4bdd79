#include "common/api/names.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/jp/municipality_code.h"
#include "common/status/status.h"

namespace sokei::api {

bool IsValidId(absl::string_view id) {
  if (id.empty() || id.size() > 63 || id.front() == '-' || id.back() == '-') return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

std::string ResourceName::Id(absl::string_view collection) const {
  for (const auto& [c, id] : parts) {
    if (c == collection) return id;
  }
  return "";
}

std::string ResourceName::Prefix(absl::string_view collection) const {
  std::string out;
  for (const auto& [c, id] : parts) {
    absl::StrAppend(&out, out.empty() ? "" : "/", c, "/", id);
    if (c == collection) break;
  }
  return out;
}

std::string ResourceName::ToString() const { return Prefix(""); }

absl::StatusOr<ResourceName> ParseName(absl::string_view name, absl::string_view pattern,
                                       absl::string_view field, bool allow_wildcard) {
  const std::vector<absl::string_view> got = absl::StrSplit(name, '/');
  const std::vector<absl::string_view> want = absl::StrSplit(pattern, '/');
  auto bad = [&](std::string why) {
    return status::InvalidField("NAME_INVALID", std::string(field), std::move(why));
  };
  if (name.empty()) return bad(absl::StrCat("is required (", pattern, ")"));
  if (got.size() != want.size()) return bad(absl::StrCat("must have the form ", pattern));
  ResourceName out;
  for (size_t i = 0; i + 1 < want.size(); i += 2) {
    if (got[i] != want[i]) return bad(absl::StrCat("must have the form ", pattern));
    const absl::string_view id = got[i + 1];
    if (i == 0) {
      if (!(allow_wildcard && id == "-") && !jp::IsValidMunicipalityCode(id)) {
        return bad(
            "the municipality must be a 6-digit 全国地方公共団体コード with a valid check digit");
      }
    } else if (!(allow_wildcard && id == "-") && !IsValidId(id)) {
      return bad(absl::StrCat("the ", want[i],
                              " id must be lower-case letters, digits and '-', "
                              "at most 63 characters"));
    }
    out.parts.emplace_back(std::string(got[i]), std::string(id));
  }
  return out;
}

std::string MunicipalityOf(absl::string_view name) {
  const std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() < 2 || parts[0] != "municipalities") return "";
  return std::string(parts[1]);
}

}  // namespace sokei::api
