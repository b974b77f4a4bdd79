// Table-driven tests of the Japanese text, 和暦 and 年度 helpers (docs/domain.md §2).
#include <gtest/gtest.h>

#include "common/jp/fiscal_year.h"
#include "common/jp/municipality_code.h"
#include "common/jp/text.h"

namespace sokei::jp {
namespace {

struct YearCase {
  const char* text;
  int start;
  int end;
  YearBasis basis;
};

class ParseYearTest : public ::testing::TestWithParam<YearCase> {};

TEST_P(ParseYearTest, Parses) {
  const YearCase& c = GetParam();
  auto got = ParseYear(c.text);
  ASSERT_TRUE(got.ok()) << c.text << ": " << got.status();
  EXPECT_EQ(got->start_year, c.start) << c.text;
  EXPECT_EQ(got->end_year, c.end) << c.text;
  EXPECT_EQ(got->basis, c.basis) << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    Notations, ParseYearTest,
    ::testing::Values(YearCase{"令和2年度", 2020, 2020, YearBasis::kFiscalYear},
                      YearCase{"R2", 2020, 2020, YearBasis::kUnspecified},
                      YearCase{"R.2", 2020, 2020, YearBasis::kUnspecified},
                      YearCase{"Ｒ２", 2020, 2020, YearBasis::kUnspecified},  // full-width
                      YearCase{"Ｒ２年度", 2020, 2020, YearBasis::kFiscalYear},
                      YearCase{"H29", 2017, 2017, YearBasis::kUnspecified},
                      YearCase{"平成29年度", 2017, 2017, YearBasis::kFiscalYear},
                      YearCase{"(平成29年度)", 2017, 2017, YearBasis::kFiscalYear},
                      YearCase{"162人 (平成29年度)", 2017, 2017, YearBasis::kFiscalYear},
                      YearCase{"令和元年度", 2019, 2019, YearBasis::kFiscalYear},
                      YearCase{"平成31年度", 2019, 2019, YearBasis::kFiscalYear},  // = 令和元年度
                      YearCase{"平成32年", 2020, 2020,
                               YearBasis::kCalendarYear},  // written before the change
                      YearCase{"昭和64年", 1989, 1989, YearBasis::kCalendarYear},
                      YearCase{"2027", 2027, 2027, YearBasis::kUnspecified},
                      YearCase{"目標値 (2027)", 2027, 2027, YearBasis::kUnspecified},
                      YearCase{"２０２７年度", 2027, 2027, YearBasis::kFiscalYear},
                      YearCase{"2023年 35,243千円", 2023, 2023, YearBasis::kCalendarYear},
                      YearCase{"R1～5年度平均", 2019, 2023, YearBasis::kFiscalYear},
                      YearCase{"令和5年度実績", 2023, 2023, YearBasis::kFiscalYear}));

TEST(ParseYear, AverageIsFlagged) {
  auto got = ParseYear("R1～5年度平均");
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->is_average);
  EXPECT_EQ(got->era, Era::kReiwa);
}

TEST(ParseYear, RejectsImpossibleAndAbsentYears) {
  EXPECT_FALSE(ParseYear("令和0年度").ok());
  EXPECT_FALSE(ParseYear("昭和65年").ok());
  EXPECT_FALSE(ParseYear("未実施").ok());
  EXPECT_FALSE(ParseYear("254,189人").ok());  // a number, not a year
  EXPECT_FALSE(ParseYear("").ok());
}

TEST(FiscalYear, OfDateSwitchesOnFirstOfApril) {
  EXPECT_EQ(FiscalYearOfDate(2021, 3, 31), 2020);
  EXPECT_EQ(FiscalYearOfDate(2021, 4, 1), 2021);
  EXPECT_EQ(FiscalYearOfDate(2020, 1, 15), 2019);
}

TEST(FiscalYear, Formats) {
  EXPECT_EQ(FormatFiscalYear(2020), "令和2年度");
  EXPECT_EQ(FormatFiscalYear(2019), "令和元年度");
  EXPECT_EQ(FormatFiscalYear(2018), "平成30年度");
  EXPECT_EQ(FormatFiscalYear(1989), "平成元年度");
}

TEST(Era, OfDateUsesTheDayOfTheChange) {
  EXPECT_EQ(EraOfDate(2019, 4, 30).era, Era::kHeisei);
  EXPECT_EQ(EraOfDate(2019, 4, 30).year, 31);
  EXPECT_EQ(EraOfDate(2019, 5, 1).era, Era::kReiwa);
  EXPECT_EQ(EraOfDate(2019, 5, 1).year, 1);
  EXPECT_EQ(EraOfDate(1989, 1, 7).era, Era::kShowa);
  EXPECT_EQ(EraOfDate(1989, 1, 8).era, Era::kHeisei);
}

TEST(Text, NfkcFoldsWidthAndCircledDigits) {
  EXPECT_EQ(Nfkc("ＡＢＣ１２３"), "ABC123");
  EXPECT_EQ(Nfkc("①"), "1");
  EXPECT_EQ(Nfkc("～"), "~");
  EXPECT_EQ(Nfkc("ｶﾀｶﾅ"), "カタカナ");
  EXPECT_EQ(Nfkc("１６．５億円"), "16.5億円");
}

TEST(Text, SearchFoldIgnoresWidthCaseAndSpaces) {
  EXPECT_EQ(SearchFold("ＩＣＴの 利活用"), SearchFold("ictの利活用"));
  EXPECT_NE(SearchFold("防災"), SearchFold("防犯"));
}

// What Excel's CP932 does to a label must not stop it matching: 〜 comes back as ～, — as ―,
// − as － (the survey labels 20〜29歳 / 20～29歳 of a real import).
TEST(Text, SearchFoldOfAsciiIsWhatIcuFolds) {
  // ASCII takes a path without ICU; with a non-ASCII character after it the same text goes
  // through ICU. Every ASCII character must fold the same both ways.
  for (int c = 1; c < 0x80; ++c) {
    const std::string ascii(1, static_cast<char>(c));
    EXPECT_EQ(SearchFold(ascii + "あ"), SearchFold(ascii) + "あ") << "character " << c;
  }
  EXPECT_EQ(SearchFold(" Q1-a\tB "), "q1-ab");
}

TEST(Text, NfkcOfAsciiIsWhatIcuNormalizes) {
  // The same check for NFKC's ASCII path: each character alone and ahead of a character that
  // sends the text through ICU.
  for (int c = 1; c < 0x80; ++c) {
    const std::string ascii(1, static_cast<char>(c));
    EXPECT_EQ(Nfkc(ascii + "ｱ"), Nfkc(ascii) + "ア") << "character " << c;
  }
  EXPECT_EQ(Nfkc("No. 12 (A-b)"), "No. 12 (A-b)");
}

TEST(Text, SearchFoldMatchesTheLookAlikesCp932Swaps) {
  for (const char* label : {"20〜29歳", "外国人人口—割合", "−5.2ポイント"}) {
    auto sjis = Utf8ToCp932(label);
    ASSERT_TRUE(sjis.ok()) << label;
    auto back = Cp932ToUtf8(*sjis);
    ASSERT_TRUE(back.ok());
    EXPECT_NE(*back, label);  // CP932 did swap a character
    EXPECT_EQ(SearchFold(*back), SearchFold(label)) << label;
  }
  // The long-vowel mark is a letter, not a dash.
  EXPECT_NE(SearchFold("データ"), SearchFold("デ-タ"));
  EXPECT_EQ(SearchFold("1―2"), SearchFold("1-2"));
}

TEST(Text, Cp932DecodesExcelBytesIncludingNecExtensions) {
  const std::string cp932 = "\x88\xc9\x90\xa8\x8c\xb4\x8e\x73\x20\x87\x40\x81\x60\x82\x71\x82\x51";
  auto got = Cp932ToUtf8(cp932);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "伊勢原市 ①～Ｒ２");
}

