// A small closed-loop gRPC load generator for bench/gateway_bench.sh: keeps --concurrency unary
// calls in flight for --seconds on one channel (callback API, no thread per call) and prints
// "qps p50_ms p99_ms errors": GetPlanTree (the heavy read), or GetPlan with --method=plan (a
// small one, where a proxy's own cost shows). --token adds an authorization header (through the
// gateway).
// usage: grpc_load --target=host:port --plan=municipalities/…/plans/… [--method=tree|plan]
//        [--concurrency=64] [--seconds=10] [--token=JWT]
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#include "sokei/plan/v1/plan_service.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace pb = sokei::plan::v1;

struct Load {
  pb::PlanService::Stub* stub;
  std::string plan, token;
  bool small = false;  // GetPlan instead of GetPlanTree
  Clock::time_point end;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<double> latencies_ms;
  int64_t errors = 0;
  int active = 0;

  void Issue() {
    small ? IssueCall<pb::GetPlanRequest, pb::Plan>()
          : IssueCall<pb::GetPlanTreeRequest, pb::PlanTree>();
  }

  template <class Req, class Resp>
  void IssueCall() {
    struct Call {
      grpc::ClientContext ctx;
      Req req;
      Resp resp;
      Clock::time_point start;
    };
    auto* c = new Call;
    c->req.set_name(plan);
    if (!token.empty()) c->ctx.AddMetadata("authorization", "Bearer " + token);
    c->ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    c->start = Clock::now();
    auto done = [this, c](grpc::Status s) {
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - c->start).count();
      delete c;
      bool again;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (s.ok()) {
          latencies_ms.push_back(ms);
        } else {
          ++errors;
        }
        again = Clock::now() < end;
        if (!again && --active == 0) cv.notify_one();
      }
      if (again) Issue();
    };
    if constexpr (std::is_same_v<Req, pb::GetPlanRequest>) {
      stub->async()->GetPlan(&c->ctx, &c->req, &c->resp, std::move(done));
    } else {
      stub->async()->GetPlanTree(&c->ctx, &c->req, &c->resp, std::move(done));
    }
  }
};

std::string Arg(int argc, char** argv, const std::string& key, const std::string& fallback) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--" + key + "=", 0) == 0) return a.substr(key.size() + 3);
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string target = Arg(argc, argv, "target", "127.0.0.1:50051");
  const int concurrency = std::atoi(Arg(argc, argv, "concurrency", "64").c_str());
  const int seconds = std::atoi(Arg(argc, argv, "seconds", "10").c_str());
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  auto channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
  auto stub = pb::PlanService::NewStub(channel);
  Load load;
  load.stub = stub.get();
  load.plan = Arg(argc, argv, "plan", "municipalities/142140/plans/next-basic-plan");
  load.token = Arg(argc, argv, "token", "");
  load.small = Arg(argc, argv, "method", "tree") == "plan";
  // Warm-up: connect and one call.
  {
    grpc::ClientContext ctx;
    if (!load.token.empty()) ctx.AddMetadata("authorization", "Bearer " + load.token);
    pb::GetPlanTreeRequest r;
    r.set_name(load.plan);
    pb::PlanTree t;
    auto s = stub->GetPlanTree(&ctx, r, &t);
    if (!s.ok()) {
      std::fprintf(stderr, "grpc_load: %s\n", s.error_message().c_str());
      return 1;
    }
  }
  const auto start = Clock::now();
  load.end = start + std::chrono::seconds(seconds);
  load.active = concurrency;
  for (int i = 0; i < concurrency; ++i) load.Issue();
  std::unique_lock<std::mutex> lock(load.mu);
  load.cv.wait(lock, [&] { return load.active == 0; });
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  auto& l = load.latencies_ms;
  std::sort(l.begin(), l.end());
  const double p50 = l.empty() ? 0 : l[l.size() / 2];
  const double p99 = l.empty() ? 0 : l[std::min(l.size() - 1, l.size() * 99 / 100)];
  std::printf("%.0f %.2f %.2f %lld\n", l.size() / elapsed, p50, p99,
              static_cast<long long>(load.errors));
  return 0;
}
