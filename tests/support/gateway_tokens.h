// HS256 tokens for the gateway tests: `sub` with one role in municipality `m`, issued by `iss` for
// the audience "sokei", valid for `ttl_seconds` from now (negative: already expired).
#pragma once

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/auth/credentials.h"

namespace sokei::testing {

inline std::string GatewayToken(const std::string& secret, const std::string& iss,
                                const std::string& sub, const std::string& role,
                                const std::string& m, int64_t ttl_seconds = 600) {
  auto t = gateway::SignJwt(
      "HS256", "dev", secret,
      absl::StrCat(R"({"sub":")", sub, R"(","roles":[")", role, R"("],"municipality":")", m,
                   R"(","iss":")", iss, R"(","aud":"sokei","exp":)",
                   absl::ToUnixSeconds(absl::Now()) + ttl_seconds, "}"));
  return t.ok() ? *t : "";
}

}  // namespace sokei::testing
