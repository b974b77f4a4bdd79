// W3C traceparent parsing, new traces and child spans, and the thread's current trace.
#include "common/trace/trace.h"

#include <gtest/gtest.h>

namespace sokei::trace {
namespace {

TEST(Trace, ParsesOnlyValidVersionZeroHeaders) {
  auto c = Parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "city=isehara");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(c->span_id, "00f067aa0ba902b7");
  EXPECT_EQ(c->tracestate, "city=isehara");
  for (const char* bad : {"", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
                          "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                          "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                          "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01"}) {
    EXPECT_FALSE(Parse(bad).has_value()) << bad;
  }
}

TEST(Trace, ChildrenKeepTheTraceAndTakeANewSpan) {
  const Context root = Start();
  ASSERT_TRUE(Parse(Traceparent(root)).has_value()) << Traceparent(root);
  const Context child = Child(root);
  EXPECT_EQ(child.trace_id, root.trace_id);
  EXPECT_NE(child.span_id, root.span_id);
  EXPECT_NE(Start().trace_id, root.trace_id);
}

TEST(Trace, NewIdsAreAlwaysValidTraceparents) {
  // 32 and 16 lower-case hex digits, never all zero: every id a new trace or span gets.
  for (int i = 0; i < 2000; ++i) {
    const Context c = Child(Start());
    ASSERT_EQ(c.trace_id.size(), 32u);
    ASSERT_EQ(c.span_id.size(), 16u);
    ASSERT_TRUE(Parse(Traceparent(c)).has_value()) << Traceparent(c);
  }
}

TEST(Trace, TheCurrentTraceIsScopedToTheThread) {
  EXPECT_EQ(Current(), nullptr);
  const Context outer = Start();
  {
    Scope a(outer);
    ASSERT_NE(Current(), nullptr);
    EXPECT_EQ(Current()->trace_id, outer.trace_id);
    {
      Scope b(Child(outer));
      EXPECT_NE(Current()->span_id, outer.span_id);
    }
    EXPECT_EQ(Current()->span_id, outer.span_id);
  }
  EXPECT_EQ(Current(), nullptr);
}

}  // namespace
}  // namespace sokei::trace
