// ListAuditEvents, as every service serves it: planners and admins of the municipality, filters
// `resource` (a name prefix) and `actor`, newest first, paged; the before/after payloads rendered
// as JSON. `Repo::Read` gives a transaction with ListAudit.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/api/listing.h"
#include "common/api/names.h"
#include "common/api/resources.h"
#include "common/auth/principal.h"
#include "common/status/status.h"
#include "common/storage/audit_log.h"
#include "sokei/type/v1/audit.pb.h"

namespace sokei::api {

struct AuditPage {
  std::vector<storage::AuditRow> rows;  // at most page.size
  std::string next_page_token;
};

template <typename Tx, typename Repo>
absl::StatusOr<AuditPage> ReadAuditPage(Repo* repo, const auth::Principal& p,
                                        const std::string& parent, const std::string& filter,
                                        int page_size, const std::string& page_token) {
  SOKEI_ASSIGN_OR_RETURN(auto name, ParseName(parent, "municipalities/*", "parent"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, name.municipality()));
  SOKEI_ASSIGN_OR_RETURN(auto f, ParseFilter(filter, {"resource", "actor"}));
  const std::string key = absl::StrCat(parent, "|", filter);
  SOKEI_ASSIGN_OR_RETURN(auto page, ParsePage(page_size, page_token, key));
  AuditPage out;
  SOKEI_RETURN_IF_ERROR(repo->Read([&](Tx& tx) -> absl::Status {
    // One extra row tells whether another page follows.
    SOKEI_ASSIGN_OR_RETURN(out.rows, tx.ListAudit(name.municipality(), f["resource"], f["actor"],
                                                  page.offset, page.size + 1));
    return absl::OkStatus();
  }));
  const int64_t total = page.offset + static_cast<int64_t>(out.rows.size());
  if (out.rows.size() > static_cast<size_t>(page.size)) out.rows.resize(page.size);
  out.next_page_token = NextPageToken(page, total, key);
  return out;
}

// The page as the one AuditEvent shape: named under `collection` (auditEvents, kpiAuditEvents,
// surveyAuditEvents) of the parent.
inline void AppendAuditEvents(const AuditPage& page, const std::string& parent,
                              const std::string& collection,
                              google::protobuf::RepeatedPtrField<type::v1::AuditEvent>* out) {
  for (const storage::AuditRow& row : page.rows) {
    type::v1::AuditEvent* e = out->Add();
    e->set_name(absl::StrCat(parent, "/", collection, "/", row.seq));
    e->set_sequence(row.seq);
    *e->mutable_time() = ToTimestamp(absl::FromUnixMicros(row.time_micros));
    e->set_actor(row.actor);
    e->set_method(row.method);
    e->set_resource(row.resource);
    e->set_request_id(row.request_id);
    e->set_before_json(AuditPayloadToJson(row.before_json));
    e->set_after_json(AuditPayloadToJson(row.after_json));
  }
}

}  // namespace sokei::api
