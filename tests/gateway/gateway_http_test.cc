// The gateway over real sockets: the Beast listener and the request path in front of a real plan
// service (gRPC on loopback, SQLite). REST reads and writes with tokens, the principal built from
// the token alone (client x-sokei-* headers ignored), edge authorization, errors rendered with
// their HTTP status, 404/405, limits (413 before the body, 431, smuggling framing, slow headers
// dropped while others are served), the rate limit, keep-alive, request ids, /metrics only on the
// operations listener, /openapi.json.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <future>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/grpcx/server.h"
#include "common/grpcx/upstream.h"
#include "gateway/server/http_listener.h"
#include "services/plan/api/plan_grpc_service.h"
#include "tests/support/gateway_tokens.h"
#include "tests/support/plan_fixtures.h"
#include "tests/support/plan_server.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_gateway.h"

namespace sokei::gateway {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr char kSecret[] = "the gateway test's HS256 secret, thirty-two bytes or more";

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
};

class GatewayHttpTest : public ::testing::Test {
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
            [](GatewayOptions* o, Credentials* creds) {
              ASSERT_TRUE(
                  creds->AddApiKeyHash(Sha256Hex("budget-system-key"), "budget", "142140", "viewer")
                      .ok());
              o->jwt.issuer = "test-idp";
              o->rate_per_second = 5;
              o->burst = 40;
            })
            .release();
    // The console's files, as a Vite build lays them out.
    std::string big_js = "// the console\n";
    for (int i = 0; i < 200; ++i) absl::StrAppend(&big_js, "export const k", i, " = '総合計画';\n");
    auto site = StaticSite::FromFiles({{"index.html", "<!doctype html><title>総計</title>"},
                                       {"assets/index-3f2a.js", big_js},
                                       {"favicon.svg", "<svg/>"}});
    ASSERT_TRUE(site.ok()) << site.status();
    ConsoleSettings console;
    console.municipality = "142140";
    console.oidc = ConsoleOidc{"https://idp.city.example.jp/realms/staff", "sokei-console"};
    gateway_->ServeConsole(std::move(*site), console);
    ListenerOptions lo;
    lo.address = "127.0.0.1:0";
    lo.header_timeout = absl::Milliseconds(700);
    auto l = HttpListener::Start(lo, gateway_);
    ASSERT_TRUE(l.ok()) << l.status();
    listener_ = l->release();
    lo.ops = true;
    auto ops = HttpListener::Start(lo, gateway_);
    ASSERT_TRUE(ops.ok());
    ops_ = ops->release();

    // The municipality and a plan, through the gateway itself.
    Reply r = Request("POST", "/v1/municipalities?municipalityId=142140",
                      Token("root", "admin", "*"), R"({"displayName":"伊勢原市"})");
    ASSERT_EQ(r.status, 200) << r.body;
    auto plan = sokei::testing::PlanRequest("municipalities/142140", "next", 2);
    std::string json;
    ASSERT_TRUE(google::protobuf::util::MessageToJsonString(plan.plan(), &json).ok());
    r = Request("POST", "/v1/municipalities/142140/plans?planId=next", Token("root", "admin", "*"),
                json);
    ASSERT_EQ(r.status, 200) << r.body;
  }

  static void TearDownTestSuite() {
    delete ops_;
    delete listener_;
    delete gateway_;
    delete plan_;
    delete db_;
  }

  static std::string Token(const std::string& sub, const std::string& role, const std::string& m,
                           int64_t ttl = 600) {
    return sokei::testing::GatewayToken(kSecret, "test-idp", sub, role, m, ttl);
  }

  static Reply Request(const std::string& method, const std::string& target,
                       const std::string& token, const std::string& body = "",
                       std::vector<std::pair<std::string, std::string>> extra = {}, int port = 0) {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect(
        tcp::endpoint(net::ip::make_address("127.0.0.1"), port ? port : listener_->port()));
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "localhost");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    for (const auto& [k, v] : extra) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    return ReadReply(stream);
  }

  static Reply ReadReply(beast::tcp_stream& stream) {
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    beast::error_code ec;
    http::read(stream, buf, res, ec);
    Reply out;
    if (ec) return out;
    out.status = res.result_int();
    for (const auto& f : res) out.headers[std::string(f.name_string())] = std::string(f.value());
    out.body = res.body();
    return out;
  }

  // Sends raw bytes; returns the reply (status 0 when the server closed without one).
  static Reply Raw(const std::string& bytes) {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), listener_->port()));
    net::write(stream, net::buffer(bytes));
    return ReadReply(stream);
  }

  static inline sokei::testing::TestDatabase* db_ = nullptr;
  static inline sokei::testing::PlanServer* plan_ = nullptr;
  static inline Gateway* gateway_ = nullptr;
  static inline HttpListener* listener_ = nullptr;
  static inline HttpListener* ops_ = nullptr;
};

