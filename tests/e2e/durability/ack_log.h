// The Jepsen-style oracle of docs/reliability.md, for any service: writers record every create as
// acknowledged, failed or unknown; after the fault and a restart every acknowledged write must be
// stored (no loss), nothing stored may be outside acknowledged ∪ unknown (no phantom), and
// replaying each request id creates nothing new.
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace sokei::testing {

// What a durability run writes and reads back: `create(id)` sends the create of resource `id`
// with a request id derived from it; `stored()` lists the ids stored (nullopt when the list
// failed).
struct Workload {
  std::function<grpc::Status(const std::string& id)> create;
  std::function<std::optional<std::set<std::string>>()> stored;
};

enum class Outcome { kAcked, kFailed, kUnknown };

struct AckLog {
  std::mutex mu;
  std::map<std::string, Outcome> outcomes;  // resource id → outcome
  int acked_after_fault = 0;
};

// Four writers run until `stop`; each call's outcome goes to the log.
inline void RunWriters(const Workload& w, AckLog& log, std::atomic<bool>& stop,
                       std::atomic<bool>& fault_happened) {
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        const std::string id = "w" + std::to_string(t) + "-" + std::to_string(i);
        const grpc::Status s = w.create(id);
        Outcome o = Outcome::kUnknown;
        if (s.ok()) {
          o = Outcome::kAcked;
        } else if (s.error_code() == grpc::StatusCode::INVALID_ARGUMENT ||
                   s.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
          o = Outcome::kFailed;
        }
        std::lock_guard<std::mutex> lock(log.mu);
        log.outcomes[id] = o;
        if (o == Outcome::kAcked && fault_happened) ++log.acked_after_fault;
        if (o == Outcome::kUnknown) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  }
  for (auto& t : writers) t.join();
}

// The oracle: no loss, no phantom, and request-id replays create nothing new.
inline void Check(const AckLog& log, const Workload& w, const char* what) {
  const auto stored = w.stored();
  ASSERT_TRUE(stored.has_value()) << what << ": the service does not list after the restart";
  int acked = 0, unknown = 0;
  for (const auto& [id, o] : log.outcomes) {
    if (o == Outcome::kAcked) {
      ++acked;
      EXPECT_TRUE(stored->count(id)) << what << ": acknowledged write lost: " << id;
    }
    if (o == Outcome::kUnknown) ++unknown;
  }
  for (const auto& id : *stored) {
    auto it = log.outcomes.find(id);
    EXPECT_TRUE(it != log.outcomes.end() && it->second != Outcome::kFailed)
        << what << ": phantom write: " << id;
  }
  // Replay every request once more with its request id: all succeed, none adds a row.
  for (const auto& [id, o] : log.outcomes) {
    if (o == Outcome::kFailed) continue;
    const grpc::Status s = w.create(id);
    EXPECT_TRUE(s.ok()) << what << ": replay of " << id << ": " << s.error_message();
  }
  const auto after = w.stored();
  ASSERT_TRUE(after.has_value());
  size_t expected = 0;
  for (const auto& [id, o] : log.outcomes) expected += o != Outcome::kFailed;
  EXPECT_EQ(after->size(), expected) << what;
  std::printf("%s: %d acknowledged, %d unknown, %zu stored before replay\n", what, acked, unknown,
              stored->size());
  EXPECT_GT(acked, 20) << what << ": the stream was too short to mean anything";
}

}  // namespace sokei::testing
