// The SQLite driver: one file per service, WAL, synchronous=FULL, busy timeout, BEGIN IMMEDIATE
// for writes, a pool of connections so readers run in parallel with the one writer.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/storage/driver.h"

namespace sokei::storage {

struct SqliteOptions {
  std::string path;  // a file, or ":memory:" style URIs are not supported (use a temp file)
  int pool_size = 4;
  int busy_timeout_ms = 5000;
};

absl::StatusOr<std::unique_ptr<Database>> OpenSqlite(const SqliteOptions& options);

}  // namespace sokei::storage
