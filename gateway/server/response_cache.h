// The gateway's cache of rendered REST replies, per replica: a GET answered once is answered
// again from memory — the JSON bytes and their compressed forms — until something of its
// municipality changes. What it may serve rests on two rules:
//  - a reply is kept under its caller's whole identity (subject, roles, municipality,
//    departments) and the request line, so what differs by role or department never mixes;
//  - a reply is kept only while every service's change feed is followed (change_follower.h), and
//    only under the municipality's generation read before the upstream call: a change the feed
//    reports, or a write through this gateway, moves the generation on, and a reply read before
//    it is neither served nor stored.
// Bounded by bytes (least recently used first out); entries of a municipality go when it moves on.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "absl/time/time.h"
#include "common/auth/principal.h"
#include "gateway/server/http_caching.h"

namespace sokei::gateway {

class ResponseCache {
 public:
  // `max_age`: how long a reply is served at most even when nothing changed (a read whose answer
  // depends on the time of day, or a change no feed reported, is never older than that).
  ResponseCache(size_t max_bytes, absl::Duration max_age);

  // The key of a GET: the caller's identity and the request line (path and query as sent).
  static std::string Key(const auth::Principal& p, const std::string& target);

  // The municipality's generation, or nullopt while the services' changes are not followed
  // (nothing is served or stored then).
  std::optional<uint64_t> Generation(const std::string& municipality) const;
  // The reply kept under `key` at `generation`, or nullptr.
  std::shared_ptr<const Representations> Get(const std::string& municipality,
                                             const std::string& key, uint64_t generation);
  // Keeps `reps` if `generation` is still the municipality's (a reply read before a change is
  // dropped) and it fits.
  void Put(const std::string& municipality, const std::string& key, uint64_t generation,
           std::shared_ptr<const Representations> reps);

  // Something of the municipality changed (a feed event, a write through this gateway).
  void Invalidate(const std::string& municipality);
  // A change that may concern any municipality.
  void InvalidateAll();
  // Whether every feed is followed; any change of this drops everything.
  void SetFollowing(bool following);

  struct Stats {
    size_t entries = 0, bytes = 0;
    uint64_t hits = 0, misses = 0, stored = 0, evicted = 0;
  };
  Stats stats() const;

 private:
  struct Entry {
    std::string municipality, key;
    uint64_t generation = 0;
    std::shared_ptr<const Representations> reps;
    std::chrono::steady_clock::time_point stored;
  };
  using Lru = std::list<Entry>;
  void EraseLocked(Lru::iterator it);
  void DropMunicipalityLocked(const std::string& municipality);
  void DropAllLocked();

  const size_t max_bytes_;
  const std::chrono::nanoseconds max_age_;
  mutable std::mutex mu_;
  bool following_ = false;
  uint64_t epoch_ = 1;  // moves on with SetFollowing: every generation of before is stale
  std::map<std::string, uint64_t> generation_;  // municipality → changes seen (within epoch_)
  Lru lru_;                                     // most recently used first
  std::unordered_map<std::string, Lru::iterator> index_;
  std::map<std::string, std::set<std::string>> of_municipality_;  // municipality → keys
  Stats stats_;
};

}  // namespace sokei::gateway
