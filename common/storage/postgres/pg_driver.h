// The PostgreSQL driver (libpq): a pool of connections, each in the service's own schema, with
// server-side prepared statements, binary results, one writer at a time per service (an advisory
// lock, like SQLite's BEGIN IMMEDIATE) in SERIALIZABLE transactions (a conflict is retried by
// InTransaction), snapshot reads, and reconnection after the server restarts.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/storage/driver.h"

namespace sokei::storage {

struct PostgresOptions {
  std::string dsn;     // libpq connection string, e.g. "host=127.0.0.1 port=5432 dbname=sokei"
  std::string schema;  // the service's schema ([a-z_][a-z0-9_]*), created when missing
  int pool_size = 4;
  int statement_timeout_ms = 30000;
};

absl::StatusOr<std::unique_ptr<Database>> OpenPostgres(const PostgresOptions& options);

}  // namespace sokei::storage
