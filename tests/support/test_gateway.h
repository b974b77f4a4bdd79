// A gateway for tests: the services' route table, the development HS256 key `secret`, issuer
// "idp" and audience "sokei", no rate limit — unless `tune` changes the options or adds
// credentials (API keys) first.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/test_identity.h"
#include "gateway/server/gateway.h"

namespace sokei::testing {

inline std::unique_ptr<gateway::Gateway> TestGateway(
    const std::string& secret,
    const std::vector<const google::protobuf::ServiceDescriptor*>& services,
    std::map<std::string, std::shared_ptr<grpc::Channel>> upstreams = {},
    const std::function<void(gateway::GatewayOptions*, gateway::Credentials*)>& tune = nullptr,
    std::function<absl::Time()> clock = &absl::Now) {
  auto routes = gateway::RouteTable::Build(services);
  if (!routes.ok()) {
    ADD_FAILURE() << routes.status();
    return nullptr;
  }
  gateway::Credentials creds;
  EXPECT_TRUE(creds.AddHmacSecret("dev", secret).ok());
  gateway::GatewayOptions o;
  o.jwt.issuer = "idp";
  o.jwt.audience = "sokei";
  o.rate_per_second = 0;
  o.identity_signer = TestIdentity().signer;
  if (tune) tune(&o, &creds);
  return std::make_unique<gateway::Gateway>(std::move(*routes), std::move(creds),
                                            std::move(upstreams), o, std::move(clock));
}

}  // namespace sokei::testing
