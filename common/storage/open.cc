#include "common/storage/open.h"

#include <filesystem>

#include "common/status/status.h"
#include "common/storage/postgres/pg_driver.h"
#include "common/storage/sqlite/sqlite_driver.h"

namespace sokei::storage {

absl::StatusOr<std::unique_ptr<Database>> OpenForService(const config::ServiceConfig& cfg,
                                                         const std::string& service) {
  if (!cfg.pg_dsn.empty()) return OpenPostgres({cfg.pg_dsn, service, cfg.threads, 30000});
  std::error_code ec;
  std::filesystem::create_directories(cfg.data_dir, ec);
  if (ec) return status::Unavailable("STORAGE_UNAVAILABLE", "SOKEI_DATA_DIR cannot be created");
  return OpenSqlite({cfg.data_dir + "/" + service + ".db", cfg.threads, 5000});
}

}  // namespace sokei::storage
