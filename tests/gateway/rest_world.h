// The whole stack for the gateway's golden and authorization-matrix tests: the three real
// services (SQLite files, gRPC on loopback), the gateway in front of them with its HTTP listener
// and gRPC passthrough on real sockets, tokens for every role, and the REST case script of
// tests/gateway/golden/rest_cases.txt.
#pragma once

#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gateway/server/grpc_passthrough.h"
#include "gateway/server/http_listener.h"
#include "gateway/server/upstreams.h"
#include "gateway/transcode/transcoder.h"
#include "tests/support/service_stack.h"
#include "tests/support/test_gateway.h"

namespace sokei::gateway::testing {

constexpr char kSecret[] = "the REST world's HS256 secret, at least thirty-two bytes";
constexpr char kSystemKey[] = "rest-world-budget-system-key";
constexpr char kRoles[][8] = {"admin", "planner", "editor", "viewer", "public", "system"};

// One request of the script.
struct Case {
  std::string label;  // plan.GetNode, plan.CreateNode s1 (a variant), error: …
  std::string role;
  std::string method;
  std::string target;  // path and query, with placeholders
  std::string body;
  int line = 0;

  // "plan.GetNode" for plan.GetNode; "" for variants and error cases.
  std::string MainMethod() const {
    if (absl::StrContains(label, ' ') || absl::StartsWith(label, "error")) return "";
    return label.substr(label.find('.') + 1);
  }
};

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string SourceDir() {
  const char* d = std::getenv("SOKEI_SOURCE_DIR");
  return d == nullptr ? "." : d;
}

inline std::vector<Case> LoadCases() {
  const std::string path = SourceDir() + "/tests/gateway/golden/rest_cases.txt";
  std::vector<Case> out;
  std::vector<std::string> lines = absl::StrSplit(ReadText(path), '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!absl::StartsWith(lines[i], "### ")) continue;
    Case c;
    c.label = lines[i].substr(4);
    c.line = static_cast<int>(i + 1);
    size_t j = i + 1;
    if (j < lines.size() && absl::StartsWith(lines[j], "AS ")) c.role = lines[j++].substr(3);
    if (j < lines.size()) {
      std::vector<std::string> request = absl::StrSplit(lines[j++], absl::MaxSplits(' ', 1));
      if (request.size() == 2) {
        c.method = request[0];
        c.target = request[1];
      }
    }
    for (; j < lines.size() && !lines[j].empty() && !absl::StartsWith(lines[j], "###"); ++j) {
      absl::StrAppend(&c.body, c.body.empty() ? "" : "\n", lines[j]);
    }
    out.push_back(std::move(c));
  }
  return out;
}

// Whose objects a request names: the caller's own department, another department of the same
// municipality, or another municipality.
struct Scope {
  std::string name, m, d, node, ind;
};
inline Scope Own() { return {"own department", "142140", "kikaku", "s1", "k1"}; }
inline Scope OtherDepartment() { return {"other department", "142140", "toshi", "s2", "k2"}; }
inline Scope OtherMunicipality() { return {"other municipality", "142034", "kikaku", "s1", "k1"}; }

inline std::string Substitute(const std::string& text, const Scope& s) {
  std::string out =
      absl::StrReplaceAll(text, {{"{M}", s.m}, {"{D}", s.d}, {"{NODE}", s.node}, {"{IND}", s.ind}});
  for (size_t at; (at = out.find("{{b64:")) != std::string::npos;) {
    const size_t end = out.find("}}", at);
    if (end == std::string::npos) break;
    const std::string raw =
        absl::StrReplaceAll(out.substr(at + 6, end - at - 6), {{"\\n", "\n"}, {"\\t", "\t"}});
    out.replace(at, end + 2 - at, absl::Base64Escape(raw));
  }
  return out;
}

struct Reply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names as the server wrote them
};

