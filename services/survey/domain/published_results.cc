// ImportPublishedResults: a city that has only its report imports the published figures — percent
// per option with n, or mean scores on its own scale — as a survey of aggregates. What runs on
// them (distributions, means, CS analysis, wave comparison, survey-derived KPIs) and what does
// not (cross-tabs, weighting, the raw export: they need the responses) is said in the reply.
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/api/names.h"
#include "common/jp/delimited.h"
#include "common/jp/text.h"
#include "services/survey/domain/published_table.h"
#include "services/survey/domain/survey_internal.h"

namespace sokei::survey {
namespace {

constexpr size_t kMaxPublishedBytes = 16 << 20;

// A question id from its printed number: 問3(1) → p-3-1; anything else a hash of it.
std::string QuestionIdFor(const std::string& number, int index) {
  std::string id = "p";
  bool dash = false;
  for (char c : jp::Nfkc(number)) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(u) && u < 0x80) {
      if (!dash && id.size() > 1 &&
          absl::ascii_isdigit(static_cast<unsigned char>(id.back())) != absl::ascii_isdigit(u)) {
        id.push_back('-');
      }
      id.push_back(absl::ascii_tolower(u));
      dash = false;
    } else if (!dash && id.size() > 1) {
      id.push_back('-');
      dash = true;
    }
  }
  while (!id.empty() && id.back() == '-') id.pop_back();
  if (id.size() <= 1 || id.size() > 60) id = absl::StrCat("p", index + 1);
  // The same printed number with 重要度 and 満足度 differs only in the words: keep them apart.
  if (number.find("重要度") != std::string::npos) id += "-i";
  if (number.find("満足度") != std::string::npos) id += "-s";
  return id;
}

