// The database a service's configuration names: PostgreSQL (schema = the service's name) when
// SOKEI_PG_DSN is set, otherwise a SQLite file `<service>.db` in SOKEI_DATA_DIR (created).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/config/config.h"
#include "common/storage/driver.h"

namespace sokei::storage {

absl::StatusOr<std::unique_ptr<Database>> OpenForService(const config::ServiceConfig& cfg,
                                                         const std::string& service);

}  // namespace sokei::storage
