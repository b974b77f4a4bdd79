// PlanRepository on the common SQL driver: the same code serves SQLite and PostgreSQL.
#pragma once

#include <memory>
#include <vector>

#include "common/storage/driver.h"
#include "common/storage/migrations.h"
#include "services/plan/storage/plan_repository.h"

namespace sokei::plan {

std::vector<storage::Migration> PlanMigrations();

class SqlPlanRepository final : public PlanRepository {
 public:
  explicit SqlPlanRepository(storage::Database* db) : db_(db) {}
  // Applies the plan service's migrations.
  absl::Status Migrate();
  absl::Status Read(const std::function<absl::Status(PlanTx&)>& fn) override;
  absl::Status Write(const std::function<absl::Status(PlanTx&)>& fn) override;

 private:
  storage::Database* db_;
};

}  // namespace sokei::plan
