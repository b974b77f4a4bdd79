// What the KPI service read from the plan service recently — plan trees by plan, department lists
// by municipality — kept in this process under the plan service's structure generation (which
// every committed plan write of the municipality moves on): an uncached summary asks for the
// generation — one small read — instead of the whole tree and every department, while the
// structure is unchanged. A value read after its generation was read may be newer than that
// generation says, never older. Neither depends on who reads it; whether the caller may see the
// plan is checked by the generation read itself.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>

#include "absl/status/statusor.h"

namespace sokei::kpi {

template <class T>
class StructureMemo {
 public:
  // `keep`: values kept, the most recently used first (a 2,000-node tree is under 1 MB).
  explicit StructureMemo(size_t keep) : keep_(keep) {}

  std::shared_ptr<const T> Get(const std::string& key, int64_t generation) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = kept_.begin(); it != kept_.end(); ++it) {
      if (std::get<0>(*it) == key && std::get<1>(*it) == generation) {
        kept_.splice(kept_.begin(), kept_, it);
        return std::get<2>(kept_.front());
      }
    }
    return nullptr;
  }

  // The value kept for (key, generation), or else `read()` (an absl::StatusOr<T>), kept under it.
  template <class Read>
  absl::StatusOr<std::shared_ptr<const T>> GetOr(const std::string& key, int64_t generation,
                                                 Read read) {
    if (std::shared_ptr<const T> kept = Get(key, generation)) return kept;
    absl::StatusOr<T> value = read();
    if (!value.ok()) return value.status();
    auto shared = std::make_shared<const T>(std::move(*value));
    Put(key, generation, shared);
    return shared;
  }

  void Put(const std::string& key, int64_t generation, std::shared_ptr<const T> value) {
    std::lock_guard<std::mutex> lock(mu_);
    kept_.remove_if([&](const auto& e) { return std::get<0>(e) == key; });
    kept_.emplace_front(key, generation, std::move(value));
    while (kept_.size() > keep_) kept_.pop_back();
  }

 private:
  const size_t keep_;
  std::mutex mu_;
  std::list<std::tuple<std::string, int64_t, std::shared_ptr<const T>>> kept_;
};

}  // namespace sokei::kpi
