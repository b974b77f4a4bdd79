// CS analysis (importance × satisfaction, the priority indexes) and the comparison of two
// waves.
#include <cmath>
#include <map>
#include <numeric>

#include "services/survey/stats/stats.h"

namespace sokei::survey::stats {
namespace {

constexpr double kZ95 = 1.96;

}  // namespace

namespace {

const std::map<std::string, PriorityIndex>& Indexes() {
  static const auto* indexes = new std::map<std::string, PriorityIndex>{
      {"improvement_index",
       [](double dx, double dy) {
         // Angle between (dx, dy) and the improvement diagonal (−1, +1)/√2.
         const double r = std::hypot(dx, dy);
         if (r == 0) return 0.0;
         const double cosine = (-dx + dy) / (r * std::sqrt(2.0));
         const double angle = std::acos(std::clamp(cosine, -1.0, 1.0)) * 180.0 / M_PI;
         return r * (90.0 - angle) / 90.0;
       }},
      {"z_gap", [](double dx, double dy) { return dy - dx; }},
  };
  return *indexes;
}

void MeanSd(const std::vector<double>& v, double* mean, double* sd) {
  *mean = v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / v.size();
  double ss = 0;
  for (double x : v) ss += (x - *mean) * (x - *mean);
  *sd = v.empty() ? 0 : std::sqrt(ss / v.size());
}

}  // namespace

const PriorityIndex* FindPriorityIndex(const std::string& name) {
  auto it = Indexes().find(name);
  return it == Indexes().end() ? nullptr : &it->second;
}

std::vector<std::string> PriorityIndexNames() {
  std::vector<std::string> names;
  for (const auto& [name, fn] : Indexes()) names.push_back(name);
  return names;
}

CsResult AnalyseCs(const std::vector<CsInput>& items, bool deviation_scores,
                   const PriorityIndex& index) {
  CsResult out;
  std::vector<double> imp, sat;
  for (const auto& it : items) {
    imp.push_back(it.importance);
    sat.push_back(it.satisfaction);
  }
  double imp_sd = 0, sat_sd = 0;
  MeanSd(imp, &out.importance_centre, &imp_sd);
  MeanSd(sat, &out.satisfaction_centre, &sat_sd);
  for (const auto& it : items) {
    CsOutput o;
    const double di = it.importance - out.importance_centre;
    const double ds = it.satisfaction - out.satisfaction_centre;
    const double zi = imp_sd > 0 ? di / imp_sd : 0;
    const double zs = sat_sd > 0 ? ds / sat_sd : 0;
    o.importance_deviation = 50 + 10 * zi;
    o.satisfaction_deviation = 50 + 10 * zs;
    o.dx = deviation_scores ? 10 * zs : ds;
    o.dy = deviation_scores ? 10 * zi : di;
    const bool high_imp = di >= 0, high_sat = ds >= 0;
    o.quadrant = high_imp ? (high_sat ? 1 : 0) : (high_sat ? 3 : 2);
    o.priority = index(zs, zi);
    out.items.push_back(o);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Wave comparison

WaveResult CompareShares(double p1, double n1, double p0, double n0) {
  WaveResult w;
  w.change = (p1 - p0) * 100;
  double var = 0;
  if (n1 > 0) var += p1 * (1 - p1) / n1;
  if (n0 > 0) var += p0 * (1 - p0) / n0;
  w.change_margin = kZ95 * std::sqrt(var) * 100;
  w.significant = n1 > 0 && n0 > 0 && std::abs(w.change) > w.change_margin;
  return w;
}

WaveResult CompareMeans(double m1, double se1, double m0, double se0) {
  WaveResult w;
  w.change = m1 - m0;
  w.change_margin = kZ95 * std::sqrt(se1 * se1 + se0 * se0);
  w.significant = w.change_margin > 0 && std::abs(w.change) > w.change_margin;
  return w;
}

}  // namespace sokei::survey::stats