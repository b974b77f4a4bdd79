#include "gateway/server/upstream_health.h"

#include <grpcpp/grpcpp.h>

#include <memory>
#include <vector>

namespace sokei::gateway {
namespace {

// Checks failed in a row before an upstream counts as down (upstream_health.h).
constexpr int kMissesForDown = 2;

}  // namespace

UpstreamHealth::UpstreamHealth(std::map<std::string, grpc::GenericStub*> stubs,
                               absl::Duration interval, absl::Duration timeout)
    : stubs_(std::move(stubs)), interval_(interval), timeout_(timeout) {
  for (const auto& [package, stub] : stubs_) missed_[package] = 0;
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
  auto it = missed_.find(package);
  return it == missed_.end() || it->second < kMissesForDown;
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

// One round on a completion queue of its own: every call has fully completed when its tag comes
// back from Next, so nothing of gRPC still runs on a call whose context this function destroys
// (with the callback API the library could still be finishing a call after its callback returned,
// while the next round or the gateway's teardown released it).
void UpstreamHealth::CheckAll() {
  struct Check {
    std::string package;
    grpc::ClientContext ctx;
    grpc::ByteBuffer request, response;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<grpc::ByteBuffer>> rpc;
  };
  grpc::CompletionQueue cq;
  std::vector<std::unique_ptr<Check>> checks;
  for (const auto& [package, stub] : stubs_) {
    auto c = std::make_unique<Check>();
    c->package = package;
    c->ctx.set_deadline(std::chrono::system_clock::now() + absl::ToChronoNanoseconds(timeout_));
    // HealthCheckRequest{service: ""} (the server as a whole) is the empty message.
    grpc::Slice empty("");
    c->request = grpc::ByteBuffer(&empty, 1);
    c->rpc = stub->PrepareUnaryCall(&c->ctx, "/grpc.health.v1.Health/Check", c->request, &cq);
    c->rpc->StartCall();
    c->rpc->Finish(&c->response, &c->status, c.get());
    checks.push_back(std::move(c));
  }
  // Every call ends by its deadline.
  void* tag = nullptr;
  bool ok = false;
  for (size_t i = 0; i < checks.size() && cq.Next(&tag, &ok); ++i) {
  }
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& c : checks) {
    int& missed = missed_[c->package];
    missed = Serving(c->status, c->response) ? 0 : missed + 1;
  }
}

bool UpstreamHealth::Serving(const grpc::Status& s, const grpc::ByteBuffer& response) {
  if (s.error_code() == grpc::StatusCode::UNIMPLEMENTED) return true;  // no health service
  if (!s.ok()) return false;  // refused, unreachable, or no answer in time
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (response.Dump(&slices).ok()) {
    for (const auto& sl : slices)
      bytes.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
  }
  return bytes == std::string("\x08\x01", 2);  // status: SERVING
}

}  // namespace sokei::gateway
