// The gateway's settings read in one place: defaults, every problem listed at once, and the key
// files read into credentials.
#include "gateway/server/gateway_config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

namespace sokei::gateway {
namespace {

class GatewayConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v :
         {"SOKEI_GATEWAY_DEV", "SOKEI_GATEWAY_JWT_ISSUER", "SOKEI_GATEWAY_JWT_KEYS",
          "SOKEI_GATEWAY_JWKS_FILE", "SOKEI_GATEWAY_API_KEYS_FILE", "SOKEI_GATEWAY_RATE",
          "SOKEI_GATEWAY_HTTP_ADDR", "SOKEI_GATEWAY_CONSOLE_MUNICIPALITY", "SOKEI_KPI_ADDR",
          "SOKEI_GATEWAY_OIDC_ISSUER", "SOKEI_REDIS_ADDR", "SOKEI_GATEWAY_IDENTITY_KEY_FILE"}) {
      unsetenv(v);
    }
  }
};

TEST_F(GatewayConfigTest, DevDefaults) {
  setenv("SOKEI_GATEWAY_DEV", "1", 1);
  auto c = LoadGatewayConfig();
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->dev);
  EXPECT_EQ(c->jwt.issuer, "sokei-dev");
  EXPECT_EQ(c->http_addr, "127.0.0.1:8080");
  EXPECT_EQ(c->upstreams.at("sokei.kpi.v1"), "127.0.0.1:50052");
  EXPECT_EQ(c->rate_per_second, 50);
}

TEST_F(GatewayConfigTest, EveryProblemIsListedAtOnce) {
  setenv("SOKEI_GATEWAY_RATE", "many", 1);
  setenv("SOKEI_GATEWAY_HTTP_ADDR", "nowhere", 1);
  setenv("SOKEI_GATEWAY_CONSOLE_MUNICIPALITY", "14214", 1);
  setenv("SOKEI_GATEWAY_JWT_KEYS", "k1=RS256", 1);
  auto c = LoadGatewayConfig();
  ASSERT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string m(c.status().message());
  for (const char* name : {"SOKEI_GATEWAY_RATE", "SOKEI_GATEWAY_HTTP_ADDR",
                           "SOKEI_GATEWAY_CONSOLE_MUNICIPALITY", "SOKEI_GATEWAY_JWT_KEYS",
                           "SOKEI_GATEWAY_JWT_ISSUER", "SOKEI_GATEWAY_IDENTITY_KEY_FILE"}) {
    EXPECT_NE(m.find(name), std::string::npos) << name << " in: " << m;
  }
}

TEST_F(GatewayConfigTest, KeyFilesBecomeCredentials) {
  const std::string dir = ::testing::TempDir();
  const std::string keys = dir + "/api-keys.txt";
  std::ofstream(keys) << "# hashed keys\n"
                      << std::string(64, 'a') << " integration 142140 viewer\n";
  setenv("SOKEI_GATEWAY_JWT_ISSUER", "https://idp.example.jp", 1);
  setenv("SOKEI_GATEWAY_DEV", "1", 1);
  setenv("SOKEI_GATEWAY_API_KEYS_FILE", keys.c_str(), 1);
  auto c = LoadGatewayConfig();
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(LoadCredentials(*c).ok());
  std::ofstream(keys) << "not a key line\n";
  EXPECT_EQ(LoadCredentials(*c).status().code(), absl::StatusCode::kInvalidArgument);
  setenv("SOKEI_GATEWAY_JWKS_FILE", (dir + "/missing.json").c_str(), 1);
  auto missing = LoadGatewayConfig();
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(LoadCredentials(*missing).ok()) << "an unreadable key file stops the start";
}

TEST_F(GatewayConfigTest, TheIdentityKeySignsWhatIsForwarded) {
  setenv("SOKEI_GATEWAY_DEV", "1", 1);
  auto dev = LoadGatewayConfig();
  ASSERT_TRUE(dev.ok()) << dev.status();
  auto none = LoadIdentitySigner(*dev);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, nullptr) << "dev mode without a key forwards unsigned";

  auto pair = auth::GenerateIdentityKeyPair();
  ASSERT_TRUE(pair.ok());
  const std::string path = ::testing::TempDir() + "/identity.key";
  std::ofstream(path) << pair->private_pem;
  unsetenv("SOKEI_GATEWAY_DEV");
  setenv("SOKEI_GATEWAY_JWT_ISSUER", "https://idp.example.jp", 1);
  setenv("SOKEI_GATEWAY_JWKS_FILE", path.c_str(), 1);  // present; not read here
  setenv("SOKEI_GATEWAY_IDENTITY_KEY_FILE", path.c_str(), 1);
  auto c = LoadGatewayConfig();
  ASSERT_TRUE(c.ok()) << c.status();
  auto signer = LoadIdentitySigner(*c);
  ASSERT_TRUE(signer.ok()) << signer.status();
  ASSERT_NE(*signer, nullptr);
  auth::Principal p;
  p.subject = "s";
  p.roles = {auth::Role::kViewer};
  p.municipality = "142140";
  p.proof = (*signer)->Sign(p, absl::Now());
  auto verifier = auth::ProofVerifier::FromPem(pair->public_pem);
  ASSERT_TRUE(verifier.ok());
  EXPECT_TRUE((*verifier)->Verify(p, absl::Now()).ok());

  std::ofstream(path) << pair->public_pem;  // a public key cannot sign
  EXPECT_EQ(LoadIdentitySigner(*c).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sokei::gateway
