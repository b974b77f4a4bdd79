// What every service's gRPC adapter does around a domain call: take the Sokei metadata of the
// call (the forwarded principal, the request id) and turn the domain's absl::Status into a
// grpc::Status with google.rpc details, logging INTERNAL and UNAVAILABLE with the request id.
#pragma once

#include <grpcpp/grpcpp.h>

#include <map>
#include <string>

#include "absl/status/status.h"

namespace sokei::grpcx {

// x-sokei-* and x-request-id of the call.
std::multimap<std::string, std::string> SokeiMetadata(const grpc::ServerContext& ctx);

grpc::Status FinishCall(const std::multimap<std::string, std::string>& metadata, const char* method,
                        const absl::Status& s);

}  // namespace sokei::grpcx
