// Local runs (SOKEI_GATEWAY_DEV=1): an HS256 secret kept in `data_dir`, added to `creds`, and a
// token for each role written to data_dir/dev-tokens.json (mode 0600). Returns the roles for the
// console's sign-in page (a JSON array of role, label and token).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "gateway/auth/credentials.h"

namespace sokei::gateway {

absl::StatusOr<std::string> SetUpDevTokens(const std::string& data_dir, const JwtPolicy& policy,
                                           Credentials* creds);

}  // namespace sokei::gateway
