// Results computed from the compiled responses: per-question statistics, cross-tabs (with
// disclosure control), CS analysis, wave comparison, the weighting report and the
// survey-derived actuals sent to the KPI service on publication.
#include <algorithm>
#include <cmath>
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

bool FromPublished(const SurveyDomain::View& v) {
  return v.survey.source() == pb::SURVEY_SOURCE_PUBLISHED_RESULTS;
}

// What a published-results survey cannot give: anything finer than what the city printed.
absl::Status NeedsResponses(const SurveyDomain::View& v, const char* what) {
  if (!FromPublished(v)) return absl::OkStatus();
  return status::FailedPrecondition(
      "SURVEY_PUBLISHED_RESULTS_ONLY",
      {"SOURCE", v.survey.name(),
       absl::StrCat("the survey holds the city's published results only: ", what,
                    " needs the responses")});
}

// The question's distribution: the printed figures, or the responses.
stats::Distribution DistributionOf(const SurveyDomain::View& v, const pb::Question& q,
                                   const std::vector<double>* w) {
  if (FromPublished(v)) return PublishedDistribution(q);
  const Compiled& c = *v.compiled;
  return stats::Distribute(c.data.columns[c.column_of.at(IdOf(q.name()))], w);
}

// Who sees what: public callers and editors/viewers see the published (suppressed) view;
// planners and admins see the full aggregates unless they ask for the published view.
absl::StatusOr<bool> ApplyDisclosure(const Principal& p, pb::Disclosure requested) {
  if (requested == pb::DISCLOSURE_FULL && !IsPlanner(p)) {
    return status::PermissionDenied("PERMISSION_DENIED",
                                    "only planners and admins see unsuppressed aggregates");
  }
  if (requested == pb::DISCLOSURE_PUBLISHED) return true;
  return !IsPlanner(p);
}

absl::StatusOr<const std::vector<double>*> WeightsFor(const Compiled& c, bool weighted,
                                                      const char* field) {
  if (!weighted) return nullptr;
  if (!c.weighted) {
    return status::InvalidField("SURVEY_NOT_WEIGHTED", field,
                                "the survey has no weighting: set survey.weighting first");
  }
  return &c.weights.weights;
}

bool IsChoice(const pb::Question& q) {
  return q.type() == pb::QUESTION_TYPE_SINGLE || q.type() == pb::QUESTION_TYPE_LIKERT ||
         q.type() == pb::QUESTION_TYPE_MULTIPLE;
}

absl::StatusOr<const pb::Question*> FindQuestion(const SurveyDomain::View& v,
                                                 const std::string& name) {
  const pb::Question* q = v.Find(name);
  if (!q) return status::NotFound("QUESTION_NOT_FOUND", name);
  return q;
}

double Round1(double x) { return std::round(x * 10) / 10; }

// The attribute indexes of the dimensions asked for, which must be one of the survey's declared
// tabulation dimension sets (in any order); `declared` is that set's position.
absl::StatusOr<std::vector<int>> DeclaredDimensions(
    const pb::Survey& survey, const google::protobuf::RepeatedPtrField<std::string>& dimensions,
    int* declared) {
  const std::set<std::string> asked(dimensions.begin(), dimensions.end());
  *declared = -1;
  if (!asked.empty() && asked.size() == static_cast<size_t>(dimensions.size())) {
    for (int i = 0; i < survey.tabulation_dimensions_size() && *declared < 0; ++i) {
      const auto& set = survey.tabulation_dimensions(i);
      if (std::set<std::string>(set.attributes().begin(), set.attributes().end()) == asked) {
        *declared = i;
      }
    }
  }
  if (*declared < 0) {
    return status::InvalidField("CROSSTAB_UNDECLARED_DIMENSIONS", "dimensions",
                                "not one of the survey's declared tabulation dimension sets");
  }
  std::vector<int> attrs;
  for (const auto& d : dimensions) {
    for (int a = 0; a < survey.attributes_size(); ++a) {
      if (survey.attributes(a).id() == d) attrs.push_back(a);
    }
  }
  return attrs;
}

// The attribute indexes of the survey's declared dimension sets, in declared order.
std::vector<std::vector<int>> DimensionSets(const pb::Survey& survey) {
  std::vector<std::vector<int>> sets;
  for (const auto& set : survey.tabulation_dimensions()) {
    std::vector<int>& attrs = sets.emplace_back();
    for (const auto& id : set.attributes()) {
      for (int a = 0; a < survey.attributes_size(); ++a) {
        if (survey.attributes(a).id() == id) attrs.push_back(a);
      }
    }
  }
  return sets;
}

