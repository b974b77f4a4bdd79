#include "common/api/change_feed.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/api/names.h"
#include "common/api/resources.h"
#include "common/deadline/deadline.h"
#include "common/metrics/registry.h"
#include "common/status/status.h"
#include "common/storage/change_log.h"
#include "common/storage/commit_signal.h"

namespace sokei::api {
namespace {

constexpr int kReadBatch = 500;  // outbox rows read per transaction
constexpr int kMaxBatches = 20;  // per page: a filter that matches little answers every 10,000 rows
// How often a waiting reader looks at the outbox when no commit of this process woke it (the
// commits of another replica of the service).
constexpr std::chrono::milliseconds kPoll{1000};

absl::Status CursorExpired() {
  return status::WithReason(absl::StatusCode::kOutOfRange,
                            "the cursor is older than the change feed keeps; read the resources "
                            "again and watch from \"\" (now)",
                            "CHANGE_CURSOR_EXPIRED");
}

bool Matches(const storage::ChangeRow& row, const std::string& plan,
             const std::vector<std::string>& types) {
  if (!plan.empty() && !absl::StrContains(row.plans, absl::StrCat(plan, "\n"))) return false;
  if (!types.empty() && std::find(types.begin(), types.end(), row.resource_type) == types.end()) {
    return false;
  }
  return true;
}

type::v1::ChangeEvent ToEvent(storage::ChangeRow&& row, bool with_value) {
  type::v1::ChangeEvent e;
  e.set_cursor(absl::StrCat(row.seq));
  e.set_resource(std::move(row.resource));
  e.set_change_type(static_cast<type::v1::ChangeType>(row.change_type));
  e.set_etag(std::move(row.etag));
  *e.mutable_time() = ToTimestamp(absl::FromUnixMicros(row.time_micros));
  // Public callers get neither the resource nor the staff's request ids.
  if (with_value) e.set_request_id(std::move(row.request_id));
  if (with_value && !row.value.empty()) {
    e.mutable_value()->set_type_url(absl::StrCat("type.googleapis.com/", row.resource_type));
    e.mutable_value()->set_value(std::move(row.value));
  }
  e.set_resource_type(std::move(row.resource_type));
  return e;
}

}  // namespace

absl::StatusOr<ChangeFeed::Position> ChangeFeed::Open(const auth::Principal& p,
                                                      const std::string& parent,
                                                      const std::string& cursor,
                                                      const type::v1::ChangeFilter& filter) {
  // municipalities/- is every municipality's feed, for a reader that serves them all (an admin
  // of every municipality: the gateway's response cache).
  SOKEI_ASSIGN_OR_RETURN(auto name, ParseName(parent, "municipalities/*", "parent", true));
  if (name.municipality() == storage::kEveryMunicipality &&
      !(p.municipality == "*" && p.Has(auth::Role::kAdmin))) {
    return status::PermissionDenied("PERMISSION_DENIED",
                                    "every municipality's feed is for admins of all of them");
  }
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, name.municipality()));
  Position pos;
  pos.municipality = name.municipality();
  pos.public_only = p.PublicOnly();
  if (!filter.plan().empty()) {
    SOKEI_ASSIGN_OR_RETURN(auto plan,
                           ParseName(filter.plan(), "municipalities/*/plans/*", "filter.plan"));
    if (plan.municipality() != pos.municipality) {
      return status::InvalidField("CHANGE_FILTER_INVALID", "filter.plan",
                                  "the plan must belong to the parent municipality");
    }
    pos.plan = filter.plan();
  }
  if (filter.resource_types_size() > 50) {
    return status::InvalidField("CHANGE_FILTER_INVALID", "filter.resource_types",
                                "at most 50 resource types");
  }
  pos.types.assign(filter.resource_types().begin(), filter.resource_types().end());
  int64_t seq = -1;  // "" = the head, read below
  if (!cursor.empty() && (!absl::SimpleAtoi(cursor, &seq) || seq < 0)) {
    return status::InvalidField("CHANGE_CURSOR_INVALID", "cursor",
                                "a cursor is \"\", \"0\" or the cursor of a change event");
  }
  storage::ChangeBounds bounds;
  SOKEI_RETURN_IF_ERROR(read_([&](storage::BookkeepingTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(bounds, tx.ChangeLogBounds());
    return absl::OkStatus();
  }));
  if (seq < 0) {
    seq = bounds.newest;
  } else if (seq > bounds.newest) {
    return status::InvalidField("CHANGE_CURSOR_INVALID", "cursor",
                                "the cursor is ahead of this service's changes (a cursor of "
                                "another service or of a database restored from a backup)");
  } else if (bounds.oldest > 0 && seq < bounds.oldest - 1) {
    return CursorExpired();
  }
  pos.cursor = seq;
  return pos;
}

