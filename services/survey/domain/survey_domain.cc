#include "services/survey/domain/survey_domain.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/api/audit_events.h"
#include "common/api/hash.h"
#include "common/api/idempotent_write.h"
#include "common/api/listing.h"
#include "common/api/names.h"
#include "common/jp/text.h"
#include "services/survey/domain/survey_internal.h"

namespace sokei::survey {

using api::ToTimestamp;
using google::protobuf::Message;

// ---------------------------------------------------------------------------------------------
// Shared helpers

bool IsPlanner(const Principal& p) {
  return p.Has(auth::Role::kAdmin) || p.Has(auth::Role::kPlanner);
}

absl::Status CheckSurveyRead(const Principal& p, const std::string& municipality) {
  return auth::CheckRead(p, municipality);
}

absl::Status CheckEtag(const std::string& given, const std::string& stored, const char* reason,
                       const std::string& name) {
  if (!given.empty() && given != stored) return status::EtagMismatch(reason, name);
  return absl::OkStatus();
}

std::string IdOf(const std::string& name) { return name.substr(name.rfind('/') + 1); }

std::string ColumnKey(const pb::Question& q) {
  return jp::Nfkc(q.column().empty() ? q.number() : q.column());
}

int MinCellCount(const pb::Survey& s) {
  return s.disclosure().min_cell_count() > 0 ? s.disclosure().min_cell_count() : 10;
}

int SmallRowLimit(const pb::Survey& s) {
  return s.disclosure().small_row_limit() > 0 ? s.disclosure().small_row_limit()
                                              : 5 * MinCellCount(s);
}

std::string PercentText(double share, int64_t count) {
  if (count == 0) return "-";
  return absl::StrFormat("%.1f", share * 100);
}

SurveyDomain::SurveyDomain(SurveyRepository* repo, KpiClient* kpi,
                           std::function<absl::Time()> clock)
    : repo_(repo), kpi_(kpi), clock_(std::move(clock)) {}

const pb::Question* SurveyDomain::View::Find(const std::string& name) const {
  for (const auto& q : questions) {
    if (q.name() == name) return &q;
  }
  return nullptr;
}

template <typename Resp>
absl::StatusOr<Resp> SurveyDomain::Mutate(
    const Principal& p, const std::string& municipality, const char* method,
    const std::string& request_id, const Message& request,
    const std::function<absl::Status(WriteContext&, Resp*)>& fn) {
  SOKEI_RETURN_IF_ERROR(api::CheckRequestId(request_id));
  Resp response;
  const absl::Time now = clock_();
  SOKEI_RETURN_IF_ERROR(repo_->Write([&](SurveyTx& tx) -> absl::Status {
    WriteContext w{tx, p, method, request_id, now};
    return api::IdempotentWrite(tx, municipality, method, request_id, request, now, &response,
                                [&] { return fn(w, &response); });
  }));
  return response;
}

template absl::StatusOr<pb::ImportResponsesResponse> SurveyDomain::Mutate(
    const Principal&, const std::string&, const char*, const std::string&, const Message&,
    const std::function<absl::Status(WriteContext&, pb::ImportResponsesResponse*)>&);
template absl::StatusOr<pb::ExportedResponses> SurveyDomain::Mutate(
    const Principal&, const std::string&, const char*, const std::string&, const Message&,
    const std::function<absl::Status(WriteContext&, pb::ExportedResponses*)>&);
template absl::StatusOr<pb::ImportPublishedResultsResponse> SurveyDomain::Mutate(
    const Principal&, const std::string&, const char*, const std::string&, const Message&,
    const std::function<absl::Status(WriteContext&, pb::ImportPublishedResultsResponse*)>&);

// ---------------------------------------------------------------------------------------------
// Surveys

namespace {

const std::set<std::string> kSurveyMutable = {"display_name",   "kind",
                                              "fiscal_year",    "wave",
                                              "sampling_frame", "population_size",
                                              "sample_size",    "delivered",
                                              "mode",           "field_start",
                                              "field_end",      "status",
                                              "attributes",     "tabulation_dimensions",
                                              "weighting",      "disclosure",
                                              "cs_layout",      "respondent_id_column"};

// Changing these changes what the statistics compute: the compiled data and every output.
const std::set<std::string> kSurveyDataPaths = {"attributes", "weighting", "disclosure",
                                                "population_size", "sampling_frame"};

bool ValidDate(const std::string& d) {
  absl::Time t;
  std::string err;
  return d.empty() || (d.size() == 10 && absl::ParseTime("%Y-%m-%d", d, &t, &err));
}

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

const std::set<std::string> kQuestionMutable = {"number",      "text",      "type",
                                                "max_choices", "options",   "column",
                                                "node_links",  "kpi_links", "position"};
// Paths that change how stored answers are read: refused once responses exist.
const std::set<std::string> kQuestionShapePaths = {"type", "options", "column", "max_choices"};

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

}  // namespace

absl::StatusOr<stats::WeightingInput> WeightingInputOf(const pb::Survey& s) {
  stats::WeightingInput in;
  const auto& w = s.weighting();
  if (w.method() != pb::WEIGHTING_METHOD_POST_STRATIFICATION &&
      w.method() != pb::WEIGHTING_METHOD_RAKING) {
    return in;
  }
  in.method = w.method() == pb::WEIGHTING_METHOD_RAKING
                  ? stats::WeightingInput::Method::kRaking
                  : stats::WeightingInput::Method::kPostStratification;
  in.max_iterations = w.max_iterations();
  in.tolerance = w.tolerance();
  in.trim_min = w.trim_min();
  in.trim_max = w.trim_max();
  std::map<std::string, int> attr_index;
  for (int i = 0; i < s.attributes_size(); ++i) attr_index[s.attributes(i).id()] = i;
  auto category = [&](int attr, const std::string& code) {
    const auto& cats = s.attributes(attr).categories();
    for (int c = 0; c < cats.size(); ++c) {
      if (jp::Nfkc(cats[c].code()) == jp::Nfkc(code)) return c;
    }
    return -1;
  };
  for (const auto& a : w.attributes()) {
    auto it = attr_index.find(a);
    if (it == attr_index.end()) {
      return status::InvalidField("SURVEY_INVALID", "survey.weighting.attributes",
                                  "names an attribute the survey does not declare");
    }
    in.attributes.push_back(it->second);
  }
  if (in.method == stats::WeightingInput::Method::kPostStratification) {
    for (int i = 0; i < w.cells_size(); ++i) {
      const auto& cell = w.cells(i);
      const std::string f = absl::StrCat("survey.weighting.cells[", i, "]");
      if (cell.categories_size() != static_cast<int>(in.attributes.size())) {
        return status::InvalidField("SURVEY_INVALID", f + ".categories",
                                    "one category code per weighting attribute");
      }
      if (cell.count() < 0) {
        return status::InvalidField("SURVEY_INVALID", f + ".count", "must not be negative");
      }
      std::vector<int> key;
      for (int a = 0; a < cell.categories_size(); ++a) {
        const int c = category(in.attributes[a], cell.categories(a));
        if (c < 0) {
          return status::InvalidField("SURVEY_INVALID", absl::StrCat(f, ".categories[", a, "]"),
                                      "is not a category of the attribute");
        }
        key.push_back(c);
      }
      if (!in.cells.emplace(key, static_cast<double>(cell.count())).second) {
        return status::InvalidField("SURVEY_INVALID", f, "the same cell appears twice");
      }
    }
    if (in.cells.empty()) {
      return status::InvalidField("SURVEY_INVALID", "survey.weighting.cells",
                                  "post-stratification needs population cells");
    }
  } else {
    if (w.margins_size() != static_cast<int>(in.attributes.size())) {
      return status::InvalidField("SURVEY_INVALID", "survey.weighting.margins",
                                  "one margin per weighting attribute, in the same order");
    }
    for (int m = 0; m < w.margins_size(); ++m) {
      const std::string f = absl::StrCat("survey.weighting.margins[", m, "]");
      if (w.margins(m).attribute() != w.attributes(m)) {
        return status::InvalidField("SURVEY_INVALID", f + ".attribute",
                                    "must name the weighting attribute at the same position");
      }
      std::vector<double> counts(s.attributes(in.attributes[m]).categories_size(), 0);
      for (const auto& [code, count] : w.margins(m).counts()) {
        const int c = category(in.attributes[m], code);
        if (c < 0 || count < 0) {
          return status::InvalidField("SURVEY_INVALID", f + ".counts",
                                      "category codes of the attribute with counts ≥ 0");
        }
        counts[c] = static_cast<double>(count);
      }
      in.margins.push_back(std::move(counts));
    }
  }
  return in;
}

absl::StatusOr<pb::Survey> SurveyDomain::CreateSurvey(const Principal& p,
                                                      const pb::CreateSurveyRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kMunicipalityPattern, "parent"));
  const std::string m = parent.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  SOKEI_RETURN_IF_ERROR(api::CheckId("survey_id", r.survey_id()));
  pb::Survey s = r.survey();
  s.clear_valid_responses();
  s.clear_data_version();
  s.clear_publish_time();
  SOKEI_RETURN_IF_ERROR(ValidateSurvey(&s));
  s.set_name(absl::StrCat(r.parent(), "/surveys/", r.survey_id()));
  return Mutate<pb::Survey>(
      p, m, "CreateSurvey", r.request_id(), r,
      [&](WriteContext& w, pb::Survey* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto existing, w.tx.Get(Kind::kSurvey, s.name()));
        if (existing) return status::AlreadyExists("SURVEY_ALREADY_EXISTS", s.name());
        *out = s;
        out->set_data_version(1);
        Record rec = Stamp(out, m, r.parent(), "", out->fiscal_year(), w.now, nullptr);
        SOKEI_RETURN_IF_ERROR(w.tx.Insert(Kind::kSurvey, rec));
        return w.Audit(m, out->name(), nullptr, out);
      });
}

