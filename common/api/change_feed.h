// The change feed as every service serves it (WatchChanges streaming, ListChanges long-poll): the
// municipality's committed changes after a cursor, in commit order, from the service's outbox
// (storage/change_log.h). Readers of the municipality see every change with the resource; public
// callers see only the changes of what is published to them, without the resource (they read it
// through the ordinary Get methods). docs/api.md, "The change feed".
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/auth/principal.h"
#include "common/storage/service_tx.h"
#include "sokei/type/v1/changes.pb.h"

namespace sokei::api {

class ChangeFeed {
 public:
  // Runs `fn` in a read transaction of the service's repository.
  using ReadFn =
      std::function<absl::Status(const std::function<absl::Status(storage::BookkeepingTx&)>& fn)>;
  static constexpr int kMaxWaitSeconds = 25;
  static constexpr int kMaxWatchers = 256;  // streams per process; more are RESOURCE_EXHAUSTED

  explicit ChangeFeed(ReadFn read) : read_(std::move(read)) {}

  // One page; a wait for the first change ends early when `cancelled()` turns true (checked at
  // least once a second).
  absl::StatusOr<type::v1::ListChangesResponse> List(
      const auth::Principal& p, const type::v1::ListChangesRequest& r,
      const std::function<bool()>& cancelled = [] { return false; });
  // Sends each change to `send` until it returns false or `cancelled()` is true (checked at least
  // once a second); returns the error that ended the stream, OK when the caller did.
  absl::Status Watch(const auth::Principal& p, const type::v1::WatchChangesRequest& r,
                     const std::function<bool(const type::v1::ChangeEvent&)>& send,
                     const std::function<bool()>& cancelled);

 private:
  struct Position {
    std::string municipality;
    int64_t cursor = 0;  // the last sequence number delivered or passed over
    bool public_only = false;
    std::string plan;
    std::vector<std::string> types;
  };
  absl::StatusOr<Position> Open(const auth::Principal& p, const std::string& parent,
                                const std::string& cursor, const type::v1::ChangeFilter& filter);
  // Up to `limit` changes after pos->cursor that the caller may see; advances the cursor past
  // every row read; `more` when it stopped before the end of the outbox. Fails with
  // CHANGE_CURSOR_EXPIRED when rows after the cursor were pruned.
  absl::Status Next(Position* pos, int limit, std::vector<type::v1::ChangeEvent>* out, bool* more);

  ReadFn read_;
  std::atomic<int> watchers_{0};
};

}  // namespace sokei::api
