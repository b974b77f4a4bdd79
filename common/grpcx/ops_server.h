// A service's operations port: GET /metrics (Prometheus text, the calls it served) and GET
// /healthz, plain HTTP/1.0 on a thread of its own, one short request at a time — for the cluster's
// monitoring, never exposed outside it. Set SOKEI_<SERVICE>_OPS_ADDR to open it.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace sokei::grpcx {

class OpsServer {
 public:
  // `address`: host:port (port 0 picks one); `metrics` makes the /metrics body.
  static absl::StatusOr<std::unique_ptr<OpsServer>> Start(const std::string& address,
                                                          std::function<std::string()> metrics);
  ~OpsServer();
  int port() const { return port_; }

 private:
  OpsServer() = default;
  void Run();
  void Serve(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  std::function<std::string()> metrics_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace sokei::grpcx
