// Questions: create (one or in batches), read, list, update, delete.
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

const std::set<std::string> kQuestionMutable = {"number",      "text",      "type",
                                                "max_choices", "options",   "column",
                                                "node_links",  "kpi_links", "position"};
// Paths that change how stored answers are read: refused once responses exist.
const std::set<std::string> kQuestionShapePaths = {"type", "options", "column", "max_choices"};

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

}  // namespace sokei::survey
