// One write transaction of a service's domain: its storage transaction, who writes, the method and
// request id, the time, and per change the audit row and the change feed's outbox row (in the same
// transaction as the change). `Tx` is a storage::BookkeepingTx.
#pragma once

#include <string>

#include "absl/time/time.h"
#include "common/api/change_record.h"
#include "common/api/resources.h"
#include "common/auth/principal.h"
#include "common/status/status.h"
#include "common/storage/audit_log.h"

namespace sokei::api {

template <typename Tx>
struct WriteContext {
  Tx& tx;
  const auth::Principal& principal;
  const char* method;
  const std::string& request_id;
  absl::Time now;
  // A rehearsal (a dry run, rolled back at its end; RehearseOnce in idempotent_write.h sets it):
  // nothing reads the audit and outbox rows before the rollback, so they are not built. They were
  // two fifths of the writing a 10,000-row import's dry run rehearses, and a rehearsal's prune of
  // the outbox, rolled back, used up the prune due for the next real write.
  bool rehearsal = false;

  absl::Status Audit(const std::string& municipality, const std::string& resource,
                     const google::protobuf::Message* before,
                     const google::protobuf::Message* after) {
    if (rehearsal) return absl::OkStatus();
    storage::AuditRow row;
    row.municipality = municipality;
    row.time_micros = Micros(now);
    row.actor = principal.subject;
    row.method = method;
    row.resource = resource;
    row.request_id = request_id;
    row.before_json = AuditPayload(before);
    // The resource after the change, serialized once for the audit row and the outbox row.
    std::string after_bytes = after != nullptr ? after->SerializeAsString() : "";
    if (after != nullptr)
      row.after_json = AuditPayload(after->GetDescriptor()->full_name(), after_bytes);
    SOKEI_RETURN_IF_ERROR(tx.AppendAudit(row).status());
    // The change feed's outbox row, in the same transaction; now and then the old rows go.
    SOKEI_RETURN_IF_ERROR(tx.AppendChange(ChangeRecord(municipality, resource, before, after,
                                                       std::move(after_bytes), request_id, now))
                              .status());
    if (PruneDue(now)) return tx.PruneChanges(Micros(now - ChangeRetention()));
    return absl::OkStatus();
  }
};

}  // namespace sokei::api