// The question's tables published together — its distribution (table 0), then one cross-tab per
// declared dimension set in declared order — protected jointly (linked_tables.h), once per
// compiled data and rules.
std::shared_ptr<const stats::FamilyProtection> FamilyFor(const pb::Survey& survey,
                                                         const Compiled& c, int column) {
  const int k = MinCellCount(survey), limit = SmallRowLimit(survey);
  std::lock_guard<std::mutex> lock(c.families_mu);
  auto& slot = c.families[{column, k, limit}];
  if (!slot) {
    std::vector<std::vector<int>> sets = DimensionSets(survey);
    sets.insert(sets.begin(), std::vector<int>{});
    slot = std::make_shared<const stats::FamilyProtection>(
        stats::ProtectFamily(c.data, c.data.columns[column], sets, {k, limit}));
  }
  return slot;
}

// Whether the question's distribution has a cell hidden in the published view: its mean and
// shares would then give the cell back (a sum of the options with one unknown). The family's
// audit never hides a distribution cell for a cross-tab's sake, so this is the distribution's own
// suppression — cheap, where the CS analysis asks it of every question at once.
bool DistributionHidden(const SurveyDomain::View& v, const pb::Question& q) {
  if (FromPublished(v) || !v.compiled || !IsChoice(q)) return false;
  const Compiled& c = *v.compiled;
  const auto it = c.column_of.find(IdOf(q.name()));
  if (it == c.column_of.end()) return false;
  auto table =
      stats::MakeTable(stats::CrossTabulate(c.data, c.data.columns[it->second], {}, nullptr));
  stats::Suppress(table, {MinCellCount(v.survey), SmallRowLimit(v.survey)});
  return table.HiddenCount() > 0;
}

const char* HiddenReason(stats::Hidden h) {
  switch (h) {
    case stats::Hidden::kSmallCell:
      return "SMALL_CELL";
    case stats::Hidden::kDominance:
      return "DOMINANCE";
    case stats::Hidden::kComplementary:
      return "COMPLEMENTARY";
    default:
      return "";
  }
}

// Fills a cell; `row_total_hidden` withholds percentages that would reveal the row's base. With
// `disclose` a hidden cell shows "*" (and counts in `out`); without, it says what publication
// would hide.
void FillCell(pb::CrossTabCell* cell, int64_t n, double weighted, double weighted_base,
              stats::Hidden h, bool row_total_hidden, bool disclose, pb::CrossTab* out) {
  const double share = weighted_base > 0 ? weighted / weighted_base : 0;
  cell->set_count(n);
  cell->set_weighted(weighted);
  cell->set_percent(Round1(share * 100));
  cell->set_display(PercentText(share, n));
  if (h != stats::Hidden::kNo) {
    if (disclose) {
      cell->set_suppressed(true);
      cell->clear_count();
      cell->clear_weighted();
      cell->clear_percent();
      cell->set_display("*");
      out->set_suppressed_cells(out->suppressed_cells() + 1);
    } else {
      cell->set_reason(HiddenReason(h));
    }
  } else if (disclose && row_total_hidden) {
    cell->clear_percent();
    cell->set_display(n == 0 ? "-" : absl::StrCat(n));
  }
}

}  // namespace