absl::StatusOr<SurveyDomain::View> SurveyDomain::Load(const Principal& p,
                                                      const std::string& survey_name,
                                                      bool with_data) {
  View v;
  std::vector<std::string> respondents;
  std::string key;  // the etags the compiled form was built from
  bool need_data = false;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](SurveyTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(v.survey, LoadSurvey(tx, survey_name));
    // Public callers see published surveys only; others do not learn the rest exists.
    if (p.PublicOnly() && v.survey.status() != pb::SURVEY_STATUS_PUBLISHED) {
      return status::NotFound("SURVEY_NOT_FOUND", survey_name);
    }
    SOKEI_ASSIGN_OR_RETURN(auto recs, tx.ListParent(Kind::kQuestion, survey_name));
    for (const Record& rec : recs) {
      pb::Question q;
      if (!q.ParseFromString(rec.data)) return status::Internal("STORAGE_CORRUPT");
      v.questions.push_back(std::move(q));
    }
    if (!with_data) return absl::OkStatus();
    // The compiled form is reused while the survey and its questions are unchanged.
    absl::StrAppend(&key, v.survey.etag());
    for (const auto& q : v.questions) absl::StrAppend(&key, "|", q.etag());
    {
      std::lock_guard<std::mutex> lock(cache_mu_);
      for (auto it = cache_.begin(); it != cache_.end(); ++it) {
        if (it->first == survey_name && it->second.first == key) {
          v.compiled = it->second.second;
          cache_.splice(cache_.begin(), cache_, it);
          break;
        }
      }
    }
    if (v.compiled) return absl::OkStatus();
    need_data = true;
    SOKEI_ASSIGN_OR_RETURN(respondents, tx.ListRespondentData(survey_name));
    return absl::OkStatus();
  }));
  if (!need_data) return v;
  auto compiled = std::make_shared<Compiled>();
  SOKEI_ASSIGN_OR_RETURN(compiled->data, BuildDataset(v.survey, v.questions, respondents));
  for (size_t i = 0; i < v.questions.size(); ++i) {
    compiled->column_of[IdOf(v.questions[i].name())] = static_cast<int>(i);
  }
  SOKEI_ASSIGN_OR_RETURN(auto in, WeightingInputOf(v.survey));
  SOKEI_ASSIGN_OR_RETURN(compiled->weights, stats::ComputeWeights(compiled->data, in));
  compiled->weighted = in.method != stats::WeightingInput::Method::kNone;
  compiled->weighting_attributes = in.attributes;
  v.compiled = compiled;
  std::lock_guard<std::mutex> lock(cache_mu_);
  cache_.remove_if([&](const auto& e) { return e.first == survey_name; });
  cache_.push_front({survey_name, {key, v.compiled}});
  while (cache_.size() > 8) cache_.pop_back();
  return v;
}

