// Gateway credentials: tokens signed here with keys generated here (RSA 2048, EC P-256, an HS256
// secret), and the attacks docs/reliability.md lists — alg none, HS256 signed with the RSA public key,
// unknown kid, expired, not yet valid, wrong iss / aud, oversized, tampered — plus API keys.
#include "gateway/auth/credentials.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/pem.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status/status.h"

namespace sokei::gateway {
namespace {

struct KeyPair {
  std::string private_pem, public_pem;
};

KeyPair Generate(bool ec) {
  EVP_PKEY* k = ec ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                   : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  KeyPair out;
  BIO* priv = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(priv, k, nullptr, nullptr, 0, nullptr, nullptr);
  BUF_MEM* mem = nullptr;
  BIO_get_mem_ptr(priv, &mem);
  out.private_pem.assign(mem->data, mem->length);
  BIO* pub = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(pub, k);
  BIO_get_mem_ptr(pub, &mem);
  out.public_pem.assign(mem->data, mem->length);
  BIO_free(priv);
  BIO_free(pub);
  EVP_PKEY_free(k);
  return out;
}

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);
constexpr char kSecret[] = "a development secret of at least thirty-two bytes";

std::string Claims(int64_t exp_offset = 600, const std::string& extra = "",
                   const std::string& roles = R"(["editor"])") {
  return absl::StrCat(R"({"sub":"sato","iss":"https://idp.city.example.lg.jp","aud":"sokei",)",
                      R"("municipality":"142140","departments":["kikaku"],"roles":)", roles,
                      R"(,"exp":)", absl::ToUnixSeconds(kNow) + exp_offset, extra, "}");
}

class CredentialsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new KeyPair(Generate(false));
    ec_ = new KeyPair(Generate(true));
  }
  void SetUp() override {
    ASSERT_TRUE(creds_.AddPublicKey("rsa-1", "RS256", rsa_->public_pem).ok());
    ASSERT_TRUE(creds_.AddPublicKey("ec-1", "ES256", ec_->public_pem).ok());
    ASSERT_TRUE(creds_.AddHmacSecret("dev", kSecret).ok());
    policy_.issuer = "https://idp.city.example.lg.jp";
    policy_.audience = "sokei";
  }
  std::string Reason(const std::string& token) {
    auto p = creds_.VerifyJwt(token, policy_, kNow);
    if (p.ok()) return "OK";
    EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated);
    auto info = status::GetErrorInfo(p.status());
    return info ? info->reason : "(none)";
  }
  std::string Sign(const std::string& alg, const std::string& kid, const std::string& claims) {
    const std::string& key = alg == "RS256"   ? rsa_->private_pem
                             : alg == "ES256" ? ec_->private_pem
                                              : kSecret;
    auto t = SignJwt(alg, kid, key, claims);
    EXPECT_TRUE(t.ok()) << t.status();
    return t.ok() ? *t : "";
  }
  static inline KeyPair* rsa_ = nullptr;
  static inline KeyPair* ec_ = nullptr;
  Credentials creds_;
  JwtPolicy policy_;
};

TEST_F(CredentialsTest, ValidTokensOfEachAlgorithmGiveThePrincipal) {
  for (const auto& [alg, kid] : std::vector<std::pair<std::string, std::string>>{
           {"RS256", "rsa-1"}, {"ES256", "ec-1"}, {"HS256", "dev"}}) {
    auto p = creds_.VerifyJwt(Sign(alg, kid, Claims()), policy_, kNow);
    ASSERT_TRUE(p.ok()) << alg << ": " << p.status();
    EXPECT_EQ(p->subject, "sato");
    EXPECT_EQ(p->municipality, "142140");
    EXPECT_TRUE(p->Has(auth::Role::kEditor));
    EXPECT_EQ(p->departments, std::set<std::string>{"kikaku"});
  }
  // An audience list works too.
  EXPECT_EQ(Reason(Sign(
                "RS256", "rsa-1",
                absl::StrCat(R"({"sub":"x","iss":"https://idp.city.example.lg.jp",)",
                             R"("aud":["other","sokei"],"municipality":"142140",)",
                             R"("roles":["viewer"],"exp":)", absl::ToUnixSeconds(kNow) + 60, "}"))),
            "OK");
}

