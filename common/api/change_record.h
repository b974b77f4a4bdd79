// The outbox row of one change (storage/change_log.h), built where the audit row is (WriteContext):
// what changed, how, its new etag, the plans it belongs to and whether public callers may see it.
#pragma once

#include <string>

#include "absl/time/time.h"
#include "common/storage/change_log.h"
#include "google/protobuf/message.h"

namespace sokei::api {

// `before` is null on creation, `after` on deletion; `after_bytes` is `after` serialized. When
// `after` is not the resource itself (an import's record), the change is an UPDATED of `resource`
// carrying that record.
storage::ChangeRow ChangeRecord(const std::string& municipality, const std::string& resource,
                                const google::protobuf::Message* before,
                                const google::protobuf::Message* after, std::string after_bytes,
                                const std::string& request_id, absl::Time now);

// Public callers see the changes of what is published to them: an adopted plan, a published
// survey, a published evaluation (read through the ordinary Get methods, which apply the public
// view). True when `m` is such a resource in that state.
bool PubliclyVisible(const google::protobuf::Message& m);

// The plan names (municipalities/{m}/plans/{p}) `resource` and the names `m` refers to lie in,
// each followed by '\n'.
std::string PlansOf(const std::string& resource, const google::protobuf::Message* m);

// How long changes are kept: SOKEI_CHANGE_RETENTION (an Abseil duration such as "168h"; default
// 7 days). Read once.
absl::Duration ChangeRetention();
// True at most once per tenth of the retention (at most every 10 minutes) in this process: the
// write transaction that sees it prunes the outbox.
bool PruneDue(absl::Time now);

}  // namespace sokei::api
