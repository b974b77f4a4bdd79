#include "gateway/server/upstream_health.h"

#include <grpcpp/grpcpp.h>

#include <memory>
#include <vector>

namespace sokei::gateway {

UpstreamHealth::UpstreamHealth(std::map<std::string, grpc::GenericStub*> stubs,
                               absl::Duration interval, absl::Duration timeout)
    : stubs_(std::move(stubs)), interval_(interval), timeout_(timeout) {
  for (const auto& [package, stub] : stubs_) up_[package] = true;
  thread_ = std::thread([this] { Run(); });
}

UpstreamHealth::~UpstreamHealth() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool UpstreamHealth::Up(const std::string& package) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = up_.find(package);
  return it == up_.end() || it->second;
}

void UpstreamHealth::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    CheckAll();
    lock.lock();
    cv_.wait_for(lock, absl::ToChronoNanoseconds(interval_), [this] { return stop_; });
  }
}

void UpstreamHealth::CheckAll() {
  struct Check {
    grpc::ClientContext ctx;
    grpc::ByteBuffer request, response;
    bool done = false;
    bool up = true;
  };
  std::vector<std::pair<std::string, std::unique_ptr<Check>>> checks;
  std::mutex mu;
  std::condition_variable cv;
  for (const auto& [package, stub] : stubs_) {
    auto check = std::make_unique<Check>();
    check->ctx.set_deadline(std::chrono::system_clock::now() + absl::ToChronoNanoseconds(timeout_));
    // HealthCheckRequest{service: ""} (the server as a whole) is the empty message.
    grpc::Slice empty("");
    check->request = grpc::ByteBuffer(&empty, 1);
    Check* c = check.get();
    checks.emplace_back(package, std::move(check));
    stub->UnaryCall(&c->ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &c->request,
                    &c->response, [c, &mu, &cv](grpc::Status s) {
                      bool up = true;
                      if (s.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
                        up = true;  // no health service: say nothing
                      } else if (!s.ok()) {
                        up = false;  // refused, unreachable, or no answer in time
                      } else {
                        std::vector<grpc::Slice> slices;
                        std::string bytes;
                        if (c->response.Dump(&slices).ok()) {
                          for (const auto& sl : slices) {
                            bytes.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
                          }
                        }
                        up = bytes == std::string("\x08\x01", 2);  // status: SERVING
                      }
                      std::lock_guard<std::mutex> lock(mu);
                      c->up = up;
                      c->done = true;
                      cv.notify_all();
                    });
  }
  {
    // Every call ends by its deadline; the callbacks refer to `mu` and `cv`, so wait for all.
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] {
      for (const auto& [package, c] : checks) {
        if (!c->done) return false;
      }
      return true;
    });
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [package, c] : checks) up_[package] = c->up;
}

}  // namespace sokei::gateway
