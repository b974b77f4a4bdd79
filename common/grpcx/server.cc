#include "common/grpcx/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>

#include <chrono>
#include <csignal>

#include "absl/strings/str_cat.h"
#include "common/grpcx/http2_limits.h"
#include "common/log/log.h"
#include "common/status/status.h"

namespace sokei::grpcx {

absl::StatusOr<std::unique_ptr<Server>> Server::Start(
    const ServerOptions& options, const std::vector<grpc::Service*>& services,
    const std::vector<std::string>& health_names, const std::vector<DispatchTable*>& dispatched) {
  grpc::EnableDefaultHealthCheckService(true);
  if (options.reflection) grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  std::unique_ptr<Server> s(new Server());
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen_addr, grpc::InsecureServerCredentials(), &s->port_);
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  // The sync server's thread pool: bounded so the database pool (same size) is never
  // oversubscribed.
  grpc::ResourceQuota quota("sokei");
  quota.SetMaxThreads(options.threads * 4 + 8);
  ApplyHttp2Limits(&builder, &quota);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::NUM_CQS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
                              std::max(2, options.threads));
  for (grpc::Service* svc : services) builder.RegisterService(svc);
  for (DispatchTable* table : dispatched) {
    if (!table->complete()) return status::Internal("DISPATCH_TABLE_INCOMPLETE");
    builder.RegisterService(table->service());
  }
  if (!dispatched.empty()) {
    for (int i = 0; i < options.threads; ++i) s->cqs_.push_back(builder.AddCompletionQueue());
  }
  s->server_ = builder.BuildAndStart();
  if (!s->server_ || s->port_ == 0) {
    return status::Unavailable("LISTEN_FAILED",
                               absl::StrCat("cannot listen on ", options.listen_addr));
  }
  for (auto& cq : s->cqs_) {
    for (DispatchTable* table : dispatched) {
      for (const auto& method : table->methods()) method->Arm(cq.get());
    }
    grpc::ServerCompletionQueue* q = cq.get();
    s->cq_threads_.emplace_back([q] {
      void* tag = nullptr;
      bool ok = false;
      while (q->Next(&tag, &ok)) static_cast<Tag*>(tag)->Proceed(ok);
    });
  }
  s->grace_ms_ = options.shutdown_grace_ms;
  s->health_names_ = health_names;
  auto* health = s->server_->GetHealthCheckService();
  health->SetServingStatus(true);
  for (const auto& name : health_names) health->SetServingStatus(name, true);
  return s;
}

Server::~Server() { Shutdown(); }

void Server::WatchReadiness(std::function<bool()> ready, std::chrono::milliseconds interval) {
  readiness_ = std::thread([this, ready = std::move(ready), interval] {
    bool serving = true;
    std::unique_lock<std::mutex> lock(readiness_mu_);
    while (!stopping_) {
      lock.unlock();
      const bool now_ready = ready();
      lock.lock();
      if (stopping_) break;
      if (now_ready != serving) {
        serving = now_ready;
        for (const auto& name : health_names_) {
          server_->GetHealthCheckService()->SetServingStatus(name, serving);
        }
        if (serving) {
          log::Info("ready again: the database answers");
        } else {
          log::Warn("not ready: the database does not answer");
        }
      }
      readiness_cv_.wait_for(lock, interval, [this] { return stopping_; });
    }
  });
}

void Server::Shutdown() {
  if (shut_down_ || !server_) return;
  shut_down_ = true;
  {
    std::lock_guard<std::mutex> lock(readiness_mu_);
    stopping_ = true;
  }
  readiness_cv_.notify_all();
  if (readiness_.joinable()) readiness_.join();
  auto* health = server_->GetHealthCheckService();
  for (const auto& name : health_names_) health->SetServingStatus(name, false);
  health->SetServingStatus(false);
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(grace_ms_));
  server_->Wait();
  // Completion queues drain after the server: every armed call comes back with ok=false.
  for (auto& cq : cqs_) cq->Shutdown();
  for (auto& t : cq_threads_) t.join();
}

void Server::WaitForTermination() {
  BlockTerminationSignals();
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  sigwait(&set, &sig);
  log::Info("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  Shutdown();
}

void BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target, int max_message_bytes) {
  grpc::ChannelArguments args;
  if (max_message_bytes > 0) args.SetMaxReceiveMessageSize(max_message_bytes);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

void SetTimeout(grpc::ClientContext* ctx, int ms) {
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(ms));
}

}  // namespace sokei::grpcx
