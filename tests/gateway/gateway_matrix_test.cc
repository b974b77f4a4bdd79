// The edge's authorization matrix, generated from the descriptors: every REST route and every gRPC
// method of every linked sokei service, for every caller that must be refused before any upstream
// is asked — no credentials, a bad token, a viewer or a public caller on a write, a planner of
// another municipality (REST; over gRPC the service checks names itself, covered by the service
// suites). No upstream is configured here: a request that got past the edge would fail with
// UNAVAILABLE instead, so every refusal below is the edge's own. 0 methods uncovered.
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/grpcx/upstream.h"
#include "gateway/server/grpc_passthrough.h"
#include "google/api/annotations.pb.h"
#include "sokei/kpi/v1/kpi_service.pb.h"
#include "sokei/plan/v1/plan_service.pb.h"
#include "sokei/survey/v1/survey_service.pb.h"
#include "tests/support/gateway_tokens.h"

namespace sokei::gateway {
namespace {

constexpr char kSecret[] = "the matrix test's HS256 secret, at least thirty-two bytes";

std::vector<const google::protobuf::ServiceDescriptor*> Services() {
  return {plan::v1::GetPlanRequest::descriptor()->file()->FindServiceByName("PlanService"),
          kpi::v1::GetIndicatorRequest::descriptor()->file()->FindServiceByName("KpiService"),
          survey::v1::GetSurveyRequest::descriptor()->file()->FindServiceByName("SurveyService")};
}

std::string Token(const std::string& role, const std::string& m) {
  return sokei::testing::GatewayToken(kSecret, "idp", "u", role, m);
}

// A concrete path for a route template: every wildcard becomes an id, names land in 142140.
std::string Concrete(const std::string& text) {
  std::string out;
  bool in_var = false;
  std::string var;
  for (char c : text) {
    if (c == '{') {
      in_var = true;
      var.clear();
      continue;
    }
    if (c == '}') {
      in_var = false;
      const size_t eq = var.find('=');
      std::string pattern = eq == std::string::npos ? "*" : var.substr(eq + 1);
      pattern = absl::StrReplaceAll(pattern,
                                    {{"municipalities/*", "municipalities/142140"}, {"**", "x"}});
      out += absl::StrReplaceAll(pattern, {{"*", "x1"}});
      continue;
    }
    if (in_var) {
      var.push_back(c);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

class MatrixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto routes = RouteTable::Build(Services());
    ASSERT_TRUE(routes.ok());
    Credentials creds;
    ASSERT_TRUE(creds.AddHmacSecret("dev", kSecret).ok());
    GatewayOptions o;
    o.jwt.issuer = "idp";
    o.jwt.audience = "sokei";
    o.rate_per_second = 0;
    gateway_ =
        std::make_unique<Gateway>(std::move(*routes), std::move(creds),
                                  std::map<std::string, std::shared_ptr<grpc::Channel>>{}, o);
  }

  HttpResponse Rest(const std::string& method, const std::string& path, const std::string& token) {
    HttpRequest req;
    req.method = method;
    req.target = path;
    if (!token.empty()) req.headers.emplace("authorization", "Bearer " + token);
    if (method != "GET" && method != "DELETE") req.body = "{}";
    HttpResponse out;
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    gateway_->Handle(req, [&](HttpResponse r) {
      std::lock_guard<std::mutex> lock(mu);
      out = std::move(r);
      done = true;
      cv.notify_one();
    });
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done; });
    return out;
  }

