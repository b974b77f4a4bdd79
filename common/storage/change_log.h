// The transactional outbox every service keeps beside its resources, in <prefix>_changes: one row
// per committed change, written by the write transaction that makes the change (so the feed never
// shows what did not commit and never misses what did). Writers of a service are serialised
// (BEGIN IMMEDIATE on SQLite, the schema's advisory lock on PostgreSQL), so sequence numbers are
// assigned in commit order and have no gaps: a reader that has seen `seq` has seen every change
// before it. Old rows are pruned after the retention window; the newest row is always kept, so
// numbering never restarts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/storage/driver.h"
#include "common/storage/multi_row_insert.h"

namespace sokei::storage {

struct ChangeRow {
  int64_t seq = 0;  // assigned by Append
  std::string municipality;
  int64_t time_micros = 0;
  std::string resource;       // the changed resource's name
  std::string resource_type;  // full protobuf type of `value`
  int change_type = 0;        // sokei.type.v1.ChangeType
  std::string etag;
  // The plans the change belongs to, each followed by '\n' (filtering by plan).
  std::string plans;
  bool public_visible = false;  // part of what public callers may read
  std::string request_id;
  std::string value;  // the resource after the change, serialized ("" when deleted)
};

// The municipality that stands for all of them in After (AIP-159's wildcard): the feed of a
// reader that serves every municipality (the gateway's response cache).
inline constexpr char kEveryMunicipality[] = "-";

// The oldest and newest sequence numbers stored (both 0 when there are none).
struct ChangeBounds {
  int64_t oldest = 0, newest = 0;
};

class ChangeTables {
 public:
  explicit ChangeTables(const std::string& prefix);

  // The service's next sequence number. `next_seq` belongs to one transaction (0 before its
  // first number).
  absl::StatusOr<int64_t> NextSeq(Connection& c, int64_t* next_seq) const;
  // Writes rows numbered by NextSeq, many to a statement.
  absl::Status Insert(Connection& c, const std::vector<ChangeRow>& rows) const;
  // The municipality's changes after `after_seq`, oldest first, at most `limit`
  // (kEveryMunicipality: every municipality's).
  absl::StatusOr<std::vector<ChangeRow>> After(Connection& c, const std::string& municipality,
                                               int64_t after_seq, int64_t limit) const;
  absl::StatusOr<ChangeBounds> Bounds(Connection& c) const;
  // Deletes the changes older than `before_micros`, except the newest row.
  absl::Status Prune(Connection& c, int64_t before_micros) const;

 private:
  std::string next_seq_, after_, after_all_, bounds_, prune_;
  MultiRowInsert insert_;
};

}  // namespace sokei::storage
