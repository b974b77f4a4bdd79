#include "common/auth/identity_check.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace sokei::auth {

IdentityCheck IdentityCheck::Dev() { return IdentityCheck(); }

IdentityCheck IdentityCheck::Verified(std::shared_ptr<const ProofVerifier> verifier,
                                      std::function<absl::Time()> clock) {
  IdentityCheck c;
  c.verifier_ = std::move(verifier);
  c.clock_ = std::move(clock);
  return c;
}

absl::StatusOr<Principal> IdentityCheck::Read(
    const std::multimap<std::string, std::string>& metadata) const {
  if (verifier_ == nullptr) return FromMetadata(metadata, config::AuthMode::kDev);
  SOKEI_ASSIGN_OR_RETURN(Principal p, FromMetadata(metadata, config::AuthMode::kMetadata));
  SOKEI_RETURN_IF_ERROR(verifier_->Verify(p, clock_()));
  return p;
}

absl::StatusOr<IdentityCheck> LoadIdentityCheck(const config::ServiceConfig& cfg) {
  if (cfg.auth_mode == config::AuthMode::kDev) return IdentityCheck::Dev();
  if (cfg.identity_trust_file.empty()) {
    return status::WithReason(absl::StatusCode::kInvalidArgument,
                              "SOKEI_IDENTITY_TRUST_FILE (the gateway's identity public keys) is "
                              "required when SOKEI_AUTH_MODE=metadata",
                              "CONFIG_INVALID");
  }
  std::ifstream in(cfg.identity_trust_file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    return status::WithReason(absl::StatusCode::kInvalidArgument,
                              "SOKEI_IDENTITY_TRUST_FILE cannot be read", "CONFIG_INVALID");
  }
  auto verifier = ProofVerifier::FromPem(text.str());
  if (!verifier.ok()) {
    return status::WithReason(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat("SOKEI_IDENTITY_TRUST_FILE: ", verifier.status().message()),
        "CONFIG_INVALID");
  }
  return IdentityCheck::Verified(std::shared_ptr<const ProofVerifier>(std::move(*verifier)));
}

}  // namespace sokei::auth
