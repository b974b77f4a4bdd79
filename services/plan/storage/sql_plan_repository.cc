#include "services/plan/storage/sql_plan_repository.h"

#include "common/status/status.h"
#include "common/storage/base_schema.h"
#include "common/storage/sql_service_tx.h"

namespace sokei::plan {
namespace {

using storage::AsInt;
using storage::AsText;
using storage::Blob;
using storage::Row;
using storage::Take;
using storage::Value;

// SQL as named constants next to the repository that uses them.
constexpr char kGet[] =
    "SELECT name, municipality, plan, collection, code, sort_key, revision, data "
    "FROM plan_resources WHERE kind = $1 AND name = $2";
constexpr char kListCollection[] =
    "SELECT name, municipality, plan, collection, code, sort_key, revision, data "
    "FROM plan_resources WHERE kind = $1 AND collection = $2 ORDER BY sort_key, name";
constexpr char kListPlan[] =
    "SELECT name, municipality, plan, collection, code, sort_key, revision, data "
    "FROM plan_resources WHERE kind = $1 AND plan = $2 ORDER BY sort_key, name";
constexpr char kListPlanData[] =
    "SELECT data FROM plan_resources WHERE kind = $1 AND plan = $2 ORDER BY sort_key, name";
constexpr char kListMunicipality[] =
    "SELECT name, municipality, plan, collection, code, sort_key, revision, data "
    "FROM plan_resources WHERE kind = $1 AND municipality = $2 ORDER BY plan, sort_key, name";
constexpr char kInsert[] =
    "INSERT INTO plan_resources (kind, name, municipality, plan, collection, code, sort_key, "
    "revision, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
constexpr char kUpdate[] =
    "UPDATE plan_resources SET municipality = $3, plan = $4, collection = $5, code = $6, "
    "sort_key = $7, revision = $8, data = $9 WHERE kind = $1 AND name = $2";
constexpr char kDelete[] = "DELETE FROM plan_resources WHERE kind = $1 AND name = $2";

Record ToRecord(Row&& r) {
  Record rec;
  rec.name = Take(r[0]);
  rec.municipality = Take(r[1]);
  rec.plan = Take(r[2]);
  rec.collection = Take(r[3]);
  rec.code = Take(r[4]);
  rec.sort_key = AsInt(r[5]);
  rec.revision = AsInt(r[6]);
  rec.data = Take(r[7]);
  return rec;
}

std::vector<Value> RecordParams(Kind kind, const Record& r) {
  return {std::string(KindName(kind)),
          r.name,
          r.municipality,
          r.plan,
          r.collection,
          r.code,
          r.sort_key,
          r.revision,
          Blob{r.data}};
}

const storage::ServiceTables& Tables() {
  static const storage::ServiceTables tables("plan");
  return tables;
}

class SqlPlanTx final : public storage::SqlBookkeeping<PlanTx> {
 public:
  explicit SqlPlanTx(storage::Connection& c) : SqlBookkeeping(c, Tables()) {}

  absl::StatusOr<std::optional<Record>> Get(Kind kind, const std::string& name) override {
    SOKEI_ASSIGN_OR_RETURN(auto rows, c_.Query(kGet, {std::string(KindName(kind)), name}));
    if (rows.empty()) return std::nullopt;
    return ToRecord(std::move(rows.front()));
  }
  absl::StatusOr<std::vector<Record>> ListCollection(Kind kind,
                                                     const std::string& collection) override {
    return List(kListCollection, kind, collection);
  }
  absl::StatusOr<std::vector<Record>> ListPlan(Kind kind, const std::string& plan) override {
    return List(kListPlan, kind, plan);
  }
  absl::StatusOr<std::vector<std::string>> ListPlanData(Kind kind,
                                                        const std::string& plan) override {
    SOKEI_ASSIGN_OR_RETURN(auto rows, c_.Query(kListPlanData, {std::string(KindName(kind)), plan}));
    std::vector<std::string> out;
    out.reserve(rows.size());
    for (Row& r : rows) out.push_back(Take(r[0]));
    return out;
  }
  absl::StatusOr<std::vector<Record>> ListMunicipality(Kind kind, const std::string& m) override {
    return List(kListMunicipality, kind, m);
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

 private:
  absl::StatusOr<std::vector<Record>> List(const char* sql, Kind kind, const std::string& key) {
    SOKEI_ASSIGN_OR_RETURN(auto rows, c_.Query(sql, {std::string(KindName(kind)), key}));
    std::vector<Record> out;
    out.reserve(rows.size());
    for (Row& r : rows) out.push_back(ToRecord(std::move(r)));
    return out;
  }
};

}  // namespace

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kMunicipality:
      return "municipality";
    case Kind::kDepartment:
      return "department";
    case Kind::kPlan:
      return "plan";
    case Kind::kNode:
      return "node";
    case Kind::kPackage:
      return "package";
    case Kind::kLink:
      return "link";
  }
  return "unknown";
}

absl::Status SqlPlanRepository::Migrate() {
  // The shared audit trail and request ids in 0001, the generations in 0002: where the plan
  // service first created them (its resource table is its own).
  auto migrations = storage::WithBase(PlanMigrations(), 1, storage::AuditSchemaSql("plan"));
  migrations = storage::WithBase(std::move(migrations), 2, storage::GenerationSchemaSql("plan"));
  migrations = storage::WithBase(std::move(migrations), 3, storage::ChangeSchemaSql("plan"));
  return storage::ApplyMigrations(*db_, "plan", migrations);
}

absl::Status SqlPlanRepository::Read(const std::function<absl::Status(PlanTx&)>& fn) {
  return storage::RunInTransaction<SqlPlanTx>(*db_, storage::TxMode::kRead, fn);
}

absl::Status SqlPlanRepository::Write(const std::function<absl::Status(PlanTx&)>& fn) {
  return storage::RunInTransaction<SqlPlanTx>(*db_, storage::TxMode::kWrite, fn);
}

}  // namespace sokei::plan
