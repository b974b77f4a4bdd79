// A service's operations port: /metrics in the Prometheus text format with the calls recorded
// (counts by method and code; a cumulative histogram whose +Inf bucket equals its count), /healthz,
// 404 for anything else.
#include "common/grpcx/ops_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "common/metrics/call_metrics.h"

namespace sokei::grpcx {
namespace {

std::string Get(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0) return "";
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
  send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

TEST(OpsServer, ServesTheCallMetricsInPrometheusTextFormat) {
  auto& m = metrics::CallMetrics::Global();
  m.Record("GetPlan", "OK", 0.0004);
  m.Record("GetPlan", "OK", 0.03);
  m.Record("GetPlan", "NOT_FOUND", 0.002);
  m.Record("ImportProgressTable", "OK", 3.2);
  auto ops = OpsServer::Start("127.0.0.1:0", [&] { return m.Text("plan"); });
  ASSERT_TRUE(ops.ok()) << ops.status();
  const std::string reply = Get((*ops)->port(), "/metrics");
  ASSERT_TRUE(absl::StartsWith(reply, "HTTP/1.0 200")) << reply;
  EXPECT_NE(reply.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  const std::string body = reply.substr(reply.find("\r\n\r\n") + 4);
  EXPECT_NE(body.find(R"(sokei_rpc_requests_total{service="plan",method="GetPlan",code="OK"} 2)"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find(R"(method="GetPlan",code="NOT_FOUND"} 1)"), std::string::npos);
  EXPECT_NE(body.find(R"(sokei_rpc_request_seconds_bucket{service="plan",method="GetPlan",le="+Inf"} 3)"),
            std::string::npos);
  EXPECT_NE(body.find(R"(sokei_rpc_request_seconds_bucket{service="plan",method="ImportProgressTable",le="2.5"} 0)"),
            std::string::npos);
  EXPECT_NE(body.find(R"(sokei_rpc_request_seconds_count{service="plan",method="GetPlan"} 3)"),
            std::string::npos);
  // Every line is a comment or `name{labels} value`, and buckets never decrease.
  const std::regex sample(R"(^[a-z_]+\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\} [0-9.e+-]+$)");
  std::istringstream lines(body);
  std::string line, last_series;
  long last_bucket = -1;
  while (std::getline(lines, line)) {
    if (absl::StartsWith(line, "# HELP ") || absl::StartsWith(line, "# TYPE ")) continue;
    EXPECT_TRUE(std::regex_match(line, sample)) << line;
    if (absl::StartsWith(line, "sokei_rpc_request_seconds_bucket")) {
      const std::string series = line.substr(0, line.find(",le="));
      const long v = std::stol(line.substr(line.rfind(' ') + 1));
      if (series == last_series) {
        EXPECT_GE(v, last_bucket) << line;
      }
      last_series = series;
      last_bucket = v;
    }
  }
  EXPECT_TRUE(absl::StartsWith(Get((*ops)->port(), "/healthz"), "HTTP/1.0 200"));
  EXPECT_TRUE(absl::StartsWith(Get((*ops)->port(), "/admin"), "HTTP/1.0 404"));
}

}  // namespace
}  // namespace sokei::grpcx
