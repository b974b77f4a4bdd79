// The CS analysis (importance × satisfaction per 施策) and the comparison of two waves of a
// question.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/api/names.h"
#include "common/jp/text.h"
#include "services/survey/domain/published_stats.h"
#include "services/survey/domain/survey_internal.h"

namespace sokei::survey {

namespace {

// The 施策 with an importance and a satisfaction question linked to their node, in the order the
// questionnaire names them: each with both means and bases, suppressed (with `disclose`) when a
// base is below k or either distribution has a hidden option.
std::vector<pb::CsItem> CsItems(const SurveyDomain::View& v, const std::vector<double>* w,
                                bool disclose) {
  struct Item {
    std::string node, code, display;
    const pb::Question* importance = nullptr;
    const pb::Question* satisfaction = nullptr;
  };
  std::map<std::string, Item> items;
  std::vector<std::string> order;
  for (const auto& q : v.questions) {
    for (const auto& l : q.node_links()) {
      if (l.role() != pb::LINK_ROLE_IMPORTANCE && l.role() != pb::LINK_ROLE_SATISFACTION) continue;
      auto [it, fresh] = items.try_emplace(l.node());
      if (fresh) order.push_back(l.node());
      Item& item = it->second;
      item.node = l.node();
      if (!l.code().empty()) item.code = l.code();
      if (!l.display_name().empty()) item.display = l.display_name();
      if (item.display.empty()) item.display = q.text();
      (l.role() == pb::LINK_ROLE_IMPORTANCE ? item.importance : item.satisfaction) = &q;
    }
  }
  std::vector<pb::CsItem> rows;
  for (const auto& node : order) {
    const Item& item = items[node];
    if (!item.importance || !item.satisfaction) continue;
    auto di = DistributionOf(v, *item.importance, w);
    auto ds = DistributionOf(v, *item.satisfaction, w);
    if (!di.has_mean || !ds.has_mean) continue;
    pb::CsItem row;
    row.set_node(item.node);
    row.set_code(item.code);
    row.set_display_name(item.display);
    row.set_importance(di.mean);
    row.set_satisfaction(ds.mean);
    row.set_importance_n(di.base);
    row.set_satisfaction_n(ds.base);
    if (disclose &&
        (std::min(di.base, ds.base) < MinCellCount(v.survey) ||
         DistributionHidden(v, *item.importance) || DistributionHidden(v, *item.satisfaction))) {
      row.set_suppressed(true);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

absl::StatusOr<pb::CsAnalysis> SurveyDomain::RunCsAnalysis(const Principal& p,
                                                           const pb::RunCsAnalysisRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.survey(), kSurveyPattern, "survey"));
  SOKEI_RETURN_IF_ERROR(CheckSurveyRead(p, name.municipality()));
  const std::string index_name =
      r.priority_index().empty() ? "improvement_index" : r.priority_index();
  const stats::PriorityIndex* index = stats::FindPriorityIndex(index_name);
  if (!index) {
    return status::InvalidField(
        "CS_UNKNOWN_PRIORITY_INDEX", "priority_index",
        absl::StrCat("one of: ", absl::StrJoin(stats::PriorityIndexNames(), ", ")));
  }
  SOKEI_ASSIGN_OR_RETURN(auto v, Load(p, r.survey(), true));
  if (r.weighted()) SOKEI_RETURN_IF_ERROR(NeedsResponses(v, "weighting"));
  const Compiled& c = *v.compiled;
  SOKEI_ASSIGN_OR_RETURN(auto* w, WeightsFor(c, r.weighted(), "weighted"));
  // Published figures are public already: nothing of them is withheld.
  const bool disclose = !IsPlanner(p) && !FromPublished(v);
  std::vector<pb::CsItem> rows = CsItems(v, w, disclose);
  std::vector<stats::CsInput> inputs;
  if (rows.size() < 2) {
    return status::FailedPrecondition(
        "CS_NO_ITEMS", {"QUESTIONS", r.survey(),
                        "link importance and satisfaction questions of at least two 施策 to their "
                        "plan nodes (node_links with roles IMPORTANCE and SATISFACTION)"});
  }
  // The centre, the deviation scores and the ranks come from the published items only: with a
  // suppressed item in them, its mean would follow from the centre and the others.
  std::vector<size_t> analysed;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].suppressed()) continue;
    analysed.push_back(i);
    inputs.push_back({rows[i].importance(), rows[i].satisfaction()});
  }
  const auto result =
      inputs.empty() ? stats::CsResult{} : stats::AnalyseCs(inputs, r.deviation_scores(), *index);
  const auto& layout = v.survey.cs_layout();
  const std::string labels[4] = {layout.label_high_importance_low_satisfaction().empty()
                                     ? "重点改善"
                                     : layout.label_high_importance_low_satisfaction(),
                                 layout.label_high_importance_high_satisfaction().empty()
                                     ? "重点維持"
                                     : layout.label_high_importance_high_satisfaction(),
                                 layout.label_low_importance_low_satisfaction().empty()
                                     ? "改善"
                                     : layout.label_low_importance_low_satisfaction(),
                                 layout.label_low_importance_high_satisfaction().empty()
                                     ? "維持"
                                     : layout.label_low_importance_high_satisfaction()};
  const bool imp_x = layout.orientation() == pb::CS_AXIS_IMPORTANCE_X;
  for (size_t j = 0; j < analysed.size(); ++j) {
    const auto& o = result.items[j];
    pb::CsItem& row = rows[analysed[j]];
    row.set_importance_deviation(o.importance_deviation);
    row.set_satisfaction_deviation(o.satisfaction_deviation);
    row.set_x(imp_x ? o.dy : o.dx);
    row.set_y(imp_x ? o.dx : o.dy);
    row.set_quadrant(labels[o.quadrant]);
    row.set_priority(o.priority);
  }
  // Suppressed items last, in their listed order: their place would tell their priority.
  std::vector<size_t> rank(rows.size());
  for (size_t i = 0; i < rank.size(); ++i) rank[i] = i;
  std::stable_sort(rank.begin(), rank.end(), [&](size_t a, size_t b) {
    if (rows[a].suppressed() != rows[b].suppressed()) return !rows[a].suppressed();
    return !rows[a].suppressed() && rows[a].priority() > rows[b].priority();
  });
  pb::CsAnalysis out;
  out.set_name(r.survey() + "/analyses/cs");
  out.set_survey(r.survey());
  out.set_priority_index(index_name);
  out.set_deviation_scores(r.deviation_scores());
  out.set_weighted(r.weighted());
  out.set_importance_centre(result.importance_centre);
  out.set_satisfaction_centre(result.satisfaction_centre);
  out.set_orientation(imp_x ? pb::CS_AXIS_IMPORTANCE_X : pb::CS_AXIS_SATISFACTION_X);
  out.set_x_axis(imp_x ? "重要度" : "満足度");
  out.set_y_axis(imp_x ? "満足度" : "重要度");
  out.set_data_version(v.survey.data_version());
  for (size_t i = 0; i < rank.size(); ++i) {
    pb::CsItem& row = rows[rank[i]];
    row.set_rank(static_cast<int32_t>(i + 1));
    if (row.suppressed()) {  // a base below k: the item is listed, its figures are not
      const std::string node = row.node(), code = row.code(), display = row.display_name();
      row.Clear();
      row.set_node(node);
      row.set_code(code);
      row.set_display_name(display);
      row.set_suppressed(true);
    }
    *out.add_items() = std::move(row);
  }
  return out;
}

