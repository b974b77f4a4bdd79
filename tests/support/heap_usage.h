// Bytes the process has allocated and not freed: the allocator's own count (ASan's under the
// sanitizers, glibc's otherwise), so a test can bound what an operation holds at its peak without
// the noise of RSS (ASan's shadow and quarantine, pages glibc keeps).
#pragma once

#include <malloc.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <thread>

#if defined(__SANITIZE_ADDRESS__)
// From the sanitizer runtime (its header is not in Debian's GCC packages).
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace sokei::testing {

inline size_t LiveHeapBytes() {
#if defined(__SANITIZE_ADDRESS__)
  return __sanitizer_get_current_allocated_bytes();
#else
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
#endif
}

// Samples LiveHeapBytes every millisecond while alive; peak() is the most seen.
class HeapPeak {
 public:
  HeapPeak() : peak_(LiveHeapBytes()), thread_([this] { Run(); }) {}
  ~HeapPeak() {
    stop_ = true;
    thread_.join();
  }
  size_t peak() const { return peak_.load(); }

 private:
  void Run() {
    while (!stop_) {
      const size_t now = LiveHeapBytes();
      size_t seen = peak_.load();
      while (now > seen && !peak_.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  std::atomic<size_t> peak_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace sokei::testing
