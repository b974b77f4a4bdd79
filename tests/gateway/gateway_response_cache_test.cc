// The gateway's response cache in front of a real plan service (gRPC on loopback, SQLite file),
// its change feed followed for real: a GET answered once comes from memory (the same bytes, ETag
// and compressed forms), a write through the gateway or straight to the service is seen by the
// next read, callers of different identity never get each other's replies, errors and the feed's
// long-poll are never kept.
#include <brotli/decode.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/grpcx/upstream.h"
#include "gateway/server/response_cache.h"
#include "services/plan/api/plan_grpc_service.h"
#include "sokei/plan/v1/plan_service.grpc.pb.h"
#include "tests/support/gateway_tokens.h"
#include "tests/support/plan_fixtures.h"
#include "tests/support/plan_server.h"
#include "tests/support/principals.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_gateway.h"

namespace sokei::gateway {
namespace {

constexpr char kSecret[] = "the response cache test's HS256 secret, thirty-two bytes+";
constexpr char kM[] = "142140";

std::string Header(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (absl::EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

std::string Unbrotli(const std::string& in) {
  std::string out(in.size() * 30 + 4096, '\0');
  size_t size = out.size();
  if (BrotliDecoderDecompress(in.size(), reinterpret_cast<const uint8_t*>(in.data()), &size,
                              reinterpret_cast<uint8_t*>(out.data())) !=
      BROTLI_DECODER_RESULT_SUCCESS) {
    return "";
  }
  out.resize(size);
  return out;
}

class ResponseCacheTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    db_ = sokei::testing::TestDatabase::Make("sqlite").release();
    auto started = sokei::testing::PlanServer::Start(db_->db());
    ASSERT_TRUE(started.ok()) << started.status();
    plan_ = started->release();
    gateway_ =
        sokei::testing::TestGateway(
            kSecret,
            {plan::v1::GetPlanRequest::descriptor()->file()->FindServiceByName("PlanService")},
            {{"sokei.plan.v1", grpcx::MakeUpstreamChannel(plan_->address(), 16 << 20)}},
            [](GatewayOptions* o, Credentials*) {
              o->jwt.issuer = "test-idp";
              o->anonymous_public = true;
              o->response_cache_bytes = 8 << 20;
            })
            .release();
    HttpResponse r = Handle("POST", "/v1/municipalities?municipalityId=142140", Admin(),
                            R"({"displayName":"伊勢原市"})");
    ASSERT_EQ(r.status, 200) << r.body;
    auto plan = sokei::testing::PlanRequest("municipalities/142140", "next", 3);
    std::string json;
    ASSERT_TRUE(google::protobuf::util::MessageToJsonString(plan.plan(), &json).ok());
    r = Handle("POST", "/v1/municipalities/142140/plans?planId=next", Admin(), json);
    ASSERT_EQ(r.status, 200) << r.body;
    // The cache serves nothing until the feed has answered once.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!gateway_->response_cache()->Generation(kM) &&
           std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_TRUE(gateway_->response_cache()->Generation(kM)) << "the plan feed is followed";
  }

  static void TearDownTestSuite() {
    delete gateway_;
    delete plan_;
    delete db_;
  }

  static std::string Token(const std::string& sub, const std::string& role,
                           const std::string& m = kM) {
    return sokei::testing::GatewayToken(kSecret, "test-idp", sub, role, m);
  }
  static std::string Admin() { return Token("root", "admin", "*"); }

  static HttpResponse Handle(const std::string& method, const std::string& target,
                             const std::string& token, const std::string& body = "",
                             std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpRequest req;
    req.method = method;
    req.target = target;
    req.body = body;
    if (!token.empty()) req.headers.emplace("authorization", "Bearer " + token);
    for (auto& [k, v] : headers) req.headers.emplace(absl::AsciiStrToLower(k), v);
    std::promise<HttpResponse> p;
    gateway_->Handle(std::move(req), [&p](HttpResponse r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  // Reads `path` until it comes from the cache: the feed reports a write some milliseconds after
  // the gateway saw it end, and that report drops what was kept meanwhile. True when it did.
  static bool Settle(const std::string& path, const std::string& token) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < until) {
      if (Header(Handle("GET", path, token), "X-Sokei-Cache") == "hit") return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  // Writes the plan's description straight to the service, as another gateway replica or a
  // batch job would: this gateway sees only the change feed.
  static void WriteAroundTheGateway(const std::string& description) {
    auto stub = plan::v1::PlanService::NewStub(
        grpc::CreateChannel(plan_->address(), grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    sokei::testing::AddSignedPrincipal(&ctx,
                                       sokei::testing::TestPrincipal(auth::Role::kPlanner, kM));
    plan::v1::UpdatePlanRequest r;
    r.mutable_plan()->set_name("municipalities/142140/plans/next");
    r.mutable_plan()->set_description(description);
    r.mutable_update_mask()->add_paths("description");
    plan::v1::Plan out;
    grpc::Status s = stub->UpdatePlan(&ctx, r, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  static inline sokei::testing::TestDatabase* db_ = nullptr;
  static inline sokei::testing::PlanServer* plan_ = nullptr;
  static inline Gateway* gateway_ = nullptr;
};

TEST_F(ResponseCacheTest, ASecondReadComesFromMemoryWithTheSameBytes) {
  const std::string planner = Token("kato", "planner");
  const std::string path = "/v1/municipalities/142140/plans/next:tree";
  HttpResponse first = Handle("GET", path, planner);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(Header(first, "X-Sokei-Cache"), "miss");
  ASSERT_TRUE(Settle(path, planner));
  HttpResponse second = Handle("GET", path, planner);
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(Header(second, "X-Sokei-Cache"), "hit");
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(Header(second, "ETag"), Header(first, "ETag"));
  EXPECT_EQ(Header(second, "Cache-Control"), "private, no-cache");
  // Revalidation and the compressed forms come from the kept reply too.
  HttpResponse revalidated =
      Handle("GET", path, planner, "", {{"If-None-Match", Header(first, "ETag")}});
  EXPECT_EQ(revalidated.status, 304);
  EXPECT_TRUE(revalidated.body.empty());
  // A query is part of the request line: another entry.
  const std::string list = "/v1/municipalities/142140/plans";
  ASSERT_TRUE(Settle(list + "?pageSize=1", planner));
  EXPECT_EQ(Header(Handle("GET", list + "?pageSize=2", planner), "X-Sokei-Cache"), "miss");
  const auto stats = gateway_->response_cache()->stats();
  EXPECT_GE(stats.hits, 2u);
  EXPECT_GE(stats.entries, 2u);
}

TEST_F(ResponseCacheTest, LargeRepliesAreKeptCompressedAsBrotliAndGzip) {
  const std::string planner = Token("kato-br", "planner");
  // A plan with a long description: a reply well over the 1 KiB compression threshold.
  std::string text;
  for (int i = 0; i < 80; ++i) absl::StrAppend(&text, "総合計画の進捗を市民と共有する。");
  ASSERT_EQ(Handle("PATCH", "/v1/municipalities/142140/plans/next", planner,
                   absl::StrCat(R"({"description":")", text, R"("})"))
                .status,
            200);
  const std::string path = "/v1/municipalities/142140/plans/next";
  ASSERT_TRUE(Settle(path, planner));
  HttpResponse plain = Handle("GET", path, planner);
  ASSERT_EQ(plain.status, 200);
  EXPECT_EQ(Header(plain, "X-Sokei-Cache"), "hit");
  HttpResponse br = Handle("GET", path, planner, "", {{"Accept-Encoding", "gzip, br"}});
  EXPECT_EQ(Header(br, "X-Sokei-Cache"), "hit");
  EXPECT_EQ(Header(br, "Content-Encoding"), "br");
  EXPECT_EQ(Unbrotli(br.body), plain.body);
  EXPECT_LT(br.body.size(), plain.body.size() / 3);
  EXPECT_NE(Header(br, "ETag"), Header(plain, "ETag")) << "one validator per representation";
  HttpResponse gz = Handle("GET", path, planner, "", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(Header(gz, "Content-Encoding"), "gzip");
  EXPECT_EQ(Handle("GET", path, planner, "",
                   {{"Accept-Encoding", "br"}, {"If-None-Match", Header(br, "ETag")}})
                .status,
            304);
}

TEST_F(ResponseCacheTest, AWriteThroughTheGatewayIsSeenByTheNextRead) {
  const std::string planner = Token("sato", "planner");
  const std::string path = "/v1/municipalities/142140/plans/next";
  ASSERT_TRUE(Settle(path, planner));
  ASSERT_EQ(Handle("PATCH", path, planner, R"({"description":"ゲートウェイ経由の変更"})").status,
            200);
  HttpResponse after = Handle("GET", path, planner);
  EXPECT_EQ(Header(after, "X-Sokei-Cache"), "miss");
  EXPECT_TRUE(absl::StrContains(after.body, "ゲートウェイ経由の変更")) << after.body;
}

TEST_F(ResponseCacheTest, AWriteAroundTheGatewayIsSeenThroughTheChangeFeed) {
  const std::string planner = Token("suzuki", "planner");
  const std::string path = "/v1/municipalities/142140/plans/next";
  ASSERT_TRUE(Settle(path, planner));
  WriteAroundTheGateway("サービスへ直接の変更");
  // The feed wakes on the commit; the next reads see the change within a moment, never a
  // cached old reply after it.
  const auto start = std::chrono::steady_clock::now();
  HttpResponse r;
  do {
    r = Handle("GET", path, planner);
    if (absl::StrContains(r.body, "サービスへ直接の変更")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  } while (std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  EXPECT_TRUE(absl::StrContains(r.body, "サービスへ直接の変更")) << r.body;
  std::printf(
      "change seen by the gateway after %.1f ms\n",
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  EXPECT_TRUE(Settle(path, planner)) << "kept again";
}

TEST_F(ResponseCacheTest, CallersOfDifferentIdentityNeverShareAReply) {
  const std::string path = "/v1/municipalities/142140/plans/next";
  // A draft plan: staff read it, the public does not learn it exists.
  HttpResponse staff = Handle("GET", path, Token("ito", "viewer"));
  ASSERT_EQ(staff.status, 200);
  ASSERT_TRUE(Settle(path, Token("ito", "viewer")));
  HttpResponse anonymous = Handle("GET", path, "");
  EXPECT_EQ(anonymous.status, 404) << anonymous.body;
  EXPECT_TRUE(Header(anonymous, "X-Sokei-Cache").empty()) << "errors are not kept";
  // Another person of the same role, another municipality's admin: entries of their own.
  EXPECT_EQ(Header(Handle("GET", path, Token("ito2", "viewer")), "X-Sokei-Cache"), "miss");
  EXPECT_EQ(Header(Handle("GET", path, Token("ito", "planner")), "X-Sokei-Cache"), "miss");
  EXPECT_EQ(Handle("GET", path, Token("ito", "viewer", "131001")).status, 403)
      << "the edge still checks the municipality";
}

TEST_F(ResponseCacheTest, TheChangeFeedItselfIsNeverKept) {
  const std::string viewer = Token("watanabe", "viewer");
  const std::string feed = "/v1/municipalities/142140/planChanges:watch?cursor=0";
  HttpResponse a = Handle("GET", feed, viewer);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_TRUE(Header(a, "X-Sokei-Cache").empty());
  EXPECT_TRUE(Header(Handle("GET", feed, viewer), "X-Sokei-Cache").empty());
}

TEST_F(ResponseCacheTest, EveryMunicipalitysFeedIsForAdminsOfAllOfThem) {
  const std::string feed = "/v1/municipalities/-/planChanges:watch";
  EXPECT_EQ(Handle("GET", feed, Token("kimura", "admin")).status, 403);
  HttpResponse all = Handle("GET", feed, Admin());
  EXPECT_EQ(all.status, 200) << all.body;
}

// A service (and so its feed) gone: the cache stops serving what it kept, within the feed's
// failure, rather than answer from memory for a service that may be changing without it.
TEST(ResponseCacheFeedLoss, KeptRepliesAreNotServedOnceAFeedFails) {
  auto db = sokei::testing::TestDatabase::Make("sqlite");
  auto started = sokei::testing::PlanServer::Start(db->db());
  ASSERT_TRUE(started.ok()) << started.status();
  std::unique_ptr<sokei::testing::PlanServer> plan = std::move(*started);
  auto gw = sokei::testing::TestGateway(
      kSecret, {plan::v1::GetPlanRequest::descriptor()->file()->FindServiceByName("PlanService")},
      {{"sokei.plan.v1", grpcx::MakeUpstreamChannel(plan->address(), 16 << 20)}},
      [](GatewayOptions* o, Credentials*) {
        o->jwt.issuer = "test-idp";
        o->response_cache_bytes = 1 << 20;
      });
  auto handle = [&](const std::string& method, const std::string& target,
                    const std::string& body = "") {
    HttpRequest req;
    req.method = method;
    req.target = target;
    req.body = body;
    req.headers.emplace(
        "authorization",
        "Bearer " + sokei::testing::GatewayToken(kSecret, "test-idp", "root", "admin", "*"));
    std::promise<HttpResponse> p;
    gw->Handle(std::move(req), [&p](HttpResponse r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  };
  ASSERT_EQ(
      handle("POST", "/v1/municipalities?municipalityId=142140", R"({"displayName":"伊勢原市"})")
          .status,
      200);
  const std::string path = "/v1/municipalities/142140";
  bool hit = false;
  for (int i = 0; i < 500 && !hit; ++i) {
    hit = Header(handle("GET", path), "X-Sokei-Cache") == "hit";
    if (!hit) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(hit) << "kept while the feed is followed";
  plan.reset();  // the service stops: its feed's long-poll fails
  bool served_from_memory = true;
  for (int i = 0; i < 500 && served_from_memory; ++i) {
    served_from_memory = Header(handle("GET", path), "X-Sokei-Cache") == "hit";
    if (served_from_memory) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE(served_from_memory);
  EXPECT_FALSE(gw->response_cache()->Generation("142140")) << "nothing is kept meanwhile";
  EXPECT_EQ(gw->response_cache()->stats().entries, 0u);
  EXPECT_NE(handle("GET", path).status, 200) << "the service is down, and says so";
}

}  // namespace
}  // namespace sokei::gateway