std::string Gunzip(const std::string& in) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return "";
  std::string out(in.size() * 20 + 1024, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&z, Z_FINISH);
  out.resize(z.total_out);
  inflateEnd(&z);
  return rc == Z_STREAM_END ? out : "";
}

TEST_F(GatewayHttpTest, ServesTheConsoleBesideTheApi) {
  // The console's entry page for / and every /app route, with the headers that keep it safe.
  for (const char* path : {"/", "/app", "/app/review/142140", "/app/plans?x=1"}) {
    Reply r = Request("GET", path, "");
    ASSERT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body, "<!doctype html><title>総計</title>") << path;
    EXPECT_EQ(r.headers["Content-Type"], "text/html; charset=utf-8");
    EXPECT_EQ(r.headers["Cache-Control"], "no-cache");
    EXPECT_NE(r.headers["Content-Security-Policy"].find("frame-ancestors 'none'"),
              std::string::npos);
    // The pages may talk to this origin and the identity provider's (discovery, token endpoint).
    EXPECT_NE(r.headers["Content-Security-Policy"].find(
                  "connect-src 'self' https://idp.city.example.jp;"),
              std::string::npos);
    EXPECT_EQ(r.headers["X-Frame-Options"], "DENY");
  }
  // Hashed assets: cached for a year, gzip when the browser accepts it, revalidated by ETag.
  Reply plain = Request("GET", "/assets/index-3f2a.js", "");
  ASSERT_EQ(plain.status, 200);
  EXPECT_EQ(plain.headers["Content-Type"], "application/javascript; charset=utf-8");
  EXPECT_EQ(plain.headers["Cache-Control"], "public, max-age=31536000, immutable");
  EXPECT_EQ(plain.headers.count("Content-Encoding"), 0u);
  Reply zipped = Request("GET", "/assets/index-3f2a.js", "", "", {{"Accept-Encoding", "gzip, br"}});
  ASSERT_EQ(zipped.status, 200);
  EXPECT_EQ(zipped.headers["Content-Encoding"], "gzip");
  EXPECT_LT(zipped.body.size(), plain.body.size() / 4);
  EXPECT_EQ(Gunzip(zipped.body), plain.body);
  Reply again =
      Request("GET", "/assets/index-3f2a.js", "", "", {{"If-None-Match", plain.headers["ETag"]}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  // Only the loaded files: no traversal, no directory listing, no guessing.
  for (const char* path : {"/assets/../index.html", "/assets/", "/assets/index-3f2a.js.map",
                           "/%2e%2e/etc/passwd", "/index.htm"}) {
    Reply r = Request("GET", path, "");
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_NE(r.body.find("no such REST route"), std::string::npos) << path;
  }
  // The console's settings, the API beside it unchanged, and nothing of it on the ops port.
  Reply config = Request("GET", "/console/config.json", "");
  EXPECT_EQ(config.status, 200);
  EXPECT_EQ(config.body, R"({"auth":"oidc","municipality":"142140","oidc":{"issuer":)"
                         R"("https://idp.city.example.jp/realms/staff","clientId":"sokei-console",)"
                         R"("scope":"openid profile"}})");
  EXPECT_EQ(Request("GET", "/v1/municipalities/142140/plans/next", "").status, 401);
  EXPECT_EQ(Request("POST", "/", "").status, 404);
  EXPECT_EQ(Request("GET", "/", "", "", {}, ops_->port()).status, 404);
}

// Citizens without a token: PUBLIC read-only methods act as the public role of the path's
// municipality when the gateway is told so; nothing else opens.
TEST_F(GatewayHttpTest, AnonymousPublicReadsOnlyWhenEnabled) {
  auto gw = sokei::testing::TestGateway(
      kSecret, {plan::v1::GetPlanRequest::descriptor()->file()->FindServiceByName("PlanService")},
      {{"sokei.plan.v1", grpcx::MakeUpstreamChannel(plan_->address(), 16 << 20)}},
      [](GatewayOptions* o, Credentials*) { o->anonymous_public = true; });
  ASSERT_NE(gw, nullptr);
  auto handle = [&](const std::string& method, const std::string& target,
                    const std::string& body = "") {
    std::promise<HttpResponse> p;
    HttpRequest req;
    req.method = method;
    req.target = target;
    req.body = body;
    gw->Handle(std::move(req), [&p](HttpResponse r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  };
  HttpResponse read = handle("GET", "/v1/municipalities/142140/plans/next");
  EXPECT_NE(read.status, 401) << read.body;
  EXPECT_EQ(read.body.find("PRINCIPAL_MISSING"), std::string::npos) << read.body;
  // Writes, staff reads and paths without a municipality still need credentials.
  for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"PATCH", "/v1/municipalities/142140/plans/next"},
           {"GET", "/v1/municipalities/142140/auditEvents"},
           {"GET", "/v1/municipalities"}}) {
    HttpResponse r = handle(method, target, method == "PATCH" ? R"({"description":"x"})" : "");
    EXPECT_EQ(r.status, 401) << method << " " << target << " " << r.body;
    EXPECT_NE(r.body.find("PRINCIPAL_MISSING"), std::string::npos) << target;
  }
  // The listener's gateway (anonymous_public off) refuses the same read.
  EXPECT_EQ(Request("GET", "/v1/municipalities/142140/plans/next", "").status, 401);
}

