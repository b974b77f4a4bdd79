#include "services/kpi/storage/sql_kpi_repository.h"

#include "common/status/status.h"
#include "common/storage/base_schema.h"
#include "common/storage/multi_row_insert.h"
#include "common/storage/sql_service_tx.h"

namespace sokei::kpi {
namespace {

using storage::AsInt;
using storage::Row;
using storage::Take;
using storage::Value;

#define KPI_COLUMNS "r.name, r.municipality, r.parent, r.code, r.sort_key, r.revision, r.data"

// The plan's members first, then each one's rows by index: CROSS JOIN fixes that order in SQLite
// (left to right), whose planner otherwise walked every observation of every municipality by
// kind and tested each for membership; PostgreSQL plans the same query as an ordinary join.
constexpr char kListPlanIndicators[] =
    "SELECT " KPI_COLUMNS
    " FROM kpi_plan_members m CROSS JOIN kpi_resources r "
    "WHERE m.plan = $1 AND r.name = m.indicator AND r.kind = 'indicator' "
    "ORDER BY r.sort_key, r.name";
constexpr char kListPlanObservations[] =
    "SELECT " KPI_COLUMNS
    " FROM kpi_plan_members m CROSS JOIN kpi_resources r "
    "WHERE m.plan = $1 AND r.kind = 'observation' AND r.parent = m.indicator "
    "ORDER BY r.parent, r.sort_key, r.name";
constexpr char kListPlanIndicatorData[] =
    "SELECT r.data FROM kpi_plan_members m CROSS JOIN kpi_resources r "
    "WHERE m.plan = $1 AND r.kind = 'indicator' AND r.name = m.indicator";
constexpr char kListPlanObservationData[] =
    "SELECT r.data FROM kpi_plan_members m CROSS JOIN kpi_resources r "
    "WHERE m.plan = $1 AND r.kind = 'observation' AND r.parent = m.indicator "
    "AND r.sort_key BETWEEN $2 AND $3";
constexpr char kDeleteMembers[] = "DELETE FROM kpi_plan_members WHERE indicator = $1";
constexpr char kInsertMember[] = "INSERT INTO kpi_plan_members (plan, indicator) VALUES ($1, $2)";
#undef KPI_COLUMNS

const storage::ServiceTables& Tables() {
  static const storage::ServiceTables tables("kpi");
  return tables;
}

class SqlKpiTx final : public storage::SqlRecordStore<KpiTx, Kind, &KindName> {
 public:
  explicit SqlKpiTx(storage::Connection& c) : SqlRecordStore(c, Tables()) {}

  absl::StatusOr<std::vector<Record>> ListPlanIndicators(const std::string& plan) override {
    return List(kListPlanIndicators, {plan});
  }
  absl::StatusOr<std::vector<Record>> ListPlanObservations(const std::string& plan) override {
    return List(kListPlanObservations, {plan});
  }
  absl::StatusOr<std::vector<std::string>> ListPlanIndicatorData(const std::string& plan) override {
    return DataOnly(kListPlanIndicatorData, {plan});
  }
  absl::StatusOr<std::vector<std::string>> ListPlanObservationData(const std::string& plan,
                                                                   int from_year,
                                                                   int to_year) override {
    return DataOnly(kListPlanObservationData, {plan, int64_t{from_year}, int64_t{to_year}});
  }
  absl::Status SetPlans(const std::string& indicator,
                        const std::vector<std::string>& plans) override {
    SOKEI_RETURN_IF_ERROR(c_.Exec(kDeleteMembers, {indicator}));
    for (const auto& plan : plans) {
      SOKEI_RETURN_IF_ERROR(c_.Exec(kInsertMember, {plan, indicator}));
    }
    return absl::OkStatus();
  }
  absl::Status AddMemberships(
      const std::vector<std::pair<std::string, std::string>>& plan_indicator) override {
    static const storage::MultiRowInsert insert(
        "INSERT INTO kpi_plan_members (plan, indicator)", 2);
    return insert.Run(c_, plan_indicator.size(), [&](size_t i, std::vector<Value>* out) {
      out->push_back(plan_indicator[i].first);
      out->push_back(plan_indicator[i].second);
    });
  }

 private:
  absl::StatusOr<std::vector<Record>> List(const char* sql, std::vector<Value> params) {
    return storage::RecordTables::Query(c_, sql, std::move(params));
  }

  absl::StatusOr<std::vector<std::string>> DataOnly(const char* sql, std::vector<Value> params) {
    SOKEI_ASSIGN_OR_RETURN(auto rows, c_.Query(sql, std::move(params)));
    std::vector<std::string> out;
    out.reserve(rows.size());
    for (Row& r : rows) out.push_back(Take(r[0]));
    return out;
  }
};

}  // namespace

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kIndicator:
      return "indicator";
    case Kind::kObservation:
      return "observation";
    case Kind::kScheme:
      return "scheme";
    case Kind::kEvaluation:
      return "evaluation";
    case Kind::kSheetTemplate:
      return "sheet_template";
    case Kind::kSheet:
      return "sheet";
    case Kind::kCost:
      return "cost";
    case Kind::kCostSettings:
      return "cost_settings";
    case Kind::kPerceptions:
      return "survey_perceptions";
  }
  return "unknown";
}

absl::Status SqlKpiRepository::Migrate() {
  // The shared base (record store, audit, request ids) in 0001, the generations in 0002: where the
  // KPI service first created them.
  auto migrations = storage::WithBase(
      KpiMigrations(), 1, storage::RecordSchemaSql("kpi") + storage::AuditSchemaSql("kpi"));
  migrations = storage::WithBase(std::move(migrations), 2, storage::GenerationSchemaSql("kpi"));
  migrations = storage::WithBase(std::move(migrations), 3, storage::ChangeSchemaSql("kpi"));
  return storage::ApplyMigrations(*db_, "kpi", migrations);
}

absl::Status SqlKpiRepository::Read(const std::function<absl::Status(KpiTx&)>& fn) {
  return storage::RunInTransaction<SqlKpiTx>(*db_, storage::TxMode::kRead, fn);
}

absl::Status SqlKpiRepository::Write(const std::function<absl::Status(KpiTx&)>& fn) {
  return storage::RunInTransaction<SqlKpiTx>(*db_, storage::TxMode::kWrite, fn);
}

absl::Status SqlKpiRepository::Rehearse(const std::function<absl::Status(KpiTx&)>& fn) {
  return storage::RunInTransaction<SqlKpiTx>(*db_, storage::TxMode::kRehearsal, fn);
}

}  // namespace sokei::kpi
