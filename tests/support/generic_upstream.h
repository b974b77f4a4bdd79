// A gRPC server on a free loopback port that hands every call to one generic callback service:
// the scripted upstreams of the gateway's tests (flaky, freezable).
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>

namespace sokei::testing {

// The server (nullptr if it could not start); `*port` its port.
inline std::unique_ptr<grpc::Server> StartGenericUpstream(grpc::CallbackGenericService* service,
                                                         int* port) {
  grpc::ServerBuilder b;
  b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), port);
  b.RegisterCallbackGenericService(service);
  auto server = b.BuildAndStart();
  return *port != 0 ? std::move(server) : nullptr;
}

}  // namespace sokei::testing
