// The gateway's retry policy, against a real gRPC server that answers UNAVAILABLE a set number of
// times: read-only methods (by their access option) are retried up to 3 attempts in all, over REST
// and over the gRPC passthrough; writes are never retried; retry throttling stops the extra
// attempts once an upstream keeps failing; and a streaming upstream failing early ends the
// caller's call at once.
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>

#include "common/grpcx/upstream.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"
#include "gateway/server/grpc_passthrough.h"
#include "gateway/server/upstreams.h"
#include "sokei/plan/v1/plan_service.grpc.pb.h"
#include "sokei/survey/v1/survey_service.grpc.pb.h"
#include "tests/support/test_passthrough.h"
#include "tests/support/gateway_tokens.h"
#include "tests/support/generic_upstream.h"
#include "tests/support/test_gateway.h"

namespace sokei::gateway {
namespace {

constexpr char kSecret[] = "the retry test's HS256 secret, at least thirty-two bytes";

// Answers every call: UNAVAILABLE while `fail_next` > 0 (counting down), an empty message after.
class FlakyUpstream final : public grpc::CallbackGenericService {
 public:
  std::atomic<int> fail_next{0};
  std::atomic<int> attempts{0};

  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override {
    if (ctx->method() == "/grpc.health.v1.Health/Check") return new NoHealth();  // not counted
    ++attempts;
    int left = fail_next.load();
    bool fail = false;
    while (left > 0 && !(fail = fail_next.compare_exchange_weak(left, left - 1))) {
    }
    return new Reply(fail);
  }

 private:
  // The gateway's health checks: this upstream has no health service (which counts as up).
  class NoHealth final : public grpc::ServerGenericBidiReactor {
   public:
    NoHealth() { Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "")); }
    void OnDone() override { delete this; }
  };
  class Reply final : public grpc::ServerGenericBidiReactor {
   public:
    explicit Reply(bool fail) : fail_(fail) { StartRead(&request_); }
    void OnReadDone(bool) override {
      if (fail_) {
        Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "try again"));
        return;
      }
      grpc::Slice empty("");
      reply_ = grpc::ByteBuffer(&empty, 1);
      StartWriteAndFinish(&reply_, grpc::WriteOptions(), grpc::Status::OK);
    }
    void OnDone() override { delete this; }

   private:
    bool fail_;
    grpc::ByteBuffer request_, reply_;
  };
};

class RetryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int port = 0;
    server_ = sokei::testing::StartGenericUpstream(&upstream_, &port);
    ASSERT_NE(server_, nullptr);
    upstream_port_ = port;
    const auto* plan =
        plan::v1::GetPlanRequest::descriptor()->file()->FindServiceByName("PlanService");
    gateway_ = sokei::testing::TestGateway(
        kSecret, {plan},
        MakeUpstreams({plan}, {{"sokei.plan.v1", "127.0.0.1:" + std::to_string(port)}}));
    token_ = sokei::testing::GatewayToken(kSecret, "idp", "u", "planner", "142140");
  }
  void TearDown() override {
    gateway_.reset();
    server_->Shutdown();
  }

  int Rest(const std::string& method, const std::string& target) {
    HttpRequest req;
    req.method = method;
    req.target = target;
    req.headers.emplace("authorization", "Bearer " + token_);
    if (method == "POST" || method == "PATCH") req.body = "{}";
    std::mutex mu;
    std::condition_variable cv;
    int status = 0;
    gateway_->Handle(req, [&](HttpResponse r) {
      std::lock_guard<std::mutex> lock(mu);
      status = r.status;
      cv.notify_one();
    });
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return status != 0; });
    return status;
  }

  FlakyUpstream upstream_;
  int upstream_port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Gateway> gateway_;
  std::string token_;
};

TEST_F(RetryTest, AReadIsRetriedUpToThreeAttempts) {
  upstream_.fail_next = 2;
  EXPECT_EQ(Rest("GET", "/v1/municipalities/142140/plans/next"), 200);
  EXPECT_EQ(upstream_.attempts, 3);

  upstream_.attempts = 0;
  upstream_.fail_next = 5;
  EXPECT_EQ(Rest("GET", "/v1/municipalities/142140/plans/next"), 503);
  EXPECT_EQ(upstream_.attempts, 3) << "at most 3 attempts in all";
}

