// One write transaction of a service's domain: its storage transaction, who writes, the method and
// request id, the time, and the audit row per change (in the same transaction as the change).
// `Tx` has AppendAudit(const storage::AuditRow&).
#pragma once

#include <string>

#include "absl/time/time.h"
#include "common/api/resources.h"
#include "common/auth/principal.h"
#include "common/storage/audit_log.h"

namespace sokei::api {

template <typename Tx>
struct WriteContext {
  Tx& tx;
  const auth::Principal& principal;
  const char* method;
  const std::string& request_id;
  absl::Time now;

  absl::Status Audit(const std::string& municipality, const std::string& resource,
                     const google::protobuf::Message* before,
                     const google::protobuf::Message* after) {
    storage::AuditRow row;
    row.municipality = municipality;
    row.time_micros = Micros(now);
    row.actor = principal.subject;
    row.method = method;
    row.resource = resource;
    row.request_id = request_id;
    row.before_json = AuditPayload(before);
    row.after_json = AuditPayload(after);
    return tx.AppendAudit(row).status();
  }
};

}  // namespace sokei::api
