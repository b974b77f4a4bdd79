// Surveys: create, read (with the compiled responses), list, update, delete.
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
#include "services/survey/domain/survey_domain.h"
#include "services/survey/domain/survey_internal.h"

namespace sokei::survey {

using api::ToTimestamp;
using google::protobuf::Message;

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
  ++compiles_;
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

}  // namespace sokei::survey