TEST_F(GatewayHttpTest, RestReadsAndWritesWithTokens) {
  const std::string planner = Token("sato", "planner", "142140");
  Reply r = Request("GET", "/v1/municipalities/142140/plans/next:tree", planner);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("name":"municipalities/142140/plans/next")"), std::string::npos)
      << r.body;
  EXPECT_EQ(r.headers["Content-Type"], "application/json");
  EXPECT_FALSE(r.headers["X-Request-Id"].empty());
  // PATCH without an update mask: the mask is the body's keys.
  r = Request("PATCH", "/v1/municipalities/142140/plans/next", planner,
              R"({"description":"RESTで更新"})");
  ASSERT_EQ(r.status, 200) << r.body;
  r = Request("GET", "/v1/municipalities/142140/plans/next", planner, "",
              {{"X-Request-Id", "trace-42"}});
  EXPECT_NE(r.body.find("RESTで更新"), std::string::npos);
  EXPECT_NE(r.body.find(R"("displayName":"総合計画")"), std::string::npos)
      << "other fields untouched";
  EXPECT_EQ(r.headers["X-Request-Id"], "trace-42");
  // Query binding.
  r = Request("GET", "/v1/municipalities/142140/plans?pageSize=1", planner);
  EXPECT_EQ(r.status, 200) << r.body;
  // An API key for a system: reads, no writes.
  r = Request("GET", "/v1/municipalities/142140/plans/next", "", "",
              {{"X-Api-Key", "budget-system-key"}});
  EXPECT_EQ(r.status, 200) << r.body;
  r = Request("PATCH", "/v1/municipalities/142140/plans/next", "", R"({"description":"x"})",
              {{"X-Api-Key", "budget-system-key"}});
  EXPECT_EQ(r.status, 403);
}

