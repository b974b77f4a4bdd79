#include "gateway/auth/credentials.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status/status.h"

namespace sokei::gateway {
namespace {

absl::Status Unauth(const char* reason, const char* message) {
  return status::Unauthenticated(reason, message);
}

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

Pkey ReadPem(const std::string& pem, bool is_private) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return nullptr;
  EVP_PKEY* k = is_private ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr)
                           : PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return Pkey(k);
}

bool Base64UrlDecode(absl::string_view in, std::string* out) {
  if (in.find_first_of("=+/") != absl::string_view::npos) return false;
  return absl::WebSafeBase64Unescape(in, out);
}

std::string HmacSha256(const std::string& secret, absl::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  return std::string(reinterpret_cast<char*>(mac), len);
}

// JWS ES256 signatures are r‖s (32 bytes each); OpenSSL wants DER.
bool RawToDer(const std::string& raw, std::string* der) {
  if (raw.size() != 64) return false;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
  ECDSA_SIG_set0(sig, r, s);
  unsigned char* buf = nullptr;
  const int len = i2d_ECDSA_SIG(sig, &buf);
  ECDSA_SIG_free(sig);
  if (len <= 0) return false;
  der->assign(reinterpret_cast<char*>(buf), len);
  OPENSSL_free(buf);
  return true;
}

bool DerToRaw(const std::string& der, std::string* raw) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) return false;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  raw->assign(64, '\0');
  BN_bn2binpad(r, reinterpret_cast<unsigned char*>(raw->data()), 32);
  BN_bn2binpad(s, reinterpret_cast<unsigned char*>(raw->data()) + 32, 32);
  ECDSA_SIG_free(sig);
  return true;
}

bool VerifyDigest(EVP_PKEY* key, absl::string_view data, const std::string& sig) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                             reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

bool ParseJson(const std::string& json, google::protobuf::Struct* out) {
  return google::protobuf::util::JsonStringToMessage(json, out).ok();
}

std::vector<std::string> Strings(const google::protobuf::Value& v) {
  std::vector<std::string> out;
  if (v.kind_case() == google::protobuf::Value::kStringValue) {
    for (absl::string_view s :
         absl::StrSplit(v.string_value(), absl::ByAnyChar(", "), absl::SkipEmpty())) {
      out.emplace_back(s);
    }
  } else if (v.kind_case() == google::protobuf::Value::kListValue) {
    for (const auto& e : v.list_value().values()) {
      if (e.kind_case() == google::protobuf::Value::kStringValue) out.push_back(e.string_value());
    }
  }
  return out;
}

}  // namespace

struct Credentials::Key {
  std::string alg;
  Pkey pkey;           // RS256 / ES256
  std::string secret;  // HS256
};

Credentials::Credentials() = default;
Credentials::~Credentials() = default;
Credentials::Credentials(Credentials&&) noexcept = default;
Credentials& Credentials::operator=(Credentials&&) noexcept = default;

absl::Status Credentials::AddPublicKey(const std::string& kid, const std::string& alg,
                                       const std::string& pem) {
  if (alg != "RS256" && alg != "ES256") {
    return absl::InvalidArgumentError(
        absl::StrCat("key ", kid, ": algorithm must be RS256 or ES256"));
  }
  auto key = std::make_unique<Key>();
  key->alg = alg;
  key->pkey = ReadPem(pem, false);
  if (!key->pkey)
    return absl::InvalidArgumentError(absl::StrCat("key ", kid, ": not a PEM public key"));
  const int type = EVP_PKEY_base_id(key->pkey.get());
  if ((alg == "RS256" && type != EVP_PKEY_RSA) || (alg == "ES256" && type != EVP_PKEY_EC)) {
    return absl::InvalidArgumentError(absl::StrCat("key ", kid, ": the key does not fit ", alg));
  }
  if (!keys_.emplace(kid, std::move(key)).second) {
    return absl::InvalidArgumentError(absl::StrCat("key ", kid, ": the kid appears twice"));
  }
  return absl::OkStatus();
}

