// Which upstreams are answering, known before a request is sent. Every `interval` each upstream
// gets a grpc.health.v1 Check with a short deadline; a service that says NOT_SERVING, refuses
// connections or does not answer in time (frozen, overloaded) in two checks running is down until
// a check succeeds again, and requests for it fail at once with 503 instead of waiting out their
// deadline. One missed check is not enough: the gateway's own probe can be late when the gateway
// itself is busy (an HTTP/2 ping flood on its passthrough port did that), and a healthy service
// must not be refused for it. A service without the health service (UNIMPLEMENTED) counts as up:
// only a check that fails says down. Up until the first checks.
#pragma once

#include <grpcpp/generic/generic_stub.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "absl/time/time.h"

namespace sokei::gateway {

class UpstreamHealth {
 public:
  // `stubs`: package ("sokei.plan.v1") → stub; they must outlive this.
  UpstreamHealth(std::map<std::string, grpc::GenericStub*> stubs, absl::Duration interval,
                 absl::Duration timeout);
  ~UpstreamHealth();  // stops the checks (waits for the round in flight)
  UpstreamHealth(const UpstreamHealth&) = delete;
  UpstreamHealth& operator=(const UpstreamHealth&) = delete;

  bool Up(const std::string& package) const;

 private:
  void Run();
  void CheckAll();
  // A Health/Check reply: SERVING, or no health service at all (UNIMPLEMENTED says nothing).
  static bool Serving(const grpc::Status& s, const grpc::ByteBuffer& response);

  const std::map<std::string, grpc::GenericStub*> stubs_;
  const absl::Duration interval_, timeout_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::map<std::string, int> missed_;  // checks failed in a row, by package
  std::thread thread_;
};

}  // namespace sokei::gateway
