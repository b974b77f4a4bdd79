// Server bootstrap shared by every Sokei process: sized thread pool, message limits, health and
// reflection, SO_REUSEPORT off, and SIGTERM/SIGINT drain (health NOT_SERVING first, then
// Shutdown with a grace deadline). Handlers never see the threading model; it lives here.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "common/grpcx/dispatch.h"

namespace sokei::grpcx {

struct ServerOptions {
  std::string listen_addr;  // host:port; port 0 picks a free one
  // Handler threads (= database connections): one per completion queue for dispatched services;
  // the sync pool of other services (reflection) may grow to 4x this.
  int threads = 8;
  int max_message_bytes = 4 * 1024 * 1024;
  int shutdown_grace_ms = 10000;
  bool reflection = true;
};

class Server {
 public:
  // Builds and starts the server. `services` must outlive it. Services with a DispatchTable run
  // on the completion-queue runtime (dispatch.h); the others on gRPC's sync thread pool.
  static absl::StatusOr<std::unique_ptr<Server>> Start(
      const ServerOptions& options, const std::vector<grpc::Service*>& services,
      const std::vector<std::string>& health_names,
      const std::vector<DispatchTable*>& dispatched = {});
  ~Server();

  int port() const { return port_; }
  // Readiness: polls `ready` every `interval` on a thread of its own and reports each health
  // name SERVING or NOT_SERVING accordingly (the process-wide "" stays SERVING: liveness).
  void WatchReadiness(std::function<bool()> ready, std::chrono::milliseconds interval);

  // Marks every health name NOT_SERVING, then shuts down with the grace deadline.
  void Shutdown();
  // Blocks until SIGTERM or SIGINT arrives, then Shutdown().
  void WaitForTermination();

 private:
  Server() = default;
  std::unique_ptr<grpc::Server> server_;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> cqs_;
  std::vector<std::thread> cq_threads_;
  std::thread readiness_;
  std::mutex readiness_mu_;
  std::condition_variable readiness_cv_;
  bool stopping_ = false;
  std::vector<std::string> health_names_;
  int port_ = 0;
  int grace_ms_ = 0;
  bool shut_down_ = false;
};

// Blocks SIGTERM/SIGINT in the calling thread; call first thing in main() so every thread
// inherits the mask and WaitForTermination() receives the signal.
void BlockTerminationSignals();

// A channel to another service (or a test client): no SO_REUSEPORT games, message limit set.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target, int max_message_bytes = 0);

// Sets a deadline `ms` from now on a client context.
void SetTimeout(grpc::ClientContext* ctx, int ms);

}  // namespace sokei::grpcx
