// The gateway's channels to the services: one per service package, with keepalive and a service
// config generated from the descriptors that retries the read-only methods (access option
// read_only) on UNAVAILABLE — at most 3 attempts with backoff, under gRPC's retry throttling so a
// service that is down is not hammered — and never retries anything else.
#pragma once

#include <google/protobuf/descriptor.h>
#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sokei::gateway {

// gRPC service config (JSON) for the methods of `services`.
std::string RetryServiceConfig(
    const std::vector<const google::protobuf::ServiceDescriptor*>& services);

// package ("sokei.plan.v1") → channel to `addresses.at(package)`, for every service given.
std::map<std::string, std::shared_ptr<grpc::Channel>> MakeUpstreams(
    const std::vector<const google::protobuf::ServiceDescriptor*>& services,
    const std::map<std::string, std::string>& addresses);

}  // namespace sokei::gateway
