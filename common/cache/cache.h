// The shared Redis cache (docs/architecture.md, "The cache"): cache-aside for expensive reads, never on the
// correctness path. Values are keyed by a generation that the *database* bumps in every write
// transaction, so a fill computed from an older state lands under an old key and is never read
// again (no stale-set race), and a write made while Redis was unreachable cannot leave stale
// entries behind. Short timeouts, a circuit breaker, fail-open to the database, Redis OOM treated
// as a miss, single-flight per key inside a process, a TTL on every key.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

struct redisContext;

namespace sokei::cache {

struct CacheOptions {
  std::string addr;            // host:port; empty = no cache (every read computes)
  int timeout_ms = 50;         // connect and command timeout
  int ttl_seconds = 600;       // on every key
  int pool_size = 16;          // idle connections kept (one per concurrent request)
  int breaker_failures = 3;    // consecutive failures that open the circuit
  int breaker_open_ms = 2000;  // how long the circuit stays open before one trial call
  size_t max_value_bytes = 16 << 20;
};

struct CacheStats {
  int64_t hits = 0, misses = 0, errors = 0, fail_open = 0, fills = 0, coalesced = 0;
  bool circuit_open = false;
};

class Cache {
 public:
  explicit Cache(CacheOptions options);
  ~Cache();

  // Returns the cached value of `key`, or computes it with `compute` (once per key at a time in
  // this process), stores it with the TTL and returns it. Errors of `compute` are returned and
  // not cached; Redis errors never are: the value is computed instead.
  absl::StatusOr<std::string> GetOrCompute(
      const std::string& key, const std::function<absl::StatusOr<std::string>()>& compute);

  // Runs a Lua script (EVAL) and returns its reply (a string or status reply), through the same
  // pool, timeouts and circuit breaker. UNAVAILABLE when Redis is not configured, unreachable,
  // behind an open circuit, or answers with an error (e.g. OOM).
  absl::StatusOr<std::string> Eval(const std::string& script, const std::vector<std::string>& keys,
                                   const std::vector<std::string>& args);

  CacheStats stats() const;
  bool enabled() const { return !options_.addr.empty(); }

  // Test hook: runs after `compute` returned and before the value is stored.
  std::function<void(const std::string& key)> before_fill_for_test;

 private:
  enum class Outcome { kHit, kMiss, kError };
  Outcome Get(const std::string& key, std::string* value);
  void Set(const std::string& key, const std::string& value);
  // Runs one command on a pooled connection; nullptr-equivalent errors feed the breaker.
  bool Command(const std::vector<std::string>& args, std::string* reply, bool* is_nil,
               bool* is_error_reply);
  bool CircuitAllows();
  void RecordSuccess();
  void RecordFailure();
  redisContext* Borrow();
  void Return(redisContext* c, bool healthy);

  const CacheOptions options_;
  std::string host_;
  int port_ = 0;

  mutable std::mutex pool_mu_;
  std::vector<redisContext*> pool_;

  mutable std::mutex breaker_mu_;
  int consecutive_failures_ = 0;
  bool open_ = false;
  std::chrono::steady_clock::time_point open_until_;

  struct Flight {
    bool done = false;
    absl::StatusOr<std::string> result;
    std::condition_variable cv;
  };
  std::mutex flights_mu_;
  std::map<std::string, std::shared_ptr<Flight>> flights_;

  std::atomic<int64_t> hits_{0}, misses_{0}, errors_{0}, fail_open_{0}, fills_{0}, coalesced_{0};
};

}  // namespace sokei::cache