absl::StatusOr<pb::QuestionStats> SurveyDomain::GetQuestionStats(
    const Principal& p, const pb::GetQuestionStatsRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.question(), kQuestionPattern, "question"));
  SOKEI_RETURN_IF_ERROR(CheckSurveyRead(p, name.municipality()));
  SOKEI_ASSIGN_OR_RETURN(bool disclose, ApplyDisclosure(p, r.disclosure()));
  SOKEI_ASSIGN_OR_RETURN(auto v, Load(p, name.Prefix("surveys"), true));
  SOKEI_ASSIGN_OR_RETURN(const pb::Question* q, FindQuestion(v, r.question()));
  if (FromPublished(v)) {
    if (r.weighted()) SOKEI_RETURN_IF_ERROR(NeedsResponses(v, "weighting"));
    return PublishedQuestionStats(v.survey, *q);
  }
  const Compiled& c = *v.compiled;
  SOKEI_ASSIGN_OR_RETURN(auto* w, WeightsFor(c, r.weighted(), "weighted"));
  const stats::Column& col = c.data.columns[c.column_of.at(IdOf(q->name()))];
  pb::QuestionStats out;
  out.set_question(q->name());
  out.set_number(q->number());
  out.set_text(q->text());
  out.set_weighted(r.weighted());
  out.set_respondents(static_cast<int64_t>(c.data.n));
  out.set_min_cell_count(MinCellCount(v.survey));
  out.set_data_version(v.survey.data_version());
  if (q->type() == pb::QUESTION_TYPE_NUMERIC) {
    auto s = stats::SummarizeNumbers(col, w);
    out.set_answered(s.n);
    out.set_base(s.n);
    if (!(disclose && s.n > 0 && s.n < MinCellCount(v.survey))) {
      out.set_numeric_mean(s.mean);
      out.set_numeric_median(s.median);
      // Extremes single out one respondent: published only in the full view.
      if (!disclose) {
        out.set_numeric_min(s.min);
        out.set_numeric_max(s.max);
      }
    }
    return out;
  }
  if (!IsChoice(*q)) {
    return status::InvalidField("QUESTION_NOT_TABULATED", "question",
                                "free-text answers have no statistics; use the raw export");
  }
  stats::Distribution d = stats::Distribute(col, w);
  out.set_answered(disclose ? 0 : d.answered);  // with the base, it would reveal the excluded
  out.set_base(d.base);
  out.set_weighted_base(d.weighted_base);
  out.set_effective_base(d.effective_base());
  // Disclosure: the in-base options as the first table of the question's family (its total is the
  // base; for multiple choice the respondents, not the sum), protected with its cross-tabs.
  const auto family = FamilyFor(v.survey, c, c.column_of.at(IdOf(q->name())));
  const stats::ProtectedTable& table = family->tables.front();
  bool any_hidden = false;
  int base_col = 0;
  for (int o = 0; o < q->options_size(); ++o) {
    const auto& meta = col.options[o];
    auto* os = out.add_options();
    os->set_code(q->options(o).code());
    os->set_label(q->options(o).label());
    os->set_in_base(meta.in_base());
    os->set_count(d.counts[o]);
    os->set_weighted(d.weighted[o]);
    os->set_percent(Round1(d.Share(o, col.options) * 100));
    os->set_display(PercentText(d.Share(o, col.options), d.counts[o]));
    bool hide = false;
    if (meta.in_base()) {
      hide = table.hidden_at(0, base_col) != stats::Hidden::kNo ||
             table.hidden_at(1, base_col) != stats::Hidden::kNo;
      ++base_col;
      any_hidden |= hide;
    } else {
      // Options outside the base need no partners: with `answered` withheld, they add up to
      // respondents − base together with the blank answers, whose number is never published.
      hide = d.counts[o] >= 1 && d.counts[o] < MinCellCount(v.survey);
    }
    if (disclose && hide) {
      os->set_suppressed(true);
      os->clear_count();
      os->clear_weighted();
      os->clear_percent();
      os->set_display("*");
      out.set_suppressed_cells(out.suppressed_cells() + 1);
    }
  }
  if (disclose && (table.hidden_at(0, table.cols) != stats::Hidden::kNo ||
                   table.hidden_at(1, table.cols) != stats::Hidden::kNo)) {
    // A base below k: nothing about this question is published.
    out.clear_options();
    out.clear_base();
    out.clear_weighted_base();
    out.clear_effective_base();
    out.set_suppressed_cells(1);
    return out;
  }
  const bool sampled = v.survey.sampling_frame() != pb::SAMPLING_FRAME_EVENT_BASED;
  out.set_has_margin_of_error(sampled);
  if (sampled) {
    // At p = 50% the margin depends on the base alone: published whatever is hidden.
    out.set_margin_of_error_max_points(Round1(
        stats::MarginOfErrorPoints(0.5, d.effective_base(), d.base, v.survey.population_size())));
  }
  if (disclose && any_hidden) {
    // The mean, the positive and negative shares (and the margin of the positive share) are sums
    // of the options: with a hidden option they would give it back.
    out.set_summaries_withheld(true);
    return out;
  }
  out.set_has_mean(d.has_mean);
  if (d.has_mean) out.set_mean_score(std::round(d.mean * 100) / 100);
  out.set_positive_percent(Round1(d.positive * 100));
  out.set_negative_percent(Round1(d.negative * 100));
  out.set_net_score(Round1((d.positive - d.negative) * 100));
  if (sampled) {
    out.set_margin_of_error_points(Round1(stats::MarginOfErrorPoints(
        d.positive, d.effective_base(), d.base, v.survey.population_size())));
  }
  return out;
}