TEST_F(RetryTest, AWriteIsNeverRetried) {
  for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"POST", "/v1/municipalities/142140/plans"},
           {"PATCH", "/v1/municipalities/142140/plans/next"},
           {"DELETE", "/v1/municipalities/142140/plans/next"}}) {
    upstream_.attempts = 0;
    upstream_.fail_next = 1;
    EXPECT_EQ(Rest(method, target), 503) << method;
    EXPECT_EQ(upstream_.attempts, 1) << method << " was retried";
    upstream_.fail_next = 0;
  }
  // Each failure the caller saw is in /metrics, by service and code.
  EXPECT_NE(
      gateway_->MetricsText().find(
          R"(sokei_gateway_upstream_errors_total{service="sokei.plan.v1",code="UNAVAILABLE"} 3)"),
      std::string::npos)
      << gateway_->MetricsText();
}

TEST_F(RetryTest, ThrottlingStopsRetriesToAFailingUpstream) {
  upstream_.fail_next = 1 << 30;
  constexpr int kCalls = 20;
  for (int i = 0; i < kCalls; ++i) EXPECT_EQ(Rest("GET", "/v1/municipalities/142140/plans/p"), 503);
  // Without throttling: 60 attempts. With 10 tokens, retries stop once 5 are spent.
  EXPECT_GE(upstream_.attempts, kCalls);
  EXPECT_LT(upstream_.attempts, kCalls + 10);
}

TEST_F(RetryTest, PassthroughReadsAreRetriedAndWritesAreNot) {
  auto proxy = sokei::testing::StartTestPassthrough(gateway_.get());
  ASSERT_NE(proxy, nullptr);
  auto& stub = proxy->plan;
  {
    upstream_.fail_next = 2;
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token_);
    plan::v1::Plan out;
    plan::v1::GetPlanRequest r;
    r.set_name("municipalities/142140/plans/next");
    EXPECT_TRUE(stub->GetPlan(&ctx, r, &out).ok());
    EXPECT_EQ(upstream_.attempts, 3);
  }
  {
    upstream_.attempts = 0;
    upstream_.fail_next = 1;
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token_);
    plan::v1::Plan out;
    plan::v1::CreatePlanRequest r;
    r.set_parent("municipalities/142140");
    EXPECT_EQ(stub->CreatePlan(&ctx, r, &out).error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_EQ(upstream_.attempts, 1);
  }
  EXPECT_NE(
      gateway_->MetricsText().find(
          R"(sokei_gateway_upstream_errors_total{service="sokei.plan.v1",code="UNAVAILABLE"} 1)"),
      std::string::npos);
  proxy->server->Shutdown();
}

// An upstream nobody answers for: the gRPC transport's own message names the address and port
// ("ipv4:127.0.0.1:1: Connection refused"); the caller gets the gateway's words and reason
// instead — over REST and through the passthrough.
TEST_F(RetryTest, AnUnreachableUpstreamIsNamedNeverAddressed) {
  const auto* plan =
      plan::v1::GetPlanRequest::descriptor()->file()->FindServiceByName("PlanService");
  auto gateway = sokei::testing::TestGateway(
      kSecret, {plan}, MakeUpstreams({plan}, {{"sokei.plan.v1", "127.0.0.1:1"}}));
  HttpRequest req;
  req.method = "GET";
  req.target = "/v1/municipalities/142140/plans/next";
  req.headers.emplace("authorization", "Bearer " + token_);
  std::promise<HttpResponse> reply;
  gateway->Handle(req, [&](HttpResponse r) { reply.set_value(std::move(r)); });
  const HttpResponse r = reply.get_future().get();
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("UPSTREAM_UNAVAILABLE"), std::string::npos) << r.body;
  for (const char* secret : {"127.0.0.1", "ipv4", "Connection refused", "addresses"}) {
    EXPECT_EQ(r.body.find(secret), std::string::npos) << secret << " in " << r.body;
  }

  auto proxy = sokei::testing::StartTestPassthrough(gateway.get());
  ASSERT_NE(proxy, nullptr);
  auto& stub = proxy->plan;
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + token_);
  plan::v1::Plan out;
  plan::v1::GetPlanRequest get;
  get.set_name("municipalities/142140/plans/next");
  const grpc::Status s = stub->GetPlan(&ctx, get, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(s.error_message().find("127.0.0.1"), std::string::npos) << s.error_message();
  EXPECT_EQ(s.error_message().find("ipv4"), std::string::npos) << s.error_message();
  EXPECT_EQ(status::GetErrorInfo(status::FromGrpc(s))->reason, "UPSTREAM_UNAVAILABLE");
  proxy->server->Shutdown();
}

