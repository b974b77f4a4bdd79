// SurveyRepository on the common SQL driver: the same code serves SQLite and PostgreSQL.
#pragma once

#include <vector>

#include "common/storage/driver.h"
#include "common/storage/migrations.h"
#include "services/survey/storage/survey_repository.h"

namespace sokei::survey {

std::vector<storage::Migration> SurveyMigrations();

class SqlSurveyRepository final : public SurveyRepository {
 public:
  explicit SqlSurveyRepository(storage::Database* db) : db_(db) {}
  absl::Status Migrate();
  absl::Status Read(const std::function<absl::Status(SurveyTx&)>& fn) override;
  absl::Status Write(const std::function<absl::Status(SurveyTx&)>& fn) override;
  absl::Status Rehearse(const std::function<absl::Status(SurveyTx&)>& fn) override;

 private:
  storage::Database* db_;
};

}  // namespace sokei::survey