absl::StatusOr<pb::Survey> SurveyDomain::GetSurvey(const Principal& p,
                                                   const pb::GetSurveyRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kSurveyPattern, "name"));
  SOKEI_RETURN_IF_ERROR(CheckSurveyRead(p, name.municipality()));
  SOKEI_ASSIGN_OR_RETURN(auto v, Load(p, r.name(), false));
  return v.survey;
}

absl::StatusOr<pb::ListSurveysResponse> SurveyDomain::ListSurveys(const Principal& p,
                                                                  const pb::ListSurveysRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kMunicipalityPattern, "parent"));
  SOKEI_RETURN_IF_ERROR(CheckSurveyRead(p, parent.municipality()));
  SOKEI_ASSIGN_OR_RETURN(auto f, api::ParseFilter(r.filter(), {"fiscal_year", "kind"}));
  const std::string key = absl::StrCat(r.parent(), "|", r.filter());
  SOKEI_ASSIGN_OR_RETURN(auto page, api::ParsePage(r.page_size(), r.page_token(), key));
  std::vector<pb::Survey> all;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](SurveyTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(auto recs, tx.ListParent(Kind::kSurvey, r.parent()));
    for (const Record& rec : recs) {
      pb::Survey s;
      if (!s.ParseFromString(rec.data)) return status::Internal("STORAGE_CORRUPT");
      if (p.PublicOnly() && s.status() != pb::SURVEY_STATUS_PUBLISHED) continue;
      if (!f["fiscal_year"].empty() && absl::StrCat(s.fiscal_year()) != f["fiscal_year"]) continue;
      if (!f["kind"].empty() && pb::SurveyKind_Name(s.kind()) != f["kind"]) continue;
      all.push_back(std::move(s));
    }
    return absl::OkStatus();
  }));
  const int64_t total = static_cast<int64_t>(all.size());
  pb::ListSurveysResponse resp;
  for (auto& s : api::Paginate(std::move(all), page)) *resp.add_surveys() = std::move(s);
  resp.set_next_page_token(api::NextPageToken(page, total, key));
  return resp;
}

