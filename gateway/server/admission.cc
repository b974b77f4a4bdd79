// Admission: who the caller is (API key, bearer token, dev tokens) and whether they may call.
#include <google/protobuf/dynamic_message.h>

#include <algorithm>
#include <optional>
#include <set>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/log/log.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"
#include "gateway/server/gateway.h"
#include "gateway/server/gateway_internal.h"
#include "gateway/transcode/files.h"
#include "gateway/transcode/transcoder.h"

namespace sokei::gateway {

absl::StatusOr<auth::Principal> Gateway::Admit(const std::string& authz, const std::string& api_key,
                                               const std::string& m,
                                               const type::v1::MethodAccess& access) {
  // Authentication: a bearer token or an API key. Client copies of x-sokei-* never pass: the
  // upstream metadata is built from the verified principal alone.
  // Every branch sets it; the refusal for no credentials is built only when it is the answer (a
  // status with details cost more than the rest of a cached read's admission).
  absl::StatusOr<auth::Principal> principal;
  if (absl::StartsWithIgnoreCase(authz, "bearer ")) {
    const std::string token(absl::StripAsciiWhitespace(authz.substr(7)));
    const absl::Time now = clock_();
    std::optional<auth::Principal> cached;
    {
      std::lock_guard<std::mutex> lock(token_mu_);
      auto it = verified_.find(token);
      if (it != verified_.end()) {
        if (now <= it->second.expires) {
          cached = it->second.principal;
        } else {
          verified_.erase(it);
        }
      }
    }
    if (cached) {
      principal = *cached;
    } else {
      absl::Time expires;
      principal = credentials_.VerifyJwt(token, options_.jwt, now, &expires);
      if (principal.ok()) {
        std::lock_guard<std::mutex> lock(token_mu_);
        if (verified_.size() >= 10000) verified_.clear();
        verified_[token] = {*principal, expires};
      }
    }
  } else if (!api_key.empty()) {
    principal = credentials_.VerifyApiKey(api_key);
  } else if (authz.empty() && options_.anonymous_public && !m.empty() &&
             access.level() == type::v1::PUBLIC && access.read_only()) {
    auth::Principal anonymous;
    anonymous.subject = "anonymous";
    anonymous.roles = {auth::Role::kPublic};
    anonymous.municipality = m;
    principal = std::move(anonymous);
  } else {
    principal = status::Unauthenticated(
        "PRINCIPAL_MISSING",
        "send a bearer token (Authorization: Bearer …) or an API key (X-Api-Key)");
  }
  if (!principal.ok()) {
    auto info = status::GetErrorInfo(principal.status());
    CountRejected(info ? info->reason : "UNAUTHENTICATED");
    return principal.status();
  }
  // Edge authorization: the municipality named, and reads versus writes. Object-level rules
  // (department ownership, published-only) stay in the services.
  if (!m.empty() && principal->municipality != "*" && principal->municipality != m) {
    CountRejected("OTHER_MUNICIPALITY");
    return status::PermissionDenied("PERMISSION_DENIED",
                                    "the caller may not act for this municipality");
  }
  if (const Refusal refusal = RoleRefusal(*principal, access); refusal.reason != nullptr) {
    CountRejected(refusal.reason);
    return status::PermissionDenied("PERMISSION_DENIED", refusal.message);
  }
  if (!limiter_->Allow(principal->subject)) {
    CountRejected("RATE_LIMITED");
    return status::ResourceExhausted("RATE_LIMITED", "too many requests; slow down and retry");
  }
  return principal;
}

}  // namespace sokei::gateway
