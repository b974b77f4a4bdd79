// ParsedRecords: a row whose bytes were parsed before is not parsed again, any other row is; the
// set kept for a key is exactly the rows of its last parse; what is kept stays within its bounds;
// a row that does not parse is an error; a set returned stays usable after it is no longer kept.
#include "services/kpi/domain/parsed_records.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sokei/kpi/v1/kpi_service.pb.h"

namespace sokei::kpi {
namespace {

std::string Row(const std::string& id, const std::string& title) {
  v1::Indicator ind;
  ind.set_name("municipalities/142140/indicators/" + id);
  ind.set_display_name(title);
  return ind.SerializeAsString();
}

TEST(ParsedRecords, RowsParsedBeforeAreNotParsedAgain) {
  ParsedRecords<v1::Indicator> kept(8, 1 << 20);
  std::vector<const v1::Indicator*> first, second;
  auto a = kept.Parse("plan", {Row("a", "出生数"), Row("b", "転入者数")}, &first);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[1]->display_name(), "転入者数");
  // The same rows, in another order: the same messages, in the rows' order, and the same set.
  auto b = kept.Parse("plan", {Row("b", "転入者数"), Row("a", "出生数")}, &second);
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0], first[1]);
  EXPECT_EQ(second[1], first[0]);
  EXPECT_EQ(b->get(), a->get());
  EXPECT_EQ(kept.kept_bytes(), (*a)->stored_bytes());
}

TEST(ParsedRecords, AChangedRowIsParsedTheOthersAreKeptAndAGoneRowIsDropped) {
  ParsedRecords<v1::Indicator> kept(8, 1 << 20);
  std::vector<const v1::Indicator*> before, after, fewer;
  auto old_set = kept.Parse("plan", {Row("a", "出生数"), Row("b", "転入者数")}, &before);
  ASSERT_TRUE(old_set.ok());
  auto set = kept.Parse("plan", {Row("a", "出生数"), Row("b", "転入者数（日本人）")}, &after);
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(after[0], before[0]) << "unchanged: kept";
  EXPECT_NE(after[1], before[1]) << "changed: parsed";
  EXPECT_EQ(after[1]->display_name(), "転入者数（日本人）");
  EXPECT_EQ(before[1]->display_name(), "転入者数") << "the earlier set is untouched";
  auto one = kept.Parse("plan", {Row("a", "出生数")}, &fewer);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ((*one)->size(), 1u) << "the set is the rows of the last parse";
  EXPECT_EQ(fewer[0], before[0]);
  EXPECT_EQ(kept.kept_bytes(), Row("a", "出生数").size());
}

TEST(ParsedRecords, KeepsAtMostItsSetsAndBytes) {
  ParsedRecords<v1::Indicator> kept(2, 1 << 20);
  std::vector<const v1::Indicator*> p1, p2, p3, again;
  // The sets are held here, so no message's memory can be reused while pointers are compared.
  auto s1 = kept.Parse("p1", {Row("a", "1")}, &p1);
  auto s2 = kept.Parse("p2", {Row("a", "1")}, &p2);
  ASSERT_TRUE(s1.ok() && s2.ok());
  EXPECT_NE(p1[0], p2[0]) << "each key has its own set";
  auto s3 = kept.Parse("p3", {Row("a", "1")}, &p3);
  ASSERT_TRUE(s3.ok());
  auto s4 = kept.Parse("p1", {Row("a", "1")}, &again);
  ASSERT_TRUE(s4.ok());
  EXPECT_NE(again[0], p1[0]) << "p1, the least recently used of three, was let go";

  const std::string big = Row("big", std::string(4096, 'x'));
  ParsedRecords<v1::Indicator> small(8, 1024);
  std::vector<const v1::Indicator*> x, y;
  auto set = small.Parse("plan", {big}, &x);
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(small.kept_bytes(), 0u) << "a set over the limit is not kept";
  auto second = small.Parse("plan", {big}, &y);
  ASSERT_TRUE(second.ok());
  EXPECT_NE(x[0], y[0]);
  EXPECT_EQ(x[0]->display_name(), std::string(4096, 'x')) << "but it serves its own summary";
}

TEST(ParsedRecords, ARowThatDoesNotParseIsAnErrorAndKeepsWhatWasKept) {
  ParsedRecords<v1::Indicator> kept(8, 1 << 20);
  std::vector<const v1::Indicator*> good, bad, again;
  ASSERT_TRUE(kept.Parse("plan", {Row("a", "出生数")}, &good).ok());
  const size_t bytes = kept.kept_bytes();
  auto broken = kept.Parse("plan", {Row("a", "出生数"), std::string("\xff\xff\xff", 3)}, &bad);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(kept.kept_bytes(), bytes);
  ASSERT_TRUE(kept.Parse("plan", {Row("a", "出生数")}, &again).ok());
  EXPECT_EQ(again[0], good[0]);
}

TEST(ParsedRecords, ASetOutlivesBeingLetGo) {
  ParsedRecords<v1::Indicator> kept(8, 1 << 20);
  std::vector<const v1::Indicator*> held, other;
  auto set = kept.Parse("plan", {Row("a", "出生数"), Row("b", "転入者数")}, &held);
  ASSERT_TRUE(set.ok());
  // A summary still building from `held` while the rows change and the kept sets are dropped.
  ASSERT_TRUE(kept.Parse("plan", {Row("a", "出生数（改）")}, &other).ok());
  kept.Clear();
  EXPECT_EQ(kept.kept_bytes(), 0u);
  ASSERT_TRUE(kept.Parse("plan", {Row("c", "人口")}, &other).ok());
  EXPECT_EQ(held[0]->display_name(), "出生数");
  EXPECT_EQ(held[1]->display_name(), "転入者数");
}

}  // namespace
}  // namespace sokei::kpi