absl::StatusOr<pb::Survey> SurveyDomain::UpdateSurvey(const Principal& p,
                                                      const pb::UpdateSurveyRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name,
                         api::ParseName(r.survey().name(), kSurveyPattern, "survey.name"));
  const std::string m = name.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  return Mutate<pb::Survey>(
      p, m, "UpdateSurvey", "", r, [&](WriteContext& w, pb::Survey* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kSurvey, r.survey().name()));
        if (!rec) return status::NotFound("SURVEY_NOT_FOUND", r.survey().name());
        pb::Survey before;
        if (!before.ParseFromString(rec->data)) return status::Internal("STORAGE_CORRUPT");
        SOKEI_RETURN_IF_ERROR(
            CheckEtag(r.survey().etag(), before.etag(), "SURVEY_ETAG_MISMATCH", before.name()));
        SOKEI_RETURN_IF_ERROR(CheckNotPublished(before));
        *out = before;
        SOKEI_RETURN_IF_ERROR(api::ApplyMask(r.survey(), r.update_mask(), kSurveyMutable, out));
        if (std::find(r.update_mask().paths().begin(), r.update_mask().paths().end(),
                      "attributes") != r.update_mask().paths().end() &&
            before.valid_responses() > 0) {
          return status::FailedPrecondition(
              "SURVEY_HAS_RESPONSES",
              {"RESPONSES", before.name(),
               "attributes cannot change once responses are stored; re-import with replace"});
        }
        SOKEI_RETURN_IF_ERROR(ValidateSurvey(out));
        if (Touches(r.update_mask(), kSurveyDataPaths))
          out->set_data_version(before.data_version() + 1);
        Record next = Stamp(out, m, rec->parent, "", out->fiscal_year(), w.now, &*rec);
        SOKEI_RETURN_IF_ERROR(w.tx.Update(Kind::kSurvey, next));
        return w.Audit(m, out->name(), &before, out);
      });
}

