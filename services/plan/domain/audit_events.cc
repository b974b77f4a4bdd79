// The plan audit trail.
#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "absl/hash/hash.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "services/plan/domain/plan_internal.h"
#include "services/plan/domain/validation.h"

namespace sokei::plan {

absl::StatusOr<pb::ListAuditEventsResponse> PlanDomain::ListAuditEvents(
    const Principal& p, const pb::ListAuditEventsRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto page, api::ReadAuditPage<PlanTx>(repo_, p, r.parent(), r.filter(),
                                                               r.page_size(), r.page_token()));
  pb::ListAuditEventsResponse resp;
  api::AppendAuditEvents(page, r.parent(), "auditEvents", resp.mutable_audit_events());
  resp.set_next_page_token(page.next_page_token);
  return resp;
}

}  // namespace sokei::plan
