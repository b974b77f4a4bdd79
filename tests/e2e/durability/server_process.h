// A Sokei service binary started for real in a child process: its environment, its address, and
// signals (SIGKILL, SIGTERM) with the exit status. Start() waits until the gRPC health service
// answers SERVING.
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <thread>

#include "common/grpcx/server.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace sokei::testing {

class ServerProcess {
 public:
  // `binary`: the executable; `addr_var`: the variable in `env` that holds its host:port.
  ServerProcess(std::string binary, std::string addr_var, std::map<std::string, std::string> env)
      : binary_(std::move(binary)), addr_var_(std::move(addr_var)), env_(std::move(env)) {}
  ~ServerProcess() { Signal(SIGKILL); }

  void Start() {
    pid_ = fork();
    if (pid_ == 0) {
      for (const auto& [k, v] : env_) setenv(k.c_str(), v.c_str(), 1);
      freopen("/dev/null", "w", stdout);
      execl(binary_.c_str(), binary_.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 400; ++i) {
      if (Health("") == grpc::health::v1::HealthCheckResponse::SERVING) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    FAIL() << binary_ << " did not start";
  }
  // Sends `sig` and waits for the process; returns its exit status.
  int Signal(int sig) {
    if (pid_ <= 0) return -1;
    kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }
  grpc::health::v1::HealthCheckResponse::ServingStatus Health(const std::string& service) const {
    auto health = grpc::health::v1::Health::NewStub(channel());
    grpc::ClientContext ctx;
    grpcx::SetTimeout(&ctx, 500);
    grpc::health::v1::HealthCheckRequest req;
    req.set_service(service);
    grpc::health::v1::HealthCheckResponse resp;
    if (!health->Check(&ctx, req, &resp).ok()) return grpc::health::v1::HealthCheckResponse::UNKNOWN;
    return resp.status();
  }
  std::shared_ptr<grpc::Channel> channel() const { return grpcx::MakeChannel(address()); }
  const std::string& address() const { return env_.at(addr_var_); }

 private:
  std::string binary_, addr_var_;
  std::map<std::string, std::string> env_;
  pid_t pid_ = -1;
};

}  // namespace sokei::testing
