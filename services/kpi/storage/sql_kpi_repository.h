// KpiRepository on the common SQL driver: the same code serves SQLite and PostgreSQL.
#pragma once

#include <vector>

#include "common/storage/driver.h"
#include "common/storage/migrations.h"
#include "services/kpi/storage/kpi_repository.h"

namespace sokei::kpi {

std::vector<storage::Migration> KpiMigrations();

class SqlKpiRepository final : public KpiRepository {
 public:
  explicit SqlKpiRepository(storage::Database* db) : db_(db) {}
  absl::Status Migrate();
  absl::Status Read(const std::function<absl::Status(KpiTx&)>& fn) override;
  absl::Status Write(const std::function<absl::Status(KpiTx&)>& fn) override;
  absl::Status Rehearse(const std::function<absl::Status(KpiTx&)>& fn) override;

 private:
  storage::Database* db_;
};

}  // namespace sokei::kpi