// A client-streaming call whose upstream fails after the first message, while the caller has
// nothing more to send yet: the caller gets the upstream's status at once, not at its deadline.
TEST_F(RetryTest, PassthroughStreamEndsAsSoonAsTheUpstreamFails) {
  const auto* plan =
      plan::v1::GetPlanRequest::descriptor()->file()->FindServiceByName("PlanService");
  const auto* survey =
      survey::v1::GetSurveyRequest::descriptor()->file()->FindServiceByName("SurveyService");
  const std::string addr = "127.0.0.1:" + std::to_string(upstream_port_);
  auto gateway = sokei::testing::TestGateway(
      kSecret, {plan, survey},
      MakeUpstreams({plan, survey}, {{"sokei.plan.v1", addr}, {"sokei.survey.v1", addr}}));
  auto proxy = sokei::testing::StartTestPassthrough(gateway.get());
  ASSERT_NE(proxy, nullptr);
  grpc::GenericStub stub(grpcx::MakeUpstreamChannel(proxy->address(), 4 << 20));

  class Caller final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
   public:
    void OnDone(const grpc::Status& s) override {
      std::lock_guard<std::mutex> lock(mu);
      status = s;
      done = true;
      cv.notify_all();
    }
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    grpc::Status status;
  };
  for (int round = 0; round < 5; ++round) {
    upstream_.fail_next = 1;
    Caller caller;
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token_);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    grpc::Slice slice(std::string("\x0a\x04test", 6));
    grpc::ByteBuffer first(&slice, 1);
    stub.PrepareBidiStreamingCall(&ctx, "/sokei.survey.v1.SurveyService/StreamResponses",
                                  grpc::StubOptions(), &caller);
    caller.StartWrite(&first);  // one message, then nothing: no WritesDone
    caller.StartCall();
    const auto start = std::chrono::steady_clock::now();
    std::unique_lock<std::mutex> lock(caller.mu);
    ASSERT_TRUE(caller.cv.wait_for(lock, std::chrono::seconds(5), [&] { return caller.done; }))
        << "the caller waited for its deadline";
    EXPECT_EQ(caller.status.error_code(), grpc::StatusCode::UNAVAILABLE);
    // The upstream's bare status (no google.rpc details: the transport's kind) in the gateway's
    // words, never the upstream's own text.
    EXPECT_EQ(caller.status.error_message(), "the sokei.survey.v1 service cannot be reached");
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  }
  proxy->server->Shutdown();
}

TEST(RetryServiceConfig, ListsExactlyTheReadOnlyMethods) {
  const auto* plan =
      plan::v1::GetPlanRequest::descriptor()->file()->FindServiceByName("PlanService");
  const std::string config = RetryServiceConfig({plan});
  EXPECT_NE(config.find(R"("method":"GetPlanTree")"), std::string::npos);
  EXPECT_NE(config.find(R"("method":"ListAuditEvents")"), std::string::npos);
  EXPECT_EQ(config.find(R"("method":"CreatePlan")"), std::string::npos);
  EXPECT_EQ(config.find(R"("method":"DeleteNode")"), std::string::npos);
  EXPECT_NE(config.find(R"("retryThrottling")"), std::string::npos);
}

}  // namespace
}  // namespace sokei::gateway
