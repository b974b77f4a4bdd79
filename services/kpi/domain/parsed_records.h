// Stored records parsed before, kept by their bytes. A summary reads every indicator and
// observation of a plan, and between two summaries nearly all of them are byte for byte what the
// last one read (recording an actual changes one row). A row whose bytes are kept is not parsed
// again; any other row is. The bytes are the key, so nothing kept can be stale and nothing needs
// invalidating: a row changed by any write, through this process or another replica, reads as
// new bytes and is parsed. Every row is still read from the database by the caller.
//
// One set per key (say, a plan and the years read), replaced by each Parse with exactly the rows
// given. At most `keep` sets and `max_bytes` of stored bytes are kept (their parsed form takes a
// few times that), the most recently used first; a set larger than `max_bytes` is not kept.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "common/status/status.h"
#include "google/protobuf/arena.h"

namespace sokei::kpi {

template <class Msg>
class ParsedRecords {
 public:
  // The parsed records of one Parse, by their bytes; immutable once returned.
  class Set {
   public:
    size_t stored_bytes() const { return stored_bytes_; }
    size_t size() const { return by_bytes_.size(); }

   private:
    friend class ParsedRecords;
    absl::flat_hash_map<std::string, std::shared_ptr<const Msg>> by_bytes_;
    std::vector<std::shared_ptr<const Msg>> held_;  // instead, when too large to keep
    size_t stored_bytes_ = 0;
  };

  ParsedRecords(size_t keep, size_t max_bytes) : keep_(keep), max_bytes_(max_bytes) {}

  // `rows` parsed, in their order, into *out: each taken from the set kept under `key` when its
  // bytes are there, parsed otherwise. The pointers stay valid while the returned set lives.
  // INTERNAL (STORAGE_CORRUPT) when a row does not parse as a Msg.
  absl::StatusOr<std::shared_ptr<const Set>> Parse(const std::string& key,
                                                   std::vector<std::string> rows,
                                                   std::vector<const Msg*>* out) {
    out->clear();
    out->reserve(rows.size());
    const std::shared_ptr<const Set> old = Get(key);
    std::vector<std::shared_ptr<const Msg>> found(rows.size());
    bool all_kept = old != nullptr && old->size() == rows.size();
    std::shared_ptr<Batch> batch;  // the rows parsed by this call, on one arena
    for (size_t i = 0; i < rows.size(); ++i) {
      if (old != nullptr) {
        if (auto it = old->by_bytes_.find(rows[i]); it != old->by_bytes_.end()) {
          found[i] = it->second;
          continue;
        }
      }
      all_kept = false;
      if (batch == nullptr) batch = std::make_shared<Batch>();
      Msg* parsed = google::protobuf::Arena::CreateMessage<Msg>(&batch->arena);
      if (!parsed->ParseFromString(rows[i])) return status::Internal("STORAGE_CORRUPT");
      found[i] = std::shared_ptr<const Msg>(batch, parsed);  // holds the batch, not the message
    }
    for (const auto& m : found) out->push_back(m.get());
    if (all_kept) return old;  // the same rows (each kept, as many): the set is theirs already
    auto next = std::make_shared<Set>();
    for (const std::string& row : rows) next->stored_bytes_ += row.size();
    if (next->stored_bytes_ > max_bytes_) {
      next->held_ = std::move(found);  // too large to keep: held for this caller only
    } else {
      next->by_bytes_.reserve(rows.size());
      for (size_t i = 0; i < rows.size(); ++i) {
        next->by_bytes_.emplace(std::move(rows[i]), std::move(found[i]));
      }
    }
    Put(key, next);  // replaces what was kept under `key` (and keeps nothing when too large)
    return std::shared_ptr<const Set>(std::move(next));
  }

  // The stored bytes of every set kept.
  size_t kept_bytes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return kept_bytes_;
  }

  // Keeps nothing: every row is parsed by the next Parse (sets already returned stay valid).
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    kept_.clear();
    kept_bytes_ = 0;
  }

 private:
  std::shared_ptr<const Set> Get(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = kept_.begin(); it != kept_.end(); ++it) {
      if (it->first == key) {
        kept_.splice(kept_.begin(), kept_, it);
        return kept_.front().second;
      }
    }
    return nullptr;
  }

  void Put(const std::string& key, std::shared_ptr<const Set> set) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = kept_.begin(); it != kept_.end(); ++it) {
      if (it->first == key) {
        kept_bytes_ -= it->second->stored_bytes();
        kept_.erase(it);
        break;
      }
    }
    if (set->stored_bytes() > max_bytes_) return;  // parsed again next time
    kept_bytes_ += set->stored_bytes();
    kept_.emplace_front(key, std::move(set));
    while (kept_.size() > keep_ || kept_bytes_ > max_bytes_) {
      kept_bytes_ -= kept_.back().second->stored_bytes();
      kept_.pop_back();
    }
  }

  // The messages one Parse parsed share an arena, which lives while any of them is kept; a
  // message replaced by a later Parse stays in it until then (at most the batch's size again).
  struct Batch {
    static google::protobuf::ArenaOptions Options() {
      google::protobuf::ArenaOptions o;
      o.start_block_size = 64 << 10;
      o.max_block_size = 1 << 20;
      return o;
    }
    google::protobuf::Arena arena{Options()};
  };

  const size_t keep_;
  const size_t max_bytes_;
  mutable std::mutex mu_;
  std::list<std::pair<std::string, std::shared_ptr<const Set>>> kept_;
  size_t kept_bytes_ = 0;
};

}  // namespace sokei::kpi
