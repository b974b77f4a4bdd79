// gRPC passthrough: a generic callback service that forwards every sokei.* method unchanged to its
// service — unary and streaming alike, byte for byte — after the same authentication, edge
// authorization and rate limit as REST (Gateway::Admit). The caller's deadline goes upstream as
// the remaining budget; cancellation propagates; the status, its details and the trailing metadata
// come back. Non-blocking: reactors on both sides, no thread waits on an upstream. A unary method
// goes upstream as one unary call and back in one write-and-finish (the fewest batches gRPC
// allows); streaming methods are relayed a message at a time.
#pragma once

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gateway/server/gateway.h"

namespace sokei::gateway {

class Passthrough final : public grpc::CallbackGenericService {
 public:
  explicit Passthrough(Gateway* gateway) : gateway_(gateway) {}
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override;

 private:
  Gateway* gateway_;
};

// A gRPC server with the passthrough on `address` (port 0 picks one; the port is in *port).
absl::StatusOr<std::unique_ptr<grpc::Server>> StartPassthrough(const std::string& address,
                                                               Passthrough* passthrough, int* port);

}  // namespace sokei::gateway
