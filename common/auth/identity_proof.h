// Proof that a principal in x-sokei-* metadata was set by the gateway: a short-lived token, signed
// with the gateway's Ed25519 key over the principal's fields and an expiry, that every service
// checks against the public keys it trusts. A client that reaches a service port directly can
// write any x-sokei-* header but cannot sign them. Services calling each other forward the proof
// they received with the principal (they hold no signing key).
//
// Token: "v1.<kid>.<expiry unix seconds>.<signature, base64url>"; kid is the first 8 bytes of the
// SHA-256 of the raw public key, in hex, so several keys can be trusted at once (rotation).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth/principal.h"

namespace sokei::auth {

// The bytes a proof signs: the principal's fields in a fixed order (roles and departments sorted).
std::string CanonicalPrincipal(const Principal& p);

struct IdentityKeyPair {
  std::string private_pem;  // "BEGIN PRIVATE KEY"
  std::string public_pem;   // "BEGIN PUBLIC KEY"
};
// A fresh Ed25519 key pair (tests; operators use `openssl genpkey -algorithm ed25519`).
absl::StatusOr<IdentityKeyPair> GenerateIdentityKeyPair();

class ProofSigner {
 public:
  // `private_pem`: an Ed25519 private key. A proof is valid for `lifetime`; a cached proof is
  // handed out again until half of it has passed, so a forwarded call always has at least
  // lifetime / 2 left (longer than any deadline the gateway sets).
  static absl::StatusOr<std::unique_ptr<ProofSigner>> FromPem(
      const std::string& private_pem, absl::Duration lifetime = absl::Minutes(10));
  ~ProofSigner();

  // The proof for `p` at `now`.
  std::string Sign(const Principal& p, absl::Time now) const;
  const std::string& kid() const { return kid_; }

 private:
  struct Key;
  ProofSigner(std::unique_ptr<Key> key, std::string kid, absl::Duration lifetime);
  std::unique_ptr<Key> key_;
  std::string kid_;
  absl::Duration lifetime_;
  mutable std::mutex mu_;
  mutable absl::flat_hash_map<std::string, std::pair<std::string, absl::Time>> cache_;
};

class ProofVerifier {
 public:
  // `public_pems`: one or more "BEGIN PUBLIC KEY" blocks, each an Ed25519 key.
  static absl::StatusOr<std::unique_ptr<ProofVerifier>> FromPem(const std::string& public_pems);
  ~ProofVerifier();

  // OK when p.proof is a valid, unexpired proof of exactly p's fields; UNAUTHENTICATED with
  // PRINCIPAL_PROOF_MISSING, PRINCIPAL_PROOF_INVALID, PRINCIPAL_PROOF_KEY_UNKNOWN or
  // PRINCIPAL_PROOF_EXPIRED otherwise.
  absl::Status Verify(const Principal& p, absl::Time now) const;
  size_t key_count() const { return keys_.size(); }

 private:
  struct Key;
  ProofVerifier() = default;
  std::map<std::string, std::unique_ptr<Key>> keys_;  // by kid
  // Proofs already verified (token + canonical principal → expiry): a proof is reused for many
  // calls, and checking a signature costs tens of microseconds.
  mutable std::mutex mu_;
  mutable absl::flat_hash_map<std::string, absl::Time> verified_;
};

}  // namespace sokei::auth
