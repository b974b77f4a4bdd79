#include "services/survey/storage/sql_survey_repository.h"

#include "common/status/status.h"
#include "common/storage/base_schema.h"
#include "common/storage/sql_service_tx.h"

namespace sokei::survey {
namespace {

using storage::AsInt;
using storage::Blob;
using storage::Row;
using storage::Take;
using storage::Value;

constexpr char kRespondentIds[] =
    "SELECT respondent FROM survey_respondents WHERE survey = $1 ORDER BY seq";
constexpr char kRespondentData[] =
    "SELECT data FROM survey_respondents WHERE survey = $1 ORDER BY seq";
constexpr char kCountRespondents[] = "SELECT COUNT(*) FROM survey_respondents WHERE survey = $1";
constexpr char kInsertRespondent[] =
    "INSERT INTO survey_respondents (survey, respondent, seq, data) VALUES ($1, $2, $3, $4)";
constexpr char kDeleteRespondents[] = "DELETE FROM survey_respondents WHERE survey = $1";

const storage::ServiceTables& Tables() {
  static const storage::ServiceTables tables("survey");
  return tables;
}

class SqlSurveyTx final : public storage::SqlRecordStore<SurveyTx, Kind, &KindName> {
 public:
  explicit SqlSurveyTx(storage::Connection& c) : SqlRecordStore(c, Tables()) {}

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

 private:
  absl::StatusOr<std::vector<std::string>> FirstColumn(const char* sql, const std::string& arg) {
    SOKEI_ASSIGN_OR_RETURN(auto rows, c_.Query(sql, {arg}));
    std::vector<std::string> out;
    out.reserve(rows.size());
    for (Row& r : rows) out.push_back(Take(r[0]));
    return out;
  }
};

}  // namespace

const char* KindName(Kind kind) { return kind == Kind::kSurvey ? "survey" : "question"; }

absl::Status SqlSurveyRepository::Migrate() {
  // The shared base (record store, generations, audit, request ids) where the survey service
  // first created it: 0001.
  // The change feed's outbox in 0002.
  auto migrations = storage::WithBase(SurveyMigrations(), 1,
                                      storage::RecordSchemaSql("survey") +
                                          storage::GenerationSchemaSql("survey") +
                                          storage::AuditSchemaSql("survey"));
  migrations = storage::WithBase(std::move(migrations), 2, storage::ChangeSchemaSql("survey"));
  return storage::ApplyMigrations(*db_, "survey", migrations);
}

absl::Status SqlSurveyRepository::Read(const std::function<absl::Status(SurveyTx&)>& fn) {
  return storage::RunInTransaction<SqlSurveyTx>(*db_, storage::TxMode::kRead, fn);
}

absl::Status SqlSurveyRepository::Write(const std::function<absl::Status(SurveyTx&)>& fn) {
  return storage::RunInTransaction<SqlSurveyTx>(*db_, storage::TxMode::kWrite, fn);
}

absl::Status SqlSurveyRepository::Rehearse(const std::function<absl::Status(SurveyTx&)>& fn) {
  return storage::RunInTransaction<SqlSurveyTx>(*db_, storage::TxMode::kRehearsal, fn);
}

}  // namespace sokei::survey