absl::StatusOr<pb::CrossTab> SurveyDomain::GetCrossTab(const Principal& p,
                                                       const pb::GetCrossTabRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.question(), kQuestionPattern, "question"));
  SOKEI_RETURN_IF_ERROR(CheckSurveyRead(p, name.municipality()));
  SOKEI_ASSIGN_OR_RETURN(bool disclose, ApplyDisclosure(p, r.disclosure()));
  SOKEI_ASSIGN_OR_RETURN(auto v, Load(p, name.Prefix("surveys"), true));
  SOKEI_ASSIGN_OR_RETURN(const pb::Question* q, FindQuestion(v, r.question()));
  SOKEI_RETURN_IF_ERROR(NeedsResponses(v, "a cross-tab"));
  if (!IsChoice(*q)) {
    return status::InvalidField("QUESTION_NOT_TABULATED", "question",
                                "only choice questions are cross-tabulated");
  }
  int declared = -1;
  SOKEI_ASSIGN_OR_RETURN(const std::vector<int> attrs,
                         DeclaredDimensions(v.survey, r.dimensions(), &declared));
  const Compiled& c = *v.compiled;
  SOKEI_ASSIGN_OR_RETURN(auto* w, WeightsFor(c, r.weighted(), "weighted"));
  const int column = c.column_of.at(IdOf(q->name()));
  const stats::Column& col = c.data.columns[column];
  auto counts = stats::CrossTabulate(c.data, col, attrs, w);
  // The pattern is the family's (the declared set's table, its rows in declared order): the same
  // cells are hidden whatever the order asked, weighted or not.
  const auto family = FamilyFor(v.survey, c, column);
  const stats::ProtectedTable& table = family->tables[declared + 1];
  const stats::CrossTabCounts& joint = family->counts[declared + 1];
  const std::vector<int> declared_attrs = DimensionSets(v.survey)[declared];
  std::map<std::vector<int>, int> joint_row;
  for (int jr = 0; jr < joint.rows; ++jr) joint_row[joint.row_keys[jr]] = jr;
  auto hidden_at = [&](int row, int col_index) {
    if (row == counts.rows) return table.hidden_at(table.rows, col_index);
    std::vector<int> key;
    for (int a : declared_attrs) {
      const size_t i = std::find(attrs.begin(), attrs.end(), a) - attrs.begin();
      key.push_back(counts.row_keys[row][i]);
    }
    return table.hidden_at(joint_row.at(key), col_index);
  };

  pb::CrossTab out;
  out.set_question(q->name());
  for (const auto& d : r.dimensions()) out.add_dimensions(d);
  out.set_weighted(r.weighted());
  out.set_min_cell_count(MinCellCount(v.survey));
  out.set_disclosure_applied(disclose);
  out.set_data_version(v.survey.data_version());
  std::vector<int> base_options;
  for (int o = 0; o < q->options_size(); ++o) {
    if (col.options[o].in_base()) {
      base_options.push_back(o);
      out.add_option_codes(q->options(o).code());
      out.add_option_labels(q->options(o).label());
    }
  }
  auto fill = [&](pb::CrossTabCell* cell, int64_t n, double weighted, double weighted_base,
                  stats::Hidden h, bool row_total_hidden) {
    FillCell(cell, n, weighted, weighted_base, h, row_total_hidden, disclose, &out);
  };
  std::vector<double> col_weighted(counts.cols, 0);
  double grand_weighted = 0;
  for (int row = 0; row < counts.rows; ++row) {
    auto* out_row = out.add_rows();
    for (size_t a = 0; a < attrs.size(); ++a) {
      const auto& cat = v.survey.attributes(attrs[a]).categories(counts.row_keys[row][a]);
      out_row->add_codes(cat.code());
      out_row->add_categories(cat.label().empty() ? cat.code() : cat.label());
    }
    const bool total_hidden = hidden_at(row, counts.cols) != stats::Hidden::kNo;
    const double wbase = counts.weighted_row_totals[row];
    for (int j = 0; j < counts.cols; ++j) {
      const double wv = counts.weighted[static_cast<size_t>(row) * counts.cols + j];
      col_weighted[j] += wv;
      fill(out_row->add_cells(), counts.at(row, j), wv, wbase, hidden_at(row, j), total_hidden);
    }
    grand_weighted += wbase;
    fill(out_row->mutable_total(), counts.row_totals[row], wbase, wbase,
         hidden_at(row, counts.cols), false);
    if (!out_row->total().suppressed())
      out_row->mutable_total()->set_display(absl::StrCat(counts.row_totals[row]));
  }
  auto* totals = out.mutable_column_totals();
  totals->add_categories("全体");
  const bool grand_hidden = table.hidden_at(counts.rows, counts.cols) != stats::Hidden::kNo;
  for (int j = 0; j < counts.cols; ++j) {
    fill(totals->add_cells(), table.at(counts.rows, j), col_weighted[j], grand_weighted,
         table.hidden_at(counts.rows, j), grand_hidden);
  }
  fill(totals->mutable_total(), table.at(counts.rows, counts.cols), grand_weighted, grand_weighted,
       table.hidden_at(counts.rows, counts.cols), false);
  if (!totals->total().suppressed()) {
    totals->mutable_total()->set_display(absl::StrCat(table.at(counts.rows, counts.cols)));
  }
  return out;
}

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
  std::vector<stats::CsInput> inputs;
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

