#include "services/survey/storage/sql_survey_repository.h"

#include <map>

#include "common/status/status.h"
#include "common/storage/base_schema.h"
#include "common/storage/record_tables.h"

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

const storage::AuditTables& Audit() {
  static const storage::AuditTables tables("survey");
  return tables;
}

const storage::RecordTables& Records() {
  static const storage::RecordTables tables("survey");
  return tables;
}
const storage::GenerationTable& Generations() {
  static const storage::GenerationTable table("survey");
  return table;
}

class SqlSurveyTx final : public SurveyTx {
 public:
  explicit SqlSurveyTx(storage::Connection& c) : c_(c) {}

  absl::StatusOr<std::optional<Record>> Get(Kind kind, const std::string& name) override {
    return Records().Get(c_, KindName(kind), name);
  }
  absl::StatusOr<std::vector<Record>> ListParent(Kind kind, const std::string& parent) override {
    return Records().ListParent(c_, KindName(kind), parent);
  }
  absl::Status Insert(Kind kind, const Record& r) override {
    return Records().Insert(c_, KindName(kind), r);
  }
  absl::Status Update(Kind kind, const Record& r) override {
    return Records().Update(c_, KindName(kind), r);
  }
  absl::Status Delete(Kind kind, const std::string& name) override {
    return Records().Delete(c_, KindName(kind), name);
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
    return Generations().Get(c_, m);
  }
  absl::Status BumpGeneration(const std::string& m) override { return Generations().Bump(c_, m); }
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
  // The shared base (record store, generations, audit, request ids) where the survey service
  // first created it: 0001.
  return storage::ApplyMigrations(
      *db_, "survey",
      storage::WithBase(SurveyMigrations(), 1,
                        storage::RecordSchemaSql("survey") + storage::GenerationSchemaSql("survey") +
                            storage::AuditSchemaSql("survey")));
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
