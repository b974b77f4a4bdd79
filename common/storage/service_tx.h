// What every service's transaction has besides its own resources, declared once: the
// municipality's generation (cache keys carry it), the audit trail, the request ids and the change
// feed's outbox — and, for
// the services on the shared record store (KPI, survey), the record operations. A service's
// transaction interface derives from these; the SQL side is sql_service_tx.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/storage/audit_log.h"
#include "common/storage/change_log.h"
#include "common/storage/resource_record.h"

namespace sokei::storage {

// The bookkeeping half of a service's transaction interface.
class BookkeepingTx {
 public:
  virtual ~BookkeepingTx() = default;
  // Assigns the municipality's next sequence number.
  virtual absl::StatusOr<int64_t> AppendAudit(const AuditRow& row) = 0;
  // Newest first. Empty filters match everything; resource_prefix matches names starting with it.
  virtual absl::StatusOr<std::vector<AuditRow>> ListAudit(const std::string& municipality,
                                                          const std::string& resource_prefix,
                                                          const std::string& actor, int64_t offset,
                                                          int64_t limit) = 0;
  // The municipality's generation (0 before its first write) and its increment.
  virtual absl::StatusOr<int64_t> Generation(const std::string& municipality) = 0;
  virtual absl::Status BumpGeneration(const std::string& municipality) = 0;
  virtual absl::StatusOr<std::optional<IdempotencyRow>> GetIdempotency(
      const std::string& municipality, const std::string& request_id) = 0;
  virtual absl::Status PutIdempotency(const IdempotencyRow& row) = 0;
  // The change feed's outbox (change_log.h): a row per change, in the transaction of the change.
  virtual absl::StatusOr<int64_t> AppendChange(const ChangeRow& row) = 0;
  virtual absl::StatusOr<std::vector<ChangeRow>> ChangesAfter(const std::string& municipality,
                                                              int64_t after_seq,
                                                              int64_t limit) = 0;
  virtual absl::StatusOr<ChangeBounds> ChangeLogBounds() = 0;
  virtual absl::Status PruneChanges(int64_t before_micros) = 0;
};

// The record-store half, for services whose resources are ResourceRecords of kinds `KindT`.
template <typename KindT>
class RecordStoreTx : public BookkeepingTx {
 public:
  virtual absl::StatusOr<std::optional<ResourceRecord>> Get(KindT kind,
                                                            const std::string& name) = 0;
  // Ordered by sort_key, then name.
  virtual absl::StatusOr<std::vector<ResourceRecord>> ListParent(KindT kind,
                                                                 const std::string& parent) = 0;
  // ALREADY_EXISTS (reason STORAGE_UNIQUE_VIOLATION) when the name or the code is taken.
  virtual absl::Status Insert(KindT kind, const ResourceRecord& record) = 0;
  // Many new records of one kind, several to a statement (an import's); ALREADY_EXISTS as Insert.
  virtual absl::Status InsertMany(KindT kind, const std::vector<ResourceRecord>& records) = 0;
  virtual absl::Status Update(KindT kind, const ResourceRecord& record) = 0;
  virtual absl::Status Delete(KindT kind, const std::string& name) = 0;
};

}  // namespace sokei::storage
