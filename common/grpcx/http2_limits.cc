#include "common/grpcx/http2_limits.h"

namespace sokei::grpcx {

void ApplyHttp2Limits(grpc::ServerBuilder* builder, grpc::ResourceQuota* quota) {
  builder->AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, kMaxConcurrentStreams);
  builder->AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE, kMaxMetadataBytes);
  // Our own clients ping every 30 s (upstream.cc), also between calls.
  builder->AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                              kMinPingIntervalMs);
  builder->AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, kMaxPingStrikes);
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  quota->Resize(kTransportMemoryBytes);
  builder->SetResourceQuota(*quota);
}

}  // namespace sokei::grpcx
