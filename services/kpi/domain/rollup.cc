// Roll-ups of indicator results to nodes, packages and departments, and the trend forecast.
#include "services/kpi/domain/achievement.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/jp/measurement.h"
#include "common/jp/text.h"
#include "services/kpi/domain/placeholder_reading.h"

namespace sokei::kpi {

v1::RollupRule RuleFor(const v1::GradingScheme& scheme, int level) {
  for (const auto& r : scheme.rollup_rules()) {
    if (r.level() == level) return r;
  }
  v1::RollupRule r;
  r.set_level(level);
  r.set_method(v1::ROLLUP_METHOD_MEAN);
  return r;
}

v1::RollupResult Rollup(const v1::GradingScheme& scheme, const v1::RollupRule& rule,
                        const RollupInput& in) {
  v1::RollupResult out;
  Rollup(scheme, rule, in, &out);
  return out;
}

void Rollup(const v1::GradingScheme& scheme, const v1::RollupRule& rule, const RollupInput& in,
            v1::RollupResult* result) {
  v1::RollupResult& out = *result;
  out.set_subject(in.subject);
  out.set_display_name(in.display_name);
  out.set_code(in.code);
  out.set_kind(in.kind);
  out.set_level(in.level);
  out.set_method(rule.method());
  out.set_indicator_count(static_cast<int>(in.results.size()));
  // Counts per band of the scheme (a result's grade compared with the labels once), and of the
  // special labels (評価不能, −) by name.
  const int band_count = scheme.bands_size();
  std::vector<int> per_band(band_count, 0);
  std::map<absl::string_view, int> special;  // views of the results' grades
  std::vector<int> bands;
  bands.reserve(in.results.size());
  double sum = 0, wsum = 0, wtotal = 0, points = 0;
  int graded = 0;
  for (size_t i = 0; i < in.results.size(); ++i) {
    const auto* r = in.results[i];
    int first = -1, last = band_count - 1;  // counted under the first band of its label
    for (int b = 0; b < band_count; ++b) {
      if (scheme.bands(b).label() == r->grade()) {
        if (first < 0) first = b;
        last = b;
      }
    }
    if (first >= 0) {
      per_band[first]++;
    } else {
      special[r->grade()]++;
    }
    if (!r->has_achievement()) continue;
    ++graded;
    sum += r->achievement();
    const double w = i < in.weights.size() && in.weights[i] > 0 ? in.weights[i] : 1.0;
    wsum += w * r->achievement();
    wtotal += w;
    bands.push_back(last);
    points += band_count > 0 ? scheme.bands(last).points() : 0;
  }
  // Grade counts in the scheme's order, then the special labels.
  for (int b = 0; b < band_count; ++b) {
    auto* gc = out.add_grade_counts();
    gc->set_grade(scheme.bands(b).label());
    gc->set_count(per_band[b]);
  }
  for (const auto& [label, n] : special) {
    auto* gc = out.add_grade_counts();
    gc->set_grade(std::string(label));
    gc->set_count(n);
  }
  out.set_graded_count(graded);
  if (graded == 0) return;
  auto band_of = [&](const google::protobuf::RepeatedPtrField<v1::RollupBand>& rb, double v) {
    for (const auto& b : rb) {
      if (v >= b.min()) return b.label();
    }
    return rb.empty() ? std::string() : rb.rbegin()->label();
  };
  // A mean ratio graded by the bands' thresholds (S/A/B/C too: a mean has no baseline).
  auto grade_ratio = [&](double ratio) -> std::string {
    const double metric = ratio * 100.0;
    for (int i = 0; i + 1 < scheme.bands_size(); ++i) {
      const auto& b = scheme.bands(i);
      if (b.min_exclusive() ? metric > b.min_percent() : metric >= b.min_percent()) {
        return b.label();
      }
    }
    return scheme.bands().empty() ? std::string() : scheme.bands().rbegin()->label();
  };
  switch (rule.method()) {
    case v1::ROLLUP_METHOD_SHARE_AT_OR_ABOVE: {
      int threshold = 0;
      for (int b = 0; b < scheme.bands_size(); ++b) {
        if (scheme.bands(b).label() == rule.threshold_grade()) threshold = b;
      }
      const int at = static_cast<int>(
          std::count_if(bands.begin(), bands.end(), [&](int b) { return b <= threshold; }));
      const double share = static_cast<double>(at) / graded;
      out.set_has_value(true);
      out.set_value(share);
      out.set_value_unit(v1::ROLLUP_VALUE_UNIT_RATIO);
      // The rule's bands are written in percent (80 = 80% at or above the threshold).
      out.set_computed_grade(rule.bands().empty() ? absl::StrFormat("%.0f%%", share * 100)
                                                  : band_of(rule.bands(), share * 100));
      break;
    }
    case v1::ROLLUP_METHOD_WEIGHTED_MEAN:
      out.set_has_value(true);
      out.set_value_unit(v1::ROLLUP_VALUE_UNIT_RATIO);
      out.set_value(wsum / wtotal);
      out.set_computed_grade(grade_ratio(wsum / wtotal));
      break;
    case v1::ROLLUP_METHOD_POINTS_SUM_BANDED: {
      const double mean_points = points / graded;
      out.set_has_value(true);
      out.set_value_unit(v1::ROLLUP_VALUE_UNIT_POINTS);
      out.set_value(mean_points);
      out.set_computed_grade(band_of(rule.bands(), mean_points));
      break;
    }
    case v1::ROLLUP_METHOD_WORST_OF: {
      const int worst = *std::max_element(bands.begin(), bands.end());
      out.set_computed_grade(scheme.bands(worst).label());
      break;
    }
    case v1::ROLLUP_METHOD_MANUAL:
      break;
    default:  // MEAN
      out.set_has_value(true);
      out.set_value_unit(v1::ROLLUP_VALUE_UNIT_RATIO);
      out.set_value(sum / graded);
      out.set_computed_grade(grade_ratio(sum / graded));
  }
}

// ---- Trend ----

v1::Forecast LinearForecast(const std::vector<std::pair<int, double>>& points, int target_year,
                            std::optional<double> target, v1::Direction direction) {
  v1::Forecast f;
  f.set_target_year(target_year);
  f.set_points_used(static_cast<int>(points.size()));
  if (points.size() < 2 || target_year == 0) {
    f.set_outlook(v1::TREND_OUTLOOK_INSUFFICIENT_DATA);
    return f;
  }
  double mx = 0, my = 0;
  for (const auto& [x, y] : points) {
    mx += x;
    my += y;
  }
  mx /= points.size();
  my /= points.size();
  double sxx = 0, sxy = 0;
  for (const auto& [x, y] : points) {
    sxx += (x - mx) * (x - mx);
    sxy += (x - mx) * (y - my);
  }
  if (sxx == 0) {
    f.set_outlook(v1::TREND_OUTLOOK_INSUFFICIENT_DATA);
    return f;
  }
  const double slope = sxy / sxx;
  const double value = my + slope * (target_year - mx);
  f.set_has_value(true);
  f.set_value(value);
  f.set_slope_per_year(slope);
  if (!target) {
    f.set_outlook(v1::TREND_OUTLOOK_INSUFFICIENT_DATA);
  } else {
    const bool ok = direction == v1::DIRECTION_DECREASE ? value <= *target : value >= *target;
    f.set_outlook(ok ? v1::TREND_OUTLOOK_ON_TRACK : v1::TREND_OUTLOOK_AT_RISK);
  }
  return f;
}

}  // namespace sokei::kpi
