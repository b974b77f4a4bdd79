// The completion-queue runtime: unary methods of a service written against the generated *sync*
// interface are received on completion queues and run on the queue's own thread, with no thread
// hand-off per call (the sync server's thread manager costs ~1/3 of the throughput here; see
// bench/plan_bench). Handlers are unchanged: they keep the sync signature.
//
// Threads: one per completion queue, `threads` of them (sized to the database pool). A call that
// finds every thread busy waits inside gRPC until one is free; the limit on in-flight calls is
// gRPC's per-connection stream limit.
#pragma once

#include <google/protobuf/descriptor.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/service_type.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "common/deadline/deadline.h"
#include "common/grpcx/call_log.h"
#include "common/trace/trace.h"

namespace sokei::grpcx {

// A call waiting on, or being served from, a completion queue.
class Tag {
 public:
  virtual ~Tag() = default;
  virtual void Proceed(bool ok) = 0;
};

// One unary method that can arm itself on a completion queue.
class UnaryMethod {
 public:
  virtual ~UnaryMethod() = default;
  virtual void Arm(grpc::ServerCompletionQueue* cq) = 0;
};

// Exposes the protected async hooks of a generated sync service.
template <class Svc>
class Dispatched : public Svc {
 public:
  using grpc::Service::MarkMethodAsync;
  using grpc::Service::MarkMethodRaw;
  using grpc::Service::RequestAsyncUnary;
  using Svc::Svc;
};

template <class Svc, class Req, class Resp>
class UnaryMethodOf final : public UnaryMethod {
 public:
  static constexpr bool kRaw = std::is_same_v<Req, grpc::ByteBuffer>;
  // A callable, not a pointer to member: GCC 12's -fsanitize=vptr miscompiles calls through
  // pointers to virtual member functions here (false "invalid vptr" reports).
  using Handler = std::function<grpc::Status(grpc::ServerContext*, const Req*, Resp*)>;
  UnaryMethodOf(Dispatched<Svc>* service, int index, std::string name, Handler handler)
      : service_(service), index_(index), name_(std::move(name)), handler_(std::move(handler)) {
    if constexpr (kRaw) {
      service_->MarkMethodRaw(index_);
    } else {
      service_->MarkMethodAsync(index_);
    }
  }

  void Arm(grpc::ServerCompletionQueue* cq) override { new Call(this, cq); }

 private:
  class Call final : public Tag {
   public:
    Call(UnaryMethodOf* m, grpc::ServerCompletionQueue* cq) : m_(m), cq_(cq), writer_(&ctx_) {
      m_->service_->RequestAsyncUnary(m_->index_, &ctx_, &req_, &writer_, cq_, cq_, this);
    }
    void Proceed(bool ok) override {
      if (!ok || finishing_) {  // shutdown, or the reply has been sent
        delete this;
        return;
      }
      m_->Arm(cq_);  // take the next call of this method while this one is served
      finishing_ = true;
      grpc::Status status;
      {
        deadline::Scope scope(ctx_.deadline());  // storage stops when the caller gives up
        // The caller's trace (or a new one): in every log line of this call and forwarded on.
        trace::Scope traced(IncomingTrace(ctx_));
        const auto start = std::chrono::steady_clock::now();
        status = m_->handler_(&ctx_, &req_, &resp_);
        LogCall(ctx_, m_->name_, status, std::chrono::steady_clock::now() - start);
      }
      if (status.ok()) {
        writer_.Finish(resp_, status, this);
      } else {
        writer_.FinishWithError(status, this);
      }
    }

   private:
    UnaryMethodOf* m_;
    grpc::ServerCompletionQueue* cq_;
    grpc::ServerContext ctx_;
    // Plain members (no arena): a handler's result moves into the reply without a copy.
    Req req_;
    Resp resp_;
    grpc::ServerAsyncResponseWriter<Resp> writer_;
    bool finishing_ = false;
  };

  Dispatched<Svc>* service_;
  int index_;
  std::string name_;
  Handler handler_;
};

// The methods of one service, in the order of its proto declaration.
class DispatchTable {
 public:
  DispatchTable(grpc::Service* service, const google::protobuf::ServiceDescriptor* descriptor)
      : service_(service), descriptor_(descriptor) {}

  // Registers method `name`; aborts at start-up when the name is not the service's method at
  // that position (the table and the proto disagree).
  template <class Svc, class Req, class Resp>
  void Add(Dispatched<Svc>* svc, const std::string& name,
           typename UnaryMethodOf<Svc, Req, Resp>::Handler handler) {
    const int index = static_cast<int>(methods_.size());
    if (sync_methods_ > 0 || index >= descriptor_->method_count() ||
        descriptor_->method(index)->name() != name) {
      std::fprintf(stderr, "dispatch table of %s is out of order at %s\n",
                   descriptor_->full_name().c_str(), name.c_str());
      std::abort();
    }
    methods_.push_back(
        std::make_unique<UnaryMethodOf<Svc, Req, Resp>>(svc, index, name, std::move(handler)));
  }

  // Leaves method `name` (the next in order) to the synchronous server: streaming methods, whose
  // handlers read or write several messages, run on gRPC's sync threads.
  void KeepSync(const std::string& name) {
    const int index = static_cast<int>(methods_.size()) + sync_methods_;
    if (index >= descriptor_->method_count() || descriptor_->method(index)->name() != name) {
      std::fprintf(stderr, "dispatch table of %s is out of order at %s\n",
                   descriptor_->full_name().c_str(), name.c_str());
      std::abort();
    }
    ++sync_methods_;
  }

  grpc::Service* service() const { return service_; }
  bool complete() const {
    return static_cast<int>(methods_.size()) + sync_methods_ == descriptor_->method_count();
  }
  const std::vector<std::unique_ptr<UnaryMethod>>& methods() const { return methods_; }

 private:
  grpc::Service* service_;
  const google::protobuf::ServiceDescriptor* descriptor_;
  std::vector<std::unique_ptr<UnaryMethod>> methods_;
  int sync_methods_ = 0;  // kept synchronous; they come after every dispatched method
};

}  // namespace sokei::grpcx
