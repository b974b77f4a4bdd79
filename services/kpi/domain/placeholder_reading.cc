#include "services/kpi/domain/placeholder_reading.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/jp/measurement.h"
#include "common/jp/text.h"

namespace sokei::kpi {
namespace {

bool IsNothingMark(const type::v1::Measurement& m) {
  if (m.understood() == type::v1::UNDERSTANDING_PLACEHOLDER &&
      m.status() == type::v1::VALUE_STATUS_NOT_APPLICABLE) {
    return true;
  }
  // NFKC never drops a character, so only one code point (4 bytes at most: 0, ０, ⁰, ₀, 𝟎 …)
  // can read as "0"; longer cells skip the normalisation (most actuals: every summary reads them).
  if (m.raw().size() > 4) return false;
  return jp::Nfkc(m.raw()) == "0";
}

bool Contains(const std::string& s, const char* w) { return s.find(w) != std::string::npos; }

// Units of things counted (件, 人, 回 …): nothing to count is zero of them.
bool IsCountUnit(const std::string& unit) {
  for (const char* u : {"件", "人", "回", "箇所", "カ所", "か所", "ヶ所", "校", "団体", "社", "戸",
                        "台", "本", "店舗", "施設", "組", "人日", "人泊", "世帯", "事業", "地区"}) {
    if (unit == u || absl::StartsWith(unit, std::string(u) + "/")) return true;
  }
  return false;
}

bool SurveyRow(const v1::Indicator& ind) {
  if (ind.survey_based()) return true;
  const std::string n = jp::Nfkc(ind.display_name());
  return Contains(n, "満足") || Contains(n, "と回答") || Contains(n, "意識調査") ||
         Contains(n, "アンケート") || Contains(n, "と感じている") || Contains(n, "と思う");
}

// The milestone of the target reached by an earlier actual (the same words, or a step at least
// as far along).
bool Reached(const type::v1::Measurement& target, const type::v1::Measurement& earlier) {
  const std::string t = target.qualitative().empty() ? target.raw() : target.qualitative();
  const std::string a = earlier.qualitative().empty() ? earlier.raw() : earlier.qualitative();
  if (t.empty() || a.empty()) return false;
  if (jp::SearchFold(t) == jp::SearchFold(a)) return true;
  const auto ts = jp::QualitativeStep(t), as = jp::QualitativeStep(a);
  return ts && as && *ts > 0 && *as >= *ts;
}

}  // namespace

PlaceholderReading ReadPlaceholder(const v1::Indicator& ind, const type::v1::Measurement& actual,
                                   const type::v1::Measurement& target, v1::TargetKind target_kind,
                                   int year,
                                   const std::map<int, const type::v1::Measurement*>& earlier) {
  if (!IsNothingMark(actual)) return {};
  const std::string raw = actual.raw();
  // A milestone row (制度創設, 策定, 開設 …).
  if (target_kind == v1::TARGET_KIND_QUALITATIVE) {
    for (const auto& [y, m] : earlier) {
      if (y < year && m != nullptr && Reached(target, *m)) {
        return {PlaceholderMeaning::kStillReached,
                absl::StrCat("「", raw, "」: ", y, "年度に到達した段階は維持（新たな実績なし）")};
      }
    }
    return {PlaceholderMeaning::kNotYet, absl::StrCat("「", raw, "」: まだ到達していない（段階0）")};
  }
  if (raw == "0" || jp::Nfkc(raw) == "0") return {};  // a number: read as written
  if (SurveyRow(ind)) {
    return {PlaceholderMeaning::kNotMeasured,
            absl::StrCat("「", raw, "」: 調査を実施していない年（測定なし）")};
  }
  // Counts: nothing to count is zero — the row's unit, or its other years written as counts.
  std::string unit = ind.unit().empty() ? target.unit() : ind.unit();
  if (unit.empty()) {
    for (const auto& [y, m] : earlier) {
      if (m != nullptr && !m->unit().empty()) unit = m->unit();
    }
  }
  if (target_kind == v1::TARGET_KIND_NUMERIC && IsCountUnit(unit)) {
    return {PlaceholderMeaning::kZero, absl::StrCat("「", raw, "」: 件数の行のため 0 ", unit)};
  }
  return {PlaceholderMeaning::kUndecided,
          absl::StrCat("「", raw, "」: 行から意味を決められないため評価しない（該当なしとして扱う）")};
}

}  // namespace sokei::kpi
