// Table-driven tests of the measured-value parser: every example of docs/domain.md §4 and more.
#include "common/jp/measurement.h"

#include <gtest/gtest.h>

namespace sokei::jp {
namespace {

using type::v1::Measurement;
using U = type::v1::Understanding;
using S = type::v1::ValueStatus;
using O = type::v1::Operator;

struct Case {
  const char* raw;
  const char* value;  // "" = no value
  const char* unit;
  U understood;
  const char* scale = "";
  O op = type::v1::OPERATOR_UNSPECIFIED;
  const char* label = "";
};

class ParseMeasurementTest : public ::testing::TestWithParam<Case> {};

TEST_P(ParseMeasurementTest, Parses) {
  const Case& c = GetParam();
  const Measurement m = ParseMeasurement(c.raw);
  EXPECT_EQ(m.raw(), c.raw);
  EXPECT_EQ(m.value(), c.value) << c.raw;
  EXPECT_EQ(m.unit(), c.unit) << c.raw;
  EXPECT_EQ(m.understood(), c.understood) << c.raw << " → " << m.ShortDebugString();
  EXPECT_EQ(m.scale_applied(), c.scale) << c.raw;
  EXPECT_EQ(m.operator_(), c.op) << c.raw;
  EXPECT_EQ(m.label(), c.label) << c.raw;
}

constexpr U kFull = type::v1::UNDERSTANDING_FULL;
constexpr U kPartial = type::v1::UNDERSTANDING_PARTIAL;
constexpr U kQual = type::v1::UNDERSTANDING_QUALITATIVE;
constexpr U kPlace = type::v1::UNDERSTANDING_PLACEHOLDER;

INSTANTIATE_TEST_SUITE_P(
    DomainExamples, ParseMeasurementTest,
    ::testing::Values(
        Case{"1,600回", "1600", "回", kFull}, Case{"254,189人", "254189", "人", kFull},
        Case{"24,878千円", "24878000", "円", kFull, "千"},
        Case{"1億3,125万円", "131250000", "円", kFull, "億万"},
        Case{"5,812万2千円", "58122000", "円", kFull, "万千"},
        Case{"4兆2,661億1,900万円", "4266119000000", "円", kFull, "兆億万"},
        Case{"317百万円", "317000000", "円", kFull, "百万"},
        Case{"11.4億円", "1140000000", "円", kFull, "億"},
        Case{"111万人", "1110000", "人", kFull, "万"},
        Case{"1億400万円", "104000000", "円", kFull, "億万"},
        Case{"１６．５億円", "1650000000", "円", kFull, "億"},
        Case{"1005.3ha (85.3%)", "1005.3", "ha", kFull}, Case{"92基 (26基)", "92", "基", kFull},
        Case{"15箇所 (0箇所)", "15", "箇所", kFull},
        Case{"1,035カ所 (消火栓1基)", "1035", "カ所", kFull},
        Case{"L=692m", "692", "m", kFull, "", type::v1::OPERATOR_UNSPECIFIED, "L"},
        Case{"L=2.5km", "2.5", "km", kFull, "", type::v1::OPERATOR_UNSPECIFIED, "L"},
        Case{"162人 (平成29年度)", "162", "人", kFull},
        Case{"5回/年 (平成28年度)", "5", "回/年", kFull},
        Case{"2023年 35,243千円", "35243000", "円", kFull, "千"},
        Case{"(2016) 51.0", "51.0", "", kFull}, Case{"△3,215人", "-3215", "人", kFull},
        Case{"▲0.06", "-0.06", "", kFull},
        Case{"全国25位", "25", "位", kFull, "", type::v1::OPERATOR_UNSPECIFIED, "全国"},
        Case{"人口10万対 12.3", "12.3", "人口10万対", kFull},
        Case{"54.0以上", "54.0", "", kFull, "", type::v1::OPERATOR_GE},
        Case{"0.1未満", "0.1", "", kFull, "", type::v1::OPERATOR_LT},
        Case{"約5,000人", "5000", "人", kFull, "", type::v1::OPERATOR_APPROX},
        Case{"10～20人", "10", "人", kFull, "", type::v1::OPERATOR_BETWEEN},
        Case{"—", "", "", kPlace}, Case{"―", "", "", kPlace}, Case{"－", "", "", kPlace},
        Case{"-", "", "", kPlace}, Case{"ー", "", "", kPlace}, Case{"", "", "", kPlace},
        Case{"  ", "", "", kPlace}, Case{"なし", "", "", kPlace}, Case{"未実施", "", "", kPlace},
        Case{"センター開設", "", "", kQual}, Case{"取組方針策定", "", "", kQual},
        Case{"制度創設 10人任命", "10", "人", kPartial, "", type::v1::OPERATOR_UNSPECIFIED,
             "制度創設"},
        Case{"整備促進", "", "", kQual}, Case{"事業化 (組合設立)", "", "", kQual},
        Case{"12,825千円 (第3四半期)", "12825000", "円", kFull, "千"},
        Case{"（R5実績値はR7.6月頃に公表予定）", "", "", kPlace},
        Case{"動画閲覧者 1,779人", "1779", "人", kFull, "", type::v1::OPERATOR_UNSPECIFIED,
             "動画閲覧者"},
        Case{"２０２７年度", "", "", kFull}, Case{"１６．５％", "16.5", "%", kFull},
        Case{"26,632 t", "26632", "t", kFull}, Case{"1,875㎡", "1875", "㎡", kFull},
        Case{"2箇所 ^ア で実施 (平成29年度)", "2", "箇所", kPartial},
        Case{"25団体(個人)", "25", "団体", kFull}, Case{"3.5‰", "3.5", "‰", kFull},
        Case{"1箇所新設", "1", "箇所", kPartial}, Case{"増加を目指す", "", "", kQual},
        Case{"12件 (見込)", "12", "件", kFull}, Case{"0件", "0", "件", kFull},
        Case{"+2.3pt", "2.3", "pt", kFull}));

TEST(ParseMeasurement, KeepsSecondaryPeriodAndStatus) {
  Measurement m = ParseMeasurement("1005.3ha (85.3%) (平成29年度)");
  EXPECT_EQ(m.secondary().value(), "85.3");
  EXPECT_EQ(m.secondary().unit(), "%");
  EXPECT_EQ(m.period().fiscal_year().year(), 2017);

  m = ParseMeasurement("1,035カ所 (消火栓1基)");
  EXPECT_EQ(m.secondary().label(), "消火栓");
  EXPECT_EQ(m.secondary().value(), "1");

  m = ParseMeasurement("2023年 35,243千円");
  EXPECT_EQ(m.period().calendar_year(), 2023);

  m = ParseMeasurement("(2016) 51.0");
  EXPECT_EQ(m.period().fiscal_year().year(), 2016);

  m = ParseMeasurement("12,825千円 (第3四半期)");
  EXPECT_TRUE(m.partial_period());
  EXPECT_EQ(m.note(), "第3四半期");

  m = ParseMeasurement("（R5実績値はR7.6月頃に公表予定）");
  EXPECT_EQ(m.status(), type::v1::VALUE_STATUS_UNPUBLISHED);
  EXPECT_EQ(m.note(), "R5実績値はR7.6月頃に公表予定");

  m = ParseMeasurement("12件 (見込)");
  EXPECT_EQ(m.status(), type::v1::VALUE_STATUS_FORECAST);

  m = ParseMeasurement("9月30日現在 120人");
  EXPECT_TRUE(m.partial_period());
  EXPECT_EQ(m.value(), "120");

  m = ParseMeasurement("10～20人");
  EXPECT_EQ(m.upper(), "20");

  m = ParseMeasurement("２０２７年度");
  EXPECT_EQ(m.period().fiscal_year().year(), 2027);

  m = ParseMeasurement("—");
  EXPECT_EQ(m.status(), type::v1::VALUE_STATUS_NOT_APPLICABLE);
  m = ParseMeasurement("未実施");
  EXPECT_EQ(m.status(), type::v1::VALUE_STATUS_NOT_EVALUABLE);
}

TEST(ParseMeasurement, Breakdowns) {
  struct B {
    const char* raw;
    std::vector<std::tuple<std::string, std::string, std::string>> parts;
  };
  const B cases[] = {
      {"5、6年生17回/年 3、4年生20回/年",
       {{"5、6年生", "17", "回/年"}, {"3、4年生", "20", "回/年"}}},
      {"1～4年35回 5、6年53回", {{"1~4年", "35", "回"}, {"5、6年", "53", "回"}}},
      {"小6：85.1％ 中3：82.0％", {{"小6", "85.1", "%"}, {"中3", "82.0", "%"}}},
      {"5、6年生17回/年 (平成29年度)", {{"5、6年生", "17", "回/年"}}},
      {"1、2年15回 3、4年35回 5、6年70回",
       {{"1、2年", "15", "回"}, {"3、4年", "35", "回"}, {"5、6年", "70", "回"}}},
  };
  for (const B& c : cases) {
    const Measurement m = ParseMeasurement(c.raw);
    EXPECT_EQ(m.understood(), type::v1::UNDERSTANDING_FULL) << c.raw;
    EXPECT_TRUE(m.value().empty()) << c.raw;
    ASSERT_EQ(m.breakdowns_size(), static_cast<int>(c.parts.size())) << c.raw;
    for (size_t i = 0; i < c.parts.size(); ++i) {
      EXPECT_EQ(m.breakdowns(i).key(), std::get<0>(c.parts[i])) << c.raw;
      EXPECT_EQ(m.breakdowns(i).value(), std::get<1>(c.parts[i])) << c.raw;
      EXPECT_EQ(m.breakdowns(i).unit(), std::get<2>(c.parts[i])) << c.raw;
    }
  }
}

TEST(Decimal, ExactArithmetic) {
  EXPECT_EQ(DecimalToString(*ParseDecimal("1,234.50")), "1234.50");
  EXPECT_EQ(DecimalToString(*ParseDecimal("-0.06")), "-0.06");
  EXPECT_EQ(DecimalToString(*ParseDecimal("0")), "0");
  EXPECT_FALSE(ParseDecimal("1.2.3"));
  EXPECT_FALSE(ParseDecimal(""));
  EXPECT_FALSE(ParseDecimal("1234567890123456789012345678901"));  // 31 digits
  EXPECT_DOUBLE_EQ(DecimalToDouble(*ParseDecimal("85.3")), 85.3);
}

TEST(QualitativeStep, Ladder) {
  EXPECT_EQ(QualitativeStep("未着手"), 0);
  EXPECT_EQ(QualitativeStep("検討・調整"), 1);
  EXPECT_EQ(QualitativeStep("取組方針策定 新規・拡充事業検討"), 2);
  EXPECT_EQ(QualitativeStep("センター開設"), 3);
  EXPECT_EQ(QualitativeStep("完了"), 4);
  EXPECT_FALSE(QualitativeStep("移転場所の絞り込み"));
}

}  // namespace
}  // namespace sokei::jp

namespace sokei::jp {
namespace {

// Found in real tables: the indicator's name and unit repeated in the cell, and junk that ends in
// a digit (a formula pasted in) — the first is a value, the second is not.
TEST(ParseMeasurement, NameAndUnitInTheCellAndJunkWithADigit) {
  auto m = ParseMeasurement("相談件数 120 件");
  EXPECT_EQ(m.value(), "120");
  EXPECT_EQ(m.unit(), "件");
  EXPECT_EQ(m.label(), "相談件数");
  EXPECT_EQ(m.understood(), type::v1::UNDERSTANDING_FULL);
  EXPECT_EQ(ParseMeasurement("延べ 1,200人").value(), "1200");
  m = ParseMeasurement("=CMD|' /C calc'!A0");
  EXPECT_EQ(m.value(), "");
  EXPECT_EQ(m.raw(), "=CMD|' /C calc'!A0");
  EXPECT_EQ(ParseMeasurement("@SUM(A1)").value(), "");
  // A blank before a unit still reads when the unit ends the token only.
  EXPECT_EQ(ParseMeasurement("5 人 (平成29年度)").unit(), "人");
}

}  // namespace
}  // namespace sokei::jp
