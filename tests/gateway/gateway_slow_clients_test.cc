// The edge under slow clients (issue 20 §2): 2,000 connections from eight other loopback
// addresses hold half-sent requests — a byte a second, never finishing the header, reconnecting
// whenever the gateway closes them — for 30 s, while a client on 127.0.0.1 keeps reading through
// the gateway (new connections and one keep-alive connection, an API read with a token and a
// console file). At least 99% of the legitimate reads must succeed. Before the per-client cap
// and shedding, the attackers' connections filled the gateway's 1,024 and most reads failed.
//
// SOKEI_SLOW_FLOOD_SECONDS shortens or lengthens the flood (30 by default).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/grpcx/upstream.h"
#include "gateway/server/http_listener.h"
#include "sokei/plan/v1/plan_service.grpc.pb.h"
#include "tests/support/gateway_tokens.h"
#include "tests/support/plan_server.h"
#include "tests/support/principals.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_gateway.h"
#include "tests/support/test_identity.h"

namespace sokei::gateway {
namespace {

using Clock = std::chrono::steady_clock;
constexpr char kSecret[] = "the slow-client test's HS256 secret, thirty-two bytes+";
constexpr int kAttackers = 2000;
constexpr int kAttackerAddresses = 8;  // 127.0.0.2 … 127.0.0.9

int FloodSeconds() {
  const char* v = std::getenv("SOKEI_SLOW_FLOOD_SECONDS");
  return v != nullptr && std::atoi(v) > 0 ? std::atoi(v) : 30;
}

sockaddr_in Loopback(const std::string& ip, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  return a;
}

// One slow connection from `source`: non-blocking, a request line and part of a header sent.
int SlowConnect(const std::string& source, int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  sockaddr_in from = Loopback(source, 0);
  sockaddr_in to = Loopback("127.0.0.1", port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof(from)) != 0 ||
      (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0 && errno != EINPROGRESS)) {
    close(fd);
    return -1;
  }
  return fd;
}

// The attackers: kAttackers connections, a byte a second each, reconnected when closed.
struct Flood {
  int port = 0;
  std::atomic<bool> stop{false};
  std::atomic<long> opened{0}, closed_by_gateway{0};