TEST_F(CredentialsTest, AttacksAreRefusedWithTheirReason) {
  const std::string good = Sign("RS256", "rsa-1", Claims());
  std::vector<absl::string_view> parts = absl::StrSplit(good, '.');
  // alg "none", with and without a signature.
  const std::string none_header = Base64UrlEncode(R"({"alg":"none","kid":"rsa-1"})");
  EXPECT_EQ(Reason(absl::StrCat(none_header, ".", parts[1], ".")), "TOKEN_ALG_NOT_ALLOWED");
  EXPECT_EQ(Reason(absl::StrCat(none_header, ".", parts[1], ".", parts[2])),
            "TOKEN_ALG_NOT_ALLOWED");
  // Key confusion: HS256 "signed" with the RSA public key, naming the RSA key.
  auto confused = SignJwt("HS256", "rsa-1", rsa_->public_pem, Claims());
  ASSERT_TRUE(confused.ok());
  EXPECT_EQ(Reason(*confused), "TOKEN_ALG_NOT_ALLOWED");
  // A key nobody configured; a token from another key under a known kid.
  EXPECT_EQ(Reason(Sign("RS256", "rsa-9", Claims())), "TOKEN_KID_UNKNOWN");
  auto other = Generate(false);
  auto foreign = SignJwt("RS256", "rsa-1", other.private_pem, Claims());
  ASSERT_TRUE(foreign.ok());
  EXPECT_EQ(Reason(*foreign), "TOKEN_SIGNATURE_INVALID");
  // Tampered claims (roles raised to admin).
  const std::string raised = Base64UrlEncode(Claims(600, "", R"(["admin"])"));
  EXPECT_EQ(Reason(absl::StrCat(parts[0], ".", raised, ".", parts[2])), "TOKEN_SIGNATURE_INVALID");
  // Time: expired beyond the 60 s skew, within it, not yet valid.
  EXPECT_EQ(Reason(Sign("ES256", "ec-1", Claims(-90))), "TOKEN_EXPIRED");
  EXPECT_EQ(Reason(Sign("ES256", "ec-1", Claims(-30))), "OK");
  EXPECT_EQ(Reason(Sign("ES256", "ec-1",
                        Claims(600, absl::StrCat(R"(,"nbf":)", absl::ToUnixSeconds(kNow) + 300)))),
            "TOKEN_NOT_YET_VALID");
  // Issuer and audience.
  policy_.issuer = "https://idp.other.example.jp";
  EXPECT_EQ(Reason(good), "TOKEN_ISSUER_INVALID");
  policy_.issuer = "https://idp.city.example.lg.jp";
  policy_.audience = "another-system";
  EXPECT_EQ(Reason(good), "TOKEN_AUDIENCE_INVALID");
  policy_.audience = "sokei";
  // A 16 KB token; garbage; missing claims; an unknown role; "*" without admin.
  EXPECT_EQ(Reason(Sign("HS256", "dev",
                        Claims(600, absl::StrCat(R"(,"pad":")", std::string(16000, 'x'), "\"")))),
            "TOKEN_TOO_LARGE");
  EXPECT_EQ(Reason("not.a.jwt!"), "TOKEN_MALFORMED");
  EXPECT_EQ(Reason("abc"), "TOKEN_MALFORMED");
  EXPECT_EQ(
      Reason(Sign("HS256", "dev", R"({"sub":"x","roles":["viewer"],"municipality":"142140"})")),
      "TOKEN_CLAIMS_INVALID");
  EXPECT_EQ(Reason(Sign("HS256", "dev", Claims(600, "", R"(["superuser"])"))),
            "TOKEN_CLAIMS_INVALID");
  EXPECT_EQ(Reason(Sign("HS256", "dev", Claims(600, "", R"(["system"])"))), "TOKEN_CLAIMS_INVALID");
  EXPECT_EQ(
      Reason(Sign("HS256", "dev",
                  absl::StrCat(R"({"sub":"x","iss":"https://idp.city.example.lg.jp",)",
                               R"("aud":"sokei","municipality":"*","roles":["planner"],"exp":)",
                               absl::ToUnixSeconds(kNow) + 60, "}"))),
      "TOKEN_CLAIMS_INVALID");
}

TEST_F(CredentialsTest, KeysAreCheckedWhenConfigured) {
  Credentials c;
  EXPECT_FALSE(c.AddPublicKey("k", "RS256", ec_->public_pem).ok()) << "an EC key is no RS256 key";
  EXPECT_FALSE(c.AddPublicKey("k", "HS256", rsa_->public_pem).ok());
  EXPECT_FALSE(c.AddPublicKey("k", "RS256", "not a pem").ok());
  EXPECT_FALSE(c.AddHmacSecret("k", "short").ok());
  ASSERT_TRUE(c.AddPublicKey("k", "RS256", rsa_->public_pem).ok());
  EXPECT_FALSE(c.AddPublicKey("k", "RS256", rsa_->public_pem).ok()) << "a kid twice";
}

TEST_F(CredentialsTest, ApiKeysAreStoredHashedAndScoped) {
  ASSERT_TRUE(
      creds_.AddApiKeyHash(Sha256Hex("key-of-the-budget-system"), "budget", "142140", "viewer")
          .ok());
  EXPECT_FALSE(creds_.AddApiKeyHash(Sha256Hex("x"), "root", "142140", "admin").ok());
  EXPECT_FALSE(creds_.AddApiKeyHash("abc", "short", "142140", "viewer").ok());
  auto p = creds_.VerifyApiKey("key-of-the-budget-system");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->subject, "system:budget");
  EXPECT_TRUE(p->Has(auth::Role::kSystem));
  EXPECT_TRUE(p->Has(auth::Role::kViewer));
  EXPECT_EQ(p->municipality, "142140");
  auto bad = creds_.VerifyApiKey("key-of-the-budget-systen");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace sokei::gateway

