// Per-principal rate limits: a token bucket per subject (rate per second, burst). With Redis
// configured the bucket is shared by every gateway replica without putting Redis on the request
// path: each replica admits from its local bucket, and a background round (every 100 ms) adds
// what it admitted to the principal's bucket in Redis (one Lua script: refill by Redis's clock,
// take, return the balance) and caps its local bucket at that balance. A principal spread over N
// replicas thus gets the one limit, give or take what N replicas admit in one round. Redis
// unreachable, slow or full: each replica keeps limiting on its own (fail-open to in-process).
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/cache/cache.h"

namespace sokei::gateway {

struct RateLimitOptions {
  double rate_per_second = 50;  // 0 = no limit
  double burst = 100;
  // Shared buckets in Redis (nullptr = in-process only), and how often to settle with them
  // (zero: only when SyncNow is called — for tests).
  cache::Cache* shared = nullptr;
  absl::Duration sync_interval = absl::Milliseconds(100);
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimitOptions options, std::function<absl::Time()> clock = &absl::Now);
  ~RateLimiter();

  // Takes one token of `subject`'s bucket; false when there is none left.
  bool Allow(const std::string& subject);

  // One round with Redis: settles every bucket used since the last round (or in the last 10 s).
  void SyncNow();

  int64_t sync_errors() const;

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time last;
    double unsynced = 0;  // admitted here since the last round
    absl::Time touched;
  };
  void Loop();

  const RateLimitOptions options_;
  std::function<absl::Time()> clock_;
  mutable std::mutex mu_;
  std::map<std::string, Bucket> buckets_;
  int64_t sync_errors_ = 0;
  std::mutex sync_mu_;  // one round at a time
  bool stop_ = false;
  std::condition_variable stop_cv_;
  std::thread thread_;
};

}  // namespace sokei::gateway
