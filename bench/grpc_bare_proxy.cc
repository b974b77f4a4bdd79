// A gRPC proxy with nothing of Sokei's in it, for bench/gateway_bench.sh: every unary call that
// arrives is sent unchanged to --upstream and its reply (or status) handed back. No
// authentication, no metadata, no log line, no metrics (only the lock-graph setting every Sokei
// binary applies in Release): what a proxy costs on Debian's gRPC 1.51 itself, so that the
// gateway's passthrough can be set beside the floor of the library it is built on, in the same run.
//   --mode=callback  the callback API, as the gateway's passthrough is built (gRPC's threads);
//   --mode=cq        the async API on per-thread completion queues (--threads of them), as the
//                    services are served: the server and upstream sides of a call on one thread.
// Unary methods only (the benchmark's calls are unary).
// usage: grpc_bare_proxy --listen=host:port --upstream=host:port [--mode=callback|cq]
//        [--threads=2]
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/grpcx/lock_mode.h"

namespace {

// Callback API: one reactor per call, the upstream call made with the callback stub.
class CallbackUnary final : public grpc::ServerGenericBidiReactor {
 public:
  CallbackUnary(grpc::GenericCallbackServerContext* sctx, grpc::GenericStub* stub)
      : sctx_(sctx), stub_(stub) {
    cctx_.set_deadline(sctx->deadline());
    StartRead(&request_);
  }
  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::CANCELLED);
      return;
    }
    stub_->UnaryCall(&cctx_, sctx_->method(), grpc::StubOptions(), &request_, &response_,
                     [this](const grpc::Status& s) {
                       if (s.ok()) {
                         StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
                       } else {
                         Finish(s);
                       }
                     });
  }
  void OnCancel() override { cctx_.TryCancel(); }
  void OnDone() override { delete this; }

 private:
  grpc::GenericCallbackServerContext* sctx_;
  grpc::GenericStub* stub_;
  grpc::ClientContext cctx_;
  grpc::ByteBuffer request_, response_;
};

class CallbackService final : public grpc::CallbackGenericService {
 public:
  explicit CallbackService(grpc::GenericStub* stub) : stub_(stub) {}
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* c) override {
    return new CallbackUnary(c, stub_);
  }

 private:
  grpc::GenericStub* stub_;
};

// Async API: one object per call, its steps driven by its own completion queue's thread. The
// call's object is the tag of each step, one step outstanding at a time.
class QueuedUnary {
 public:
  QueuedUnary(grpc::AsyncGenericService* service, grpc::ServerCompletionQueue* cq,
              grpc::GenericStub* stub)
      : service_(service), cq_(cq), stub_(stub) {
    service_->RequestCall(&sctx_, &stream_, cq_, cq_, this);
  }

  void Proceed(bool ok) {
    switch (step_) {
      case Step::kArrived:
        if (!ok) break;                         // shutting down
        new QueuedUnary(service_, cq_, stub_);  // the next call's slot
        step_ = Step::kRead;
        stream_.Read(&request_, this);
        return;
      case Step::kRead:
        if (!ok) {
          step_ = Step::kFinished;
          stream_.Finish(grpc::Status::CANCELLED, this);
          return;
        }
        cctx_.set_deadline(sctx_.deadline());
        upstream_ = stub_->PrepareUnaryCall(&cctx_, sctx_.method(), request_, cq_);
        upstream_->StartCall();
        step_ = Step::kUpstream;
        upstream_->Finish(&response_, &status_, this);
        return;
      case Step::kUpstream:
        step_ = Step::kFinished;
        if (status_.ok()) {
          stream_.WriteAndFinish(response_, grpc::WriteOptions(), grpc::Status::OK, this);
        } else {
          stream_.Finish(status_, this);
        }
        return;
      case Step::kFinished:
        break;
    }
    delete this;
  }

 private:
  enum class Step { kArrived, kRead, kUpstream, kFinished };
  grpc::AsyncGenericService* service_;
  grpc::ServerCompletionQueue* cq_;
  grpc::GenericStub* stub_;
  grpc::GenericServerContext sctx_;
  grpc::GenericServerAsyncReaderWriter stream_{&sctx_};
  grpc::ClientContext cctx_;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> upstream_;
  grpc::ByteBuffer request_, response_;
  grpc::Status status_;
  Step step_ = Step::kArrived;
};

std::string Flag(int argc, char** argv, const std::string& name, const std::string& fallback) {
  const std::string prefix = "--" + name + "=";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind(prefix, 0) == 0) return a.substr(prefix.size());
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  sokei::grpcx::QuietLockGraphInRelease();  // as the gateway runs
  const std::string listen = Flag(argc, argv, "listen", "");
  const std::string upstream = Flag(argc, argv, "upstream", "");
  const std::string mode = Flag(argc, argv, "mode", "callback");
  const int threads = std::atoi(Flag(argc, argv, "threads", "2").c_str());
  if (listen.empty() || upstream.empty() || (mode != "callback" && mode != "cq") || threads < 1) {
    std::fprintf(stderr,
                 "usage: grpc_bare_proxy --listen=host:port --upstream=host:port "
                 "[--mode=callback|cq] [--threads=2]\n");
    return 2;
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  grpc::GenericStub stub(
      grpc::CreateCustomChannel(upstream, grpc::InsecureChannelCredentials(), args));
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials());
  builder.SetMaxReceiveMessageSize(64 << 20);
  builder.SetMaxSendMessageSize(64 << 20);
  CallbackService callback(&stub);
  grpc::AsyncGenericService queued;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> cqs;
  if (mode == "callback") {
    builder.RegisterCallbackGenericService(&callback);
  } else {
    builder.RegisterAsyncGenericService(&queued);
    for (int i = 0; i < threads; ++i) cqs.push_back(builder.AddCompletionQueue());
  }
  auto server = builder.BuildAndStart();
  if (!server) {
    std::fprintf(stderr, "cannot listen on %s\n", listen.c_str());
    return 1;
  }
  std::vector<std::thread> workers;
  for (auto& q : cqs) {
    grpc::ServerCompletionQueue* cq = q.get();
    workers.emplace_back([&queued, cq, &stub] {
      for (int i = 0; i < 64; ++i) new QueuedUnary(&queued, cq, &stub);  // calls ready to take
      void* tag = nullptr;
      bool ok = false;
      while (cq->Next(&tag, &ok)) static_cast<QueuedUnary*>(tag)->Proceed(ok);
    });
  }
  server->Wait();  // until the benchmark kills it
  for (auto& w : workers) w.join();
  return 0;
}
