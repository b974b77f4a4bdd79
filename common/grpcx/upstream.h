// Calls from one Sokei service to another: a channel with keepalive, the caller's principal
// forwarded as x-sokei-* metadata, the remaining deadline of the request being served, and the
// upstream's failures turned back into absl::Status (UNAVAILABLE with the caller's reason when the
// upstream does not answer).
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/auth/principal.h"

namespace sokei::grpcx {

// `service_config_json`: gRPC's service config (retry policies), "" for none.
std::shared_ptr<grpc::Channel> MakeUpstreamChannel(const std::string& address,
                                                   int max_message_bytes,
                                                   const std::string& service_config_json = "");

// Metadata and deadline of a call made on behalf of `p`.
void PrepareUpstreamCall(const auth::Principal& p, grpc::ClientContext* ctx);

// OK, the upstream's status with its details, or UNAVAILABLE(`unavailable_reason`, `message`)
// when it did not answer in time.
absl::Status UpstreamStatus(const grpc::Status& s, const char* unavailable_reason,
                            const char* message);

template <typename Stub, typename Req, typename Resp>
absl::StatusOr<Resp> CallUpstream(const auth::Principal& p, Stub* stub,
                                  grpc::Status (Stub::*fn)(grpc::ClientContext*, const Req&, Resp*),
                                  const Req& req, const char* unavailable_reason,
                                  const char* message) {
  grpc::ClientContext ctx;
  PrepareUpstreamCall(p, &ctx);
  Resp resp;
  absl::Status s = UpstreamStatus((stub->*fn)(&ctx, req, &resp), unavailable_reason, message);
  if (!s.ok()) return s;
  return resp;
}

}  // namespace sokei::grpcx
