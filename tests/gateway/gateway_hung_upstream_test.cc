// A hung upstream does not hang the gateway. The upstream here is a real gRPC server that can be
// frozen — every call, its health checks included, is held unanswered, as a SIGSTOPped process
// holds them — and thawed. While it is frozen the gateway's health check times out, and requests
// for it fail at once with 503 (REST) or UNAVAILABLE (passthrough) instead of waiting out their
// deadline; once it answers again the gateway sends it requests again by itself.
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <mutex>
#include <vector>

#include "common/grpcx/upstream.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"
#include "gateway/server/grpc_passthrough.h"
#include "gateway/server/upstreams.h"
#include "sokei/plan/v1/plan_service.grpc.pb.h"
#include "tests/support/gateway_tokens.h"
#include "tests/support/generic_upstream.h"
#include "tests/support/test_gateway.h"
#include "tests/support/test_passthrough.h"

namespace sokei::gateway {
namespace {

constexpr char kSecret[] = "the hung upstream test's HS256 secret, thirty-two bytes or more";
using Clock = std::chrono::steady_clock;

// Answers an empty message (health: SERVING) — or, while frozen, holds every call until thawed.
class FreezableUpstream final : public grpc::CallbackGenericService {
 public:
  void Freeze() {
    std::lock_guard<std::mutex> lock(mu_);
    frozen_ = true;
  }
  void Thaw() {
    std::vector<Reply*> held;
    {
      std::lock_guard<std::mutex> lock(mu_);
      frozen_ = false;
      held.swap(held_);
    }
    for (Reply* r : held) r->Answer();
  }
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override {
    return new Reply(this, ctx->method() == "/grpc.health.v1.Health/Check");
  }

 private:
  class Reply final : public grpc::ServerGenericBidiReactor {
   public:
    Reply(FreezableUpstream* up, bool health) : up_(up), health_(health) { StartRead(&request_); }
    void OnReadDone(bool) override {
      {
        std::lock_guard<std::mutex> lock(up_->mu_);
        if (up_->frozen_) {
          up_->held_.push_back(this);
          return;
        }
      }
      Answer();
    }
    void Answer() {
      grpc::Slice body(health_ ? std::string("\x08\x01", 2) : std::string());
      reply_ = grpc::ByteBuffer(&body, 1);
      StartWriteAndFinish(&reply_, grpc::WriteOptions(), grpc::Status::OK);
    }
    void OnDone() override { delete this; }

   private:
    FreezableUpstream* up_;
    bool health_;
    grpc::ByteBuffer request_, reply_;
  };
  std::mutex mu_;
  bool frozen_ = false;
  std::vector<Reply*> held_;
};

class HungUpstreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int port = 0;
    server_ = sokei::testing::StartGenericUpstream(&upstream_, &port);
    ASSERT_NE(server_, nullptr);
    const auto* plan =
        plan::v1::GetPlanRequest::descriptor()->file()->FindServiceByName("PlanService");
    gateway_ = sokei::testing::TestGateway(
        kSecret, {plan},
        MakeUpstreams({plan}, {{"sokei.plan.v1", "127.0.0.1:" + std::to_string(port)}}),
        [](GatewayOptions* o, Credentials*) {
          o->health_interval = absl::Milliseconds(200);
          o->health_timeout = absl::Milliseconds(200);
          o->read_timeout = absl::Seconds(20);  // far longer than any wait below
        });
    token_ = sokei::testing::GatewayToken(kSecret, "idp", "u", "planner", "142140");
  }
  void TearDown() override {
    upstream_.Thaw();
    gateway_.reset();
    server_->Shutdown();
  }

  // A REST read: its status and how long it took.
  std::pair<int, double> Get() {
    HttpRequest req;
    req.method = "GET";
    req.target = "/v1/municipalities/142140/plans/next";
    req.headers.emplace("authorization", "Bearer " + token_);
    std::promise<int> status;
    const auto start = Clock::now();
    gateway_->Handle(req, [&](HttpResponse r) { status.set_value(r.status); });
    const int code = status.get_future().get();
    return {code, std::chrono::duration<double>(Clock::now() - start).count()};
  }

  // Polls until a read answers `want`, for at most `limit` seconds; returns the seconds taken.
  double Until(int want, double limit) {
    const auto start = Clock::now();
    while (std::chrono::duration<double>(Clock::now() - start).count() < limit) {
      if (Get().first == want) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return std::chrono::duration<double>(Clock::now() - start).count();
  }

  FreezableUpstream upstream_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Gateway> gateway_;
  std::string token_;
};

TEST_F(HungUpstreamTest, AFrozenUpstreamFailsFastAndAThawedOneServesAgain) {
  EXPECT_EQ(Get().first, 200);

  upstream_.Freeze();
  // The first read after the freeze may still be sent; the health checks say down after two
  // misses in a row: within about two intervals and two timeouts.
  std::future<std::pair<int, double>> early = std::async(std::launch::async, [&] { return Get(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  const auto [status, seconds] = Get();
  EXPECT_EQ(status, 503);
  EXPECT_LT(seconds, 0.5) << "a frozen upstream's request waited";
  std::printf("frozen upstream: 503 in %.0f ms (the read deadline is 20 s)\n", seconds * 1000);

  // Through the passthrough too.
  auto proxy = sokei::testing::StartTestPassthrough(gateway_.get());
  ASSERT_NE(proxy, nullptr);
  auto& stub = proxy->plan;
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token_);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    plan::v1::GetPlanRequest r;
    r.set_name("municipalities/142140/plans/next");
    plan::v1::Plan out;
    const auto start = Clock::now();
    const grpc::Status s = stub->GetPlan(&ctx, r, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_EQ(status::GetErrorInfo(status::FromGrpc(s))->reason, "UPSTREAM_UNAVAILABLE");
    EXPECT_LT(std::chrono::duration<double>(Clock::now() - start).count(), 0.5);
  }

  upstream_.Thaw();
  EXPECT_EQ(early.get().first, 200) << "the read held by the frozen upstream is answered at thaw";
  const double recovered = Until(200, 5);
  EXPECT_LT(recovered, 2.0) << "the gateway did not notice the upstream is back";
  std::printf("thawed upstream: served again after %.0f ms\n", recovered * 1000);
  proxy->server->Shutdown();
}

}  // namespace
}  // namespace sokei::gateway
