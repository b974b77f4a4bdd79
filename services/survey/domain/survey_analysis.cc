// Results computed from the compiled responses: per-question statistics, the helpers every
// result shares (disclosure, weights, the linked tables' protection), the weighting report and
// the survey-derived actuals sent to the KPI service on publication. Cross-tabs are in
// cross_tabs.cc, the CS analysis and wave comparison in survey_comparisons.cc.
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

namespace {

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

}  // namespace

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

kpi::v1::SurveyPerceptions SurveyDomain::Perceptions(const View& v) {
  kpi::v1::SurveyPerceptions out;
  out.set_survey(v.survey.name());
  out.set_survey_display_name(v.survey.display_name());
  out.set_fiscal_year(v.survey.fiscal_year());
  const Compiled& c = *v.compiled;
  const bool sampled = v.survey.sampling_frame() != pb::SAMPLING_FRAME_EVENT_BASED;
  const std::vector<double>* w = c.weighted ? &c.weights.weights : nullptr;
  std::map<std::string, kpi::v1::NodePerception*> by_node;
  for (const auto& q : v.questions) {
    for (int i = 0; i < q.node_links_size(); ++i) {
      const auto& l = q.node_links(i);
      if (l.role() != pb::LINK_ROLE_IMPORTANCE && l.role() != pb::LINK_ROLE_SATISFACTION) continue;
      const std::string field = absl::StrCat(q.name(), ".node_links[", i, "]");
      // A question without a scale has no mean or share to report: nothing to say of the 施策.
      auto mean = MeasuredIn(v, q, w, pb::KPI_MEASURE_MEAN_SCORE, "", sampled, field);
      auto share = MeasuredIn(v, q, w, pb::KPI_MEASURE_POSITIVE_SHARE, "", sampled, field);
      if (!mean.ok() || !share.ok()) continue;
      if (!FromPublished(v) && mean->n < MinCellCount(v.survey)) continue;
      kpi::v1::NodePerception*& node = by_node[l.node()];
      if (node == nullptr) {
        node = out.add_nodes();
        node->set_node(l.node());
      }
      if (node->measures_size() >= 4) continue;
      auto* m = node->add_measures();
      m->set_role(l.role() == pb::LINK_ROLE_IMPORTANCE ? kpi::v1::PERCEPTION_ROLE_IMPORTANCE
                                                       : kpi::v1::PERCEPTION_ROLE_SATISFACTION);
      m->set_question(q.name());
      m->set_number(q.number());
      m->set_n(mean->n);
      m->set_mean_score(std::round(mean->value * 100) / 100);
      m->set_mean_margin_of_error(std::round(mean->moe * 100) / 100);
      m->set_positive_percent(Round1(share->value * 100));
      m->set_positive_margin_of_error_points(Round1(share->moe));
      m->set_margin_known(sampled && mean->se_known && share->se_known);
      m->set_weighted(w != nullptr);
    }
  }
  return out;
}

}  // namespace sokei::survey
