#include "common/cache/cache.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <chrono>

#include "absl/strings/numbers.h"
#include "common/log/log.h"
#include "common/metrics/registry.h"

namespace sokei::cache {
namespace {

timeval ToTimeval(int ms) {
  timeval tv;
  tv.tv_sec = ms / 1000;
  tv.tv_usec = (ms % 1000) * 1000;
  return tv;
}

}  // namespace

Cache::Cache(CacheOptions options) : options_(std::move(options)) {
  const size_t colon = options_.addr.rfind(':');
  if (colon != std::string::npos) {
    host_ = options_.addr.substr(0, colon);
    (void)absl::SimpleAtoi(options_.addr.substr(colon + 1), &port_);
  }
}

Cache::~Cache() {
  std::lock_guard<std::mutex> lock(pool_mu_);
  for (redisContext* c : pool_) redisFree(c);
}

redisContext* Cache::Borrow() {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!pool_.empty()) {
      redisContext* c = pool_.back();
      pool_.pop_back();
      return c;
    }
  }
  redisContext* c = redisConnectWithTimeout(host_.c_str(), port_, ToTimeval(options_.timeout_ms));
  if (c == nullptr || c->err) {
    if (c != nullptr) redisFree(c);
    return nullptr;
  }
  redisSetTimeout(c, ToTimeval(options_.timeout_ms));
  return c;
}

void Cache::Return(redisContext* c, bool healthy) {
  if (!healthy) {
    redisFree(c);
    return;
  }
  std::lock_guard<std::mutex> lock(pool_mu_);
  if (static_cast<int>(pool_.size()) < options_.pool_size) {
    pool_.push_back(c);
  } else {
    redisFree(c);
  }
}

bool Cache::Command(const std::vector<std::string>& args, std::string* out, bool* is_nil,
                    bool* is_error_reply) {
  redisContext* c = Borrow();
  if (c == nullptr) return false;
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()));
  if (reply == nullptr) {  // timeout or connection error: the connection is unusable
    Return(c, false);
    return false;
  }
  *is_nil = reply->type == REDIS_REPLY_NIL;
  *is_error_reply = reply->type == REDIS_REPLY_ERROR;
  if (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS ||
      reply->type == REDIS_REPLY_ERROR) {
    out->assign(reply->str, reply->len);
  }
  freeReplyObject(reply);
  Return(c, true);
  return true;
}

bool Cache::CircuitAllows() {
  std::lock_guard<std::mutex> lock(breaker_mu_);
  if (!open_) return true;
  if (std::chrono::steady_clock::now() < open_until_) return false;
  // Half-open: let this call try; a failure re-opens for another period.
  open_until_ =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.breaker_open_ms);
  return true;
}

void Cache::RecordSuccess() {
  std::lock_guard<std::mutex> lock(breaker_mu_);
  consecutive_failures_ = 0;
  if (open_) {
    open_ = false;
    log::Info("cache circuit closed: Redis is back", {{"addr", options_.addr}});
  }
}

void Cache::RecordFailure() {
  ++errors_;
  std::lock_guard<std::mutex> lock(breaker_mu_);
  ++consecutive_failures_;
  if (!open_ && consecutive_failures_ >= options_.breaker_failures) {
    open_ = true;
    open_until_ =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.breaker_open_ms);
    log::Warn("cache circuit open: serving from the database", {{"addr", options_.addr}});
  }
}

Cache::Outcome Cache::Get(const std::string& key, std::string* value) {
  if (!enabled()) return Outcome::kMiss;
  if (!CircuitAllows()) return Outcome::kError;
  bool nil = false, error_reply = false;
  if (!Command({"GET", key}, value, &nil, &error_reply)) {
    RecordFailure();
    return Outcome::kError;
  }
  RecordSuccess();
  if (error_reply) {
    ++errors_;
    return Outcome::kError;
  }
  return nil ? Outcome::kMiss : Outcome::kHit;
}

void Cache::Set(const std::string& key, const std::string& value) {
  if (!enabled() || value.size() > options_.max_value_bytes || !CircuitAllows()) return;
  std::string reply;
  bool nil = false, error_reply = false;
  if (!Command({"SET", key, value, "EX", std::to_string(options_.ttl_seconds)}, &reply, &nil,
               &error_reply)) {
    RecordFailure();
    return;
  }
  RecordSuccess();
  if (error_reply) {  // e.g. OOM under maxmemory/noeviction: the value is simply not cached
    ++errors_;
    return;
  }
  ++fills_;
}

absl::StatusOr<std::string> Cache::Eval(const std::string& script,
                                        const std::vector<std::string>& keys,
                                        const std::vector<std::string>& args) {
  if (!enabled()) return absl::UnavailableError("no Redis configured");
  if (!CircuitAllows()) return absl::UnavailableError("the Redis circuit is open");
  std::vector<std::string> command = {"EVAL", script, std::to_string(keys.size())};
  command.insert(command.end(), keys.begin(), keys.end());
  command.insert(command.end(), args.begin(), args.end());
  std::string reply;
  bool nil = false, error_reply = false;
  if (!Command(command, &reply, &nil, &error_reply)) {
    RecordFailure();
    return absl::UnavailableError("Redis did not answer");
  }
  RecordSuccess();
  if (error_reply || nil) {
    ++errors_;
    return absl::UnavailableError("Redis refused the script");
  }
  return reply;
}

absl::StatusOr<std::string> Cache::GetOrCompute(
    const std::string& key, const std::function<absl::StatusOr<std::string>()>& compute) {
  std::string value;
  const auto start = std::chrono::steady_clock::now();
  const Outcome outcome = Get(key, &value);
  metrics::Registry::Global().Observe(
      "sokei_cache_get_seconds", "Reads of the shared cache, by outcome (hit, miss, error).",
      {{"outcome", outcome == Outcome::kHit    ? "hit"
                   : outcome == Outcome::kMiss ? "miss"
                                               : "error"}},
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  switch (outcome) {
    case Outcome::kHit:
      ++hits_;
      return value;
    case Outcome::kMiss:
      ++misses_;
      break;
    case Outcome::kError:
      ++fail_open_;
      break;
  }
  // Single-flight: the first caller of a key computes; the others wait for its result.
  std::shared_ptr<Flight> flight;
  bool leader = false;
  {
    std::lock_guard<std::mutex> lock(flights_mu_);
    auto it = flights_.find(key);
    if (it == flights_.end()) {
      flight = std::make_shared<Flight>();
      flights_[key] = flight;
      leader = true;
    } else {
      flight = it->second;
    }
  }
  if (!leader) {
    ++coalesced_;
    std::unique_lock<std::mutex> lock(flights_mu_);
    flight->cv.wait(lock, [&] { return flight->done; });
    return flight->result;
  }
  absl::StatusOr<std::string> result = compute();
  if (result.ok()) {
    if (before_fill_for_test) before_fill_for_test(key);
    Set(key, *result);
  }
  {
    std::lock_guard<std::mutex> lock(flights_mu_);
    flight->result = result;
    flight->done = true;
    flights_.erase(key);
  }
  flight->cv.notify_all();
  return result;
}

CacheStats Cache::stats() const {
  CacheStats s;
  s.hits = hits_;
  s.misses = misses_;
  s.errors = errors_;
  s.fail_open = fail_open_;
  s.fills = fills_;
  s.coalesced = coalesced_;
  std::lock_guard<std::mutex> lock(breaker_mu_);
  s.circuit_open = open_;
  return s;
}

}  // namespace sokei::cache
