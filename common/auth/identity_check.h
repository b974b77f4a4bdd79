// How a service decides who is calling: in dev mode the x-sokei-* metadata as sent (a call without
// it acts as a local admin); otherwise the metadata only with a valid proof from the gateway
// (identity_proof.h), so a client on the service port cannot claim to be anyone.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "common/auth/identity_proof.h"
#include "common/auth/principal.h"
#include "common/config/config.h"

namespace sokei::auth {

class IdentityCheck {
 public:
  static IdentityCheck Dev();
  static IdentityCheck Verified(std::shared_ptr<const ProofVerifier> verifier,
                                std::function<absl::Time()> clock = &absl::Now);

  // The caller's principal, or UNAUTHENTICATED (PRINCIPAL_MISSING, PRINCIPAL_INVALID,
  // PRINCIPAL_PROOF_*).
  absl::StatusOr<Principal> Read(const std::multimap<std::string, std::string>& metadata) const;
  bool dev() const { return verifier_ == nullptr; }

 private:
  IdentityCheck() = default;
  std::shared_ptr<const ProofVerifier> verifier_;  // null in dev mode
  std::function<absl::Time()> clock_;
};

// From the service configuration: dev, or the trusted keys of SOKEI_IDENTITY_TRUST_FILE.
absl::StatusOr<IdentityCheck> LoadIdentityCheck(const config::ServiceConfig& cfg);

}  // namespace sokei::auth
