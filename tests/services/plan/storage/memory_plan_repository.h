// An in-memory PlanRepository for unit tests of the domain. It passes the same storage
// conformance suite as the SQL repository, so domain tests on it mean what they say.
#pragma once

#include <algorithm>
#include <map>
#include <mutex>
#include <tuple>

#include "common/jp/text.h"
#include "common/status/status.h"
#include "services/plan/storage/plan_repository.h"

namespace sokei::plan::testing {

class MemoryPlanRepository final : public PlanRepository {
 public:
  absl::Status Read(const std::function<absl::Status(PlanTx&)>& fn) override {
    std::lock_guard<std::mutex> lock(mu_);
    State copy = state_;
    Tx tx(&copy);
    return fn(tx);
  }
  absl::Status Write(const std::function<absl::Status(PlanTx&)>& fn) override {
    std::lock_guard<std::mutex> lock(mu_);
    State copy = state_;
    Tx tx(&copy);
    absl::Status s = fn(tx);
    if (s.ok()) state_ = std::move(copy);
    return s;
  }

 private:
  struct State {
    std::map<std::pair<Kind, std::string>, Record> records;
    std::map<std::string, std::vector<AuditRow>> audit;
    std::map<std::pair<std::string, std::string>, IdempotencyRow> idempotency;
    std::map<std::string, int64_t> generations;
    std::vector<storage::ChangeRow> changes;
  };

  class Tx final : public PlanTx {
   public:
    explicit Tx(State* s) : s_(s) {}
    absl::StatusOr<std::optional<Record>> Get(Kind kind, const std::string& name) override {
      auto it = s_->records.find({kind, name});
      if (it == s_->records.end()) return std::nullopt;
      return it->second;
    }
    absl::StatusOr<std::vector<Record>> ListCollection(Kind kind, const std::string& c) override {
      return Select(kind, [&](const Record& r) { return r.collection == c; });
    }
    absl::StatusOr<std::vector<Record>> ListPlan(Kind kind, const std::string& plan) override {
      return Select(kind, [&](const Record& r) { return r.plan == plan; });
    }
    absl::StatusOr<std::vector<std::string>> ListPlanData(Kind kind,
                                                          const std::string& plan) override {
      std::vector<std::string> out;
      for (auto& r : Select(kind, [&](const Record& r) { return r.plan == plan; }))
        out.push_back(r.data);
      return out;
    }
    absl::StatusOr<std::vector<Record>> ListMunicipality(Kind kind, const std::string& m) override {
      auto out = Select(kind, [&](const Record& r) { return r.municipality == m; });
      std::stable_sort(out.begin(), out.end(),
                       [](const Record& a, const Record& b) { return a.plan < b.plan; });
      return out;
    }
    absl::Status Insert(Kind kind, const Record& r) override {
      if (s_->records.count({kind, r.name}) || CodeTaken(kind, r)) return Unique();
      s_->records[{kind, r.name}] = r;
      return absl::OkStatus();
    }
    absl::Status Update(Kind kind, const Record& r) override {
      if (CodeTaken(kind, r)) return Unique();
      auto it = s_->records.find({kind, r.name});
      if (it != s_->records.end()) it->second = r;
      return absl::OkStatus();
    }
    absl::Status Delete(Kind kind, const std::string& name) override {
      s_->records.erase({kind, name});
      return absl::OkStatus();
    }
    absl::StatusOr<int64_t> AppendAudit(const AuditRow& row) override {
      auto& list = s_->audit[row.municipality];
      AuditRow copy = row;
      copy.seq = static_cast<int64_t>(list.size()) + 1;
      list.push_back(copy);
      return copy.seq;
    }
    absl::StatusOr<std::vector<AuditRow>> ListAudit(const std::string& m, const std::string& prefix,
                                                    const std::string& actor, int64_t offset,
                                                    int64_t limit) override {
      std::vector<AuditRow> matching;
      const auto& list = s_->audit[m];
      for (auto it = list.rbegin(); it != list.rend(); ++it) {
        if (!prefix.empty() && it->resource.rfind(prefix, 0) != 0) continue;
        if (!actor.empty() && it->actor != actor) continue;
        matching.push_back(*it);
      }
      std::vector<AuditRow> out;
      for (int64_t i = offset; i < static_cast<int64_t>(matching.size()) && i < offset + limit;
           ++i) {
        out.push_back(matching[i]);
      }
      return out;
    }
    absl::StatusOr<int64_t> AppendChange(const storage::ChangeRow& row) override {
      storage::ChangeRow copy = row;
      copy.seq = s_->changes.empty() ? 1 : s_->changes.back().seq + 1;
      s_->changes.push_back(copy);
      return copy.seq;
    }
    absl::StatusOr<std::vector<storage::ChangeRow>> ChangesAfter(const std::string& m,
                                                                 int64_t after_seq,
                                                                 int64_t limit) override {
      std::vector<storage::ChangeRow> out;
      for (const auto& c : s_->changes) {
        if ((m == storage::kEveryMunicipality || c.municipality == m) && c.seq > after_seq &&
            static_cast<int64_t>(out.size()) < limit) {
          out.push_back(c);
        }
      }
      return out;
    }
    absl::StatusOr<storage::ChangeBounds> ChangeLogBounds() override {
      if (s_->changes.empty()) return storage::ChangeBounds{};
      return storage::ChangeBounds{s_->changes.front().seq, s_->changes.back().seq};
    }
    absl::Status PruneChanges(int64_t before_micros) override {
      while (s_->changes.size() > 1 && s_->changes.front().time_micros < before_micros) {
        s_->changes.erase(s_->changes.begin());
      }
      return absl::OkStatus();
    }
    absl::StatusOr<int64_t> Generation(const std::string& m) override { return s_->generations[m]; }
    absl::Status BumpGeneration(const std::string& m) override {
      ++s_->generations[m];
      return absl::OkStatus();
    }
    absl::StatusOr<std::optional<IdempotencyRow>> GetIdempotency(const std::string& m,
                                                                 const std::string& id) override {
      auto it = s_->idempotency.find({m, id});
      if (it == s_->idempotency.end()) return std::nullopt;
      return it->second;
    }
    absl::Status PutIdempotency(const IdempotencyRow& row) override {
      if (s_->idempotency.count({row.municipality, row.request_id})) return Unique();
      s_->idempotency[{row.municipality, row.request_id}] = row;
      return absl::OkStatus();
    }

   private:
    static absl::Status Unique() {
      return status::WithReason(absl::StatusCode::kAlreadyExists, "unique constraint violated",
                                "STORAGE_UNIQUE_VIOLATION");
    }
    bool CodeTaken(Kind kind, const Record& r) const {
      if (r.code.empty()) return false;
      for (const auto& [key, other] : s_->records) {
        if (key.first == kind && other.name != r.name && other.collection == r.collection &&
            other.code == r.code) {
          return true;
        }
      }
      return false;
    }
    template <typename Pred>
    std::vector<Record> Select(Kind kind, Pred pred) const {
      std::vector<Record> out;
      for (const auto& [key, r] : s_->records) {
        if (key.first == kind && pred(r)) out.push_back(r);
      }
      std::stable_sort(out.begin(), out.end(), [](const Record& a, const Record& b) {
        return std::tie(a.sort_key, a.name) < std::tie(b.sort_key, b.name);
      });
      return out;
    }
    State* s_;
  };

  std::mutex mu_;
  State state_;
};

}  // namespace sokei::plan::testing