class RestWorld {
 public:
  static std::unique_ptr<RestWorld> Start() {
    auto w = std::unique_ptr<RestWorld>(new RestWorld());
    // The golden replies hold dates the services derive from their clock (a rename's validUntil
    // defaults to today): the stack runs on 2026-11-23 12:00 JST whatever day the suite runs.
    w->stack_ = sokei::testing::ServiceStack::Start(
        "sqlite", sokei::testing::FixedDayClock(absl::FromCivil(absl::CivilSecond(2026, 11, 23, 12, 0, 0),
                                                                absl::FixedTimeZone(9 * 3600))));
    if (w->stack_ == nullptr) return nullptr;
    w->services_ = {
        plan::v1::GetPlanRequest::descriptor()->file()->FindServiceByName("PlanService"),
        kpi::v1::GetIndicatorRequest::descriptor()->file()->FindServiceByName("KpiService"),
        survey::v1::GetSurveyRequest::descriptor()->file()->FindServiceByName("SurveyService")};
    const auto& s = *w->stack_;
    w->gateway_ = sokei::testing::TestGateway(
        kSecret, w->services_,
        MakeUpstreams(w->services_, {{"sokei.plan.v1", s.plan->address()},
                                     {"sokei.kpi.v1", sokei::testing::Addr(*s.kpi_server)},
                                     {"sokei.survey.v1", sokei::testing::Addr(*s.survey_server)}}),
        [](GatewayOptions*, Credentials* creds) {
          EXPECT_TRUE(
              creds->AddApiKeyHash(Sha256Hex(kSystemKey), "budget", "142140", "viewer").ok());
        });
    if (w->gateway_ == nullptr) return nullptr;
    ListenerOptions lo;
    lo.address = "127.0.0.1:0";
    auto listener = HttpListener::Start(lo, w->gateway_.get());
    if (!listener.ok()) {
      ADD_FAILURE() << listener.status();
      return nullptr;
    }
    w->listener_ = std::move(*listener);
    w->passthrough_ = std::make_unique<Passthrough>(w->gateway_.get());
    int port = 0;
    auto proxy = StartPassthrough("127.0.0.1:0", w->passthrough_.get(), &port);
    if (!proxy.ok()) {
      ADD_FAILURE() << proxy.status();
      return nullptr;
    }
    w->proxy_ = std::move(*proxy);
    w->stub_ = std::make_unique<grpc::GenericStub>(
        grpcx::MakeUpstreamChannel("127.0.0.1:" + std::to_string(port), 64 << 20));
    return w;
  }

  ~RestWorld() {
    if (proxy_) proxy_->Shutdown();
    if (listener_) listener_->Stop();
  }

  const RouteTable& routes() const { return gateway_->routes(); }

