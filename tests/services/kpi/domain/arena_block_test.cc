// ArenaBlock: the block a summary's arena grew to is kept for the next summary, which then needs no
// more memory than it; a block beyond the limit is not kept; a summary running beside another
// takes no block.
#include "services/kpi/domain/arena_block.h"

#include <gtest/gtest.h>

#include <string>

#include "sokei/kpi/v1/kpi_service.pb.h"

namespace sokei::kpi {
namespace {

// Builds n results on an arena with the lease's options; returns what the arena allocated.
size_t Build(ArenaBlock::Lease& lease, int n) {
  google::protobuf::Arena arena(lease.Options());
  for (int i = 0; i < n; ++i) {
    auto* r = google::protobuf::Arena::CreateMessage<v1::IndicatorResult>(&arena);
    r->set_indicator("municipalities/142140/indicators/" + std::to_string(i));
    r->add_nodes("municipalities/142140/plans/p/nodes/n" + std::to_string(i));
  }
  const size_t used = arena.SpaceAllocated();
  lease.Used(used);
  return used;
}

TEST(ArenaBlock, TheBlockTheLastSummaryNeededIsKept) {
  ArenaBlock blocks;
  size_t first = 0;
  {
    ArenaBlock::Lease lease(&blocks);
    EXPECT_EQ(lease.Options().initial_block, nullptr) << "no spare before the first summary";
    first = Build(lease, 20000);
  }
  {
    ArenaBlock::Lease lease(&blocks);
    const auto options = lease.Options();
    ASSERT_NE(options.initial_block, nullptr);
    EXPECT_GE(options.initial_block_size, first);
    // The same work fits in the kept block: the arena allocates nothing beyond it.
    EXPECT_EQ(Build(lease, 20000), options.initial_block_size);
    // While one summary holds the spare, another builds on fresh blocks.
    ArenaBlock::Lease beside(&blocks);
    EXPECT_EQ(beside.Options().initial_block, nullptr);
  }
  // A summary that needed more leaves a larger block; a smaller one does not replace it.
  size_t larger = 0;
  {
    ArenaBlock::Lease lease(&blocks);
    larger = Build(lease, 60000);
    EXPECT_GT(larger, first);
  }
  {
    ArenaBlock::Lease lease(&blocks);
    EXPECT_GE(lease.Options().initial_block_size, larger);
  }
}

TEST(ArenaBlock, ABlockBeyondTheLimitIsNotKept) {
  ArenaBlock blocks;
  {
    ArenaBlock::Lease lease(&blocks);
    lease.Used(ArenaBlock::kLargest + 1);
  }
  ArenaBlock::Lease lease(&blocks);
  EXPECT_EQ(lease.Options().initial_block, nullptr);
}

}  // namespace
}  // namespace sokei::kpi
