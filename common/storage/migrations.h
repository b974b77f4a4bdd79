// Numbered schema migrations, applied at start-up inside one transaction each.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/storage/driver.h"

namespace sokei::storage {

struct Migration {
  int version;
  std::string name;
  std::string sql;
};

// Applies, in version order, every migration of `service` not yet recorded in schema_migrations.
absl::Status ApplyMigrations(Database& db, const std::string& service,
                             const std::vector<Migration>& migrations);

}  // namespace sokei::storage