TEST_F(GatewayHttpTest, ApiReadsRevalidateAndCompress) {
  const std::string planner = Token("kato", "planner", "142140");  // a rate bucket of its own
  const std::string tree = "/v1/municipalities/142140/plans/next:tree";
  Reply first = Request("GET", tree, planner);
  ASSERT_EQ(first.status, 200) << first.body;
  const std::string etag = first.headers["ETag"];
  ASSERT_EQ(etag.size(), 34u) << "a strong, quoted ETag";
  EXPECT_EQ(first.headers["Cache-Control"], "private, no-cache");
  // The same reply again: 304 and no body.
  Reply again = Request("GET", tree, planner, "", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(again.headers["ETag"], etag);
  // A reply of 1 KiB or more is compressed when asked for, the same JSON inside; a small one
  // (the tree of this two-node plan, ~500 bytes) is not worth it.
  EXPECT_TRUE(Request("GET", tree, planner, "", {{"Accept-Encoding", "gzip"}})
                  .headers["Content-Encoding"]
                  .empty());
  Reply plain = Request("GET", "/openapi.json", "");
  // Brotli when the client takes it, gzip otherwise.
  EXPECT_EQ(Request("GET", "/openapi.json", "", "", {{"Accept-Encoding", "gzip, br"}})
                .headers["Content-Encoding"],
            "br");
  Reply zipped = Request("GET", "/openapi.json", "", "", {{"Accept-Encoding", "gzip"}});
  ASSERT_EQ(zipped.status, 200);
  EXPECT_EQ(zipped.headers["Content-Encoding"], "gzip");
  EXPECT_EQ(Gunzip(zipped.body), plain.body);
  EXPECT_LT(zipped.body.size(), plain.body.size() / 4);
  EXPECT_NE(zipped.headers["ETag"], plain.headers["ETag"]) << "one validator per representation";
  EXPECT_EQ(Request("GET", "/openapi.json", "", "",
                    {{"Accept-Encoding", "gzip"}, {"If-None-Match", zipped.headers["ETag"]}})
                .status,
            304);
  EXPECT_TRUE(Request("GET", "/openapi.json", "", "", {{"Accept-Encoding", "gzip;q=0"}})
                  .headers["Content-Encoding"]
                  .empty());
  // After a write the old ETag no longer matches: the new tree comes back in full.
  ASSERT_EQ(Request("PATCH", "/v1/municipalities/142140/plans/next", planner,
                    R"({"description":"ETagの確認"})")
                .status,
            200);
  Reply changed = Request("GET", tree, planner, "", {{"If-None-Match", etag}});
  EXPECT_EQ(changed.status, 200);
  EXPECT_NE(changed.headers["ETag"], etag);
  EXPECT_NE(changed.body.find("ETagの確認"), std::string::npos);
  // Errors are never cached.
  Reply missing = Request("GET", "/v1/municipalities/142140/plans/none", planner);
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(missing.headers["ETag"].empty());
  EXPECT_EQ(missing.headers["Cache-Control"], "no-store");
}

TEST_F(GatewayHttpTest, AuthenticationAndEdgeAuthorization) {
  Reply r = Request("GET", "/v1/municipalities/142140/plans/next", "");
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.headers["WWW-Authenticate"].find("Bearer"), std::string::npos);
  EXPECT_NE(r.body.find("PRINCIPAL_MISSING"), std::string::npos);
  r = Request("GET", "/v1/municipalities/142140/plans/next",
              Token("sato", "planner", "142140", -3600));
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("TOKEN_EXPIRED"), std::string::npos);
  r = Request("GET", "/v1/municipalities/142140/plans/next", "not-a-token");
  EXPECT_EQ(r.status, 401);
  // A viewer may read, not write — even claiming admin in headers of its own.
  const std::string viewer = Token("v", "viewer", "142140");
  EXPECT_EQ(Request("GET", "/v1/municipalities/142140/plans/next", viewer).status, 200);
  r = Request(
      "PATCH", "/v1/municipalities/142140/plans/next", viewer, R"({"description":"x"})",
      {{"x-sokei-roles", "admin"}, {"x-sokei-subject", "root"}, {"x-sokei-municipality", "*"}});
  EXPECT_EQ(r.status, 403) << r.body;
  // Another municipality's planner.
  r = Request("GET", "/v1/municipalities/142140/plans/next", Token("x", "planner", "131016"));
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("PERMISSION_DENIED"), std::string::npos);
  // An editor passes the edge; the plan service refuses structure writes itself.
  r = Request("PATCH", "/v1/municipalities/142140/plans/next", Token("e", "editor", "142140"),
              R"({"description":"x"})");
  EXPECT_EQ(r.status, 403) << r.body;
}