absl::StatusOr<Empty> SurveyDomain::DeleteSurvey(const Principal& p,
                                                 const pb::DeleteSurveyRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kSurveyPattern, "name"));
  const std::string m = name.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  return Mutate<Empty>(p, m, "DeleteSurvey", "", r, [&](WriteContext& w, Empty*) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(auto before, LoadSurvey(w.tx, r.name()));
    SOKEI_RETURN_IF_ERROR(CheckEtag(r.etag(), before.etag(), "SURVEY_ETAG_MISMATCH", r.name()));
    SOKEI_ASSIGN_OR_RETURN(auto questions, w.tx.ListParent(Kind::kQuestion, r.name()));
    SOKEI_ASSIGN_OR_RETURN(auto respondents, w.tx.CountRespondents(r.name()));
    if ((!questions.empty() || respondents > 0) && !r.force()) {
      return status::FailedPrecondition(
          "SURVEY_NOT_EMPTY",
          {"CHILDREN", r.name(),
           absl::StrCat("the survey has ", questions.size(), " questions and ", respondents,
                        " respondents; delete with force to remove them too")});
    }
    for (const Record& q : questions) SOKEI_RETURN_IF_ERROR(w.tx.Delete(Kind::kQuestion, q.name));
    SOKEI_RETURN_IF_ERROR(w.tx.DeleteRespondents(r.name()));
    SOKEI_RETURN_IF_ERROR(w.tx.Delete(Kind::kSurvey, r.name()));
    return w.Audit(m, r.name(), &before, nullptr);
  });
}

// ---------------------------------------------------------------------------------------------
// Questions

namespace {

absl::Status InsertQuestion(SurveyDomain::WriteContext& w, const std::string& m,
                            const pb::Survey& survey, pb::Question q, pb::Question* out) {
  SOKEI_ASSIGN_OR_RETURN(auto existing, w.tx.Get(Kind::kQuestion, q.name()));
  if (existing) return status::AlreadyExists("QUESTION_ALREADY_EXISTS", q.name());
  *out = std::move(q);
  Record rec = Stamp(out, m, survey.name(), ColumnKey(*out), out->position(), w.now, nullptr);
  auto s = w.tx.Insert(Kind::kQuestion, rec);
  if (!s.ok() && s.code() == absl::StatusCode::kAlreadyExists) {
    return status::AlreadyExists("QUESTION_COLUMN_TAKEN", ColumnKey(*out));
  }
  SOKEI_RETURN_IF_ERROR(s);
  return w.Audit(m, out->name(), nullptr, out);
}

absl::StatusOr<pb::Survey> SurveyForQuestions(SurveyTx& tx, const std::string& survey) {
  SOKEI_ASSIGN_OR_RETURN(auto s, LoadSurvey(tx, survey));
  SOKEI_RETURN_IF_ERROR(CheckNotPublished(s));
  if (s.valid_responses() > 0) {
    return status::FailedPrecondition(
        "SURVEY_HAS_RESPONSES",
        {"RESPONSES", survey, "questions cannot be added once responses are stored"});
  }
  return s;
}

}  // namespace

