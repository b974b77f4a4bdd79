// Reading delimited text as spreadsheets save it: quotes, line breaks inside quotes, guards, how a
// text ends — and a reader that reuses one row for every line.
#include "common/jp/delimited.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sokei::jp {
namespace {

using Cells = std::vector<std::string>;

TEST(Delimited, QuotesDoubledQuotesAndLineBreaksInside) {
  const auto rows = SplitDelimited(
      "id,comment,n\r\n"
      "1,\"say \"\"hi\"\"\",2\r\n"
      "2,\"two\nlines\",3\n"
      "3,a\"b,4\n",
      ',');
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1].cells, (Cells{"1", "say \"hi\"", "2"}));
  EXPECT_EQ(rows[2].cells, (Cells{"2", "two\nlines", "3"}));
  EXPECT_EQ(rows[2].line, 3);
  EXPECT_EQ(rows[3].cells, (Cells{"3", "a\"b", "4"}));  // a quote inside a cell is text
  EXPECT_EQ(rows[3].line, 5);                           // the quoted line break counted
  EXPECT_FALSE(rows[3].no_line_end);
}

TEST(Delimited, GuardApostrophesAreDroppedOnlyBeforeFormulaCharacters) {
  const auto rows = SplitDelimited("'=1+1\t'-5\t'abc\t'\t-3\n", '\t');
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].cells, (Cells{"=1+1", "-5", "'abc", "'", "-3"}));
}

TEST(Delimited, HowTheTextEnds) {
  auto rows = SplitDelimited("a,b\nc,\"d", ',');
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].cells, (Cells{"c", "d"}));
  EXPECT_TRUE(rows[1].open_quote);  // the file was cut inside a quoted cell
  EXPECT_TRUE(rows[1].no_line_end);

  rows = SplitDelimited("a,b\nc,d", ',');
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_FALSE(rows[1].open_quote);
  EXPECT_TRUE(rows[1].no_line_end);

  rows = SplitDelimited("a,b\n\n,\n", ',');
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].cells, (Cells{""}));
  EXPECT_EQ(rows[2].cells, (Cells{"", ""}));
  EXPECT_TRUE(SplitDelimited("", ',').empty());
}

TEST(Delimited, OneReusedRowHoldsOnlyTheCurrentLine) {
  DelimitedReader reader("1,2,3,4,5\nx\n\"q\",\"\"\n", ',');
  DelimitedRow row;
  ASSERT_TRUE(reader.Next(&row));
  EXPECT_EQ(row.cells, (Cells{"1", "2", "3", "4", "5"}));
  ASSERT_TRUE(reader.Next(&row));
  EXPECT_EQ(row.cells, (Cells{"x"}));  // nothing left over from the longer row
  EXPECT_EQ(row.line, 2);
  ASSERT_TRUE(reader.Next(&row));
  EXPECT_EQ(row.cells, (Cells{"q", ""}));
  EXPECT_FALSE(reader.Next(&row));
}

TEST(Delimited, TrimCellTakesAsciiBlanksAndTheIdeographicSpace) {
  EXPECT_EQ(TrimCell(" \t\u3000 値 \u3000\r"), "値");
  EXPECT_EQ(TrimCellView("\u3000\u3000a b\u3000"), "a b");
  EXPECT_EQ(TrimCellView("   "), "");
  const std::string cell = "  keep  ";
  const absl::string_view view = TrimCellView(cell);
  EXPECT_EQ(view.data(), cell.data() + 2);  // a view into the cell, not a copy
}

}  // namespace
}  // namespace sokei::jp
