// The HTTP/2 limits every Sokei gRPC port sets (the services' and the gateway's passthrough), so a
// hostile client on one connection cannot take the server's memory or threads: at most 100
// concurrent streams per connection, 16 KiB of request metadata after HPACK decoding, keepalive
// pings no more often than every 10 s without data (a ping flood gets GOAWAY after 2 strikes), and
// the transport's memory bounded by a resource quota. What the library (Debian's gRPC 1.51) cannot
// hold by itself is in docs/deploy.md ("HTTP/2 abuse").
#pragma once

#include <grpcpp/resource_quota.h>
#include <grpcpp/server_builder.h>

#include <cstddef>

namespace sokei::grpcx {

inline constexpr int kMaxConcurrentStreams = 100;
inline constexpr int kMaxMetadataBytes = 16 * 1024;
inline constexpr int kMinPingIntervalMs = 10000;
inline constexpr int kMaxPingStrikes = 2;
inline constexpr size_t kTransportMemoryBytes = size_t{256} << 20;

// Adds the limits to `builder`; `quota` (the builder's resource quota) gets the memory bound.
void ApplyHttp2Limits(grpc::ServerBuilder* builder, grpc::ResourceQuota* quota);

}  // namespace sokei::grpcx
