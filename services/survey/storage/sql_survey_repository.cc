#include "services/survey/storage/sql_survey_repository.h"

#include <map>

#include "common/status/status.h"

namespace sokei::survey {
namespace {

using storage::AsInt;
using storage::Blob;
using storage::Row;
using storage::Take;
using storage::Value;

#define SURVEY_COLUMNS "name, municipality, parent, code, sort_key, revision, data"

constexpr char kGet[] =
    "SELECT " SURVEY_COLUMNS " FROM survey_resources WHERE kind = $1 AND name = $2";
constexpr char kListParent[] = "SELECT " SURVEY_COLUMNS
                               " FROM survey_resources WHERE kind = $1 AND parent = $2 "
                               "ORDER BY sort_key, name";
constexpr char kInsert[] =
    "INSERT INTO survey_resources (kind, name, municipality, parent, code, sort_key, revision, "
    "data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
constexpr char kUpdate[] =
    "UPDATE survey_resources SET municipality = $3, parent = $4, code = $5, sort_key = $6, "
    "revision = $7, data = $8 WHERE kind = $1 AND name = $2";
constexpr char kDelete[] = "DELETE FROM survey_resources WHERE kind = $1 AND name = $2";
constexpr char kRespondentIds[] =
    "SELECT respondent FROM survey_respondents WHERE survey = $1 ORDER BY seq";
constexpr char kRespondentData[] =
    "SELECT data FROM survey_respondents WHERE survey = $1 ORDER BY seq";
constexpr char kCountRespondents[] = "SELECT COUNT(*) FROM survey_respondents WHERE survey = $1";
constexpr char kInsertRespondent[] =
    "INSERT INTO survey_respondents (survey, respondent, seq, data) VALUES ($1, $2, $3, $4)";
constexpr char kDeleteRespondents[] = "DELETE FROM survey_respondents WHERE survey = $1";
constexpr char kGeneration[] = "SELECT generation FROM survey_generations WHERE municipality = $1";
constexpr char kBumpGeneration[] =
    "INSERT INTO survey_generations (municipality, generation) VALUES ($1, 1) "
    "ON CONFLICT (municipality) DO UPDATE SET generation = survey_generations.generation + 1";
#undef SURVEY_COLUMNS

const storage::AuditTables& Audit() {
  static const storage::AuditTables tables("survey");
  return tables;
}

Record ToRecord(Row&& r) { return storage::RecordFromRow(std::move(r)); }

std::vector<Value> RecordParams(Kind kind, const Record& r) {
  return storage::RecordParams(KindName(kind), r);
}

class SqlSurveyTx final : public SurveyTx {
 public:
  explicit SqlSurveyTx(storage::Connection& c) : c_(c) {}

  absl::StatusOr<std::optional<Record>> Get(Kind kind, const std::string& name) override {
    SOKEI_ASSIGN_OR_RETURN(auto rows, c_.Query(kGet, {std::string(KindName(kind)), name}));
    if (rows.empty()) return std::nullopt;
    return ToRecord(std::move(rows.front()));
  }
  absl::StatusOr<std::vector<Record>> ListParent(Kind kind, const std::string& parent) override {
    SOKEI_ASSIGN_OR_RETURN(auto rows, c_.Query(kListParent, {std::string(KindName(kind)), parent}));
    std::vector<Record> out;
    out.reserve(rows.size());
    for (Row& r : rows) out.push_back(ToRecord(std::move(r)));
    return out;
  }
  absl::Status Insert(Kind kind, const Record& r) override {
    return c_.Exec(kInsert, RecordParams(kind, r));
  }
  absl::Status Update(Kind kind, const Record& r) override {
    return c_.Exec(kUpdate, RecordParams(kind, r));
  }
  absl::Status Delete(Kind kind, const std::string& name) override {
    return c_.Exec(kDelete, {std::string(KindName(kind)), name});
  }
  absl::StatusOr<std::vector<std::string>> ListRespondentIds(const std::string& survey) override {
    return FirstColumn(kRespondentIds, survey);
  }
  absl::StatusOr<std::vector<std::string>> ListRespondentData(const std::string& survey) override {
    return FirstColumn(kRespondentData, survey);
  }
  absl::StatusOr<int64_t> CountRespondents(const std::string& survey) override {
    SOKEI_ASSIGN_OR_RETURN(auto rows, c_.Query(kCountRespondents, {survey}));
    return rows.empty() ? 0 : AsInt(rows.front()[0]);
  }
  absl::Status InsertRespondent(const std::string& survey, const std::string& id, int64_t seq,
                                const std::string& data) override {
    return c_.Exec(kInsertRespondent, {survey, id, seq, Blob{data}});
  }
  absl::Status DeleteRespondents(const std::string& survey) override {
    return c_.Exec(kDeleteRespondents, {survey});
  }
  absl::StatusOr<int64_t> Generation(const std::string& m) override {
    SOKEI_ASSIGN_OR_RETURN(auto rows, c_.Query(kGeneration, {m}));
    return rows.empty() ? 0 : AsInt(rows.front()[0]);
  }
  absl::Status BumpGeneration(const std::string& m) override {
    return c_.Exec(kBumpGeneration, {m});
  }
  absl::StatusOr<int64_t> AppendAudit(const AuditRow& row) override {
    return Audit().Append(c_, row, &next_seq_);
  }
  absl::StatusOr<std::vector<AuditRow>> ListAudit(const std::string& m, const std::string& prefix,
                                                  const std::string& actor, int64_t offset,
                                                  int64_t limit) override {
    return Audit().List(c_, m, prefix, actor, offset, limit);
  }
  absl::StatusOr<std::optional<IdempotencyRow>> GetIdempotency(const std::string& m,
                                                               const std::string& id) override {
    return Audit().GetIdempotency(c_, m, id);
  }
  absl::Status PutIdempotency(const IdempotencyRow& row) override {
    return Audit().PutIdempotency(c_, row);
  }

 private:
  absl::StatusOr<std::vector<std::string>> FirstColumn(const char* sql, const std::string& arg) {
    SOKEI_ASSIGN_OR_RETURN(auto rows, c_.Query(sql, {arg}));
    std::vector<std::string> out;
    out.reserve(rows.size());
    for (Row& r : rows) out.push_back(Take(r[0]));
    return out;
  }

  storage::Connection& c_;
  std::map<std::string, int64_t> next_seq_;
};

}  // namespace

const char* KindName(Kind kind) { return kind == Kind::kSurvey ? "survey" : "question"; }

absl::Status SqlSurveyRepository::Migrate() {
  return storage::ApplyMigrations(*db_, "survey", SurveyMigrations());
}

absl::Status SqlSurveyRepository::Read(const std::function<absl::Status(SurveyTx&)>& fn) {
  return storage::InTransaction(*db_, storage::TxMode::kRead, [&](storage::Connection& c) {
    SqlSurveyTx tx(c);
    return fn(tx);
  });
}

absl::Status SqlSurveyRepository::Write(const std::function<absl::Status(SurveyTx&)>& fn) {
  return storage::InTransaction(*db_, storage::TxMode::kWrite, [&](storage::Connection& c) {
    SqlSurveyTx tx(c);
    return fn(tx);
  });
}

absl::Status SqlSurveyRepository::Rehearse(const std::function<absl::Status(SurveyTx&)>& fn) {
  return storage::InTransaction(*db_, storage::TxMode::kRehearsal, [&](storage::Connection& c) {
    SqlSurveyTx tx(c);
    return fn(tx);
  });
}

}  // namespace sokei::survey
