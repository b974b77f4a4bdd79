#include "common/storage/migrations.h"

#include <algorithm>
#include <set>

#include "common/status/status.h"

namespace sokei::storage {

absl::Status ApplyMigrations(Database& db, const std::string& service,
                             const std::vector<Migration>& migrations) {
  SOKEI_RETURN_IF_ERROR(InTransaction(db, TxMode::kWrite, [](Connection& c) {
    return c.ExecScript(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " service TEXT NOT NULL, version BIGINT NOT NULL, name TEXT NOT NULL,"
        " PRIMARY KEY (service, version))");
  }));
  std::vector<Migration> sorted = migrations;
  std::sort(sorted.begin(), sorted.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (const Migration& m : sorted) {
    SOKEI_RETURN_IF_ERROR(InTransaction(db, TxMode::kWrite, [&](Connection& c) -> absl::Status {
      SOKEI_ASSIGN_OR_RETURN(
          auto rows, c.Query("SELECT 1 FROM schema_migrations WHERE service = $1 AND version = $2",
                             {service, int64_t{m.version}}));
      if (!rows.empty()) return absl::OkStatus();
      SOKEI_RETURN_IF_ERROR(c.ExecScript(m.sql));
      return c.Exec("INSERT INTO schema_migrations (service, version, name) VALUES ($1, $2, $3)",
                    {service, int64_t{m.version}, m.name});
    }));
  }
  return absl::OkStatus();
}

}  // namespace sokei::storage