namespace {

struct Measure {
  double value = 0;  // share 0…1 or mean
  double n_eff = 0;
  int64_t n = 0;
  double se = 0;         // means only
  bool se_known = true;  // false: published means without their spread
  double moe = 0;        // points (shares) or score units (means)
};

// `d` is the question's distribution; `mean_se` the mean's standard error where it is known.
absl::StatusOr<Measure> Measured(const pb::Question& q, const stats::Distribution& d,
                                 const std::vector<stats::OptionMeta>& options,
                                 std::optional<double> mean_se, pb::KpiMeasure measure,
                                 const std::string& option_code, int64_t population, bool sampled,
                                 const std::string& field) {
  Measure m;
  m.n = d.base;
  m.n_eff = d.effective_base();
  switch (measure) {
    case pb::KPI_MEASURE_POSITIVE_SHARE:
      m.value = d.positive;
      break;
    case pb::KPI_MEASURE_OPTION_SHARE: {
      int found = -1;
      for (int o = 0; o < q.options_size(); ++o) {
        if (jp::Nfkc(q.options(o).code()) == jp::Nfkc(option_code)) found = o;
      }
      if (found < 0) {
        return status::InvalidField("QUESTION_INVALID", field, "is not an option of the question");
      }
      m.value = d.Share(found, options);
      break;
    }
    case pb::KPI_MEASURE_MEAN_SCORE:
      if (!d.has_mean) {
        return status::InvalidField("QUESTION_INVALID", field,
                                    "the question has no scored answers");
      }
      m.value = d.mean;
      m.se_known = mean_se.has_value();
      m.se = mean_se.value_or(0);
      m.moe = sampled ? 1.96 * m.se : 0;
      return m;
    default:
      return status::InvalidField("QUESTION_INVALID", field,
                                  "POSITIVE_SHARE, OPTION_SHARE or MEAN_SCORE");
  }
  m.se_known = m.n_eff > 0;
  m.moe =
      sampled && m.n_eff > 0 ? stats::MarginOfErrorPoints(m.value, m.n_eff, m.n, population) : 0;
  return m;
}

// The question's measure from the view: the printed figures, or the responses.
absl::StatusOr<Measure> MeasuredIn(const SurveyDomain::View& v, const pb::Question& q,
                                   const std::vector<double>* w, pb::KpiMeasure measure,
                                   const std::string& option_code, bool sampled,
                                   const std::string& field) {
  if (FromPublished(v)) {
    return Measured(q, PublishedDistribution(q), OptionMetaOf(q), PublishedMeanStandardError(q),
                    measure, option_code, v.survey.population_size(), sampled, field);
  }
  const Compiled& c = *v.compiled;
  const stats::Column& col = c.data.columns[c.column_of.at(IdOf(q.name()))];
  return Measured(q, stats::Distribute(col, w), col.options, stats::MeanStandardError(col, w),
                  measure, option_code, v.survey.population_size(), sampled, field);
}

}  // namespace

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

