// The cache against a real redis-server: hits and misses, single-flight, and every fault the
// cache must absorb (Redis absent, killed, stopped, out of memory) without failing a read.
#include "common/cache/cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "tests/support/redis_server.h"

namespace sokei::cache {
namespace {

using Clock = std::chrono::steady_clock;
using sokei::testing::RedisServer;

absl::StatusOr<std::string> Value(std::atomic<int>* calls, std::string v = "value") {
  ++*calls;
  return v;
}

double MsSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

TEST(Cache, MissThenHitAndErrorsAreNotCached) {
  RedisServer redis;
  Cache cache({redis.addr()});
  std::atomic<int> calls{0};
  EXPECT_EQ(*cache.GetOrCompute("k", [&] { return Value(&calls); }), "value");
  EXPECT_EQ(*cache.GetOrCompute("k", [&] { return Value(&calls); }), "value");
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(cache.stats().hits, 1);
  EXPECT_EQ(cache.stats().misses, 1);
  int failing = 0;
  auto fail = [&]() -> absl::StatusOr<std::string> {
    ++failing;
    return absl::NotFoundError("gone");
  };
  EXPECT_EQ(cache.GetOrCompute("e", fail).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(cache.GetOrCompute("e", fail).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(failing, 2);
}

TEST(Cache, BinaryValuesRoundTrip) {
  RedisServer redis;
  Cache cache({redis.addr()});
  const std::string binary("\0\x01\xff 伊勢原\r\n", 13);
  std::atomic<int> calls{0};
  EXPECT_EQ(*cache.GetOrCompute("b", [&] { return Value(&calls, binary); }), binary);
  EXPECT_EQ(*cache.GetOrCompute("b", [&] { return Value(&calls, binary); }), binary);
  EXPECT_EQ(calls.load(), 1);
}

TEST(Cache, ColdKeyIsComputedOnceUnderAStampede) {
  RedisServer redis;
  Cache cache({redis.addr()});
  std::atomic<int> calls{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 8; ++i) {
    readers.emplace_back([&] {
      auto v = cache.GetOrCompute("hot", [&]() -> absl::StatusOr<std::string> {
        ++calls;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        return std::string("tree");
      });
      EXPECT_EQ(*v, "tree");
    });
  }
  for (auto& t : readers) t.join();
  EXPECT_EQ(calls.load(), 1);
}

TEST(Cache, WithoutRedisEveryReadComputesAndTheCircuitOpens) {
  const std::string nowhere = "127.0.0.1:" + std::to_string(sokei::testing::FreePort());
  Cache cache({nowhere, 50, 600, 2, 3, 60000});
  std::atomic<int> calls{0};
  for (int i = 0; i < 10; ++i) {
    const auto t0 = Clock::now();
    EXPECT_EQ(*cache.GetOrCompute("k", [&] { return Value(&calls); }), "value");
    EXPECT_LT(MsSince(t0), 500);
  }
  EXPECT_EQ(calls.load(), 10);
  EXPECT_TRUE(cache.stats().circuit_open);
  EXPECT_EQ(cache.stats().fail_open, 10);
}

TEST(Cache, StoppedRedisAddsAtMostTheTimeoutThenRecovers) {
  RedisServer redis;
  Cache cache({redis.addr(), 50, 600, 2, 2, 300});
  std::atomic<int> calls{0};
  ASSERT_EQ(*cache.GetOrCompute("k", [&] { return Value(&calls); }), "value");
  redis.Pause();  // SIGSTOP: connections hang rather than fail
  for (int i = 0; i < 5; ++i) {
    const auto t0 = Clock::now();
    EXPECT_EQ(*cache.GetOrCompute("k", [&] { return Value(&calls); }), "value");
    // One GET timeout (50 ms) plus the SET after compute at most, with scheduling slack.
    EXPECT_LT(MsSince(t0), 400) << "call " << i;
  }
  EXPECT_TRUE(cache.stats().circuit_open);
  redis.Resume();
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // past the open period
  ASSERT_EQ(*cache.GetOrCompute("k", [&] { return Value(&calls); }), "value");
  EXPECT_FALSE(cache.stats().circuit_open);
  const int64_t hits = cache.stats().hits;
  ASSERT_EQ(*cache.GetOrCompute("k", [&] { return Value(&calls); }), "value");
  EXPECT_EQ(cache.stats().hits, hits + 1);
}

TEST(Cache, KilledRedisFailsOpen) {
  auto redis = std::make_unique<RedisServer>();
  Cache cache({redis->addr(), 50, 600, 2, 3, 300});
  std::atomic<int> calls{0};
  ASSERT_EQ(*cache.GetOrCompute("k", [&] { return Value(&calls); }), "value");
  redis->Kill();
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(*cache.GetOrCompute("k", [&] { return Value(&calls); }), "value");
  EXPECT_EQ(calls.load(), 6);
  EXPECT_GE(cache.stats().fail_open, 5);
}

TEST(Cache, OutOfMemoryRedisIsAMiss) {
  RedisServer redis({"--maxmemory", "1mb", "--maxmemory-policy", "noeviction"});
  Cache cache({redis.addr()});
  std::atomic<int> calls{0};
  const std::string big(2 << 20, 'x');
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(cache.GetOrCompute("big", [&] { return Value(&calls, big); })->size(), big.size());
  }
  EXPECT_EQ(calls.load(), 3);  // never stored, never a failure
  EXPECT_FALSE(cache.stats().circuit_open);
  EXPECT_GE(cache.stats().errors, 3);
}

TEST(Cache, DisabledCacheJustComputes) {
  Cache cache({""});
  std::atomic<int> calls{0};
  EXPECT_EQ(*cache.GetOrCompute("k", [&] { return Value(&calls); }), "value");
  EXPECT_EQ(*cache.GetOrCompute("k", [&] { return Value(&calls); }), "value");
  EXPECT_EQ(calls.load(), 2);
}

}  // namespace
}  // namespace sokei::cache
