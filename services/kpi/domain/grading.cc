// Grading schemes: the presets, normalisation and validation, and the grade of an achievement.
#include "services/kpi/domain/achievement.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/jp/measurement.h"
#include "common/jp/text.h"
#include "services/kpi/domain/placeholder_reading.h"

namespace sokei::kpi {

namespace {

v1::GradeBand Band(const char* label, const char* symbol, double min, int points,
                   const char* color) {
  v1::GradeBand b;
  b.set_label(label);
  b.set_symbol(symbol);
  b.set_min_percent(min);
  b.set_points(points);
  b.set_color(color);
  return b;
}

}  // namespace

v1::GradingScheme PresetScheme(v1::GradingPreset preset) {
  v1::GradingScheme s;
  s.set_preset(preset);
  return Normalize(s);
}

v1::GradingScheme Normalize(v1::GradingScheme s) {
  if (s.preset() == v1::GRADING_PRESET_UNSPECIFIED) s.set_preset(v1::GRADING_PRESET_ABCD);
  if (s.preset() != v1::GRADING_PRESET_CUSTOM) {
    s.clear_bands();
    switch (s.preset()) {
      case v1::GRADING_PRESET_JUNCHO:
        *s.add_bands() = Band("順調", "", 80, 2, "#C6EFCE");
        *s.add_bands() = Band("やや遅れ", "", 60, 1, "#FFEB9C");
        *s.add_bands() = Band("遅れ", "", 0, 0, "#FFC7CE");
        break;
      case v1::GRADING_PRESET_SYMBOLS:
        *s.add_bands() = Band("◎", "◎", 100, 3, "#C6EFCE");
        *s.add_bands() = Band("○", "○", 80, 2, "#DDEBF7");
        *s.add_bands() = Band("△", "△", 50, 1, "#FFEB9C");
        *s.add_bands() = Band("×", "×", 0, 0, "#FFC7CE");
        break;
      case v1::GRADING_PRESET_SABC_BAND:
        // S: target reached; A: better than ±10% of the baseline; B: within; C: worse.
        *s.add_bands() = Band("S", "S", 100, 3, "#C6EFCE");
        *s.add_bands() = Band("A", "A", 10, 2, "#DDEBF7");
        *s.add_bands() = Band("B", "B", -10, 1, "#FFEB9C");
        *s.add_bands() = Band("C", "C", 0, 0, "#FFC7CE");
        if (s.tolerance() == 0) s.set_tolerance(0.10);
        break;
      default:  // ABCD
        s.set_preset(v1::GRADING_PRESET_ABCD);
        *s.add_bands() = Band("A", "A", 110, 3, "#C6EFCE");
        *s.add_bands() = Band("B", "B", 80, 2, "#DDEBF7");
        *s.add_bands() = Band("C", "C", 50, 1, "#FFEB9C");
        *s.add_bands() = Band("D", "D", 0, 0, "#FFC7CE");
    }
  }
  if (s.not_evaluable_label().empty()) s.set_not_evaluable_label("評価不能");
  if (s.no_target_label().empty()) s.set_no_target_label("−");
  if (s.not_reported_label().empty()) s.set_not_reported_label("未報告");
  return s;
}

std::string ValidateScheme(const v1::GradingScheme& s, std::string* field) {
  if (s.preset() != v1::GRADING_PRESET_CUSTOM) return "";
  if (s.bands_size() < 2 || s.bands_size() > 10) {
    *field = "scheme.bands";
    return "a custom scheme needs 2 to 10 bands";
  }
  for (int i = 0; i < s.bands_size(); ++i) {
    if (s.bands(i).label().empty()) {
      *field = absl::StrCat("scheme.bands[", i, "].label");
      return "every band needs a label";
    }
    if (i > 0 && i + 1 < s.bands_size() &&
        s.bands(i).min_percent() > s.bands(i - 1).min_percent()) {
      *field = absl::StrCat("scheme.bands[", i, "].min_percent");
      return "bands must be ordered best first (lower bounds not increasing)";
    }
  }
  if (s.tolerance() < 0 || s.tolerance() >= 1) {
    *field = "scheme.tolerance";
    return "tolerance must be in [0, 1)";
  }
  for (int i = 0; i < s.rollup_rules_size(); ++i) {
    const auto& r = s.rollup_rules(i);
    if (r.method() == v1::ROLLUP_METHOD_SHARE_AT_OR_ABOVE) {
      bool found = false;
      for (const auto& b : s.bands()) found = found || b.label() == r.threshold_grade();
      if (!found) {
        *field = absl::StrCat("scheme.rollup_rules[", i, "].threshold_grade");
        return "the threshold grade is not one of the scheme's labels";
      }
    }
  }
  return "";
}

Grade GradeOf(const v1::GradingScheme& scheme, const Achievement& a, std::optional<double> baseline,
              std::optional<double> actual, v1::Direction direction) {
  Grade g;
  if (a.outcome == Outcome::kNoTarget) {
    g.label = scheme.no_target_label();
    return g;
  }
  if (a.outcome == Outcome::kPending) {
    // Nothing to grade yet (no actual, 未公表, a part-year value): not reported, not 評価不能.
    g.label = scheme.not_reported_label().empty() ? "未報告" : scheme.not_reported_label();
    return g;
  }
  if (a.outcome != Outcome::kGraded) {
    g.label = scheme.not_evaluable_label();
    return g;
  }
  if (scheme.bands_size() == 0) return g;
  double metric = a.ratio * 100.0;
  int index = scheme.bands_size() - 1;
  if (scheme.preset() == v1::GRADING_PRESET_SABC_BAND) {
    if (a.ratio >= 1.0) {
      index = 0;
    } else if (baseline && actual && *baseline != 0) {
      double change = (*actual - *baseline) / std::abs(*baseline);
      if (direction == v1::DIRECTION_DECREASE) change = -change;
      const double band = scheme.tolerance();
      index = change > band ? 1 : (change >= -band ? 2 : 3);
      index = std::min(index, scheme.bands_size() - 1);
    } else {
      g.label = scheme.not_evaluable_label();
      return g;
    }
  } else {
    for (int i = 0; i + 1 < scheme.bands_size(); ++i) {
      const auto& b = scheme.bands(i);
      const bool ok = b.min_exclusive() ? metric > b.min_percent() : metric >= b.min_percent();
      if (ok) {
        index = i;
        break;
      }
    }
  }
  const auto& b = scheme.bands(index);
  g.label = b.label();
  g.symbol = b.symbol();
  g.band = index;
  g.points = b.points();
  return g;
}

}  // namespace sokei::kpi
