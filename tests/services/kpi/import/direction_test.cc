// Direction inference on indicator names from seed 001 and other cities' tables.
#include "services/kpi/import/direction.h"

#include <gtest/gtest.h>

namespace sokei::kpi {
namespace {

TEST(InferDirection, TheNameDecidesAndDisagreementIsDoubtful) {
  // 39-105 寄附金受入額: the city set a target below the baseline, yet a fund wants more money.
  auto g = InferDirection("寄附金受入額", 131250000, 104000000);
  EXPECT_EQ(g.direction, v1::DIRECTION_INCREASE);
  EXPECT_EQ(g.source, v1::DIRECTION_SOURCE_DOUBTFUL);
  EXPECT_NE(g.evidence.find("受入"), std::string::npos);
  // Name and values agree.
  g = InferDirection("交通事故発生件数", 420, 380);
  EXPECT_EQ(g.direction, v1::DIRECTION_DECREASE);
  EXPECT_EQ(g.source, v1::DIRECTION_SOURCE_NAME);
  g = InferDirection("フォロー教室利用の延べ人数", 162, 176);
  EXPECT_EQ(g.direction, v1::DIRECTION_INCREASE);
  EXPECT_EQ(g.source, v1::DIRECTION_SOURCE_NAME);
  // A count of something bad is a decrease even though 件数 reads as a count.
  EXPECT_EQ(InferDirection("刑法犯認知件数", std::nullopt, std::nullopt).direction,
            v1::DIRECTION_DECREASE);
  // The work against a bad thing is counted up (seed 001's 19-103-2, 16-103, 35-104).
  EXPECT_EQ(InferDirection("高齢者虐待防止研修会等参加者数", 30, 40).source,
            v1::DIRECTION_SOURCE_NAME);
  EXPECT_EQ(InferDirection("浸水対策整備済み地区数", 3, 5).direction, v1::DIRECTION_INCREASE);
  EXPECT_EQ(InferDirection("延べ床面積の削減量", 0, 1200).source, v1::DIRECTION_SOURCE_VALUES);
  // Full-width and half-width the same (NFKC): ＣＯ２排出量.
  EXPECT_EQ(InferDirection("市域のＣＯ２排出量", 100, 90).source, v1::DIRECTION_SOURCE_NAME);
}

TEST(InferDirection, ValuesDecideWhenTheNameIsSilent) {
  auto g = InferDirection("職員数", 666, 651);  // 40-101
  EXPECT_EQ(g.direction, v1::DIRECTION_DECREASE);
  EXPECT_EQ(g.source, v1::DIRECTION_SOURCE_VALUES);
  g = InferDirection("市民一人当たりの公園面積", 5.2, 5.2);
  EXPECT_EQ(g.direction, v1::DIRECTION_MAINTAIN);
  // A name that says "up" with target = baseline: keep the level.
  EXPECT_EQ(InferDirection("自主防災組織の結成数 (登録)", 50, 50).direction,
            v1::DIRECTION_MAINTAIN);
  // Neither words nor two numbers: a milestone, where direction plays no part.
  g = InferDirection("子どもの貧困対策事業の充実", std::nullopt, std::nullopt);
  EXPECT_EQ(g.source, v1::DIRECTION_SOURCE_UNSPECIFIED);
}

}  // namespace
}  // namespace sokei::kpi
