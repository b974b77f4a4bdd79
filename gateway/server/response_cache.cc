#include "gateway/server/response_cache.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace sokei::gateway {

ResponseCache::ResponseCache(size_t max_bytes, absl::Duration max_age)
    : max_bytes_(max_bytes), max_age_(absl::ToChronoNanoseconds(max_age)) {}

std::string ResponseCache::Key(const auth::Principal& p, const std::string& target) {
  std::string roles;
  for (auth::Role r : p.roles) absl::StrAppend(&roles, static_cast<int>(r), ",");
  // '\n' cannot occur in any part (a request line has none; the others are validated names).
  return absl::StrCat(p.subject, "\n", roles, "\n", p.municipality, "\n",
                      absl::StrJoin(p.departments, ","), "\n", target);
}

std::optional<uint64_t> ResponseCache::Generation(const std::string& municipality) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!following_) return std::nullopt;
  auto it = generation_.find(municipality);
  return (epoch_ << 32) | (it == generation_.end() ? 0 : it->second);
}

std::shared_ptr<const Representations> ResponseCache::Get(const std::string& municipality,
                                                          const std::string& key,
                                                          uint64_t generation) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end() || it->second->generation != generation ||
      it->second->municipality != municipality ||
      std::chrono::steady_clock::now() - it->second->stored > max_age_) {
    ++stats_.misses;
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  ++stats_.hits;
  return it->second->reps;
}

void ResponseCache::Put(const std::string& municipality, const std::string& key,
                        uint64_t generation, std::shared_ptr<const Representations> reps) {
  const size_t size = reps->bytes() + key.size();
  if (size > max_bytes_ / 8) return;  // one reply never takes more than an eighth
  std::lock_guard<std::mutex> lock(mu_);
  if (!following_) return;
  auto g = generation_.find(municipality);
  if (generation != ((epoch_ << 32) | (g == generation_.end() ? 0 : g->second))) return;
  if (auto old = index_.find(key); old != index_.end()) EraseLocked(old->second);
  lru_.push_front(
      Entry{municipality, key, generation, std::move(reps), std::chrono::steady_clock::now()});
  index_[key] = lru_.begin();
  of_municipality_[municipality].insert(key);
  stats_.bytes += size;
  ++stats_.stored;
  while (stats_.bytes > max_bytes_ && !lru_.empty()) {
    EraseLocked(std::prev(lru_.end()));
    ++stats_.evicted;
  }
}

void ResponseCache::Invalidate(const std::string& municipality) {
  std::lock_guard<std::mutex> lock(mu_);
  ++generation_[municipality];
  DropMunicipalityLocked(municipality);
}

void ResponseCache::InvalidateAll() {
  std::lock_guard<std::mutex> lock(mu_);
  DropAllLocked();
}

void ResponseCache::SetFollowing(bool following) {
  std::lock_guard<std::mutex> lock(mu_);
  if (following == following_) return;
  following_ = following;
  DropAllLocked();
}

ResponseCache::Stats ResponseCache::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats s = stats_;
  s.entries = lru_.size();
  return s;
}

void ResponseCache::EraseLocked(Lru::iterator it) {
  stats_.bytes -= it->reps->bytes() + it->key.size();
  auto m = of_municipality_.find(it->municipality);
  if (m != of_municipality_.end()) {
    m->second.erase(it->key);
    if (m->second.empty()) of_municipality_.erase(m);
  }
  index_.erase(it->key);
  lru_.erase(it);
}

void ResponseCache::DropMunicipalityLocked(const std::string& municipality) {
  auto m = of_municipality_.find(municipality);
  if (m == of_municipality_.end()) return;
  const std::set<std::string> keys = std::move(m->second);
  of_municipality_.erase(m);
  for (const std::string& key : keys) {
    if (auto it = index_.find(key); it != index_.end()) EraseLocked(it->second);
  }
}

void ResponseCache::DropAllLocked() {
  ++epoch_;  // every generation handed out before is stale
  generation_.clear();
  while (!lru_.empty()) EraseLocked(lru_.begin());
}

}  // namespace sokei::gateway
