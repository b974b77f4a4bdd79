// Validation of surveys and questions, and the checks every write shares (declared in
// survey_internal.h).
#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/api/audit_events.h"
#include "common/api/hash.h"
#include "common/api/idempotent_write.h"
#include "common/api/listing.h"
#include "common/api/names.h"
#include "common/jp/text.h"
#include "services/survey/domain/survey_domain.h"
#include "services/survey/domain/survey_internal.h"

namespace sokei::survey {

using api::ToTimestamp;
using google::protobuf::Message;

namespace {

bool ValidDate(const std::string& d) {
  absl::Time t;
  std::string err;
  return d.empty() || (d.size() == 10 && absl::ParseTime("%Y-%m-%d", d, &t, &err));
}

}  // namespace

absl::Status ValidateSurvey(pb::Survey* s) {
  api::Violations v;
  v.Text("survey.display_name", s->display_name(), 200, true);
  v.Text("survey.mode", s->mode(), 50, false);
  v.Text("survey.respondent_id_column", s->respondent_id_column(), 50, false);
  if (s->kind() == pb::SURVEY_KIND_UNSPECIFIED || !pb::SurveyKind_IsValid(s->kind())) {
    v.Add("survey.kind",
          "is required: CITIZEN_AWARENESS, MOVE_IN_OUT, STUDENTS, WEB_PANEL or OTHER");
  }
  if (s->fiscal_year() < 1900 || s->fiscal_year() > 2200) {
    v.Add("survey.fiscal_year", "a fiscal year between 1900 and 2200 (令和6年度 = 2024)");
  }
  if (!pb::SamplingFrame_IsValid(s->sampling_frame())) {
    v.Add("survey.sampling_frame", "is not a known sampling frame");
  }
  if (s->population_size() < 0) v.Add("survey.population_size", "must not be negative");
  if (s->sample_size() < 0) v.Add("survey.sample_size", "must not be negative");
  if (s->delivered() < 0) v.Add("survey.delivered", "must not be negative");
  if (!ValidDate(s->field_start())) v.Add("survey.field_start", "a date as YYYY-MM-DD");
  if (!ValidDate(s->field_end())) v.Add("survey.field_end", "a date as YYYY-MM-DD");
  if (s->status() == pb::SURVEY_STATUS_UNSPECIFIED) s->set_status(pb::SURVEY_STATUS_DESIGN);
  if (!pb::SurveyStatus_IsValid(s->status()) || s->status() == pb::SURVEY_STATUS_PUBLISHED) {
    v.Add("survey.status", "DESIGN, FIELDING or CLOSED; publishing is the Publish method");
  }
  if (s->attributes_size() > 20) v.Add("survey.attributes", "at most 20 attributes");
  std::map<std::string, const pb::Attribute*> attrs;
  for (int i = 0; i < s->attributes_size(); ++i) {
    const auto& a = s->attributes(i);
    const std::string f = absl::StrCat("survey.attributes[", i, "]");
    if (!api::IsValidId(a.id())) v.Add(f + ".id", "an id of [a-z0-9-], such as age-band");
    if (!attrs.emplace(a.id(), &a).second) v.Add(f + ".id", "appears twice");
    v.Text(f + ".display_name", a.display_name(), 50, true);
    if (a.categories_size() == 0 || a.categories_size() > stats::kMaxChoiceOptions) {
      v.Add(f + ".categories", "between 1 and 254 categories");
    }
    std::set<std::string> codes;
    for (int c = 0; c < a.categories_size(); ++c) {
      const std::string cf = absl::StrCat(f, ".categories[", c, "]");
      v.Text(cf + ".code", a.categories(c).code(), 20, true);
      v.Text(cf + ".label", a.categories(c).label(), 100, false);
      if (!codes.insert(jp::Nfkc(a.categories(c).code())).second)
        v.Add(cf + ".code", "appears twice");
    }
  }
  for (int i = 0; i < s->tabulation_dimensions_size(); ++i) {
    const auto& d = s->tabulation_dimensions(i);
    const std::string f = absl::StrCat("survey.tabulation_dimensions[", i, "].attributes");
    if (d.attributes_size() < 1 || d.attributes_size() > 2) v.Add(f, "one or two attributes");
    std::set<std::string> seen;
    for (const auto& a : d.attributes()) {
      if (!attrs.count(a)) v.Add(f, "names an attribute the survey does not declare");
      if (!seen.insert(a).second) v.Add(f, "names an attribute twice");
    }
  }
  const auto& k = s->disclosure();
  if (k.min_cell_count() != 0 && k.min_cell_count() < 3) {
    v.Add("survey.disclosure.min_cell_count", "must be at least 3 (default 10)");
  }
  if (k.small_row_limit() < 0) v.Add("survey.disclosure.small_row_limit", "must not be negative");
  const auto& w = s->weighting();
  if (!pb::WeightingMethod_IsValid(w.method())) v.Add("survey.weighting.method", "unknown method");
  if (w.method() == pb::WEIGHTING_METHOD_POST_STRATIFICATION ||
      w.method() == pb::WEIGHTING_METHOD_RAKING) {
    if (w.attributes().empty())
      v.Add("survey.weighting.attributes", "name the weighting attributes");
    for (const auto& a : w.attributes()) {
      if (!attrs.count(a)) {
        v.Add("survey.weighting.attributes", "names an attribute the survey does not declare");
      }
    }
    if (w.trim_min() < 0 || w.trim_max() < 0 || (w.trim_max() > 0 && w.trim_max() < w.trim_min())) {
      v.Add("survey.weighting.trim_max", "bounds must satisfy 0 ≤ trim_min ≤ trim_max");
    }
  }
  if (v.empty()) {
    auto in = WeightingInputOf(*s);
    if (!in.ok()) return in.status();
  }
  return v.ToStatus("SURVEY_INVALID");
}

absl::Status ValidateQuestion(pb::Question* q, const std::string& municipality,
                              const std::string& prefix) {
  api::Violations v;
  v.Text(prefix + "number", q->number(), 30, true);
  v.Text(prefix + "text", q->text(), 1000, true);
  v.Text(prefix + "column", q->column(), 50, false);
  if (q->type() == pb::QUESTION_TYPE_UNSPECIFIED || !pb::QuestionType_IsValid(q->type())) {
    v.Add(prefix + "type", "is required: SINGLE, MULTIPLE, LIKERT, NUMERIC or FREE_TEXT");
  }
  const bool choice = q->type() == pb::QUESTION_TYPE_SINGLE ||
                      q->type() == pb::QUESTION_TYPE_MULTIPLE ||
                      q->type() == pb::QUESTION_TYPE_LIKERT;
  const int limit = q->type() == pb::QUESTION_TYPE_MULTIPLE ? stats::kMaxMultipleOptions
                                                            : stats::kMaxChoiceOptions;
  if (choice && (q->options().empty() || q->options_size() > limit)) {
    v.Add(prefix + "options", absl::StrCat("between 1 and ", limit, " options"));
  }
  if (!choice && !q->options().empty())
    v.Add(prefix + "options", "only choice questions have options");
  if (q->max_choices() < 0) v.Add(prefix + "max_choices", "must not be negative");
  std::set<std::string> codes;
  bool scored = false;
  for (int i = 0; i < q->options_size(); ++i) {
    auto* o = q->mutable_options(i);
    const std::string f = absl::StrCat(prefix, "options[", i, "]");
    v.Text(f + ".code", o->code(), 20, true);
    v.Text(f + ".label", o->label(), 200, false);
    if (!codes.insert(jp::Nfkc(o->code())).second) v.Add(f + ".code", "appears twice");
    if (!pb::Polarity_IsValid(o->polarity())) v.Add(f + ".polarity", "unknown polarity");
    if (o->polarity() == pb::POLARITY_EXCLUDED && o->scored()) {
      v.Add(f + ".scored", "excluded options (わからない, 無回答) have no score");
    }
    if (!std::isfinite(o->score())) v.Add(f + ".score", "must be a finite number");
    scored |= o->scored();
  }
  if (q->type() == pb::QUESTION_TYPE_LIKERT && !scored) {
    v.Add(prefix + "options", "a Likert scale needs scores (満足 +2 … 不満 −2, or 4 … 1)");
  }
  for (int i = 0; i < q->node_links_size(); ++i) {
    const auto& l = q->node_links(i);
    const std::string f = absl::StrCat(prefix, "node_links[", i, "]");
    auto n = api::ParseName(l.node(), "municipalities/*/plans/*/nodes/*", "");
    if (!n.ok() || n->municipality() != municipality) {
      v.Add(f + ".node", "a node of this municipality: municipalities/{m}/plans/{p}/nodes/{n}");
    }
    if (l.role() == pb::LINK_ROLE_UNSPECIFIED || !pb::LinkRole_IsValid(l.role())) {
      v.Add(f + ".role", "IMPORTANCE, SATISFACTION or RELATED");
    }
    if ((l.role() == pb::LINK_ROLE_IMPORTANCE || l.role() == pb::LINK_ROLE_SATISFACTION) &&
        !scored && !q->published().has_mean()) {
      v.Add(f + ".role", "importance and satisfaction need a scored scale");
    }
    v.Text(f + ".display_name", l.display_name(), 100, false);
    v.Text(f + ".code", l.code(), 20, false);
  }
  for (int i = 0; i < q->kpi_links_size(); ++i) {
    const auto& l = q->kpi_links(i);
    const std::string f = absl::StrCat(prefix, "kpi_links[", i, "]");
    auto n = api::ParseName(l.indicator(), "municipalities/*/indicators/*", "");
    if (!n.ok() || n->municipality() != municipality) {
      v.Add(f + ".indicator",
            "an indicator of this municipality: municipalities/{m}/indicators/{i}");
    }
    if (l.measure() == pb::KPI_MEASURE_UNSPECIFIED || !pb::KpiMeasure_IsValid(l.measure())) {
      v.Add(f + ".measure", "POSITIVE_SHARE, MEAN_SCORE or OPTION_SHARE");
    }
    // A published mean (a survey of the city's printed results) is a measure too.
    const bool published_mean = q->published().has_mean();
    if (!choice && !published_mean) {
      v.Add(f + ".measure", "only choice questions give survey-derived actuals");
    }
    if (l.measure() == pb::KPI_MEASURE_OPTION_SHARE && !codes.count(jp::Nfkc(l.option_code()))) {
      v.Add(f + ".option_code", "must be one of the question's option codes");
    }
    if (l.measure() == pb::KPI_MEASURE_MEAN_SCORE && !scored && !published_mean) {
      v.Add(f + ".measure", "a mean needs a scored scale");
    }
  }
  return v.ToStatus("QUESTION_INVALID");
}

absl::StatusOr<pb::Survey> LoadSurvey(SurveyTx& tx, const std::string& name) {
  return LoadOrNotFound<pb::Survey>(tx, Kind::kSurvey, name, "SURVEY_NOT_FOUND");
}

absl::Status CheckNotPublished(const pb::Survey& s) {
  if (s.status() == pb::SURVEY_STATUS_PUBLISHED) {
    return status::FailedPrecondition(
        "SURVEY_PUBLISHED", {"STATUS", s.name(), "the survey is published: its data are frozen"});
  }
  return absl::OkStatus();
}

bool Touches(const google::protobuf::FieldMask& mask, const std::set<std::string>& paths) {
  for (const auto& p : mask.paths()) {
    if (paths.count(p)) return true;
  }
  return false;
}

}  // namespace sokei::survey
