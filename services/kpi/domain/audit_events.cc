// The KPI audit trail.
#include "services/kpi/domain/kpi_domain.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/api/audit_events.h"
#include "common/api/hash.h"
#include "common/api/idempotent_write.h"
#include "common/api/listing.h"
#include "common/api/names.h"
#include "common/api/resources.h"
#include "common/jp/measurement.h"
#include "common/jp/text.h"
#include "common/status/status.h"
#include "services/kpi/domain/achievement.h"
#include "services/kpi/domain/kpi_internal.h"

namespace sokei::kpi {

using api::Micros;
using api::ToTimestamp;
using google::protobuf::Message;


absl::StatusOr<pb::ListAuditEventsResponse> KpiDomain::ListAuditEvents(
    const Principal& p, const pb::ListAuditEventsRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto page, api::ReadAuditPage<KpiTx>(repo_, p, r.parent(), r.filter(),
                                                              r.page_size(), r.page_token()));
  pb::ListAuditEventsResponse resp;
  api::AppendAuditEvents(page, r.parent(), "kpiAuditEvents", resp.mutable_audit_events());
  resp.set_next_page_token(page.next_page_token);
  return resp;
}
}  // namespace sokei::kpi
