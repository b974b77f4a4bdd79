// A synthetic progress table shaped like seed 001 (10 基本政策 × 10 施策展開の方向 × 5 施策 per
// thousand rows, then 事業 rows), its cells cycling through every value format the reader knows
// (docs/domain.md §4): what kpi_bench and tenant_bench import.
#pragma once

#include <string>

#include "absl/strings/str_cat.h"

namespace sokei::bench {

// Cells in every format the parser knows, cycled through the table.
inline const char* kBaselines[] = {"162人 (平成29年度)",
                                   "1億3,125万円 (平成28年度)",
                                   "24,878千円 (平成28年度)",
                                   "80% (平成28年度)",
                                   "—",
                                   "方針決定 (平成29年度)",
                                   "L=692m (平成29年度)",
                                   "1005.3ha (85.3%) (平成29年度)",
                                   "5、6年生17回/年 (平成29年度)",
                                   "△3,215人",
                                   "全国25位",
                                   "(2016) 51.0"};
inline const char* kTargets[] = {"176人",
                                 "1億400万円",
                                 "18,136千円",
                                 "81%",
                                 "6回",
                                 "試行、検証",
                                 "L=700m",
                                 "1076.3ha (91.3%)",
                                 "3、4年生20回/年 5、6年生20回/年",
                                 "△1,000人",
                                 "20位",
                                 "54.0以上"};
inline const char* kActuals[] = {"112人",
                                 "5,812万2千円",
                                 "12,825千円 (第3四半期)",
                                 "77%",
                                 "0回",
                                 "試行、検証",
                                 "L=988m",
                                 "1058.3ha (89.8%)",
                                 "5、6年生30回/年 3、4年生20回/年",
                                 "△2,000人",
                                 "全国22位",
                                 "（R5実績値はR7.6月頃に公表予定）"};

// A table shaped like seed 001: 10 基本政策 × 10 施策展開の方向 × 5 施策, then `rows` data rows.
inline std::string SyntheticTable(int rows) {
  std::string t = "事業番号\t主な事業\t事業指標\t当初水準\t令和2年度目標\t令和2年度実績\t所管課\n";
  int row = 0;
  for (int a = 1; row < rows; ++a) {
    absl::StrAppend(&t, "■基本政策", a, " 基本政策", a, "\n");
    for (int b = 1; b <= 10 && row < rows; ++b) {
      absl::StrAppend(&t, "(施策展開の方向", a, "-", b, ") 方向", a, "-", b, "\n");
      for (int c = 1; c <= 5 && row < rows; ++c) {
        const int shisaku = (a - 1) * 50 + (b - 1) * 5 + c;
        absl::StrAppend(&t, "【施策", shisaku, "】 施策", shisaku, "\n");
        for (int d = 1; d <= 20 && row < rows; ++d, ++row) {
          const size_t k = static_cast<size_t>(row) % 12;
          absl::StrAppend(&t, shisaku, "-", 100 + d, "\t事業", row, "\t指標", row, "\t",
                          kBaselines[k], "\t", kTargets[k], "\t", kActuals[k], "\t",
                          d == 1 ? absl::StrCat("課", shisaku % 40) : "", "\n");
        }
      }
    }
  }
  return t;
}

}  // namespace sokei::bench
