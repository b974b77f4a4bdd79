// Who is calling the gateway: bearer JWTs (RS256 / ES256 against configured public keys; HS256 only
// when the development secret is configured) and API keys for other government systems (stored as
// SHA-256 hashes, each scoped to a municipality and roles). The result is the principal the
// gateway forwards as x-sokei-* metadata; client-supplied copies of those headers never pass.
//
// Every key has exactly one algorithm: a token whose header names another one (alg "none", HS256
// signed with an RSA public key) is refused before any signature check. Keys come only from
// configuration, never from a URL or a key inside a token.
#pragma once

#include <openssl/evp.h>

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth/principal.h"

namespace sokei::gateway {

struct JwtPolicy {
  std::string issuer;    // required `iss`
  std::string audience;  // required in `aud` (a string or an array)
  absl::Duration skew = absl::Seconds(60);
  size_t max_token_bytes = 8192;
};

class Credentials {
 public:
  Credentials();
  ~Credentials();
  Credentials(Credentials&&) noexcept;
  Credentials& operator=(Credentials&&) noexcept;

  // A public key (PEM, "BEGIN PUBLIC KEY") for `alg` RS256 or ES256 under `kid`.
  absl::Status AddPublicKey(const std::string& kid, const std::string& alg, const std::string& pem);
  // The keys of a JWKS document (RFC 7517, as identity providers publish it, saved to a file by
  // the operator): RSA keys for RS256 and EC P-256 keys for ES256, each under its `kid`; an `alg`
  // member, when present, must say the same. Any other key (symmetric, other curves, encryption
  // keys) refuses the whole document.
  absl::Status AddJwks(const std::string& jwks_json);
  // Development only: an HS256 secret under `kid`.
  absl::Status AddHmacSecret(const std::string& kid, const std::string& secret);
  // An API key: its SHA-256 (hex), the municipality it may act for, and its roles.
  absl::Status AddApiKeyHash(const std::string& sha256_hex, const std::string& name,
                             const std::string& municipality, const std::string& roles_csv);
  bool has_keys() const { return !keys_.empty(); }

  // UNAUTHENTICATED with a reason (TOKEN_MALFORMED, TOKEN_TOO_LARGE, TOKEN_ALG_NOT_ALLOWED,
  // TOKEN_KID_UNKNOWN, TOKEN_SIGNATURE_INVALID, TOKEN_EXPIRED, TOKEN_NOT_YET_VALID,
  // TOKEN_ISSUER_INVALID, TOKEN_AUDIENCE_INVALID, TOKEN_CLAIMS_INVALID) on any failure.
  // `expires`, when given, gets the last moment the token is accepted (exp + skew).
  absl::StatusOr<auth::Principal> VerifyJwt(const std::string& token, const JwtPolicy& policy,
                                            absl::Time now, absl::Time* expires = nullptr) const;
  absl::StatusOr<auth::Principal> VerifyApiKey(const std::string& key) const;

 private:
  struct Key;
  std::map<std::string, std::unique_ptr<Key>> keys_;  // by kid
  struct ApiKey {
    std::string name;
    auth::Principal principal;
  };
  std::map<std::string, ApiKey> api_keys_;  // by SHA-256 hex
};

// Signs a token (development tokens from scripts/run.sh, and tests). `key` is a private key PEM
// for RS256/ES256 or the secret for HS256; `claims_json` the payload object.
absl::StatusOr<std::string> SignJwt(const std::string& alg, const std::string& kid,
                                    const std::string& key, const std::string& claims_json);

std::string Sha256Hex(const std::string& data);
std::string Base64UrlEncode(const std::string& data);

}  // namespace sokei::gateway