TEST_F(GatewayHttpTest, ErrorsRoutingAndBinding) {
  const std::string planner = Token("sato", "planner", "142140");
  Reply r = Request("GET", "/v1/municipalities/142140/plans/none", planner);
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("PLAN_NOT_FOUND"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("google.rpc.ErrorInfo"), std::string::npos);
  // The gateway's own refusals carry ErrorInfo with their reason too.
  r = Request("GET", "/v1/nowhere", planner);
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("ROUTE_NOT_FOUND"), std::string::npos) << r.body;
  r = Request("DELETE", "/v1/municipalities/142140/plans/next:tree", planner);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers["Allow"], "GET");
  EXPECT_NE(r.body.find("METHOD_NOT_ALLOWED"), std::string::npos) << r.body;
  r = Request("PATCH", "/v1/municipalities/142140/plans/next", planner, R"({"descripton":"typo"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("REST_REQUEST_INVALID"), std::string::npos) << r.body;
  r = Request("GET", "/v1/municipalities/142140/plans?pageSize=many", planner);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("pageSize"), std::string::npos) << r.body;
  // Another municipality code, valid or not, stops at the edge.
  r = Request("GET", "/v1/municipalities/142141/plans", planner);
  EXPECT_EQ(r.status, 403);
}

TEST_F(GatewayHttpTest, LimitsAndFraming) {
  const std::string planner = Token("sato", "planner", "142140");
  // 413 from the Content-Length alone: the body is never sent.
  Reply r =
      Raw(absl::StrCat("PATCH /v1/municipalities/142140/plans/next HTTP/1.1\r\nHost: x\r\n",
                       "Authorization: Bearer ", planner, "\r\nContent-Length: 2000000\r\n\r\n"));
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("BODY_TOO_LARGE"), std::string::npos) << r.body;
  // 431: a 20 KB header.
  r = Raw(absl::StrCat("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ", std::string(20000, 'a'),
                       "\r\n\r\n"));
  EXPECT_EQ(r.status, 431);
  // Smuggling shapes: both framings, two lengths, a bad chunk size.
  r =
      Raw("POST /v1/municipalities HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: "
          "chunked\r\n\r\n0\r\n\r\n");
  EXPECT_EQ(r.status, 400);
  r =
      Raw("POST /v1/municipalities HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: "
          "5\r\n\r\nabcd");
  EXPECT_EQ(r.status, 400);
  r =
      Raw("POST /v1/municipalities HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
          "chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n");
  EXPECT_EQ(r.status, 400);
}