// The write: questions created or updated with the printed figures, the survey's source set —
// in the caller's transaction (a real one, or a dry run's rehearsal).
absl::Status WritePublished(SurveyDomain::WriteContext& w,
                            const pb::ImportPublishedResultsRequest& r, const std::string& m,
                            const PublishedTable& table,
                            const pb::ImportPublishedResultsResponse& resp,
                            pb::ImportPublishedResultsResponse* out) {
  *out = resp;
  SOKEI_ASSIGN_OR_RETURN(
      pb::Survey survey,
      LoadOrNotFound<pb::Survey>(w.tx, Kind::kSurvey, r.survey(), "SURVEY_NOT_FOUND"));
  SOKEI_ASSIGN_OR_RETURN(auto survey_rec, w.tx.Get(Kind::kSurvey, r.survey()));
  if (survey.status() == pb::SURVEY_STATUS_PUBLISHED) {
    return status::FailedPrecondition(
        "SURVEY_PUBLISHED", {"STATUS", r.survey(), "the survey is published: its data are frozen"});
  }
  SOKEI_ASSIGN_OR_RETURN(int64_t respondents, w.tx.CountRespondents(r.survey()));
  if (respondents > 0) {
    return status::FailedPrecondition(
        "SURVEY_HAS_RESPONSES",
        {"RESPONSES", r.survey(),
         "the survey holds responses: its figures come from them, not from a published table"});
  }
  // Existing questions by printed number: a re-import updates them.
  SOKEI_ASSIGN_OR_RETURN(auto recs, w.tx.ListParent(Kind::kQuestion, r.survey()));
  std::map<std::string, std::pair<pb::Question, Record>> by_number;
  for (const Record& rec : recs) {
    pb::Question q;
    if (!q.ParseFromString(rec.data)) return status::Internal("STORAGE_CORRUPT");
    by_number.emplace(jp::SearchFold(q.number()), std::make_pair(q, rec));
  }
  int position = static_cast<int>(recs.size());
  for (size_t i = 0; i < table.questions.size(); ++i) {
    const PublishedQuestion& pq = table.questions[i];
    auto it = by_number.find(jp::SearchFold(pq.number));
    if (it != by_number.end()) {
      pb::Question q = it->second.first;
      const pb::Question before = q;
      *q.mutable_published() = pq.result;
      if (!pq.options.empty() && q.options_size() == 0) {
        for (const auto& o : pq.options) *q.add_options() = o;
      }
      Record rec = Stamp(&q, m, r.survey(), ColumnKey(q), q.position(), w.now, &it->second.second);
      SOKEI_RETURN_IF_ERROR(w.tx.Update(Kind::kQuestion, rec));
      SOKEI_RETURN_IF_ERROR(w.Audit(m, q.name(), &before, &q));
      out->set_questions_updated(out->questions_updated() + 1);
      continue;
    }
    pb::Question q;
    q.set_name(
        absl::StrCat(r.survey(), "/questions/", QuestionIdFor(pq.number, static_cast<int>(i))));
    q.set_number(pq.number);
    q.set_text(pq.text);
    q.set_type(pq.type);
    q.set_position(++position);
    for (const auto& o : pq.options) *q.add_options() = o;
    *q.mutable_published() = pq.result;
    SOKEI_ASSIGN_OR_RETURN(auto taken, w.tx.Get(Kind::kQuestion, q.name()));
    if (taken) q.set_name(absl::StrCat(q.name(), "-", i + 1));
    Record rec = Stamp(&q, m, r.survey(), ColumnKey(q), q.position(), w.now, nullptr);
    auto s = w.tx.Insert(Kind::kQuestion, rec);
    if (s.code() == absl::StatusCode::kAlreadyExists) {
      return status::AlreadyExists("QUESTION_COLUMN_TAKEN", ColumnKey(q));
    }
    SOKEI_RETURN_IF_ERROR(s);
    SOKEI_RETURN_IF_ERROR(w.Audit(m, q.name(), nullptr, &q));
    out->set_questions_created(out->questions_created() + 1);
  }
  const pb::Survey before = survey;
  survey.set_source(pb::SURVEY_SOURCE_PUBLISHED_RESULTS);
  survey.set_data_version(survey.data_version() + 1);
  Record rec = Stamp(&survey, m, survey_rec->parent, "", survey.fiscal_year(), w.now, &*survey_rec);
  SOKEI_RETURN_IF_ERROR(w.tx.Update(Kind::kSurvey, rec));
  SOKEI_RETURN_IF_ERROR(w.Audit(m, survey.name(), &before, &survey));
  out->set_data_version(survey.data_version());
  out->set_committed(!r.dry_run());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<pb::ImportPublishedResultsResponse> SurveyDomain::ImportPublishedResults(
    const Principal& p, const pb::ImportPublishedResultsRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.survey(), kSurveyPattern, "survey"));
  const std::string m = name.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  SOKEI_RETURN_IF_ERROR(api::CheckRequestId(r.request_id()));
  if (r.content().empty()) {
    return status::InvalidField("PUBLISHED_NOT_A_TABLE", "content",
                                "is required: the published table as TSV or CSV");
  }
  if (r.content().size() > kMaxPublishedBytes) {
    return status::InvalidField("PUBLISHED_TOO_LARGE", "content", "at most 16 MiB");
  }
  SOKEI_ASSIGN_OR_RETURN(std::string text,
                         DecodeUpload(r.content(), r.encoding(), "PUBLISHED_NOT_A_TABLE",
                                      "PUBLISHED_ENCODING_UNKNOWN"));
  SOKEI_ASSIGN_OR_RETURN(PublishedTable table, ParsePublishedTable(text));

  pb::ImportPublishedResultsResponse resp;
  resp.set_rows(table.rows);
  resp.set_shape(table.shape);
  for (const char* what :
       {"クロス集計（属性別の集計には回答データが必要）", "ウェイト付け", "回答データの出力"}) {
    resp.add_not_available(what);
  }
  bool error = false;
  for (auto& f : table.findings) {
    error = error || f.severity() == pb::FINDING_SEVERITY_ERROR;
    *resp.add_findings() = std::move(f);
  }
  bool any_n = false;
  for (const auto& q : table.questions) any_n = any_n || q.result.n() > 0;
  if (!any_n) resp.add_not_available("誤差・有意差（回答者数が公表されていない）");
  if (table.shape == "means") resp.add_not_available("選択肢ごとの割合（平均値のみ公表）");
  if (error) {
    resp.set_committed(false);
    return resp;
  }
  const std::function<absl::Status(WriteContext&, pb::ImportPublishedResultsResponse*)> apply =
      [&](WriteContext& w, pb::ImportPublishedResultsResponse* out) {
        return WritePublished(w, r, m, table, resp, out);
      };
  if (r.dry_run()) {
    return api::RehearseOnce<pb::ImportPublishedResultsResponse, SurveyTx>(
        repo_, clock_(), p, "ImportPublishedResults", apply);
  }
  return Mutate<pb::ImportPublishedResultsResponse>(p, m, "ImportPublishedResults",
                                                    r.request_id(), r, apply);
}

}  // namespace sokei::survey
