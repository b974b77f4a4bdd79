// The base migration every service shares, written once: the tables of the record store
// (record_tables.h) and of the audit trail and request ids (audit_log.h), named with the service's
// prefix. Each service's migrations add only its own tables around them.
#pragma once

#include <string>
#include <vector>

#include "common/storage/migrations.h"

namespace sokei::storage {

// <prefix>_resources (kind, name, municipality, parent, code, sort_key, revision, data) with its
// parent and unique-code indexes.
std::string RecordSchemaSql(const std::string& prefix);
// <prefix>_generations (municipality, generation).
std::string GenerationSchemaSql(const std::string& prefix);
// <prefix>_audit_events and <prefix>_idempotency.
std::string AuditSchemaSql(const std::string& prefix);

// <prefix>_changes, the transactional outbox of the change feed (change_log.h).
std::string ChangeSchemaSql(const std::string& prefix);

// `migrations` with `sql` placed before the service's own statements of migration `version`
// (the versions a service first created the shared tables in).
std::vector<Migration> WithBase(std::vector<Migration> migrations, int version,
                                const std::string& sql);

}  // namespace sokei::storage
