#include "common/grpcx/upstream.h"

#include "common/deadline/deadline.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"
#include "common/trace/trace.h"

namespace sokei::grpcx {
namespace {

// Default budget of a call when the request being served has no deadline.
constexpr auto kDefaultBudget = std::chrono::seconds(30);

}  // namespace

std::shared_ptr<grpc::Channel> MakeUpstreamChannel(const std::string& address,
                                                   int max_message_bytes,
                                                   const std::string& service_config_json) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetMaxReceiveMessageSize(max_message_bytes);
  args.SetMaxSendMessageSize(max_message_bytes);
  if (!service_config_json.empty()) {
    args.SetServiceConfigJSON(service_config_json);
    args.SetInt(GRPC_ARG_ENABLE_RETRIES, 1);
  }
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

void PrepareUpstreamCall(const auth::Principal& p, grpc::ClientContext* ctx) {
  for (const auto& [key, value] : auth::ToMetadata(p)) ctx->AddMetadata(key, value);
  // The trace of the request being served goes on, with a span of this call's own.
  if (const trace::Context* t = trace::Current(); t != nullptr) {
    const trace::Context child = trace::Child(*t);
    ctx->AddMetadata(trace::kTraceparentKey, trace::Traceparent(child));
    if (!child.tracestate.empty()) ctx->AddMetadata(trace::kTracestateKey, child.tracestate);
  }
  const auto deadline = deadline::Current();
  ctx->set_deadline(deadline ? *deadline : deadline::Clock::now() + kDefaultBudget);
}

absl::Status UpstreamStatus(const grpc::Status& s, const char* unavailable_reason,
                            const char* message) {
  if (s.ok()) return absl::OkStatus();
  if (s.error_code() == grpc::StatusCode::UNAVAILABLE ||
      s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return status::Unavailable(unavailable_reason, message);
  }
  return status::FromGrpc(s);
}

}  // namespace sokei::grpcx
