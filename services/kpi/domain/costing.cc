#include "services/kpi/domain/costing.h"

#include <cmath>
#include <string>

#include "common/jp/measurement.h"

namespace sokei::kpi {

void DeriveCost(const v1::CostSettings& settings, v1::ProjectCost* cost) {
  if (cost->current_budget() == 0) {
    int64_t current = cost->initial_budget();
    for (int64_t s : cost->supplementary_budgets()) current += s;
    cost->set_current_budget(current);
  }
  int64_t rate = 0;
  for (const auto& r : settings.personnel_rates()) {
    if (r.fiscal_year() == cost->fiscal_year()) rate = r.yen_per_fte();
  }
  cost->set_personnel_cost(
      static_cast<int64_t>(std::llround(cost->staff_fte() * static_cast<double>(rate))));
  const int64_t spent = cost->has_settlement() ? cost->settlement() : cost->current_budget();
  cost->set_total_cost(spent + cost->personnel_cost());
}

v1::ProjectCost SumCosts(const std::vector<v1::ProjectCost>& costs) {
  v1::ProjectCost sum;
  bool all_settled = !costs.empty();
  for (const auto& c : costs) {
    if (sum.fiscal_year() == 0) sum.set_fiscal_year(c.fiscal_year());
    sum.set_initial_budget(sum.initial_budget() + c.initial_budget());
    int64_t supplementary = 0;
    for (int64_t s : c.supplementary_budgets()) supplementary += s;
    if (supplementary != 0) {
      if (sum.supplementary_budgets().empty()) sum.add_supplementary_budgets(0);
      sum.set_supplementary_budgets(0, sum.supplementary_budgets(0) + supplementary);
    }
    sum.set_current_budget(sum.current_budget() + c.current_budget());
    // Before every 事業 has closed its year, the sum's 決算額 would mix years' states: the
    // トータルコスト then adds each one's own basis.
    all_settled = all_settled && c.has_settlement();
    sum.set_settlement(sum.settlement() + c.settlement());
    sum.set_carried_forward(sum.carried_forward() + c.carried_forward());
    auto* f = sum.mutable_funding();
    f->set_national(f->national() + c.funding().national());
    f->set_prefectural(f->prefectural() + c.funding().prefectural());
    f->set_bonds(f->bonds() + c.funding().bonds());
    f->set_other_specific(f->other_specific() + c.funding().other_specific());
    f->set_general(f->general() + c.funding().general());
    sum.set_staff_fte(sum.staff_fte() + c.staff_fte());
    sum.set_personnel_cost(sum.personnel_cost() + c.personnel_cost());
    sum.set_total_cost(sum.total_cost() + c.total_cost());
  }
  sum.set_has_settlement(all_settled);
  return sum;
}

std::vector<v1::UnitCost> UnitCosts(
    const v1::ProjectCost& cost,
    const google::protobuf::RepeatedPtrField<v1::IndicatorResult>& results) {
  std::vector<v1::UnitCost> out;
  if (cost.total_cost() <= 0) return out;
  for (const auto& r : results) {
    auto actual = jp::MeasurementValue(r.actual());
    if (!actual || *actual <= 0) continue;
    // A rate, a share or a rank is not a quantity a cost is spread over.
    const std::string& unit = r.actual().unit();
    if (unit == "%" || unit == "pt" || unit == "‰" || unit == "位" || unit == "ポイント") continue;
    v1::UnitCost u;
    u.set_indicator(r.indicator());
    u.set_display_name(r.display_name());
    u.set_unit(r.actual().unit());
    u.set_yen_per_unit(static_cast<double>(cost.total_cost()) / *actual);
    out.push_back(std::move(u));
  }
  return out;
}

std::vector<CostLine> CostLines(const v1::ProjectCost& c) {
  int64_t supplementary = 0;
  for (int64_t v : c.supplementary_budgets()) supplementary += v;
  return {
      {"当初予算", c.initial_budget()},
      {"補正予算", supplementary},
      {"予算現額", c.current_budget()},
      {"決算額", c.settlement()},
      {"翌年度繰越", c.carried_forward()},
      {"財源内訳: 国庫支出金", c.funding().national()},
      {"財源内訳: 都道府県支出金", c.funding().prefectural()},
      {"財源内訳: 地方債", c.funding().bonds()},
      {"財源内訳: その他特定財源", c.funding().other_specific()},
      {"財源内訳: 一般財源", c.funding().general()},
      {"人件費（人工 × 単価）", c.personnel_cost()},
      {"トータルコスト", c.total_cost()},
  };
}

}  // namespace sokei::kpi