absl::StatusOr<pb::WeightingReport> SurveyDomain::GetWeightingReport(
    const Principal& p, const pb::GetWeightingReportRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.survey(), kSurveyPattern, "survey"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, name.municipality()));
  SOKEI_ASSIGN_OR_RETURN(auto v, Load(p, r.survey(), true));
  SOKEI_RETURN_IF_ERROR(NeedsResponses(v, "the weighting report"));
  const auto& wr = v.compiled->weights;
  pb::WeightingReport out;
  out.set_survey(r.survey());
  out.set_method(v.survey.weighting().method() == pb::WEIGHTING_METHOD_UNSPECIFIED
                     ? pb::WEIGHTING_METHOD_NONE
                     : v.survey.weighting().method());
  out.set_iterations(wr.iterations);
  out.set_converged(wr.converged);
  out.set_max_margin_gap(wr.max_margin_gap);
  out.set_trimmed(wr.trimmed);
  out.set_min_weight(wr.min_weight);
  out.set_max_weight(wr.max_weight);
  out.set_design_effect(wr.design_effect);
  out.set_effective_base(wr.effective_base);
  out.set_unweighted_base(static_cast<int64_t>(v.compiled->data.n));
  out.set_unweightable(wr.unweightable);
  const std::vector<int>& attrs = v.compiled->weighting_attributes;
  for (const auto& cell : wr.cells) {
    auto* c = out.add_cells();
    for (size_t a = 0; a < cell.categories.size() && a < attrs.size(); ++a) {
      c->add_categories(v.survey.attributes(attrs[a]).categories(cell.categories[a]).code());
    }
    c->set_population_share(cell.population_share);
    c->set_sample_share(cell.sample_share);
    c->set_sample_count(cell.sample_count);
    c->set_weight(cell.weight);
  }
  for (const auto& w : wr.warnings) out.add_warnings(w);
  return out;
}

absl::StatusOr<std::vector<pb::RecordedActual>> SurveyDomain::Actuals(
    const View& v, kpi::v1::RecordObservationsRequest* req) {
  std::vector<pb::RecordedActual> out;
  const Compiled& c = *v.compiled;
  const bool sampled = v.survey.sampling_frame() != pb::SAMPLING_FRAME_EVENT_BASED;
  for (const auto& q : v.questions) {
    for (int i = 0; i < q.kpi_links_size(); ++i) {
      const auto& link = q.kpi_links(i);
      const std::string field = absl::StrCat(q.name(), ".kpi_links[", i, "]");
      if (link.weighted() && !c.weighted) {
        return status::FailedPrecondition(
            "SURVEY_NOT_WEIGHTED",
            {"WEIGHTING", q.name(),
             "a KPI link asks for the weighted value; set the survey's weighting"});
      }
      const std::vector<double>* w = link.weighted() ? &c.weights.weights : nullptr;
      SOKEI_ASSIGN_OR_RETURN(
          auto m, MeasuredIn(v, q, w, link.measure(), link.option_code(), sampled, field));
      if (m.n == 0 && !FromPublished(v)) continue;  // nobody answered: nothing to record
      pb::RecordedActual a;
      a.set_indicator(link.indicator());
      a.set_question(q.name());
      a.set_fiscal_year(v.survey.fiscal_year());
      a.set_n(m.n);
      const bool mean = link.measure() == pb::KPI_MEASURE_MEAN_SCORE;
      a.set_value(mean ? absl::StrFormat("%.2f", m.value) : absl::StrFormat("%.1f", m.value * 100));
      a.set_unit(mean ? "点" : "%");
      a.set_margin_of_error(mean ? std::round(m.moe * 100) / 100 : Round1(m.moe));
      std::string note = m.n > 0 ? absl::StrCat("n=", m.n) : "n 不明";
      if (FromPublished(v)) absl::StrAppend(&note, "、公表値");
      if (sampled && m.se_known) {
        absl::StrAppend(&note, "、標本誤差±",
                        mean ? absl::StrFormat("%.2f点", a.margin_of_error())
                             : absl::StrFormat("%.1fポイント", a.margin_of_error()),
                        "（95%）");
      }
      absl::StrAppend(&note, "、", v.survey.display_name(), " ", q.number(),
                      link.weighted() ? "（ウェイト付き）" : "");
      a.set_note(note);
      auto* obs = req->add_observations();
      obs->set_indicator(link.indicator());
      obs->set_fiscal_year(v.survey.fiscal_year());
      auto* value = obs->mutable_value();
      value->set_raw(a.value() + a.unit());
      value->set_value(a.value());
      value->set_unit(a.unit());
      value->set_note(note);
      value->set_understood(type::v1::UNDERSTANDING_FULL);
      obs->set_source(v.survey.name());
      out.push_back(std::move(a));
    }
  }
  return out;
}

}  // namespace sokei::survey