absl::StatusOr<pb::WaveComparison> SurveyDomain::CompareWaves(const Principal& p,
                                                              const pb::CompareWavesRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.question(), kQuestionPattern, "question"));
  SOKEI_ASSIGN_OR_RETURN(
      auto base_name, api::ParseName(r.baseline_question(), kQuestionPattern, "baseline_question"));
  if (base_name.municipality() != name.municipality()) {
    return status::InvalidField("WAVES_INVALID", "baseline_question",
                                "must be a question of the same municipality");
  }
  SOKEI_RETURN_IF_ERROR(CheckSurveyRead(p, name.municipality()));
  SOKEI_ASSIGN_OR_RETURN(auto now, Load(p, name.Prefix("surveys"), true));
  SOKEI_ASSIGN_OR_RETURN(auto then, Load(p, base_name.Prefix("surveys"), true));
  SOKEI_ASSIGN_OR_RETURN(const pb::Question* q1, FindQuestion(now, r.question()));
  SOKEI_ASSIGN_OR_RETURN(const pb::Question* q0, FindQuestion(then, r.baseline_question()));
  auto comparable = [](const pb::Question& q) { return IsChoice(q) || q.published().has_mean(); };
  if (!comparable(*q1) || !comparable(*q0)) {
    return status::InvalidField("WAVES_INVALID", "question", "only choice questions are compared");
  }
  const pb::KpiMeasure measure =
      r.measure() == pb::KPI_MEASURE_UNSPECIFIED ? pb::KPI_MEASURE_POSITIVE_SHARE : r.measure();
  if (r.weighted()) {
    SOKEI_RETURN_IF_ERROR(NeedsResponses(now, "weighting"));
    SOKEI_RETURN_IF_ERROR(NeedsResponses(then, "weighting"));
  }
  SOKEI_ASSIGN_OR_RETURN(auto* w1, WeightsFor(*now.compiled, r.weighted(), "weighted"));
  SOKEI_ASSIGN_OR_RETURN(auto* w0, WeightsFor(*then.compiled, r.weighted(), "weighted"));
  SOKEI_ASSIGN_OR_RETURN(auto m1,
                         MeasuredIn(now, *q1, w1, measure, r.option_code(), true, "option_code"));
  SOKEI_ASSIGN_OR_RETURN(auto m0,
                         MeasuredIn(then, *q0, w0, measure, r.option_code(), true, "option_code"));
  const int k = std::max(MinCellCount(now.survey), MinCellCount(then.survey));
  // Published figures are public already; a base below k is withheld only for the responses.
  const bool published = FromPublished(now) && FromPublished(then);
  if (!IsPlanner(p) && !published && (m1.n < k || m0.n < k)) {
    return status::FailedPrecondition(
        "WAVES_BASE_TOO_SMALL",
        {"DISCLOSURE", r.question(), "a base below the survey's minimum cell count"});
  }
  if (!IsPlanner(p) && !published &&
      (DistributionHidden(now, *q1) || DistributionHidden(then, *q0))) {
    return status::FailedPrecondition(
        "WAVES_CELL_SUPPRESSED",
        {"DISCLOSURE", r.question(),
         "an option of the question is suppressed in the published tables: its share or mean "
         "would give it back"});
  }
  pb::WaveComparison out;
  out.set_question(r.question());
  out.set_baseline_question(r.baseline_question());
  out.set_measure(measure);
  out.set_option_code(r.option_code());
  out.set_n(m1.n);
  out.set_baseline_n(m0.n);
  stats::WaveResult res;
  std::string unit;
  if (measure == pb::KPI_MEASURE_MEAN_SCORE) {
    res = stats::CompareMeans(m1.value, m1.se, m0.value, m0.se);
    out.set_value(m1.value);
    out.set_baseline_value(m0.value);
    out.set_margin_of_error(m1.moe);
    out.set_baseline_margin_of_error(m0.moe);
    unit = "点";
  } else {
    res = stats::CompareShares(m1.value, m1.n_eff, m0.value, m0.n_eff);
    out.set_value(Round1(m1.value * 100));
    out.set_baseline_value(Round1(m0.value * 100));
    out.set_margin_of_error(Round1(m1.moe));
    out.set_baseline_margin_of_error(Round1(m0.moe));
    unit = "ポイント";
  }
  out.set_change(measure == pb::KPI_MEASURE_MEAN_SCORE ? res.change : Round1(res.change));
  // Published means without their spread, or figures without n: the change is shown, whether it
  // is significant cannot be said.
  const bool known = m1.se_known && m0.se_known;
  out.set_significance_known(known);
  out.set_change_margin(known ? res.change_margin : 0);
  out.set_significant(known && res.significant);
  const double mag = std::abs(out.change());
  out.set_summary(absl::StrCat("前回より",
                               measure == pb::KPI_MEASURE_MEAN_SCORE ? absl::StrFormat("%.2f", mag)
                                                                     : absl::StrFormat("%.1f", mag),
                               unit,
                               out.change() > 0 ? "上昇" : (out.change() < 0 ? "低下" : "変化なし"),
                               !known ? "（公表値のみ: 有意差は判定できない）"
                               : res.significant ? "（統計的に有意）"
                                                 : "（誤差の範囲内）"));
  return out;
}

}  // namespace sokei::survey
