// The audit trail and the request-id table every service keeps beside its resources, in tables
// named <prefix>_audit_events and <prefix>_idempotency (see each service's first migration).
// Used inside the service's own transaction, so a change and its audit row commit together.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/storage/driver.h"
#include "common/storage/multi_row_insert.h"

namespace sokei::storage {

struct AuditRow {
  std::string municipality;
  int64_t seq = 0;  // assigned by Append
  int64_t time_micros = 0;
  std::string actor, method, resource, request_id, before_json, after_json;
};

struct IdempotencyRow {
  std::string municipality, request_id, method, fingerprint;
  std::string response;  // serialized response proto
  int64_t time_micros = 0;
};

class AuditTables {
 public:
  explicit AuditTables(const std::string& prefix);

  // The municipality's next sequence number. `next_seq` belongs to one transaction: the first
  // number reads MAX(seq), later ones count on (writers are serialised).
  absl::StatusOr<int64_t> NextSeq(Connection& c, const std::string& municipality,
                                  std::map<std::string, int64_t>* next_seq) const;
  // Writes rows numbered by NextSeq, many to a statement.
  absl::Status Insert(Connection& c, const std::vector<AuditRow>& rows) const;
  // Newest first. Empty filters match everything; resource_prefix matches names starting with it.
  absl::StatusOr<std::vector<AuditRow>> List(Connection& c, const std::string& municipality,
                                             const std::string& resource_prefix,
                                             const std::string& actor, int64_t offset,
                                             int64_t limit) const;
  absl::StatusOr<std::optional<IdempotencyRow>> GetIdempotency(Connection& c,
                                                               const std::string& municipality,
                                                               const std::string& request_id) const;
  absl::Status PutIdempotency(Connection& c, const IdempotencyRow& row) const;

 private:
  std::string next_seq_, list_, get_idem_, put_idem_;
  MultiRowInsert insert_;
};

}  // namespace sokei::storage