namespace {

// A public key from OpenSSL parameters (RSA n/e, or an EC group and point), as PEM.
absl::StatusOr<std::string> PemFromParams(const char* type, OSSL_PARAM_BLD* bld) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* pkey = nullptr;
  const bool ok = params != nullptr && ctx != nullptr && EVP_PKEY_fromdata_init(ctx) == 1 &&
                  EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1;
  std::string pem;
  if (ok) {
    BIO* bio = BIO_new(BIO_s_mem());
    if (bio != nullptr && PEM_write_bio_PUBKEY(bio, pkey) == 1) {
      BUF_MEM* mem = nullptr;
      BIO_get_mem_ptr(bio, &mem);
      pem.assign(mem->data, mem->length);
    }
    BIO_free(bio);
  }
  EVP_PKEY_free(pkey);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  if (pem.empty()) return absl::InvalidArgumentError("the key parameters do not form a key");
  return pem;
}

std::string Member(const google::protobuf::Struct& o, const char* name) {
  auto it = o.fields().find(name);
  return it == o.fields().end() ? "" : it->second.string_value();
}

}  // namespace

absl::Status Credentials::AddJwks(const std::string& jwks_json) {
  google::protobuf::Struct doc;
  if (!google::protobuf::util::JsonStringToMessage(jwks_json, &doc).ok() ||
      !doc.fields().count("keys") || !doc.fields().at("keys").has_list_value()) {
    return absl::InvalidArgumentError("JWKS: not a JSON object with a \"keys\" array");
  }
  for (const auto& v : doc.fields().at("keys").list_value().values()) {
    if (!v.has_struct_value()) return absl::InvalidArgumentError("JWKS: a key is not an object");
    const auto& k = v.struct_value();
    const std::string kid = Member(k, "kid"), kty = Member(k, "kty"), alg = Member(k, "alg");
    if (kid.empty()) return absl::InvalidArgumentError("JWKS: a key without \"kid\"");
    const std::string use = Member(k, "use");
    if (!use.empty() && use != "sig")
      return absl::InvalidArgumentError(absl::StrCat("JWKS key ", kid, ": not a signing key"));
    auto field = [&](const char* name, std::string* out) {
      return Base64UrlDecode(Member(k, name), out) && !out->empty();
    };
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    absl::StatusOr<std::string> pem = absl::InvalidArgumentError("");
    std::string want_alg;
    if (kty == "RSA") {
      want_alg = "RS256";
      std::string n, e;
      if (!field("n", &n) || !field("e", &e)) {
        pem = absl::InvalidArgumentError("\"n\" and \"e\" must be base64url");
      } else {
        BIGNUM* bn = BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()),
                               static_cast<int>(n.size()), nullptr);
        BIGNUM* be = BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()),
                               static_cast<int>(e.size()), nullptr);
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn);
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be);
        pem = PemFromParams("RSA", bld);
        BN_free(bn);
        BN_free(be);
      }
    } else if (kty == "EC") {
      want_alg = "ES256";
      std::string x, y;
      if (Member(k, "crv") != "P-256") {
        pem = absl::InvalidArgumentError("only the curve P-256 (ES256) is accepted");
      } else if (!field("x", &x) || !field("y", &y) || x.size() != 32 || y.size() != 32) {
        pem = absl::InvalidArgumentError("\"x\" and \"y\" must be 32 bytes of base64url");
      } else {
        const std::string point = std::string("\x04", 1) + x + y;
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
        pem = PemFromParams("EC", bld);
      }
    } else {
      pem = absl::InvalidArgumentError("only RSA and EC signing keys are accepted");
    }
    OSSL_PARAM_BLD_free(bld);
    if (!pem.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("JWKS key ", kid, ": ", pem.status().message()));
    }
    if (!alg.empty() && alg != want_alg) {
      return absl::InvalidArgumentError(
          absl::StrCat("JWKS key ", kid, ": alg ", alg, " does not fit a ", kty, " key"));
    }
    if (auto s = AddPublicKey(kid, want_alg, *pem); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status Credentials::AddHmacSecret(const std::string& kid, const std::string& secret) {
  if (secret.size() < 32)
    return absl::InvalidArgumentError("an HS256 secret needs 32 bytes or more");
  auto key = std::make_unique<Key>();
  key->alg = "HS256";
  key->secret = secret;
  if (!keys_.emplace(kid, std::move(key)).second) {
    return absl::InvalidArgumentError(absl::StrCat("key ", kid, ": the kid appears twice"));
  }
  return absl::OkStatus();
}

absl::Status Credentials::AddApiKeyHash(const std::string& sha256_hex, const std::string& name,
                                        const std::string& municipality,
                                        const std::string& roles_csv) {
  if (sha256_hex.size() != 64)
    return absl::InvalidArgumentError(absl::StrCat("API key ", name, ": not a SHA-256 hex"));
  ApiKey k;
  k.name = name;
  k.principal.subject = absl::StrCat("system:", name);
  k.principal.municipality = municipality;
  k.principal.roles.insert(auth::Role::kSystem);
  for (absl::string_view r : absl::StrSplit(roles_csv, ',', absl::SkipEmpty())) {
    auto role = auth::ParseRole(r);
    if (!role.ok())
      return absl::InvalidArgumentError(absl::StrCat("API key ", name, ": unknown role"));
    if (*role == auth::Role::kAdmin) {
      return absl::InvalidArgumentError(
          absl::StrCat("API key ", name, ": API keys are never admin"));
    }
    k.principal.roles.insert(*role);
  }
  api_keys_[absl::AsciiStrToLower(sha256_hex)] = std::move(k);
  return absl::OkStatus();
}

absl::StatusOr<auth::Principal> Credentials::VerifyApiKey(const std::string& key) const {
  if (key.empty() || key.size() > 256) return Unauth("API_KEY_INVALID", "the API key is not valid");
  auto it = api_keys_.find(Sha256Hex(key));
  if (it == api_keys_.end()) return Unauth("API_KEY_INVALID", "the API key is not valid");
  return it->second.principal;
}

absl::StatusOr<auth::Principal> Credentials::VerifyJwt(const std::string& token,
                                                       const JwtPolicy& policy, absl::Time now,
                                                       absl::Time* expires) const {
  if (token.size() > policy.max_token_bytes)
    return Unauth("TOKEN_TOO_LARGE", "the token is too large");
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) return Unauth("TOKEN_MALFORMED", "the token is not a signed JWT");
  std::string header_json, payload_json, sig;
  if (!Base64UrlDecode(parts[0], &header_json) || !Base64UrlDecode(parts[1], &payload_json) ||
      !Base64UrlDecode(parts[2], &sig)) {
    return Unauth("TOKEN_MALFORMED", "the token is not base64url");
  }
  google::protobuf::Struct header, claims;
  if (!ParseJson(header_json, &header) || !ParseJson(payload_json, &claims)) {
    return Unauth("TOKEN_MALFORMED", "the token's header or claims are not JSON objects");
  }
  const auto& hf = header.fields();
  const std::string alg = hf.count("alg") ? hf.at("alg").string_value() : "";
  std::string kid = hf.count("kid") ? hf.at("kid").string_value() : "";
  if (kid.empty() && keys_.size() == 1) kid = keys_.begin()->first;
  auto it = keys_.find(kid);
  if (it == keys_.end()) return Unauth("TOKEN_KID_UNKNOWN", "the token's key is not known here");
  const Key& key = *it->second;
  // The key decides the algorithm: alg "none", or HS256 against an RSA key, stop here.
  if (alg != key.alg)
    return Unauth("TOKEN_ALG_NOT_ALLOWED", "the token's algorithm is not allowed for its key");
  const absl::string_view signed_part(token.data(), parts[0].size() + 1 + parts[1].size());
  bool ok = false;
  if (key.alg == "HS256") {
    const std::string mac = HmacSha256(key.secret, signed_part);
    ok = mac.size() == sig.size() && CRYPTO_memcmp(mac.data(), sig.data(), sig.size()) == 0;
  } else if (key.alg == "RS256") {
    ok = VerifyDigest(key.pkey.get(), signed_part, sig);
  } else {
    std::string der;
    ok = RawToDer(sig, &der) && VerifyDigest(key.pkey.get(), signed_part, der);
  }
  if (!ok) return Unauth("TOKEN_SIGNATURE_INVALID", "the token's signature does not verify");
  const auto& c = claims.fields();
  auto number = [&](const char* name) -> std::optional<double> {
    auto f = c.find(name);
    if (f == c.end() || f->second.kind_case() != google::protobuf::Value::kNumberValue)
      return std::nullopt;
    return f->second.number_value();
  };
  const double t = absl::ToDoubleSeconds(now - absl::UnixEpoch());
  const double skew = absl::ToDoubleSeconds(policy.skew);
  auto exp = number("exp");
  if (!exp) return Unauth("TOKEN_CLAIMS_INVALID", "the token has no expiry");
  if (t > *exp + skew) return Unauth("TOKEN_EXPIRED", "the token has expired");
  if (expires != nullptr)
    *expires = absl::FromUnixSeconds(static_cast<int64_t>(*exp)) + policy.skew;
  if (auto nbf = number("nbf"); nbf && t + skew < *nbf) {
    return Unauth("TOKEN_NOT_YET_VALID", "the token is not valid yet");
  }
  const std::string iss = c.count("iss") ? c.at("iss").string_value() : "";
  if (!policy.issuer.empty() && iss != policy.issuer) {
    return Unauth("TOKEN_ISSUER_INVALID", "the token was issued by someone else");
  }
  if (!policy.audience.empty()) {
    const auto auds = c.count("aud") ? Strings(c.at("aud")) : std::vector<std::string>{};
    if (std::find(auds.begin(), auds.end(), policy.audience) == auds.end()) {
      return Unauth("TOKEN_AUDIENCE_INVALID", "the token is meant for another audience");
    }
  }
  auth::Principal p;
  p.subject = c.count("sub") ? c.at("sub").string_value() : "";
  p.municipality = c.count("municipality") ? c.at("municipality").string_value() : "";
  for (const auto& r : c.count("roles") ? Strings(c.at("roles")) : std::vector<std::string>{}) {
    auto role = auth::ParseRole(r);
    if (!role.ok() || *role == auth::Role::kSystem) {
      return Unauth("TOKEN_CLAIMS_INVALID", "the token names an unknown role");
    }
    p.roles.insert(*role);
  }
  for (const auto& d :
       c.count("departments") ? Strings(c.at("departments")) : std::vector<std::string>{}) {
    p.departments.insert(d);
  }
  if (p.subject.empty() || p.roles.empty() || p.municipality.empty() ||
      (p.municipality == "*" && !p.Has(auth::Role::kAdmin))) {
    return Unauth("TOKEN_CLAIMS_INVALID", "the token lacks sub, roles or municipality");
  }
  return p;
}

