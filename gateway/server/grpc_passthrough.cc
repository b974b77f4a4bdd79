#include "gateway/server/grpc_passthrough.h"

#include <google/protobuf/descriptor.h>

#include <chrono>
#include <mutex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/grpcx/http2_limits.h"
#include "common/log/log.h"
#include "common/metrics/registry.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"
#include "common/trace/trace.h"
#include "gateway/server/upstream_status.h"

namespace sokei::gateway {
namespace {

std::string Metadata(const grpc::GenericCallbackServerContext* ctx, const char* key) {
  auto it = ctx->client_metadata().find(key);
  return it == ctx->client_metadata().end() ? ""
                                            : std::string(it->second.data(), it->second.size());
}

// Every passthrough call, answered or refused: counted by method and code, timed, and logged with
// its request id and trace (the REST side's access line is "http"; this one is "grpc").
void RecordCall(const std::string& method, grpc::StatusCode code,
                std::chrono::steady_clock::time_point start, const std::string& request_id,
                const trace::Context& trace) {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string code_name = absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  auto& registry = metrics::Registry::Global();
  registry.Add("sokei_gateway_grpc_requests_total", "gRPC passthrough calls, by method and code.",
               {{"method", method}, {"code", code_name}});
  registry.Observe("sokei_gateway_grpc_request_seconds",
                   "gRPC passthrough calls, from arrival to the caller's status, by method.",
                   {{"method", method}}, seconds);
  trace::Scope traced(trace);
  log::Info("grpc", {{"method", method},
                     {"code", code_name},
                     {"ms", absl::StrFormat("%.2f", seconds * 1000)},
                     {"request_id", request_id}});
}

class Refuse final : public grpc::ServerGenericBidiReactor {
 public:
  Refuse(const grpc::Status& s, const std::string& method, const std::string& request_id,
         const trace::Context& trace) {
    RecordCall(method, s.error_code(), std::chrono::steady_clock::now(), request_id, trace);
    Finish(s);
  }
  void OnDone() override { delete this; }
};

// The caller's trace (a new one when it sent none).
trace::Context CallerTrace(const grpc::GenericCallbackServerContext* ctx) {
  auto parent =
      trace::Parse(Metadata(ctx, trace::kTraceparentKey), Metadata(ctx, trace::kTracestateKey));
  return parent ? *parent : trace::Start();
}

// The upstream call's context: the verified principal (signed), the caller's request id, the
// caller's trace with a span of the gateway's own, and the caller's remaining budget (five minutes
// for calls without a deadline).
void PrepareUpstream(grpc::GenericCallbackServerContext* sctx, Gateway* gateway,
                     const auth::Principal& principal, const trace::Context& caller_trace,
                     grpc::ClientContext* cctx, std::string* request_id, trace::Context* trace) {
  for (const auto& [key, value] : gateway->UpstreamMetadata(principal)) {
    cctx->AddMetadata(key, value);
  }
  const std::string rid = Metadata(sctx, "x-request-id");
  if (!rid.empty() && rid.size() <= 128) {
    cctx->AddMetadata("x-request-id", rid);
    *request_id = rid;
  }
  *trace = trace::Child(caller_trace);
  cctx->AddMetadata(trace::kTraceparentKey, trace::Traceparent(*trace));
  if (!trace->tracestate.empty()) cctx->AddMetadata(trace::kTracestateKey, trace->tracestate);
  const auto deadline = sctx->deadline();
  const auto cap = std::chrono::system_clock::now() + std::chrono::minutes(5);
  cctx->set_deadline(deadline < cap ? deadline : cap);
}

// After the upstream's status: its error counted, a write noted for the response cache (whatever
// its outcome), the call recorded, and the upstream's trailing metadata handed to the caller.
void AfterUpstream(Gateway* gateway, const std::string& package, bool writes,
                   const std::string& municipality, const std::string& method,
                   std::chrono::steady_clock::time_point start, const std::string& request_id,
                   const trace::Context& trace, const grpc::Status& s, grpc::ClientContext* cctx,
                   grpc::GenericCallbackServerContext* sctx) {
  if (!s.ok()) gateway->CountUpstreamError(package, s.error_code());
  if (writes) gateway->NoteWrite(municipality);
  RecordCall(method, s.error_code(), start, request_id, trace);
  for (const auto& [key, value] : cctx->GetServerTrailingMetadata()) {
    const std::string k(key.data(), key.size());
    if (!absl::StartsWith(k, "grpc-"))
      sctx->AddTrailingMetadata(k, std::string(value.data(), value.size()));
  }
}

// A unary method in one exchange each way: the caller's one message is read, sent upstream as a
// unary call (one batch), and the reply goes back with the status in one write-and-finish. The
// caller's side is finished only once the upstream call is over, so OnDone (which deletes) comes
// after every upstream callback.
class UnaryProxy final : public grpc::ServerGenericBidiReactor {
 public:
  UnaryProxy(grpc::GenericCallbackServerContext* sctx, Gateway* gateway, std::string package,
             grpc::GenericStub* stub, const auth::Principal& principal, std::string method,
             const trace::Context& caller_trace, bool writes)
      : sctx_(sctx),
        gateway_(gateway),
        stub_(stub),
        package_(std::move(package)),
        writes_(writes),
        municipality_(principal.municipality),
        method_(std::move(method)),
        start_(std::chrono::steady_clock::now()) {
    PrepareUpstream(sctx, gateway, principal, caller_trace, &cctx_, &request_id_, &trace_);
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the caller went away or half-closed without its message
      grpc::Status s(grpc::StatusCode::CANCELLED, "the call ended before its request arrived");
      RecordCall(method_, s.error_code(), start_, request_id_, trace_);
      Finish(s);
      return;
    }
    stub_->UnaryCall(&cctx_, sctx_->method(), grpc::StubOptions(), &request_, &response_,
                     [this](grpc::Status s) { UpstreamDone(s); });
  }
  // A cancel before the upstream call starts is kept by the context and applied when it starts.
  void OnCancel() override { cctx_.TryCancel(); }
  void OnDone() override { delete this; }

