// What every service's gRPC adapter does around a domain call: take the Sokei metadata of the
// call (the forwarded principal, the request id) and turn the domain's absl::Status into a
// grpc::Status with google.rpc details, logging INTERNAL and UNAVAILABLE with the request id.
#pragma once

#include <google/protobuf/message_lite.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/auth/identity_check.h"
#include "common/auth/principal.h"
#include "common/config/config.h"
#include "common/grpcx/call_log.h"
#include "common/trace/trace.h"

namespace sokei::grpcx {

// x-sokei-* and x-request-id of the call.
std::multimap<std::string, std::string> SokeiMetadata(const grpc::ServerContext& ctx);

grpc::Status FinishCall(const std::multimap<std::string, std::string>& metadata, const char* method,
                        const absl::Status& s);

// The message in a call's bytes; false when they are not one.
bool ParseByteBuffer(const grpc::ByteBuffer& buffer, google::protobuf::MessageLite* message);
// INVALID_ARGUMENT REQUEST_INVALID: the request is not a `type`.
absl::Status RequestNotParsed(const std::string& type);
// A ByteBuffer that owns `bytes` (no copy; freed once gRPC has sent them).
grpc::ByteBuffer OwnedByteBuffer(std::string bytes);

// Serves one unary call: the principal from the call's metadata, the domain method, the reply or
// the status with its details.
template <typename Domain, typename Req, typename Resp>
grpc::Status ServeUnary(grpc::ServerContext* ctx, const auth::IdentityCheck& identity,
                        const char* method, Domain* domain,
                        absl::StatusOr<Resp> (Domain::*fn)(const auth::Principal&, const Req&),
                        const Req& req, Resp* resp) {
  const auto metadata = SokeiMetadata(*ctx);
  auto principal = identity.Read(metadata);
  if (!principal.ok()) return FinishCall(metadata, method, principal.status());
  absl::StatusOr<Resp> result = (domain->*fn)(*principal, req);
  if (!result.ok()) return FinishCall(metadata, method, result.status());
  *resp = std::move(*result);
  return grpc::Status::OK;
}

// Serves one unary call whose reply the domain already has as serialized bytes (a hot read kept
// in the cache as bytes): the request parsed from the call's bytes, `fn(principal, request)` →
// StatusOr<std::string>, and the bytes handed to gRPC without a parse, a second serialization or
// a copy.
template <typename Req, typename Fn>
grpc::Status ServeUnaryBytes(grpc::ServerContext* ctx, const auth::IdentityCheck& identity,
                             const char* method, const grpc::ByteBuffer* req,
                             grpc::ByteBuffer* resp, Fn fn) {
  const auto metadata = SokeiMetadata(*ctx);
  auto principal = identity.Read(metadata);
  if (!principal.ok()) return FinishCall(metadata, method, principal.status());
  Req request;
  if (!ParseByteBuffer(*req, &request)) {
    return FinishCall(metadata, method, RequestNotParsed(Req::descriptor()->name()));
  }
  absl::StatusOr<std::string> bytes = fn(*principal, request);
  if (!bytes.ok()) return FinishCall(metadata, method, bytes.status());
  *resp = OwnedByteBuffer(std::move(*bytes));
  return grpc::Status::OK;
}

// Serves one call on gRPC's sync threads (streams, long waits): the principal from the call's
// metadata, then `fn(principal)` (which writes the reply or the messages) in the call's trace, with
// the access line and metrics when it ends.
template <typename Fn>
grpc::Status ServeStream(grpc::ServerContext* ctx, const auth::IdentityCheck& identity,
                         const char* method, Fn fn) {
  const auto metadata = SokeiMetadata(*ctx);
  trace::Scope traced(IncomingTrace(*ctx));
  const auto start = std::chrono::steady_clock::now();
  auto principal = identity.Read(metadata);
  const grpc::Status status =
      FinishCall(metadata, method, principal.ok() ? fn(*principal) : principal.status());
  LogCall(*ctx, method, status, std::chrono::steady_clock::now() - start);
  return status;
}

}  // namespace sokei::grpcx