absl::StatusOr<std::string> SignJwt(const std::string& alg, const std::string& kid,
                                    const std::string& key, const std::string& claims_json) {
  const std::string header =
      absl::StrCat(R"({"alg":")", alg, R"(","typ":"JWT")",
                   kid.empty() ? "" : absl::StrCat(R"(,"kid":")", kid, "\""), "}");
  const std::string signing =
      absl::StrCat(Base64UrlEncode(header), ".", Base64UrlEncode(claims_json));
  std::string sig;
  if (alg == "HS256") {
    sig = HmacSha256(key, signing);
  } else if (alg == "RS256" || alg == "ES256") {
    Pkey pkey = ReadPem(key, true);
    if (!pkey) return absl::InvalidArgumentError("not a PEM private key");
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t len = 0;
    bool ok =
        EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, pkey.get()) == 1 &&
        EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(signing.data()),
                       signing.size()) == 1;
    std::string der(len, '\0');
    ok = ok && EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(der.data()), &len,
                              reinterpret_cast<const unsigned char*>(signing.data()),
                              signing.size()) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) return absl::InternalError("signing failed");
    der.resize(len);
    if (alg == "ES256") {
      if (!DerToRaw(der, &sig)) return absl::InternalError("signing failed");
    } else {
      sig = std::move(der);
    }
  } else {
    return absl::InvalidArgumentError("alg must be RS256, ES256 or HS256");
  }
  return absl::StrCat(signing, ".", Base64UrlEncode(sig));
}

std::string Sha256Hex(const std::string& data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(md), sizeof(md)));
}

std::string Base64UrlEncode(const std::string& data) {
  std::string out;
  absl::WebSafeBase64Escape(data, &out);  // no padding
  return out;
}

}  // namespace sokei::gateway
