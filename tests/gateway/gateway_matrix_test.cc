// The edge's authorization matrix, generated from the descriptors: every REST route and every gRPC
// method of every linked sokei service × every kind of caller (none, a bad token, admin, planner,
// editor, viewer, public, a system key, a planner of another municipality), with the expected
// outcome derived from the method's (sokei.type.v1.access) option. No upstream is configured here:
// a request that got past the edge fails with UNAVAILABLE (503) instead, so every refusal below is
// the edge's own and every pass is one. 0 methods uncovered. The object-level half (own and other
// department, nothing written) runs against the real services in gateway_bola_test.
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/grpcx/upstream.h"
#include "gateway/server/grpc_passthrough.h"
#include "sokei/kpi/v1/kpi_service.pb.h"
#include "sokei/plan/v1/plan_service.pb.h"
#include "sokei/survey/v1/survey_service.pb.h"
#include "tests/support/gateway_tokens.h"
#include "tests/support/test_gateway.h"

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

// The roles' reach, written out independently of the gateway's own check.
bool EdgeAllows(const std::string& role, const type::v1::MethodAccess& a) {
  using type::v1::AccessLevel;
  if (role == "admin") return true;
  if (role == "planner") return a.level() != AccessLevel::ADMIN;
  if (role == "editor") {
    return a.level() == AccessLevel::DEPARTMENT ||
           (a.read_only() && (a.level() == AccessLevel::PUBLIC || a.level() == AccessLevel::STAFF));
  }
  if (role == "viewer" || role == "system") {
    return a.read_only() && (a.level() == AccessLevel::PUBLIC || a.level() == AccessLevel::STAFF);
  }
  if (role == "public") return a.read_only() && a.level() == AccessLevel::PUBLIC;
  return false;
}

const char* const kRoles[] = {"admin", "planner", "editor", "viewer", "public", "system"};
constexpr char kSystemKey[] = "matrix-system-key-0123456789";

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
    gateway_ = sokei::testing::TestGateway(
        kSecret, Services(), {}, [](GatewayOptions*, Credentials* creds) {
          ASSERT_TRUE(
              creds->AddApiKeyHash(Sha256Hex(kSystemKey), "matrix", "142140", "viewer").ok());
        });
    ASSERT_NE(gateway_, nullptr);
  }

  // `token` "system" sends the system API key instead of a bearer token.
  HttpResponse Rest(const std::string& method, const std::string& path, const std::string& token) {
    HttpRequest req;
    req.method = method;
    req.target = path;
    if (token == "system") {
      req.headers.emplace("x-api-key", kSystemKey);
    } else if (!token.empty()) {
      req.headers.emplace("authorization", "Bearer " + token);
    }
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

TEST_F(MatrixTest, EveryRestRouteAdmitsExactlyTheCallersItShould) {
  const std::string other = Token("planner", "131016");
  int routes = 0, refusals = 0, passes = 0;
  std::set<std::string> methods;
  for (const Route& r : gateway_->routes().routes()) {
    const std::string path = Concrete(r.path.text());
    const std::string what =
        absl::StrCat(r.http_method, " ", path, " (", r.method->full_name(), ")");
    ++routes;
    methods.insert(r.method->full_name());
    ASSERT_NE(r.access.level(), type::v1::ACCESS_LEVEL_UNSPECIFIED) << what;
    EXPECT_EQ(Rest(r.http_method, path, "").status, 401) << what;
    EXPECT_EQ(Rest(r.http_method, path, "x.y.z").status, 401) << what;
    if (path.find("municipalities/142140") != std::string::npos) {
      EXPECT_EQ(Rest(r.http_method, path, other).status, 403) << what;
    }
    for (const char* role : kRoles) {
      const std::string token = std::string(role) == "system"
                                    ? "system"
                                    : Token(role, std::string(role) == "admin" ? "*" : "142140");
      const int want = EdgeAllows(role, r.access) ? 503 : 403;
      (want == 403 ? refusals : passes)++;
      EXPECT_EQ(Rest(r.http_method, path, token).status, want) << what << " as " << role;
    }
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
  EXPECT_GE(routes, unary);
  EXPECT_GT(refusals, 150);
  EXPECT_GT(passes, 150);
  // Refusals are counted by why: a read-only role on a write, or a role below the level.
  const std::string metrics = gateway_->MetricsText();
  EXPECT_NE(metrics.find(R"(sokei_gateway_rejected_total{reason="READ_ONLY_ROLE"})"),
            std::string::npos);
  EXPECT_NE(metrics.find(R"(sokei_gateway_rejected_total{reason="ROLE_NOT_ALLOWED"})"),
            std::string::npos);
  EXPECT_NE(metrics.find(R"(sokei_gateway_rejected_total{reason="OTHER_MUNICIPALITY"})"),
            std::string::npos);
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
    if (token == "system") {
      ctx.AddMetadata("x-api-key", kSystemKey);
    } else if (!token.empty()) {
      ctx.AddMetadata("authorization", "Bearer " + token);
    }
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
  int covered = 0;
  for (const auto* svc : Services()) {
    for (int i = 0; i < svc->method_count(); ++i) {
      const auto* m = svc->method(i);
      const std::string path = absl::StrCat("/", svc->full_name(), "/", m->name());
      const type::v1::MethodAccess access = AccessOf(m);
      ASSERT_NE(access.level(), type::v1::ACCESS_LEVEL_UNSPECIFIED) << path;
      ++covered;
      EXPECT_EQ(call(path, ""), grpc::StatusCode::UNAUTHENTICATED) << path;
      for (const char* role : kRoles) {
        const std::string token = std::string(role) == "system"
                                      ? "system"
                                      : Token(role, std::string(role) == "admin" ? "*" : "142140");
        EXPECT_EQ(call(path, token), EdgeAllows(role, access) ? grpc::StatusCode::UNAVAILABLE
                                                              : grpc::StatusCode::PERMISSION_DENIED)
            << path << " as " << role;
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
  absl::Time now = absl::Now();
  auto gateway = sokei::testing::TestGateway(kSecret, {}, {}, nullptr, [&now] { return now; });
  Gateway& g = *gateway;
  const std::string token = Token("viewer", "142140");  // expires in 600 s
  type::v1::MethodAccess read, write;
  read.set_level(type::v1::PUBLIC);
  read.set_read_only(true);
  write.set_level(type::v1::PLANNER);
  ASSERT_TRUE(g.Admit("Bearer " + token, "", "142140", read).ok());
  ASSERT_TRUE(g.Admit("Bearer " + token, "", "142140", read).ok());  // from the cache
  now += absl::Seconds(600 + 30);                                    // within the skew
  EXPECT_TRUE(g.Admit("Bearer " + token, "", "142140", read).ok());
  now += absl::Seconds(60);
  auto late = g.Admit("Bearer " + token, "", "142140", read);
  EXPECT_EQ(late.status().code(), absl::StatusCode::kUnauthenticated);
  // The cache never turns a refusal into a pass: a write by the viewer is still refused.
  now -= absl::Seconds(600);
  EXPECT_EQ(g.Admit("Bearer " + token, "", "142140", write).status().code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace sokei::gateway