  void Run() {
    std::vector<int> fds(kAttackers, -1);
    std::vector<Clock::time_point> retry(kAttackers, Clock::now());
    // Half from one address (which meets the per-client cap), half spread over the other seven.
    auto source = [](int i) {
      return absl::StrCat("127.0.0.", i % 2 == 0 ? 2 : 3 + i % (kAttackerAddresses - 1));
    };
    auto last_trickle = Clock::now();
    while (!stop.load()) {
      const auto now = Clock::now();
      for (int i = 0; i < kAttackers; ++i) {
        if (fds[i] >= 0 || now < retry[i]) continue;
        fds[i] = SlowConnect(source(i), port);
        if (fds[i] >= 0) {
          ++opened;
          static const char kStart[] = "GET /v1/municipalities/142140 HTTP/1.1\r\nHost: x\r\nX-S";
          (void)!send(fds[i], kStart, sizeof(kStart) - 1, MSG_NOSIGNAL);
        }
      }
      const bool trickle = now - last_trickle >= std::chrono::seconds(1);
      if (trickle) last_trickle = now;
      std::vector<pollfd> polls;
      std::vector<int> index;
      for (int i = 0; i < kAttackers; ++i) {
        if (fds[i] < 0) continue;
        if (trickle) (void)!send(fds[i], "l", 1, MSG_NOSIGNAL);
        polls.push_back({fds[i], POLLIN, 0});
        index.push_back(i);
      }
      poll(polls.data(), polls.size(), 100);
      for (size_t k = 0; k < polls.size(); ++k) {
        if ((polls[k].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        char buf[512];
        if (recv(polls[k].fd, buf, sizeof(buf), 0) > 0) continue;  // an error page, then close
        ++closed_by_gateway;
        close(polls[k].fd);
        fds[index[k]] = -1;
        retry[index[k]] = Clock::now() + std::chrono::milliseconds(100);
      }
    }
    for (int fd : fds) {
      if (fd >= 0) close(fd);
    }
  }
};

// A blocking client from 127.0.0.1 with 5 s timeouts.
class Client {
 public:
  explicit Client(int port) : port_(port) {}
  ~Client() { Drop(); }

  // One request; keep-alive reuses the connection. True on a complete 200 reply.
  bool Get(const std::string& target, const std::string& token, bool keep_alive) {
    if (fd_ < 0 && !Connect()) return false;
    std::string req = absl::StrCat("GET ", target, " HTTP/1.1\r\nHost: x\r\n");
    if (!token.empty()) absl::StrAppend(&req, "Authorization: Bearer ", token, "\r\n");
    absl::StrAppend(&req, keep_alive ? "" : "Connection: close\r\n", "\r\n");
    if (send(fd_, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
      Drop();
      return false;
    }
    const bool ok = ReadReply();
    if (!ok || !keep_alive) Drop();
    return ok;
  }

 private:
  bool Connect() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    sockaddr_in to = Loopback("127.0.0.1", port_);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0) {
      Drop();
      return false;
    }
    return true;
  }
  // Reads one reply (headers and a Content-Length body).
  bool ReadReply() {
    std::string in;
    char buf[16384];
    size_t header_end = std::string::npos, length = 0;
    while (true) {
      const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) return false;
      in.append(buf, static_cast<size_t>(n));
      if (header_end == std::string::npos && (header_end = in.find("\r\n\r\n")) != std::string::npos) {
        const size_t at = in.find("Content-Length: ");
        if (at == std::string::npos || at > header_end) return false;
        length = std::strtoul(in.c_str() + at + 16, nullptr, 10);
      }
      if (header_end != std::string::npos && in.size() >= header_end + 4 + length) break;
    }
    return absl::StartsWith(in, "HTTP/1.1 200");
  }
  void Drop() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  int port_;
  int fd_ = -1;
};

TEST(GatewaySlowClientsTest, LegitimateReadsSucceedUnderTwoThousandSlowConnections) {
  auto db = sokei::testing::TestDatabase::Make("sqlite");
  auto plan = sokei::testing::PlanServer::Start(db->db());
  ASSERT_TRUE(plan.ok()) << plan.status();
  {
    auto stub = plan::v1::PlanService::NewStub(grpcx::MakeUpstreamChannel((*plan)->address(), 1 << 20));
    grpc::ClientContext ctx;
    sokei::testing::AddSignedPrincipal(&ctx, sokei::testing::TestPrincipal(auth::Role::kAdmin, "*"));
    plan::v1::CreateMunicipalityRequest m;
    m.set_municipality_id("142140");
    m.mutable_municipality()->set_display_name("伊勢原市");
    plan::v1::Municipality out;
    ASSERT_TRUE(stub->CreateMunicipality(&ctx, m, &out).ok());
  }
  auto gw = sokei::testing::TestGateway(
      kSecret, {plan::v1::GetPlanRequest::descriptor()->file()->FindServiceByName("PlanService")},
      {{"sokei.plan.v1", grpcx::MakeUpstreamChannel((*plan)->address(), 16 << 20)}});
  auto site = StaticSite::FromFiles({{"index.html", "<!doctype html><title>総計</title>"},
                                     {"favicon.svg", "<svg/>"}});
  ASSERT_TRUE(site.ok());
  gw->ServeConsole(std::move(*site), ConsoleSettings{});
  ListenerOptions lo;
  lo.address = "127.0.0.1:0";
  lo.max_connections = 1024;
  lo.max_connections_per_client = 200;  // the heavy address meets it; the rest meet the total
  auto listener = HttpListener::Start(lo, gw.get());
  ASSERT_TRUE(listener.ok()) << listener.status();
  const int port = (*listener)->port();
  const std::string token =
      sokei::testing::GatewayToken(kSecret, "idp", "staff", "viewer", "142140", 3600);
  ASSERT_TRUE(Client(port).Get("/v1/municipalities/142140", token, false));

  Flood flood;
  flood.port = port;
  std::thread attacker([&] { flood.Run(); });
  std::this_thread::sleep_for(std::chrono::seconds(2));  // the flood at full strength first
  const size_t open_at_start = (*listener)->open_connections();

  std::atomic<long> attempts{0}, successes{0};
  std::vector<double> latencies_ms;
  std::mutex latency_mu;
  const auto end = Clock::now() + std::chrono::seconds(FloodSeconds());
  auto reader = [&](bool keep_alive) {
    Client client(port);
    for (int i = 0; Clock::now() < end; ++i) {
      const auto t0 = Clock::now();
      const bool ok = i % 3 == 2 ? client.Get("/favicon.svg", "", keep_alive)
                                 : client.Get("/v1/municipalities/142140", token, keep_alive);
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      ++attempts;
      if (ok) ++successes;
      {
        std::lock_guard<std::mutex> lock(latency_mu);
        latencies_ms.push_back(ms);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(keep_alive ? 200 : 20));
    }
  };
  std::thread fresh([&] { reader(false); });
  std::thread kept([&] { reader(true); });
  fresh.join();
  kept.join();
  flood.stop = true;
  attacker.join();

  std::sort(latencies_ms.begin(), latencies_ms.end());
  const double rate = attempts > 0 ? 100.0 * successes / attempts : 0;
  const std::string metrics = gw->MetricsText();
  std::printf(
      "slow-client flood: %d s, %d slow connections from %d addresses (%ld opened, %ld closed by "
      "the gateway, %zu open at the start); legitimate reads %ld/%ld = %.2f%% ok, p50 %.1f ms, "
      "p99 %.1f ms, mean %.1f ms\n",
      FloodSeconds(), kAttackers, kAttackerAddresses, flood.opened.load(),
      flood.closed_by_gateway.load(), open_at_start, successes.load(), attempts.load(), rate,
      latencies_ms[latencies_ms.size() / 2], latencies_ms[latencies_ms.size() * 99 / 100],
      std::accumulate(latencies_ms.begin(), latencies_ms.end(), 0.0) / latencies_ms.size());
  EXPECT_GE(attempts.load(), 50);
  EXPECT_GE(rate, 99.0);
  // Both limits did their part.
  EXPECT_LE(open_at_start, lo.max_connections + 16);
  EXPECT_TRUE(absl::StrContains(metrics, "reason=\"CLIENT_CONNECTION_CAP\"")) << metrics;
  EXPECT_TRUE(absl::StrContains(metrics, "reason=\"WAITING_CONNECTION_SHED\"")) << metrics;
  (*listener)->Stop();
}

}  // namespace
}  // namespace sokei::gateway