TEST(Text, Cp932RejectsInvalidBytesWithOffset) {
  auto got = Cp932ToUtf8("ab\x88");  // a lead byte with no trail byte
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Text, DecodeAutoDetectsUtf8AndStripsBom) {
  EXPECT_EQ(*DecodeText("\xEF\xBB\xBF伊勢原", TextEncoding::kAuto), "伊勢原");
  EXPECT_EQ(*DecodeText("\x88\xc9\x90\xa8", TextEncoding::kAuto), "伊勢");
  EXPECT_FALSE(DecodeText("\x88\xc9", TextEncoding::kUtf8).ok());
}

TEST(Text, ControlCharactersAndLength) {
  EXPECT_TRUE(HasControlCharacters(std::string("a\x01") + "b"));
  EXPECT_FALSE(HasControlCharacters("行1\n行2\t"));
  EXPECT_EQ(CodePointCount("伊勢原市"), 4u);
}

TEST(Text, DisplayWidthCountsTerminalColumns) {
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("伊勢原市"), 8u);          // wide
  EXPECT_EQ(DisplayWidth("ＡＢ１"), 6u);            // full-width
  EXPECT_EQ(DisplayWidth("ｶﾅ"), 2u);               // half-width katakana
  EXPECT_EQ(DisplayWidth("が"), 2u);
  EXPECT_EQ(DisplayWidth("か\u3099"), 2u);          // か + combining dakuten
  EXPECT_EQ(DisplayWidth("達成率 85.3%"), 12u);
  // Padding lines up a Japanese column the way %-Ns lines up ASCII.
  EXPECT_EQ(PadToWidth("施策", 8), "施策    ");
  EXPECT_EQ(DisplayWidth(PadToWidth("子育て支援", 12)), DisplayWidth(PadToWidth("ICT", 12)));
  EXPECT_EQ(PadToWidth("長い名前の施策", 4), "長い名前の施策");
}

TEST(MunicipalityCode, CheckDigit) {
  EXPECT_TRUE(IsValidMunicipalityCode("142140"));  // 伊勢原市
  EXPECT_TRUE(IsValidMunicipalityCode("142034"));  // 平塚市
  EXPECT_TRUE(IsValidMunicipalityCode("102041"));  // 伊勢崎市
  EXPECT_TRUE(IsValidMunicipalityCode("131016"));  // 千代田区
  EXPECT_FALSE(IsValidMunicipalityCode("142141"));
  EXPECT_FALSE(IsValidMunicipalityCode("14214"));
  EXPECT_FALSE(IsValidMunicipalityCode("１４２１４０"));
}

}  // namespace
}  // namespace sokei::jp
