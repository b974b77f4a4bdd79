// Forwarding a transcoded call to its upstream service, with the caller's principal and deadline.
#include "gateway/server/gateway.h"

#include <google/protobuf/dynamic_message.h>

#include <algorithm>
#include <optional>
#include <set>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/log/log.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"
#include "gateway/transcode/files.h"
#include "gateway/transcode/transcoder.h"
#include <google/protobuf/dynamic_message.h>
#include "gateway/server/gateway_internal.h"
#include "gateway/server/upstream_status.h"

namespace sokei::gateway {

using google::protobuf::Descriptor;

grpc::GenericStub* Gateway::StubFor(const std::string& package) const {
  auto it = stubs_.find(package);
  return it == stubs_.end() ? nullptr : it->second.get();
}

std::vector<std::pair<std::string, std::string>> Gateway::UpstreamMetadata(
    const auth::Principal& principal) const {
  if (options_.identity_signer == nullptr) return auth::ToMetadata(principal);
  auth::Principal signed_principal = principal;
  // Wall-clock time: the proof is checked by other processes, whatever clock this one runs on.
  signed_principal.proof = options_.identity_signer->Sign(principal, absl::Now());
  return auth::ToMetadata(signed_principal);
}

namespace {

// A change feed page (ListChanges) may wait for the first change: its budget grows by the wait.
absl::Duration LongPollWait(const Message& request) {
  if (request.GetDescriptor()->full_name() != "sokei.type.v1.ListChangesRequest") {
    return absl::ZeroDuration();
  }
  const auto* field = request.GetDescriptor()->FindFieldByName("wait_seconds");
  if (field == nullptr) return absl::ZeroDuration();
  return absl::Seconds(std::max(0, request.GetReflection()->GetInt32(request, field)));
}

}  // namespace

void Gateway::Forward(const Route& route, std::unique_ptr<Message> request,
                      const auth::Principal& principal, const std::string& request_id,
                      const trace::Context& trace, bool media,
                      std::function<void(HttpResponse)> done) {
  auto stub = stubs_.find(UpstreamKey(route));
  if (stub == stubs_.end()) {
    done(ErrorResponse(
        status::Unavailable("UPSTREAM_UNAVAILABLE", "the service is not configured")));
    return;
  }
  if (!UpstreamUp(stub->first)) {
    // Its last health check failed: say so now rather than after the deadline.
    CountUpstreamError(stub->first, grpc::StatusCode::UNAVAILABLE);
    HttpResponse r = ErrorResponse(status::Unavailable(
        "UPSTREAM_UNAVAILABLE", absl::StrCat("the ", stub->first, " service is not answering")));
    r.headers.emplace_back("Retry-After", "1");
    done(std::move(r));
    return;
  }
  struct Call {
    grpc::ClientContext ctx;
    grpc::ByteBuffer request, response;
  };
  auto call = std::make_shared<Call>();
  for (const auto& [key, value] : UpstreamMetadata(principal)) call->ctx.AddMetadata(key, value);
  call->ctx.AddMetadata("x-request-id", request_id);
  call->ctx.AddMetadata(trace::kTraceparentKey, trace::Traceparent(trace::Child(trace)));
  if (!trace.tracestate.empty()) call->ctx.AddMetadata(trace::kTracestateKey, trace.tracestate);
  const absl::Duration budget = IsImport(route)              ? options_.import_timeout
                                : route.access.read_only() ? options_.read_timeout
                                                           : options_.upstream_timeout;
  call->ctx.set_deadline(absl::ToChronoTime(clock_() + budget + LongPollWait(*request)));
  const std::string bytes = request->SerializeAsString();
  grpc::Slice slice(bytes);
  call->request = grpc::ByteBuffer(&slice, 1);
  const Descriptor* output = route.method->output_type();
  stub->second->UnaryCall(
      &call->ctx, route.grpc_path, grpc::StubOptions(), &call->request, &call->response,
      [this, package = stub->first, call, output, media, done](grpc::Status s) {
        if (!s.ok()) {
          CountUpstreamError(package, s.error_code());
          HttpResponse r;
          r.status = HttpStatusFor(s.error_code());
          r.body = RenderError(ForCaller(s, package));
          if (r.status == 401)
            r.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="sokei")");
          if (r.status == 429 || r.status == 503) r.headers.emplace_back("Retry-After", "1");
          done(std::move(r));
          return;
        }
        std::vector<grpc::Slice> slices;
        std::string reply;
        if (call->response.Dump(&slices).ok()) {
          for (const auto& sl : slices)
            reply.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
        }
        std::unique_ptr<Message> msg(
            google::protobuf::MessageFactory::generated_factory()->GetPrototype(output)->New());
        if (!msg->ParseFromString(reply)) {
          done(ErrorResponse(status::Internal("UPSTREAM_REPLY_INVALID")));
          return;
        }
        if (media) {
          const auto* refl = msg->GetReflection();
          const Descriptor* d = msg->GetDescriptor();
          HttpResponse file;
          file.content_type = refl->GetString(*msg, d->FindFieldByName("content_type"));
          if (file.content_type.empty()) file.content_type = "application/octet-stream";
          file.body = refl->GetString(*msg, d->FindFieldByName("content"));
          file.headers.emplace_back(
              "Content-Disposition",
              ContentDisposition(refl->GetString(*msg, d->FindFieldByName("filename"))));
          done(std::move(file));
          return;
        }
        done(HttpResponse{200, {}, RenderJson(*msg)});
      });
}

}  // namespace sokei::gateway
