// Per-principal rate limits: the in-process token bucket, and buckets shared by several gateway
// replicas through a real Redis (settled in rounds, never on the request path), including Redis
// going away (each replica keeps limiting on its own).
#include <gtest/gtest.h>

#include <thread>

#include "gateway/server/gateway.h"
#include "gateway/server/rate_limiter.h"
#include "tests/support/gateway_tokens.h"
#include "tests/support/redis_server.h"
#include "tests/support/test_gateway.h"

namespace sokei::gateway {
namespace {

constexpr char kSecret[] = "the rate-limit test's HS256 secret, thirty-two bytes+";

int Admitted(RateLimiter& l, const std::string& subject, int tries) {
  int n = 0;
  for (int i = 0; i < tries; ++i) n += l.Allow(subject) ? 1 : 0;
  return n;
}

TEST(RateLimit, InProcessBucketRefillsAtTheRateAndKeepsPrincipalsApart) {
  absl::Time now = absl::Now();
  RateLimiter l({2, 5, nullptr, absl::ZeroDuration()}, [&now] { return now; });
  EXPECT_EQ(Admitted(l, "alice", 10), 5);  // the burst
  EXPECT_EQ(Admitted(l, "bob", 3), 3);     // others unaffected
  now += absl::Seconds(2);                 // 2/s × 2 s
  EXPECT_EQ(Admitted(l, "alice", 10), 4);
  RateLimiter off({0, 0, nullptr, absl::ZeroDuration()});
  EXPECT_EQ(Admitted(off, "alice", 1000), 1000);
}

TEST(RateLimit, ReplicasShareOneBucketThroughRedis) {
  sokei::testing::RedisServer redis;
  cache::Cache a_conn({redis.addr()}), b_conn({redis.addr()});
  RateLimiter a({0.5, 10, &a_conn, absl::ZeroDuration()});
  RateLimiter b({0.5, 10, &b_conn, absl::ZeroDuration()});
  EXPECT_EQ(Admitted(a, "alice", 10), 10);
  a.SyncNow();
  // Replica b has not seen alice: its first request is admitted locally, then the round brings
  // the shared balance — the burst is spent on replica a.
  EXPECT_TRUE(b.Allow("alice"));
  b.SyncNow();
  EXPECT_LE(Admitted(b, "alice", 10), 1) << "without Redis replica b would admit 9 more";
  EXPECT_EQ(Admitted(b, "bob", 5), 5);
  a.SyncNow();
  EXPECT_LE(Admitted(a, "alice", 5), 1);
  EXPECT_EQ(a.sync_errors() + b.sync_errors(), 0);
}

TEST(RateLimit, BackgroundRoundsSettleWithoutBeingAsked) {
  sokei::testing::RedisServer redis;
  cache::Cache a_conn({redis.addr()}), b_conn({redis.addr()});
  RateLimiter a({0.5, 10, &a_conn, absl::Milliseconds(20)});
  RateLimiter b({0.5, 10, &b_conn, absl::Milliseconds(20)});
  EXPECT_EQ(Admitted(a, "carol", 10), 10);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(b.Allow("carol"));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_LE(Admitted(b, "carol", 10), 1);
}

TEST(RateLimit, RedisGoneMeansEachReplicaLimitsOnItsOwn) {
  sokei::testing::RedisServer redis;
  cache::Cache conn({redis.addr()});
  RateLimiter l({0.5, 3, &conn, absl::ZeroDuration()});
  redis.Kill();
  EXPECT_EQ(Admitted(l, "dave", 10), 3);
  const absl::Time start = absl::Now();
  l.SyncNow();
  l.SyncNow();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2)) << "a dead Redis must not stall the rounds";
  EXPECT_GE(l.sync_errors(), 1);
  EXPECT_EQ(Admitted(l, "dave", 10), 0);
  EXPECT_EQ(Admitted(l, "erin", 2), 2);
}

TEST(RateLimit, TwoGatewaysAnswerRateLimitedForOnePrincipal) {
  sokei::testing::RedisServer redis;
  cache::Cache a_conn({redis.addr()}), b_conn({redis.addr()});
  auto make = [&](cache::Cache* shared) {
    return sokei::testing::TestGateway(kSecret, {}, {}, [shared](GatewayOptions* o, Credentials*) {
      o->rate_per_second = 0.5;
      o->burst = 4;
      o->shared_rate_limits = shared;
      o->rate_sync_interval = absl::ZeroDuration();
    });
  };
  auto g1 = make(&a_conn), g2 = make(&b_conn);
  const std::string bearer =
      "Bearer " + sokei::testing::GatewayToken(kSecret, "idp", "frank", "viewer", "142140");
  type::v1::MethodAccess read;
  read.set_level(type::v1::PUBLIC);
  read.set_read_only(true);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(g1->Admit(bearer, "", "142140", read).ok());
  EXPECT_EQ(g1->Admit(bearer, "", "142140", read).status().code(),
            absl::StatusCode::kResourceExhausted);
  g1->rate_limiter().SyncNow();
  ASSERT_TRUE(g2->Admit(bearer, "", "142140", read).ok());
  g2->rate_limiter().SyncNow();
  EXPECT_EQ(g2->Admit(bearer, "", "142140", read).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_NE(g2->MetricsText().find("sokei_gateway_rejected_total{reason=\"RATE_LIMITED\"} 1"),
            std::string::npos);
}

}  // namespace
}  // namespace sokei::gateway