  // A bearer token (or the system API key) for a role of municipality 142140; the admin's
  // reaches every municipality, the editor's is of the department kikaku.
  static std::vector<std::pair<std::string, std::string>> Credential(const std::string& role) {
    if (role == "system") return {{"x-api-key", kSystemKey}};
    const std::string m = role == "admin" ? "*" : "142140";
    const std::string departments = role == "editor" ? R"(,"departments":["kikaku"])" : "";
    auto token = SignJwt(
        "HS256", "dev", kSecret,
        absl::StrCat(R"({"sub":"u-)", role, R"(","roles":[")", role, R"("],"municipality":")", m,
                     R"(")", departments, R"(,"iss":"idp","aud":"sokei","exp":)",
                     absl::ToUnixSeconds(absl::Now()) + 3600, "}"));
    return {{"authorization", "Bearer " + (token.ok() ? *token : std::string())}};
  }

  // `content_type` for a body that is not JSON (a file upload).
  Reply Rest(const std::string& role, const std::string& method, const std::string& target,
             const std::string& body, const std::string& content_type = "application/json") {
    namespace beast = boost::beast;
    namespace http = beast::http;
    boost::asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    beast::error_code ec;
    stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                                  listener_->port()),
                   ec);
    if (ec) return {};
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    if (req.method() == http::verb::unknown) req.method_string(method);
    req.set(http::field::host, "localhost");
    for (const auto& [k, v] : Credential(role)) req.set(k, v);
    if (!body.empty()) req.set(http::field::content_type, content_type);
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req, ec);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(stream, buf, res, ec);
    if (ec) return {};
    Reply out{static_cast<int>(res.result_int()), res.body(), {}};
    for (const auto& f : res) out.headers[std::string(f.name_string())] = std::string(f.value());
    return out;
  }

  // The same request over the gRPC passthrough: the REST case bound to its method's request
  // message (by the gateway's binder), sent with the role's credentials.
  grpc::StatusCode Grpc(const std::string& role, const std::string& method,
                        const std::string& target, const std::string& body) {
    const size_t q = target.find('?');
    RouteTable::Match match;
    std::vector<std::string> allowed;
    if (routes().Find(method, target.substr(0, q), &match, &allowed) !=
        RouteTable::Outcome::kFound) {
      ADD_FAILURE() << "no route for " << method << " " << target;
      return grpc::StatusCode::UNIMPLEMENTED;
    }
    std::unique_ptr<google::protobuf::Message> msg(
        google::protobuf::MessageFactory::generated_factory()
            ->GetPrototype(match.route->method->input_type())
            ->New());
    const std::string query = q == std::string::npos ? "" : target.substr(q + 1);
    if (auto s = BindRequest(*match.route, match.bindings, query, body, msg.get()); !s.ok()) {
      ADD_FAILURE() << "cannot bind " << method << " " << target << ": " << s;
      return grpc::StatusCode::INVALID_ARGUMENT;
    }
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    for (const auto& [k, v] : Credential(role)) ctx.AddMetadata(k, v);
    const std::string bytes = msg->SerializeAsString();
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1), response;
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    grpc::Status result;
    stub_->UnaryCall(&ctx, match.route->grpc_path, grpc::StubOptions(), &request, &response,
                     [&](grpc::Status s) {
                       std::lock_guard<std::mutex> lock(mu);
                       result = std::move(s);
                       done = true;
                       cv.notify_one();
                     });
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done; });
    return result.error_code();
  }

  // A fingerprint of everything the three services have stored (every row of every table of
  // their SQLite files): equal before and after a request means the request wrote nothing.
  uint64_t Fingerprint() const {
    uint64_t h = 1469598103934665603ull;
    auto mix = [&h](const void* data, size_t n) {
      const auto* p = static_cast<const unsigned char*>(data);
      for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
    };
    for (const auto* db : {stack_->plan_db.get(), stack_->kpi_db.get(), stack_->survey_db.get()}) {
      sqlite3* c = nullptr;
      if (sqlite3_open_v2(db->sqlite_file().c_str(), &c, SQLITE_OPEN_READONLY, nullptr) !=
          SQLITE_OK) {
        ADD_FAILURE() << "cannot open a service database";
        sqlite3_close(c);
        return 0;
      }
      std::vector<std::string> tables;
      sqlite3_stmt* st = nullptr;
      sqlite3_prepare_v2(c, "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name", -1,
                         &st, nullptr);
      while (sqlite3_step(st) == SQLITE_ROW) {
        tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
      }
      sqlite3_finalize(st);
      for (const std::string& t : tables) {
        mix(t.data(), t.size());
        sqlite3_prepare_v2(c, absl::StrCat("SELECT * FROM \"", t, "\"").c_str(), -1, &st, nullptr);
        while (sqlite3_step(st) == SQLITE_ROW) {
          for (int i = 0; i < sqlite3_column_count(st); ++i) {
            const void* v = sqlite3_column_blob(st, i);
            mix(v, static_cast<size_t>(sqlite3_column_bytes(st, i)));
            mix("|", 1);
          }
        }
        sqlite3_finalize(st);
      }
      sqlite3_close(c);
    }
    return h;
  }

 private:
  RestWorld() = default;
  std::unique_ptr<sokei::testing::ServiceStack> stack_;
  std::vector<const google::protobuf::ServiceDescriptor*> services_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<HttpListener> listener_;
  std::unique_ptr<Passthrough> passthrough_;
  std::unique_ptr<grpc::Server> proxy_;
  std::unique_ptr<grpc::GenericStub> stub_;
};

}  // namespace sokei::gateway::testing