TEST_F(GatewayHttpTest, SlowHeadersAreDroppedWhileOthersAreServed) {
  net::io_context ioc;
  beast::tcp_stream slow(ioc);
  slow.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), listener_->port()));
  net::write(slow, net::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n")));
  // Normal traffic meanwhile.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Request("GET", "/healthz", "").status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  char c;
  beast::error_code ec;
  slow.socket().read_some(net::buffer(&c, 1), ec);
  EXPECT_TRUE(ec == net::error::eof || ec == net::error::connection_reset) << ec.message();
}

TEST_F(GatewayHttpTest, KeepAliveRateLimitAndOperations) {
  // Two requests on one connection.
  {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), listener_->port()));
    for (int i = 0; i < 2; ++i) {
      http::request<http::string_body> req{http::verb::get, "/healthz", 11};
      req.set(http::field::host, "x");
      http::write(stream, req);
      EXPECT_EQ(ReadReply(stream).status, 200);
    }
  }
  // One principal over its budget gets 429 with Retry-After; another is unaffected.
  const std::string hasty = Token("hasty", "viewer", "142140");
  int limited = 0;
  std::string retry_after;
  for (int i = 0; i < 60; ++i) {
    Reply r = Request("GET", "/v1/municipalities/142140/plans/next", hasty);
    if (r.status == 429) {
      ++limited;
      retry_after = r.headers["Retry-After"];
    }
  }
  EXPECT_GT(limited, 0);
  EXPECT_EQ(retry_after, "1");
  EXPECT_EQ(
      Request("GET", "/v1/municipalities/142140/plans/next", Token("calm", "viewer", "142140"))
          .status,
      200);
  // /metrics only on the operations listener, with the counters.
  EXPECT_EQ(Request("GET", "/metrics", "").status, 404);
  Reply m = Request("GET", "/metrics", "", "", {}, ops_->port());
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("sokei_gateway_requests_total"), std::string::npos);
  EXPECT_NE(m.body.find(R"(sokei_gateway_rejected_total{reason="RATE_LIMITED"})"),
            std::string::npos);
  EXPECT_NE(m.body.find("sokei_gateway_request_seconds_bucket"), std::string::npos);
  // Readiness asks the upstream; the OpenAPI document lists the routes.
  EXPECT_EQ(Request("GET", "/readyz", "").status, 200);
  Reply o = Request("GET", "/openapi.json", "");
  ASSERT_EQ(o.status, 200);
  google::protobuf::Struct doc;
  auto parsed = google::protobuf::util::JsonStringToMessage(o.body, &doc);
  ASSERT_TRUE(parsed.ok()) << parsed.message() << " " << o.body.substr(0, 300);
  EXPECT_GT(doc.fields().at("paths").struct_value().fields_size(), 15);
  // A generator resolves the paths against the gateway that served the document.
  const auto& servers = doc.fields().at("servers").list_value();
  ASSERT_EQ(servers.values_size(), 1);
  EXPECT_EQ(servers.values(0).struct_value().fields().at("url").string_value(), "/");
  // Required fields come from google.api.field_behavior, summaries from the contract's comments.
  const auto& get_plan = doc.fields()
                             .at("paths")
                             .struct_value()
                             .fields()
                             .at("/v1/municipalities/{municipality}/plans/{plan}")
                             .struct_value()
                             .fields()
                             .at("get")
                             .struct_value()
                             .fields();
  EXPECT_EQ(get_plan.at("summary").string_value(), "Returns one plan.");
  const auto& schema = doc.fields()
                           .at("components")
                           .struct_value()
                           .fields()
                           .at("schemas")
                           .struct_value()
                           .fields()
                           .at("sokei.plan.v1.GetPlanRequest")
                           .struct_value()
                           .fields();
  ASSERT_TRUE(schema.count("required"));
  ASSERT_EQ(schema.at("required").list_value().values_size(), 1);
  EXPECT_EQ(schema.at("required").list_value().values(0).string_value(), "name");
}

}  // namespace
}  // namespace sokei::gateway