 private:
  void UpstreamDone(const grpc::Status& s) {
    AfterUpstream(gateway_, package_, writes_, municipality_, method_, start_, request_id_, trace_,
                  s, &cctx_, sctx_);
    if (s.ok()) {
      StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
    } else {
      Finish(ForCaller(s, package_));
    }
  }

  grpc::GenericCallbackServerContext* sctx_;
  Gateway* gateway_;
  grpc::GenericStub* stub_;
  const std::string package_;
  const bool writes_;
  const std::string municipality_;
  const std::string method_;
  const std::chrono::steady_clock::time_point start_;
  std::string request_id_;
  trace::Context trace_;
  grpc::ClientContext cctx_;
  grpc::ByteBuffer request_, response_;
};

// Forwards one call in both directions, one message in flight per direction. The two reactors
// call into each other; a client-side hold is taken before every server operation that will call
// the client back (and released there), so the upstream call cannot complete — and its objects go
// away — while a server reaction is about to use it. The caller's side is finished only from the
// upstream's OnDone, so the server reactor outlives every client reaction that uses it.
// One exception: when the upstream's stream ends while a read from the caller is pending (an
// upstream failing early while the caller has nothing more to send), the upstream side releases
// that read's hold itself — under the mutex, so exactly one side releases it — and the read, when
// it completes, leaves the upstream alone. The caller gets the upstream's status at once instead
// of at its next message or its deadline.
class Proxy final : public grpc::ServerGenericBidiReactor {
 public:
  Proxy(grpc::GenericCallbackServerContext* sctx, Gateway* gateway, std::string package,
        grpc::GenericStub* stub, const auth::Principal& principal, std::string method,
        const trace::Context& caller_trace, bool writes)
      : sctx_(sctx),
        gateway_(gateway),
        package_(std::move(package)),
        writes_(writes),
        municipality_(principal.municipality),
        method_(std::move(method)),
        start_(std::chrono::steady_clock::now()),
        client_(this) {
    PrepareUpstream(sctx, gateway, principal, caller_trace, &cctx_, &request_id_, &trace_);
    stub->PrepareBidiStreamingCall(&cctx_, sctx->method(), grpc::StubOptions(), &client_);
    caller_read_hold_ = true;
    client_.AddHold();  // for the first read from the caller
    client_.StartRead(&from_upstream_);
    client_.StartCall();
    StartRead(&from_caller_);
  }