absl::Status ChangeFeed::Next(Position* pos, int limit, std::vector<type::v1::ChangeEvent>* out,
                              bool* more) {
  std::vector<storage::ChangeRow> rows;
  *more = false;
  // Rows are read in batches until `limit` events are found, the outbox has no more, or
  // kMaxBatches were read (`more`: the caller asks again at once); each batch checks, in its
  // snapshot, that nothing after the cursor was pruned.
  for (int batch = 0; static_cast<int>(out->size()) < limit; ++batch) {
    if (batch == kMaxBatches) {
      *more = true;
      return absl::OkStatus();
    }
    SOKEI_RETURN_IF_ERROR(read_([&](storage::BookkeepingTx& tx) -> absl::Status {
      SOKEI_ASSIGN_OR_RETURN(auto bounds, tx.ChangeLogBounds());
      if (bounds.oldest > 0 && pos->cursor < bounds.oldest - 1) return CursorExpired();
      SOKEI_ASSIGN_OR_RETURN(rows, tx.ChangesAfter(pos->municipality, pos->cursor, kReadBatch));
      return absl::OkStatus();
    }));
    if (rows.empty()) return absl::OkStatus();
    for (storage::ChangeRow& row : rows) {
      if (static_cast<int>(out->size()) == limit) {
        *more = true;
        return absl::OkStatus();
      }
      pos->cursor = row.seq;
      if (pos->public_only && !row.public_visible) continue;
      if (!Matches(row, pos->plan, pos->types)) continue;
      out->push_back(ToEvent(std::move(row), !pos->public_only));
    }
    if (rows.size() < static_cast<size_t>(kReadBatch)) return absl::OkStatus();
  }
  *more = true;  // the page is full; rows may follow
  return absl::OkStatus();
}

absl::StatusOr<type::v1::ListChangesResponse> ChangeFeed::List(
    const auth::Principal& p, const type::v1::ListChangesRequest& r,
    const std::function<bool()>& cancelled) {
  if (r.page_size() < 0 || r.page_size() > 1000) {
    return status::InvalidField("CHANGE_PAGE_SIZE_INVALID", "page_size", "0 to 1000");
  }
  if (r.wait_seconds() < 0 || r.wait_seconds() > kMaxWaitSeconds) {
    return status::InvalidField("CHANGE_WAIT_INVALID", "wait_seconds",
                                absl::StrCat("0 to ", kMaxWaitSeconds, " seconds"));
  }
  SOKEI_ASSIGN_OR_RETURN(Position pos, Open(p, r.parent(), r.cursor(), r.filter()));
  const int limit = r.page_size() == 0 ? 100 : r.page_size();
  // Wait no longer than asked, and end half a second before the caller's deadline.
  auto until = std::chrono::system_clock::now() + std::chrono::seconds(r.wait_seconds());
  if (auto d = deadline::Current()) until = std::min(until, *d - std::chrono::milliseconds(500));
  std::vector<type::v1::ChangeEvent> events;
  while (true) {
    const uint64_t seen = storage::CommitSignal::Global().version();
    bool more = false;
    SOKEI_RETURN_IF_ERROR(Next(&pos, limit, &events, &more));
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::system_clock::now());
    // An empty page with `more` answers at once: next_cursor moved past what did not match.
    if (!events.empty() || more || left.count() <= 0 || cancelled()) break;
    storage::CommitSignal::Global().WaitNewer(seen, std::min(left, kPoll));
  }
  type::v1::ListChangesResponse resp;
  for (auto& e : events) *resp.add_changes() = std::move(e);
  resp.set_next_cursor(absl::StrCat(pos.cursor));
  return resp;
}

absl::Status ChangeFeed::Watch(const auth::Principal& p, const type::v1::WatchChangesRequest& r,
                               const std::function<bool(const type::v1::ChangeEvent&)>& send,
                               const std::function<bool()>& cancelled) {
  SOKEI_ASSIGN_OR_RETURN(Position pos, Open(p, r.parent(), r.cursor(), r.filter()));
  if (watchers_.fetch_add(1) >= kMaxWatchers) {
    watchers_.fetch_sub(1);
    metrics::Registry::Global().Add("sokei_change_watchers_refused_total",
                                    "WatchChanges streams refused at the limit.", {});
    return status::ResourceExhausted("CHANGE_WATCHERS_EXHAUSTED",
                                     "too many change streams on this replica; retry later or "
                                     "poll with ListChanges");
  }
  auto gauge = [this] {
    metrics::Registry::Global().Set("sokei_change_watchers", "Open WatchChanges streams.", {},
                                    watchers_.load());
  };
  gauge();
  absl::Status result;
  std::vector<type::v1::ChangeEvent> events;
  while (!cancelled()) {
    const uint64_t seen = storage::CommitSignal::Global().version();
    events.clear();
    bool more = false;
    result = Next(&pos, 100, &events, &more);
    if (!result.ok()) break;
    bool open = true;
    for (const auto& e : events) {
      if (!(open = send(e))) break;
      // How far behind its commit each change reached the watcher (the outbox's lag).
      metrics::Registry::Global().Observe(
          "sokei_change_delivery_lag_seconds",
          "From a change's commit to its delivery on a WatchChanges stream.", {},
          absl::ToDoubleSeconds(absl::Now() - (absl::FromUnixSeconds(e.time().seconds()) +
                                               absl::Nanoseconds(e.time().nanos()))));
    }
    if (!open) break;
    if (events.empty() && !more) storage::CommitSignal::Global().WaitNewer(seen, kPoll);
  }
  watchers_.fetch_sub(1);
  gauge();
  return result;
}

}  // namespace sokei::api