absl::StatusOr<pb::Question> SurveyDomain::CreateQuestion(const Principal& p,
                                                          const pb::CreateQuestionRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kSurveyPattern, "parent"));
  const std::string m = parent.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  SOKEI_RETURN_IF_ERROR(api::CheckId("question_id", r.question_id()));
  pb::Question q = r.question();
  SOKEI_RETURN_IF_ERROR(ValidateQuestion(&q, m, "question."));
  q.set_name(absl::StrCat(r.parent(), "/questions/", r.question_id()));
  return Mutate<pb::Question>(p, m, "CreateQuestion", r.request_id(), r,
                              [&](WriteContext& w, pb::Question* out) -> absl::Status {
                                SOKEI_ASSIGN_OR_RETURN(auto s,
                                                       SurveyForQuestions(w.tx, r.parent()));
                                return InsertQuestion(w, m, s, q, out);
                              });
}

absl::StatusOr<pb::BatchCreateQuestionsResponse> SurveyDomain::BatchCreateQuestions(
    const Principal& p, const pb::BatchCreateQuestionsRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kSurveyPattern, "parent"));
  const std::string m = parent.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  if (r.requests().empty() || r.requests_size() > 500) {
    return status::InvalidField("QUESTION_INVALID", "requests", "between 1 and 500 questions");
  }
  std::vector<pb::Question> qs;
  for (int i = 0; i < r.requests_size(); ++i) {
    const auto& q = r.requests(i);
    const std::string f = absl::StrCat("requests[", i, "].");
    if (!q.parent().empty() && q.parent() != r.parent()) {
      return status::InvalidField("QUESTION_INVALID", f + "parent",
                                  "must match the batch's parent");
    }
    SOKEI_RETURN_IF_ERROR(api::PrefixFields(api::CheckId("question_id", q.question_id()), f));
    pb::Question qq = q.question();
    if (qq.position() == 0) qq.set_position(i + 1);
    SOKEI_RETURN_IF_ERROR(ValidateQuestion(&qq, m, f + "question."));
    qq.set_name(absl::StrCat(r.parent(), "/questions/", q.question_id()));
    qs.push_back(std::move(qq));
  }
  return Mutate<pb::BatchCreateQuestionsResponse>(
      p, m, "BatchCreateQuestions", r.request_id(), r,
      [&](WriteContext& w, pb::BatchCreateQuestionsResponse* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto s, SurveyForQuestions(w.tx, r.parent()));
        for (const auto& q : qs)
          SOKEI_RETURN_IF_ERROR(InsertQuestion(w, m, s, q, out->add_questions()));
        return absl::OkStatus();
      });
}

absl::StatusOr<pb::Question> SurveyDomain::GetQuestion(const Principal& p,
                                                       const pb::GetQuestionRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kQuestionPattern, "name"));
  SOKEI_RETURN_IF_ERROR(CheckSurveyRead(p, name.municipality()));
  SOKEI_ASSIGN_OR_RETURN(auto v, Load(p, name.Prefix("surveys"), false));
  const pb::Question* q = v.Find(r.name());
  if (!q) return status::NotFound("QUESTION_NOT_FOUND", r.name());
  return *q;
}