namespace sokei::gateway {
namespace {

// A JWK (RFC 7517) of a public key PEM, as an identity provider publishes it.
std::string Jwk(const std::string& public_pem, const std::string& kid,
                const std::string& extra = "") {
  BIO* bio = BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size()));
  EVP_PKEY* k = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  std::string out;
  if (EVP_PKEY_base_id(k) == EVP_PKEY_RSA) {
    BIGNUM *n = nullptr, *e = nullptr;
    EVP_PKEY_get_bn_param(k, "n", &n);
    EVP_PKEY_get_bn_param(k, "e", &e);
    std::string nb(BN_num_bytes(n), '\0'), eb(BN_num_bytes(e), '\0');
    BN_bn2bin(n, reinterpret_cast<unsigned char*>(nb.data()));
    BN_bn2bin(e, reinterpret_cast<unsigned char*>(eb.data()));
    out = absl::StrCat(R"({"kty":"RSA","kid":")", kid, R"(","use":"sig","n":")",
                       Base64UrlEncode(nb), R"(","e":")", Base64UrlEncode(eb), "\"", extra, "}");
    BN_free(n);
    BN_free(e);
  } else {
    unsigned char point[65];
    size_t len = 0;
    EVP_PKEY_get_octet_string_param(k, "pub", point, sizeof point, &len);
    const std::string p(reinterpret_cast<char*>(point), len);
    out = absl::StrCat(R"({"kty":"EC","kid":")", kid, R"(","crv":"P-256","x":")",
                       Base64UrlEncode(p.substr(1, 32)), R"(","y":")",
                       Base64UrlEncode(p.substr(33, 32)), "\"", extra, "}");
  }
  EVP_PKEY_free(k);
  return out;
}

TEST(Jwks, KeysFromAJwksDocumentVerifyTokens) {
  const KeyPair rsa = Generate(false), ec = Generate(true), other = Generate(false);
  Credentials creds;
  ASSERT_TRUE(creds
                  .AddJwks(absl::StrCat(R"({"keys":[)", Jwk(rsa.public_pem, "idp-rsa"), ",",
                                        Jwk(ec.public_pem, "idp-ec", R"(,"alg":"ES256")"), "]}"))
                  .ok());
  JwtPolicy policy;
  policy.issuer = "https://idp.city.example.lg.jp";
  policy.audience = "sokei";
  for (const auto& [alg, kid, pem] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"RS256", "idp-rsa", rsa.private_pem}, {"ES256", "idp-ec", ec.private_pem}}) {
    auto token = SignJwt(alg, kid, pem, Claims());
    ASSERT_TRUE(token.ok());
    auto p = creds.VerifyJwt(*token, policy, kNow);
    ASSERT_TRUE(p.ok()) << alg << ": " << p.status();
    EXPECT_EQ(p->subject, "sato");
  }
  // The kid is bound to its key and its algorithm.
  auto foreign = SignJwt("RS256", "idp-rsa", other.private_pem, Claims());
  EXPECT_FALSE(creds.VerifyJwt(*foreign, policy, kNow).ok());
  auto swapped = SignJwt("RS256", "idp-ec", rsa.private_pem, Claims());
  EXPECT_FALSE(creds.VerifyJwt(*swapped, policy, kNow).ok());
}

TEST(Jwks, DocumentsWithKeysItCannotUseAreRefused) {
  const KeyPair rsa = Generate(false);
  const std::string good = Jwk(rsa.public_pem, "k1");
  for (const std::string& doc : {
           std::string("not json"), std::string(R"({"keys":{}})"),
           absl::StrCat(R"({"keys":[)", Jwk(rsa.public_pem, ""), "]}"),          // no kid
           std::string(R"({"keys":[{"kty":"oct","kid":"s","k":"c2VjcmV0"}]})"),  // symmetric
           absl::StrCat(R"({"keys":[)", Jwk(rsa.public_pem, "k2", R"(,"alg":"HS256")"), "]}"),
           absl::StrCat(R"({"keys":[)", Jwk(rsa.public_pem, "k3", R"(,"use":"enc")"), "]}"),
           std::string(R"({"keys":[{"kty":"EC","kid":"e","crv":"P-384","x":"AA","y":"AA"}]})"),
           std::string(R"({"keys":[{"kty":"RSA","kid":"r","n":"!!","e":"AQAB"}]})"),
           absl::StrCat(R"({"keys":[)", good, ",", good, "]}"),  // the kid twice
       }) {
    Credentials creds;
    EXPECT_FALSE(creds.AddJwks(doc).ok()) << doc.substr(0, 80);
  }
}

}  // namespace
}  // namespace sokei::gateway
