#include "common/auth/identity_proof.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status/status.h"

namespace sokei::auth {
namespace {

constexpr char kVersion[] = "v1";
constexpr size_t kMaxProofBytes = 256;
constexpr size_t kMaxVerifiedCache = 16384;

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

absl::Status KeyError(const std::string& what) {
  return status::WithReason(absl::StatusCode::kInvalidArgument, what, "IDENTITY_KEY_INVALID");
}

// The key id: the first 8 bytes of the SHA-256 of the raw public key, in hex.
absl::StatusOr<std::string> KidOf(EVP_PKEY* key) {
  unsigned char raw[64];
  size_t len = sizeof(raw);
  if (EVP_PKEY_get_raw_public_key(key, raw, &len) != 1) return KeyError("not an Ed25519 key");
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(raw, len, digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), 8));
}

std::string SignedBytes(absl::string_view kid, int64_t expiry, const std::string& canonical) {
  return absl::StrCat("sokei-proof-", kVersion, "\n", kid, "\n", expiry, "\n", canonical);
}

std::string PemOut(EVP_PKEY* key, bool private_key) {
  Bio bio(BIO_new(BIO_s_mem()));
  const int ok = private_key
                     ? PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr)
                     : PEM_write_bio_PUBKEY(bio.get(), key);
  if (ok != 1) return "";
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

absl::Status ProofError(const char* reason, const char* message) {
  return status::Unauthenticated(reason, message);
}

}  // namespace

std::string CanonicalPrincipal(const Principal& p) {
  std::vector<std::string> roles;
  for (const auto& [name, role] : RoleNames()) {
    if (p.Has(role)) roles.emplace_back(name);
  }
  // Sets are ordered: the same principal always gives the same bytes.
  return absl::StrCat(p.subject, "\n", absl::StrJoin(roles, ","), "\n", p.municipality, "\n",
                      absl::StrJoin(p.departments, ","));
}

absl::StatusOr<IdentityKeyPair> GenerateIdentityKeyPair() {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) return KeyError("cannot generate an Ed25519 key");
  IdentityKeyPair pair{PemOut(key.get(), true), PemOut(key.get(), false)};
  if (pair.private_pem.empty() || pair.public_pem.empty()) return KeyError("cannot write the key");
  return pair;
}

// ---- signer ----

struct ProofSigner::Key {
  Pkey pkey;
};

ProofSigner::ProofSigner(std::unique_ptr<Key> key, std::string kid, absl::Duration lifetime)
    : key_(std::move(key)), kid_(std::move(kid)), lifetime_(lifetime) {}
ProofSigner::~ProofSigner() = default;

absl::StatusOr<std::unique_ptr<ProofSigner>> ProofSigner::FromPem(const std::string& private_pem,
                                                                  absl::Duration lifetime) {
  Bio bio(BIO_new_mem_buf(private_pem.data(), static_cast<int>(private_pem.size())));
  Pkey pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey || EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_ED25519) {
    return KeyError("the identity signing key must be an Ed25519 private key (PEM)");
  }
  if (lifetime < absl::Minutes(1)) return KeyError("the proof lifetime must be a minute or more");
  auto kid = KidOf(pkey.get());
  if (!kid.ok()) return kid.status();
  auto key = std::make_unique<Key>();
  key->pkey = std::move(pkey);
  return std::unique_ptr<ProofSigner>(new ProofSigner(std::move(key), *kid, lifetime));
}

std::string ProofSigner::Sign(const Principal& p, absl::Time now) const {
  const std::string canonical = CanonicalPrincipal(p);
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = cache_.find(canonical);
      it != cache_.end() && it->second.second - now > lifetime_ / 2) {
    return it->second.first;
  }
  const int64_t expiry = absl::ToUnixSeconds(now + lifetime_);
  const std::string msg = SignedBytes(kid_, expiry, canonical);
  unsigned char sig[64];
  size_t sig_len = sizeof(sig);
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_->pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig, &sig_len, reinterpret_cast<const unsigned char*>(msg.data()),
                     msg.size()) != 1) {
    return "";  // the service refuses a call without a proof: fails closed
  }
  std::string token = absl::StrCat(
      kVersion, ".", kid_, ".", expiry, ".",
      absl::WebSafeBase64Escape(absl::string_view(reinterpret_cast<char*>(sig), sig_len)));
  if (cache_.size() > kMaxVerifiedCache) cache_.clear();
  cache_[canonical] = {token, absl::FromUnixSeconds(expiry)};
  return token;
}

// ---- verifier ----

struct ProofVerifier::Key {
  Pkey pkey;
};
ProofVerifier::~ProofVerifier() = default;

absl::StatusOr<std::unique_ptr<ProofVerifier>> ProofVerifier::FromPem(
    const std::string& public_pems) {
  std::unique_ptr<ProofVerifier> v(new ProofVerifier());
  Bio bio(BIO_new_mem_buf(public_pems.data(), static_cast<int>(public_pems.size())));
  while (true) {
    Pkey pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
    if (!pkey) break;
    if (EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_ED25519) {
      return KeyError("every trusted identity key must be an Ed25519 public key");
    }
    auto kid = KidOf(pkey.get());
    if (!kid.ok()) return kid.status();
    auto key = std::make_unique<Key>();
    key->pkey = std::move(pkey);
    v->keys_[*kid] = std::move(key);
  }
  if (v->keys_.empty()) return KeyError("no Ed25519 public key (PEM) among the trusted keys");
  return v;
}

absl::Status ProofVerifier::Verify(const Principal& p, absl::Time now) const {
  if (p.proof.empty()) {
    return ProofError("PRINCIPAL_PROOF_MISSING", "the caller's identity carries no proof");
  }
  if (p.proof.size() > kMaxProofBytes) {
    return ProofError("PRINCIPAL_PROOF_INVALID", "the identity proof is not valid");
  }
  const std::string canonical = CanonicalPrincipal(p);
  const std::string cache_key = absl::StrCat(p.proof, "\n", canonical);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = verified_.find(cache_key); it != verified_.end()) {
      if (now < it->second) return absl::OkStatus();
      return ProofError("PRINCIPAL_PROOF_EXPIRED", "the identity proof has expired");
    }
  }
  std::vector<std::string> parts = absl::StrSplit(p.proof, '.');
  int64_t expiry = 0;
  std::string sig;
  if (parts.size() != 4 || parts[0] != kVersion || !absl::SimpleAtoi(parts[2], &expiry) ||
      !absl::WebSafeBase64Unescape(parts[3], &sig) || sig.size() != 64) {
    return ProofError("PRINCIPAL_PROOF_INVALID", "the identity proof is not valid");
  }
  auto key = keys_.find(parts[1]);
  if (key == keys_.end()) {
    return ProofError("PRINCIPAL_PROOF_KEY_UNKNOWN", "the identity proof's key is not trusted");
  }
  const std::string msg = SignedBytes(parts[1], expiry, canonical);
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key->second->pkey.get()) != 1 ||
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) != 1) {
    return ProofError("PRINCIPAL_PROOF_INVALID", "the identity proof is not valid");
  }
  const absl::Time expires = absl::FromUnixSeconds(expiry);
  if (now >= expires) {
    return ProofError("PRINCIPAL_PROOF_EXPIRED", "the identity proof has expired");
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (verified_.size() >= kMaxVerifiedCache) verified_.clear();
  verified_[cache_key] = expires;
  return absl::OkStatus();
}

}  // namespace sokei::auth
