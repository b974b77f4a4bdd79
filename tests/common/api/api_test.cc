#include <gtest/gtest.h>

#include "common/api/listing.h"
#include "common/api/names.h"
#include "common/status/status.h"

namespace sokei::api {
namespace {

TEST(Names, ParsesAndValidates) {
  auto n = ParseName("municipalities/142140/plans/6th/nodes/06-101",
                     "municipalities/*/plans/*/nodes/*", "name");
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->municipality(), "142140");
  EXPECT_EQ(n->Id("nodes"), "06-101");
  EXPECT_EQ(n->Prefix("plans"), "municipalities/142140/plans/6th");
  EXPECT_EQ(n->ToString(), "municipalities/142140/plans/6th/nodes/06-101");
}

TEST(Names, RejectsWithTheFieldNamed) {
  for (const char* bad :
       {"", "municipalities/142141/plans/x", "municipalities/142140/plans/X",
        "municipalities/142140/plans/-x", "municipalities/142140/nodes/x",
        "municipalities/142140/plans/x/extra", "municipalities/142140/plans/施策"}) {
    auto n = ParseName(bad, "municipalities/*/plans/*", "parent");
    ASSERT_FALSE(n.ok()) << bad;
    EXPECT_EQ(n.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(status::GetFieldViolations(n.status()).at(0).field, "parent");
  }
  EXPECT_TRUE(
      ParseName("municipalities/142140/plans/-", "municipalities/*/plans/*", "p", true).ok());
  EXPECT_FALSE(
      ParseName("municipalities/142140/plans/-", "municipalities/*/plans/*", "p", false).ok());
  EXPECT_FALSE(IsValidId(std::string(64, 'a')));
  EXPECT_TRUE(IsValidId(std::string(63, 'a')));
}

TEST(Listing, PageSizeRules) {
  EXPECT_EQ(ParsePage(0, "", "q")->size, 50);
  EXPECT_EQ(ParsePage(10000, "", "q")->size, 500);
  EXPECT_EQ(ParsePage(-1, "", "q").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Listing, TokensAreBoundToTheQuery) {
  Page p = *ParsePage(10, "", "q1");
  const std::string token = NextPageToken(p, 25, "q1");
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(ParsePage(10, token, "q1")->offset, 10);
  EXPECT_FALSE(ParsePage(10, token, "q2").ok());
  EXPECT_FALSE(ParsePage(10, "garbage!", "q1").ok());
  EXPECT_TRUE(NextPageToken(p, 10, "q1").empty());
}

TEST(Listing, FilterGrammar) {
  auto f = ParseFilter("level=2 AND tag=\"DX 推進\"", {"level", "tag"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ((*f)["level"], "2");
  EXPECT_EQ((*f)["tag"], "DX 推進");
  EXPECT_TRUE(ParseFilter("", {"level"})->empty());
  for (const char* bad : {"colour=red", "level", "level=1 OR tag=x", "level=1 AND level=2",
                          "tag=\"open", "level=1 AND"}) {
    auto r = ParseFilter(bad, {"level", "tag"});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(status::GetFieldViolations(r.status()).at(0).field, "filter");
  }
}

}  // namespace
}  // namespace sokei::api
