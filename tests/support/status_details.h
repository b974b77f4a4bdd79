// What tests read from a failed status: the google.rpc ErrorInfo reason and the first
// BadRequest field ("" when absent).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "common/status/status.h"

namespace sokei::testing {

inline std::string Reason(const absl::Status& s) {
  auto info = status::GetErrorInfo(s);
  return info ? info->reason : "";
}

inline std::string Field(const absl::Status& s) {
  auto v = status::GetFieldViolations(s);
  return v.empty() ? "" : v.front().field;
}

}  // namespace sokei::testing