  // Caller → upstream.
  void OnReadDone(bool ok) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      const bool owns = caller_read_hold_;
      caller_read_hold_ = false;
      if (!owns) return;  // the upstream ended and released the hold; its status is on its way
    }
    if (ok) {
      client_.StartWrite(&from_caller_);
    } else {
      client_.StartWritesDone();
    }
    client_.RemoveHold();
  }
  // Upstream → caller written: the next message from upstream.
  void OnWriteDone(bool ok) override {
    if (!ok) cctx_.TryCancel();  // the caller is gone
    client_.StartRead(&from_upstream_);
    client_.RemoveHold();
  }
  void OnCancel() override { cctx_.TryCancel(); }
  void OnDone() override {
    std::unique_lock<std::mutex> lock(mu_);
    server_done_ = true;
    if (!upstream_done_) return;  // deleted by the upstream's OnDone
    lock.unlock();
    delete this;
  }

 private:
  class Client final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
   public:
    explicit Client(Proxy* p) : p_(p) {}
    void OnWriteDone(bool ok) override {
      if (!ok) return;  // the upstream call is over; OnDone brings its status
      {
        std::lock_guard<std::mutex> lock(p_->mu_);
        if (p_->upstream_ended_) return;
        p_->caller_read_hold_ = true;
        AddHold();  // released by the server's OnReadDone (or by OnReadDone(false) below)
      }
      p_->StartRead(&p_->from_caller_);
    }
    void OnReadDone(bool ok) override {
      if (!ok) {  // the upstream's stream ended; OnDone follows once no hold is left
        bool release = false;
        {
          std::lock_guard<std::mutex> lock(p_->mu_);
          p_->upstream_ended_ = true;
          release = p_->caller_read_hold_;
          p_->caller_read_hold_ = false;
        }
        if (release) RemoveHold();
        return;
      }
      AddHold();  // released by the server's OnWriteDone
      p_->StartWrite(&p_->from_upstream_);
    }
    void OnDone(const grpc::Status& s) override { p_->UpstreamDone(s); }

   private:
    Proxy* p_;
  };

  void UpstreamDone(const grpc::Status& s) {
    AfterUpstream(gateway_, package_, writes_, municipality_, method_, start_, request_id_, trace_,
                  s, &cctx_, sctx_);
    std::unique_lock<std::mutex> lock(mu_);
    upstream_done_ = true;
    if (server_done_) {
      lock.unlock();
      delete this;
      return;
    }
    lock.unlock();
    Finish(ForCaller(s, package_));
  }

  grpc::GenericCallbackServerContext* sctx_;
  Gateway* gateway_;
  const std::string package_;
  bool writes_ = false;       // the method is not read-only
  std::string municipality_;  // the caller's ("*": every one)
  const std::string method_;  // sokei.plan.v1.PlanService.GetPlan
  const std::chrono::steady_clock::time_point start_;
  std::string request_id_;
  trace::Context trace_;
  grpc::ClientContext cctx_;
  Client client_;
  grpc::ByteBuffer from_caller_, from_upstream_;
  std::mutex mu_;
  bool upstream_done_ = false, server_done_ = false;
  bool caller_read_hold_ = false;  // a read from the caller is pending and holds the upstream
  bool upstream_ended_ = false;    // the upstream's stream has no more messages
};

}  // namespace

grpc::ServerGenericBidiReactor* Passthrough::CreateReactor(
    grpc::GenericCallbackServerContext* ctx) {
  // /sokei.plan.v1.PlanService/GetPlan → sokei.plan.v1.PlanService.GetPlan, package sokei.plan.v1.
  const std::string& path = ctx->method();
  const size_t slash = path.rfind('/');
  const std::string service =
      path.size() > 1 && slash != std::string::npos ? path.substr(1, slash - 1) : "";
  const auto* method = google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
      absl::StrCat(service, ".", path.substr(slash + 1)));
  const trace::Context trace = CallerTrace(ctx);
  const std::string request_id = Metadata(ctx, "x-request-id").substr(0, 128);
  if (!absl::StartsWith(service, "sokei.") || method == nullptr) {
    return new Refuse(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no such method"), "unknown",
                      request_id, trace);
  }
  auto refuse = [&](const absl::Status& s) {
    return new Refuse(status::ToGrpc(s), method->full_name(), request_id, trace);
  };
  // The municipality is checked by the service itself (it reads the request); the edge checks
  // the principal, the method's access level and the rate — before anything about the upstreams
  // shows. A method without its access option is never forwarded.
  auto principal = gateway_->Admit(Metadata(ctx, "authorization"), Metadata(ctx, "x-api-key"), "",
                                   AccessOf(method));
  if (!principal.ok()) return refuse(principal.status());
  const std::string package = method->service()->file()->package();
  grpc::GenericStub* stub = gateway_->StubFor(package);
  if (stub == nullptr) {
    return refuse(status::Unavailable("UPSTREAM_UNAVAILABLE", "the service is not configured"));
  }
  if (!gateway_->UpstreamUp(package)) {
    gateway_->CountUpstreamError(package, grpc::StatusCode::UNAVAILABLE);
    return refuse(status::Unavailable("UPSTREAM_UNAVAILABLE",
                                      absl::StrCat("the ", package, " service is not answering")));
  }
  const bool writes = !AccessOf(method).read_only();
  if (!method->client_streaming() && !method->server_streaming()) {
    return new UnaryProxy(ctx, gateway_, package, stub, *principal, method->full_name(), trace,
                          writes);
  }
  return new Proxy(ctx, gateway_, package, stub, *principal, method->full_name(), trace, writes);
}

absl::StatusOr<std::unique_ptr<grpc::Server>> StartPassthrough(const std::string& address,
                                                               Passthrough* passthrough,
                                                               int* port) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), port);
  builder.SetMaxReceiveMessageSize(17 << 20);
  builder.SetMaxSendMessageSize(64 << 20);
  grpc::ResourceQuota quota("sokei-gateway-grpc");
  grpcx::ApplyHttp2Limits(&builder, &quota);
  builder.RegisterCallbackGenericService(passthrough);
  auto server = builder.BuildAndStart();
  if (!server || *port == 0)
    return absl::UnavailableError(absl::StrCat("cannot listen on ", address));
  return server;
}

}  // namespace sokei::gateway