  std::unique_ptr<Gateway> gateway_;
};

TEST_F(MatrixTest, EveryRestRouteRefusesTheCallersItMust) {
  const std::string viewer = Token("viewer", "142140"), pub = Token("public", "142140"),
                    other = Token("planner", "131016"), admin = Token("admin", "*");
  int routes = 0, writes = 0;
  std::set<std::string> methods;
  for (const Route& r : gateway_->routes().routes()) {
    const std::string path = Concrete(r.path.text());
    const std::string what =
        absl::StrCat(r.http_method, " ", path, " (", r.method->full_name(), ")");
    ++routes;
    methods.insert(r.method->full_name());
    EXPECT_EQ(Rest(r.http_method, path, "").status, 401) << what;
    EXPECT_EQ(Rest(r.http_method, path, "x.y.z").status, 401) << what;
    if (path.find("municipalities/142140") != std::string::npos) {
      EXPECT_EQ(Rest(r.http_method, path, other).status, 403) << what;
    }
    if (r.http_method != "GET") {
      ++writes;
      EXPECT_EQ(Rest(r.http_method, path, viewer).status, 403) << what;
      EXPECT_EQ(Rest(r.http_method, path, pub).status, 403) << what;
    } else {
      // Reads pass the edge (the service decides what a viewer or the public sees): with no
      // upstream configured they end in 503, never 401/403 from the edge.
      EXPECT_EQ(Rest(r.http_method, path, viewer).status, 503) << what;
    }
    // An admin passes the edge everywhere.
    EXPECT_EQ(Rest(r.http_method, path, admin).status, 503) << what;
  }
  // Every unary method of every service is in the matrix.
  int unary = 0;
  for (const auto* svc : Services()) {
    for (int i = 0; i < svc->method_count(); ++i) {
      const auto* m = svc->method(i);
      if (m->client_streaming() || m->server_streaming()) continue;
      ++unary;
      EXPECT_TRUE(methods.count(m->full_name())) << m->full_name() << " uncovered";
    }
  }
  EXPECT_EQ(static_cast<int>(methods.size()), unary);
  EXPECT_GT(writes, 30);
  EXPECT_GE(routes, unary);
}

TEST_F(MatrixTest, EveryGrpcMethodRefusesTheCallersItMust) {
  Passthrough passthrough(gateway_.get());
  int port = 0;
  auto server = StartPassthrough("127.0.0.1:0", &passthrough, &port);
  ASSERT_TRUE(server.ok()) << server.status();
  grpc::GenericStub stub(grpcx::MakeUpstreamChannel("127.0.0.1:" + std::to_string(port), 4 << 20));
  auto call = [&](const std::string& method, const std::string& token) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    grpc::Slice empty("");
    grpc::ByteBuffer req(&empty, 1), resp;
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    grpc::Status result;
    stub.UnaryCall(&ctx, method, grpc::StubOptions(), &req, &resp, [&](grpc::Status s) {
      std::lock_guard<std::mutex> lock(mu);
      result = s;
      done = true;
      cv.notify_one();
    });
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done; });
    return result.error_code();
  };
  const std::string viewer = Token("viewer", "142140"), pub = Token("public", "142140");
  int covered = 0;
  for (const auto* svc : Services()) {
    for (int i = 0; i < svc->method_count(); ++i) {
      const auto* m = svc->method(i);
      const std::string path = absl::StrCat("/", svc->full_name(), "/", m->name());
      ++covered;
      EXPECT_EQ(call(path, ""), grpc::StatusCode::UNAUTHENTICATED) << path;
      const bool read = m->options().HasExtension(google::api::http) &&
                        m->options().GetExtension(google::api::http).pattern_case() ==
                            google::api::HttpRule::kGet;
      if (!read) {
        EXPECT_EQ(call(path, viewer), grpc::StatusCode::PERMISSION_DENIED) << path;
        EXPECT_EQ(call(path, pub), grpc::StatusCode::PERMISSION_DENIED) << path;
      } else {
        EXPECT_EQ(call(path, viewer), grpc::StatusCode::UNAVAILABLE) << path << " passes the edge";
      }
    }
  }
  EXPECT_GT(covered, 60);
  (*server)->Shutdown();
}

}  // namespace
}  // namespace sokei::gateway

namespace sokei::gateway {
namespace {

// Verified tokens are remembered, but never past their expiry (plus the skew).
TEST(TokenCache, ARememberedTokenStillExpires) {
  auto routes = RouteTable::Build({});
  ASSERT_TRUE(routes.ok());
  Credentials creds;
  ASSERT_TRUE(creds.AddHmacSecret("dev", kSecret).ok());
  GatewayOptions o;
  o.jwt.issuer = "idp";
  o.jwt.audience = "sokei";
  o.rate_per_second = 0;
  absl::Time now = absl::Now();
  Gateway g(std::move(*routes), std::move(creds), {}, o, [&now] { return now; });
  const std::string token = Token("viewer", "142140");  // expires in 600 s
  ASSERT_TRUE(g.Admit("Bearer " + token, "", "142140", false).ok());
  ASSERT_TRUE(g.Admit("Bearer " + token, "", "142140", false).ok());  // from the cache
  now += absl::Seconds(600 + 30);                                     // within the skew
  EXPECT_TRUE(g.Admit("Bearer " + token, "", "142140", false).ok());
  now += absl::Seconds(60);
  auto late = g.Admit("Bearer " + token, "", "142140", false);
  EXPECT_EQ(late.status().code(), absl::StatusCode::kUnauthenticated);
  // The cache never turns a refusal into a pass: a write by the viewer is still refused.
  now -= absl::Seconds(600);
  EXPECT_EQ(g.Admit("Bearer " + token, "", "142140", true).status().code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace sokei::gateway
