#include "services/kpi/storage/sql_kpi_repository.h"

#include <map>

#include "common/status/status.h"
#include "common/storage/base_schema.h"
#include "common/storage/record_tables.h"

namespace sokei::kpi {
namespace {

using storage::AsInt;
using storage::Row;
using storage::Take;
using storage::Value;

#define KPI_COLUMNS "r.name, r.municipality, r.parent, r.code, r.sort_key, r.revision, r.data"

constexpr char kListPlanIndicators[] =
    "SELECT " KPI_COLUMNS
    " FROM kpi_plan_members m JOIN kpi_resources r ON r.name = m.indicator "
    "WHERE m.plan = $1 AND r.kind = 'indicator' ORDER BY r.sort_key, r.name";
constexpr char kListPlanObservations[] =
    "SELECT " KPI_COLUMNS
    " FROM kpi_plan_members m JOIN kpi_resources r ON r.parent = m.indicator "
    "WHERE m.plan = $1 AND r.kind = 'observation' ORDER BY r.parent, r.sort_key, r.name";
constexpr char kListPlanIndicatorData[] =
    "SELECT r.data FROM kpi_plan_members m JOIN kpi_resources r ON r.name = m.indicator "
    "WHERE m.plan = $1 AND r.kind = 'indicator'";
constexpr char kListPlanObservationData[] =
    "SELECT r.data FROM kpi_plan_members m JOIN kpi_resources r ON r.parent = m.indicator "
    "WHERE m.plan = $1 AND r.kind = 'observation' AND r.sort_key BETWEEN $2 AND $3";
constexpr char kDeleteMembers[] = "DELETE FROM kpi_plan_members WHERE indicator = $1";
constexpr char kInsertMember[] = "INSERT INTO kpi_plan_members (plan, indicator) VALUES ($1, $2)";
#undef KPI_COLUMNS

const storage::AuditTables& Audit() {
  static const storage::AuditTables tables("kpi");
  return tables;
}
const storage::RecordTables& Records() {
  static const storage::RecordTables tables("kpi");
  return tables;
}
const storage::GenerationTable& Generations() {
  static const storage::GenerationTable table("kpi");
  return table;
}

class SqlKpiTx final : public KpiTx {
 public:
  explicit SqlKpiTx(storage::Connection& c) : c_(c) {}

  absl::StatusOr<std::optional<Record>> Get(Kind kind, const std::string& name) override {
    return Records().Get(c_, KindName(kind), name);
  }
  absl::StatusOr<std::vector<Record>> ListParent(Kind kind, const std::string& parent) override {
    return Records().ListParent(c_, KindName(kind), parent);
  }
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
  absl::Status Insert(Kind kind, const Record& r) override {
    return Records().Insert(c_, KindName(kind), r);
  }
  absl::Status Update(Kind kind, const Record& r) override {
    return Records().Update(c_, KindName(kind), r);
  }
  absl::Status Delete(Kind kind, const std::string& name) override {
    return Records().Delete(c_, KindName(kind), name);
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

  storage::Connection& c_;
  std::map<std::string, int64_t> next_seq_;
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
  }
  return "unknown";
}

absl::Status SqlKpiRepository::Migrate() {
  // The shared base (record store, audit, request ids) in 0001, the generations in 0002: where the
  // KPI service first created them.
  auto migrations = storage::WithBase(
      KpiMigrations(), 1, storage::RecordSchemaSql("kpi") + storage::AuditSchemaSql("kpi"));
  migrations = storage::WithBase(std::move(migrations), 2, storage::GenerationSchemaSql("kpi"));
  return storage::ApplyMigrations(*db_, "kpi", migrations);
}

absl::Status SqlKpiRepository::Read(const std::function<absl::Status(KpiTx&)>& fn) {
  return storage::InTransaction(*db_, storage::TxMode::kRead, [&](storage::Connection& c) {
    SqlKpiTx tx(c);
    return fn(tx);
  });
}

absl::Status SqlKpiRepository::Write(const std::function<absl::Status(KpiTx&)>& fn) {
  return storage::InTransaction(*db_, storage::TxMode::kWrite, [&](storage::Connection& c) {
    SqlKpiTx tx(c);
    return fn(tx);
  });
}

absl::Status SqlKpiRepository::Rehearse(const std::function<absl::Status(KpiTx&)>& fn) {
  return storage::InTransaction(*db_, storage::TxMode::kRehearsal, [&](storage::Connection& c) {
    SqlKpiTx tx(c);
    return fn(tx);
  });
}

}  // namespace sokei::kpi
