// One spare block of memory for the summary's arena, kept between summaries. A summary of 2,000
// indicators builds ≈ 10 MB of messages; on fresh blocks every call mapped and faulted in those
// pages and gave them back at the end (a tenth of the summary's time in the profile). The block the
// last summary needed is kept for the next one instead. One spare per process: summaries running
// at the same time take their own blocks as before.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>

#include "google/protobuf/arena.h"

namespace sokei::kpi {

class ArenaBlock {
 public:
  static constexpr size_t kLargest = 64u << 20;  // a block larger than this is not kept

  // Arena options for one summary: the spare as the first block when there is one (taken until
  // Return), then growing blocks of up to 1 MiB (the default of 8 KiB meant hundreds of mallocs).
  class Lease {
   public:
    explicit Lease(ArenaBlock* owner) : owner_(owner) {
      std::lock_guard<std::mutex> lock(owner_->mu_);
      block_ = std::move(owner_->spare_);
      size_ = owner_->spare_size_;
      owner_->spare_size_ = 0;
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    // Call after the arena is gone: keeps a block the size the arena grew to for the next one.
    ~Lease() {
      // SpaceAllocated counts the spare too: more than it means the arena needed more blocks.
      const size_t wanted = used_ > size_ ? used_ + used_ / 8 : size_;  // room to grow a little
      if (wanted > kLargest) return;
      if (wanted > size_) {
        block_.reset(new char[wanted]);
        size_ = wanted;
      }
      std::lock_guard<std::mutex> lock(owner_->mu_);
      if (size_ > owner_->spare_size_) {
        owner_->spare_ = std::move(block_);
        owner_->spare_size_ = size_;
      }
    }

    google::protobuf::ArenaOptions Options() const {
      google::protobuf::ArenaOptions options;
      options.start_block_size = 64 << 10;
      options.max_block_size = 1 << 20;
      if (block_ != nullptr) {
        options.initial_block = block_.get();
        options.initial_block_size = size_;
      }
      return options;
    }
    // What the arena allocated in all (Arena::SpaceAllocated before it is destroyed).
    void Used(size_t bytes) { used_ = bytes; }

   private:
    ArenaBlock* owner_;
    std::unique_ptr<char[]> block_;
    size_t size_ = 0;
    size_t used_ = 0;
  };

 private:
  std::mutex mu_;
  std::unique_ptr<char[]> spare_;
  size_t spare_size_ = 0;
};

}  // namespace sokei::kpi
