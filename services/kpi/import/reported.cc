#include "services/kpi/import/reported.h"

#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "common/jp/text.h"
#include "services/kpi/domain/achievement.h"

namespace sokei::kpi {
namespace {

bool Near(double a, double b, double tolerance) { return std::abs(a - b) <= tolerance; }

}  // namespace

std::optional<double> ReportedPercent(const std::string& cell) {
  std::string n = jp::Nfkc(cell);
  absl::string_view v = absl::StripAsciiWhitespace(n);
  const bool percent = absl::ConsumeSuffix(&v, "%");
  v = absl::StripAsciiWhitespace(v);
  double x = 0;
  if (v.empty() || !absl::SimpleAtod(v, &x) || !std::isfinite(x)) return std::nullopt;
  // A bare ratio (0.636) where the table writes no percent sign and the figure is below 2.
  if (!percent && x > 0 && x < 2 && v.find('.') != absl::string_view::npos && v.size() > 3) {
    return x * 100;
  }
  return x;
}

ReportedCheck CompareReported(const std::string& reported_rate, const std::string& reported_grade,
                              const v1::IndicatorResult& ours, std::optional<double> baseline,
                              std::optional<double> target, std::optional<double> actual) {
  ReportedCheck out;
  const std::optional<double> p =
      reported_rate.empty() ? std::nullopt : ReportedPercent(reported_rate);
  bool rate_agrees = true;
  if (p && !ours.has_achievement()) {
    rate_agrees = false;
    out.cause = absl::StrCat("市は達成率 ", reported_rate, " を示しているが、Sokei は判定していない（",
                             ours.reason().empty() ? ours.grade() : ours.reason(), "）");
  } else if (p) {
    const double d = ours.achievement() * 100;
    if (Near(d, *p, 0.05) || PercentText(ours.achievement()) == absl::StrFormat("%.1f%%", *p)) {
      rate_agrees = true;
    } else {
      rate_agrees = false;
      if (Near(std::floor(d * 10 + 1e-7) / 10, *p, 1e-6) || Near(std::floor(d + 1e-7), *p, 1e-6)) {
        out.cause = absl::StrCat("市の達成率 ", reported_rate, " は切り捨て、Sokei は ",
                                 PercentText(ours.achievement()), "（四捨五入）: 端数処理の違い");
      } else if (Near(std::round(d), *p, 1e-6)) {
        out.cause = absl::StrCat("市の達成率 ", reported_rate, " は整数に丸めた値、Sokei は ",
                                 PercentText(ours.achievement()), ": 端数処理の違い");
      } else if (target && actual && *target != 0) {
        const double A = *actual, T = *target;
        struct Alt {
          double percent;
          const char* what;
        };
        std::vector<Alt> alts = {{100 * A / T, "実績 ÷ 目標"},
                                 {100 * (2 * T - A) / T, "減らす指標として (2T − A) ÷ T"},
                                 {A != 0 ? 100 * T / A : -1, "減らす指標として 目標 ÷ 実績"}};
        if (baseline && *target != *baseline) {
          alts.push_back({100 * (A - *baseline) / (T - *baseline), "基準値からの進捗 (A − B) ÷ (T − B)"});
        }
        for (const Alt& a : alts) {
          if (Near(a.percent, *p, 0.15) && !Near(a.percent, d, 0.05)) {
            out.cause = absl::StrCat("市の達成率 ", reported_rate, " は「", a.what,
                                     "」で計算した値、Sokei は ", PercentText(ours.achievement()),
                                     ": 算式の違い（指標の算式・方向を確認）");
            break;
          }
        }
        if (out.cause.empty()) {
          out.cause = absl::StrCat("市の達成率 ", reported_rate, "、Sokei は ",
                                   PercentText(ours.achievement()), ": 比べた目標（年度）か算式の違い");
        }
      } else {
        out.cause = absl::StrCat("市の達成率 ", reported_rate, "、Sokei は ",
                                 PercentText(ours.achievement()));
      }
    }
  }
  const std::string g = jp::SearchFold(reported_grade);
  const bool grade_agrees = g.empty() || g == jp::SearchFold(ours.grade()) ||
                            (!ours.symbol().empty() && g == jp::SearchFold(ours.symbol()));
  if (!grade_agrees) {
    const std::string both = absl::StrCat("市の評価「", reported_grade, "」、Sokei は「",
                                          ours.grade(), "」");
    if (rate_agrees && p) {
      out.cause = absl::StrCat(both, ": 達成率は一致、評価の区分（評価基準）の違い");
    } else if (out.cause.empty()) {
      out.cause = absl::StrCat(both, ": 評価基準か算式の違い");
    } else {
      out.cause = absl::StrCat(out.cause, "。", both);
    }
  }
  out.agrees = rate_agrees && grade_agrees;
  if (out.agrees) out.cause.clear();
  return out;
}

}  // namespace sokei::kpi