absl::StatusOr<pb::ListQuestionsResponse> SurveyDomain::ListQuestions(
    const Principal& p, const pb::ListQuestionsRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kSurveyPattern, "parent"));
  SOKEI_RETURN_IF_ERROR(CheckSurveyRead(p, parent.municipality()));
  SOKEI_ASSIGN_OR_RETURN(auto page, api::ParsePage(r.page_size(), r.page_token(), r.parent()));
  SOKEI_ASSIGN_OR_RETURN(auto v, Load(p, r.parent(), false));
  const int64_t total = static_cast<int64_t>(v.questions.size());
  pb::ListQuestionsResponse resp;
  for (auto& q : api::Paginate(std::move(v.questions), page)) *resp.add_questions() = std::move(q);
  resp.set_next_page_token(api::NextPageToken(page, total, r.parent()));
  return resp;
}

absl::StatusOr<pb::Question> SurveyDomain::UpdateQuestion(const Principal& p,
                                                          const pb::UpdateQuestionRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name,
                         api::ParseName(r.question().name(), kQuestionPattern, "question.name"));
  const std::string m = name.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  const std::string survey_name = name.Prefix("surveys");
  return Mutate<pb::Question>(
      p, m, "UpdateQuestion", "", r, [&](WriteContext& w, pb::Question* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto survey, LoadSurvey(w.tx, survey_name));
        SOKEI_RETURN_IF_ERROR(CheckNotPublished(survey));
        SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kQuestion, r.question().name()));
        if (!rec) return status::NotFound("QUESTION_NOT_FOUND", r.question().name());
        pb::Question before;
        if (!before.ParseFromString(rec->data)) return status::Internal("STORAGE_CORRUPT");
        SOKEI_RETURN_IF_ERROR(
            CheckEtag(r.question().etag(), before.etag(), "QUESTION_ETAG_MISMATCH", before.name()));
        if (survey.valid_responses() > 0 && Touches(r.update_mask(), kQuestionShapePaths)) {
          return status::FailedPrecondition(
              "SURVEY_HAS_RESPONSES",
              {"RESPONSES", survey_name,
               "the type, options and column cannot change once responses are stored"});
        }
        *out = before;
        SOKEI_RETURN_IF_ERROR(api::ApplyMask(r.question(), r.update_mask(), kQuestionMutable, out));
        SOKEI_RETURN_IF_ERROR(ValidateQuestion(out, m, "question."));
        Record next = Stamp(out, m, survey_name, ColumnKey(*out), out->position(), w.now, &*rec);
        auto s = w.tx.Update(Kind::kQuestion, next);
        if (!s.ok() && s.code() == absl::StatusCode::kAlreadyExists) {
          return status::AlreadyExists("QUESTION_COLUMN_TAKEN", ColumnKey(*out));
        }
        SOKEI_RETURN_IF_ERROR(s);
        return w.Audit(m, out->name(), &before, out);
      });
}

absl::StatusOr<Empty> SurveyDomain::DeleteQuestion(const Principal& p,
                                                   const pb::DeleteQuestionRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kQuestionPattern, "name"));
  const std::string m = name.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  return Mutate<Empty>(p, m, "DeleteQuestion", "", r, [&](WriteContext& w, Empty*) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(auto survey, SurveyForQuestions(w.tx, name.Prefix("surveys")));
    SOKEI_ASSIGN_OR_RETURN(auto before, LoadOrNotFound<pb::Question>(
                                            w.tx, Kind::kQuestion, r.name(), "QUESTION_NOT_FOUND"));
    SOKEI_RETURN_IF_ERROR(CheckEtag(r.etag(), before.etag(), "QUESTION_ETAG_MISMATCH", r.name()));
    SOKEI_RETURN_IF_ERROR(w.tx.Delete(Kind::kQuestion, r.name()));
    return w.Audit(m, r.name(), &before, nullptr);
  });
}

// ---------------------------------------------------------------------------------------------
// Publication and the KPI link

