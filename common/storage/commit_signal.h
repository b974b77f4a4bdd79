// Wakes the readers of the change feed when a write transaction of this process commits, so a
// waiting watcher answers at once instead of at its next poll. (Another replica's commits are
// seen at the poll: the feed never depends on the signal for correctness.)
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace sokei::storage {

class CommitSignal {
 public:
  static CommitSignal& Global();

  uint64_t version() {
    std::lock_guard<std::mutex> lock(mu_);
    return version_;
  }
  void Notify() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++version_;
    }
    cv_.notify_all();
  }
  // Returns when a commit after `seen` was signalled or `timeout` has passed.
  void WaitNewer(uint64_t seen, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return version_ != seen; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t version_ = 0;
};

}  // namespace sokei::storage
