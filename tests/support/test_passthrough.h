// The gateway's gRPC passthrough on a free loopback port, for tests: the server, its port, and a
// plan-service client of it. Shut down with the object.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "common/grpcx/upstream.h"
#include "gateway/server/grpc_passthrough.h"
#include "sokei/plan/v1/plan_service.grpc.pb.h"

namespace sokei::testing {

struct TestPassthrough {
  std::unique_ptr<gateway::Passthrough> passthrough;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  std::unique_ptr<plan::v1::PlanService::Stub> plan;  // a client through the passthrough

  std::string address() const { return "127.0.0.1:" + std::to_string(port); }
  ~TestPassthrough() {
    if (server) server->Shutdown();
  }
};

// nullptr when the server cannot start.
inline std::unique_ptr<TestPassthrough> StartTestPassthrough(gateway::Gateway* gateway) {
  auto t = std::make_unique<TestPassthrough>();
  t->passthrough = std::make_unique<gateway::Passthrough>(gateway);
  auto server = gateway::StartPassthrough("127.0.0.1:0", t->passthrough.get(), &t->port);
  if (!server.ok()) return nullptr;
  t->server = std::move(*server);
  t->plan = plan::v1::PlanService::NewStub(grpcx::MakeUpstreamChannel(t->address(), 4 << 20));
  return t;
}

}  // namespace sokei::testing
