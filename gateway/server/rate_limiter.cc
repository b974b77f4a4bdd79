#include "gateway/server/rate_limiter.h"

#include <algorithm>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sokei::gateway {
namespace {

// KEYS[1] the principal's bucket; ARGV rate, burst, tokens taken. Refills by Redis's own clock
// (the replicas' clocks never meet), takes, and returns the balance — negative when the replicas
// together admitted more than the bucket held; the debt is floored at one burst.
constexpr char kTakeScript[] = R"lua(
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local take = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local v = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(v[1]) or burst
local ts = tonumber(v[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate) - take
if tokens < -burst then tokens = -burst end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 60000)
return tostring(tokens)
)lua";

constexpr absl::Duration kActive = absl::Seconds(10);
constexpr absl::Duration kForget = absl::Minutes(10);

}  // namespace

RateLimiter::RateLimiter(RateLimitOptions options, std::function<absl::Time()> clock)
    : options_(options), clock_(std::move(clock)) {
  if (options_.shared != nullptr && options_.shared->enabled() && options_.rate_per_second > 0 &&
      options_.sync_interval > absl::ZeroDuration()) {
    thread_ = std::thread([this] { Loop(); });
  }
}

RateLimiter::~RateLimiter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RateLimiter::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    stop_cv_.wait_for(lock, absl::ToChronoMilliseconds(options_.sync_interval),
                      [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    SyncNow();
    lock.lock();
  }
}

bool RateLimiter::Allow(const std::string& subject) {
  if (options_.rate_per_second <= 0) return true;
  std::lock_guard<std::mutex> lock(mu_);
  const absl::Time now = clock_();
  auto [it, fresh] = buckets_.try_emplace(subject);
  Bucket& b = it->second;
  if (fresh) {
    b.tokens = options_.burst;
    b.last = now;
  }
  b.tokens = std::min(options_.burst,
                      b.tokens + absl::ToDoubleSeconds(now - b.last) * options_.rate_per_second);
  b.last = now;
  b.touched = now;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  b.unsynced += 1;
  return true;
}

void RateLimiter::SyncNow() {
  if (options_.shared == nullptr || !options_.shared->enabled() || options_.rate_per_second <= 0)
    return;
  std::lock_guard<std::mutex> round(sync_mu_);
  std::vector<std::pair<std::string, double>> todo;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const absl::Time now = clock_();
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      Bucket& b = it->second;
      if (b.unsynced > 0 || now - b.touched < kActive) {
        todo.emplace_back(it->first, b.unsynced);
        b.unsynced = 0;
      } else if (now - b.touched > kForget) {
        it = buckets_.erase(it);
        continue;
      }
      ++it;
    }
  }
  const std::string rate = absl::StrCat(options_.rate_per_second);
  const std::string burst = absl::StrCat(options_.burst);
  for (const auto& [subject, taken] : todo) {
    auto balance = options_.shared->Eval(kTakeScript, {"sokei:ratelimit:" + subject},
                                         {rate, burst, absl::StrCat(taken)});
    double shared_tokens = 0;
    std::lock_guard<std::mutex> lock(mu_);
    if (!balance.ok() || !absl::SimpleAtod(*balance, &shared_tokens)) {
      ++sync_errors_;  // fail-open: this replica keeps its own bucket
      continue;
    }
    auto it = buckets_.find(subject);
    if (it == buckets_.end()) continue;
    // What this replica admitted while the script ran is not in the balance yet.
    it->second.tokens = std::min(it->second.tokens, shared_tokens - it->second.unsynced);
  }
}

int64_t RateLimiter::sync_errors() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sync_errors_;
}

}  // namespace sokei::gateway
