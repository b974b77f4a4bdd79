// What a caller is told when an upstream call fails. A status from a Sokei service always carries
// its google.rpc details (ErrorInfo with a reason) and goes back as it is. A status without them
// was made by the gRPC transport — "failed to connect to all addresses; last error: UNKNOWN:
// ipv4:10.0.3.7:50051: Connection refused" — and names internal addresses, ports and library
// internals: the caller gets the same code with the gateway's own words and reason instead.
#pragma once

#include <grpcpp/support/status.h>

#include <string>

namespace sokei::gateway {

// `service` names the upstream in words a caller may read ("sokei.plan.v1").
grpc::Status ForCaller(const grpc::Status& upstream, const std::string& service);

}  // namespace sokei::gateway