absl::StatusOr<pb::PublishResponse> SurveyDomain::Publish(const Principal& p,
                                                          const pb::PublishRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kSurveyPattern, "name"));
  const std::string m = name.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  SOKEI_RETURN_IF_ERROR(api::CheckRequestId(r.request_id()));
  SOKEI_ASSIGN_OR_RETURN(auto v, Load(p, r.name(), true));
  if (v.survey.status() == pb::SURVEY_STATUS_PUBLISHED && !r.request_id().empty()) {
    // A retry of a publication that committed: the stored response answers it.
    return Mutate<pb::PublishResponse>(p, m, "Publish", r.request_id(), r,
                                       [&](WriteContext&, pb::PublishResponse*) -> absl::Status {
                                         return CheckNotPublished(v.survey);
                                       });
  }
  SOKEI_RETURN_IF_ERROR(CheckNotPublished(v.survey));
  SOKEI_RETURN_IF_ERROR(CheckEtag(r.etag(), v.survey.etag(), "SURVEY_ETAG_MISMATCH", r.name()));
  if (v.survey.valid_responses() == 0 &&
      v.survey.source() != pb::SURVEY_SOURCE_PUBLISHED_RESULTS) {
    return status::FailedPrecondition("SURVEY_NO_RESPONSES",
                                      {"RESPONSES", r.name(), "import the responses first"});
  }
  kpi::v1::RecordObservationsRequest kreq;
  SOKEI_ASSIGN_OR_RETURN(auto actuals, Actuals(v, &kreq));
  if (kreq.observations_size() > 0) {
    // Retry-safe: the same survey data always sends the same request id to the KPI service.
    kreq.set_parent(absl::StrCat("municipalities/", m));
    kreq.set_request_id(absl::StrCat(
        "survey-publish-",
        absl::Hex(api::Fnv1a64(absl::StrCat(r.name(), "#", v.survey.data_version())))));
    auto recorded = kpi_->RecordObservations(p, kreq);
    if (!recorded.ok()) return recorded.status();
  }
  const std::string etag = v.survey.etag();
  return Mutate<pb::PublishResponse>(
      p, m, "Publish", r.request_id(), r,
      [&](WriteContext& w, pb::PublishResponse* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kSurvey, r.name()));
        if (!rec) return status::NotFound("SURVEY_NOT_FOUND", r.name());
        pb::Survey before;
        if (!before.ParseFromString(rec->data)) return status::Internal("STORAGE_CORRUPT");
        SOKEI_RETURN_IF_ERROR(CheckNotPublished(before));
        // Nothing changed between the computation and now (else the actuals may be stale).
        SOKEI_RETURN_IF_ERROR(CheckEtag(etag, before.etag(), "SURVEY_ETAG_MISMATCH", r.name()));
        pb::Survey after = before;
        after.set_status(pb::SURVEY_STATUS_PUBLISHED);
        *after.mutable_publish_time() = ToTimestamp(w.now);
        Record next = Stamp(&after, m, rec->parent, "", after.fiscal_year(), w.now, &*rec);
        SOKEI_RETURN_IF_ERROR(w.tx.Update(Kind::kSurvey, next));
        *out->mutable_survey() = after;
        for (auto& a : actuals) *out->add_actuals() = a;
        return w.Audit(m, r.name(), &before, &after);
      });
}

// ---------------------------------------------------------------------------------------------
// Audit

absl::StatusOr<pb::ListAuditEventsResponse> SurveyDomain::ListAuditEvents(
    const Principal& p, const pb::ListAuditEventsRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto page, api::ReadAuditPage<SurveyTx>(repo_, p, r.parent(), r.filter(),
                                                                 r.page_size(), r.page_token()));
  pb::ListAuditEventsResponse resp;
  api::AppendAuditEvents(page, r.parent(), "surveyAuditEvents", resp.mutable_audit_events());
  resp.set_next_page_token(page.next_page_token);
  return resp;
}

}  // namespace sokei::survey
