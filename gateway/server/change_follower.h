// What keeps the response cache honest: one long-poll per service on every municipality's change
// feed (ListChanges on municipalities/-, as an admin of every municipality, signed like any
// forwarded call), telling the cache which municipality each committed change belongs to. The
// cache serves nothing until every feed has answered once (its cursor then marks "now"), and
// drops everything as soon as one fails; the failed feed starts again from "now" after a pause.
// A change committed by the replica a feed reads from is seen at once; one committed by another
// replica of the service within about a second (the feed polls the outbox: docs/api.md).
#pragma once

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gateway/server/response_cache.h"

namespace sokei::gateway {

struct FollowedFeed {
  std::string package;      // "sokei.plan.v1"
  std::string method_path;  // "/sokei.plan.v1.PlanService/ListChanges"
  grpc::GenericStub* stub = nullptr;
};

class ChangeFollower {
 public:
  using Metadata = std::vector<std::pair<std::string, std::string>>;
  // `metadata`: the signed identity the feeds are read as, made for each call (proofs expire).
  // `retry`: the pause after a failure.
  ChangeFollower(std::vector<FollowedFeed> feeds, std::function<Metadata()> metadata,
                 ResponseCache* cache,
                 std::chrono::milliseconds retry = std::chrono::milliseconds(1000));
  ~ChangeFollower();

 private:
  void Follow(size_t index);
  void Report(size_t index, bool ok);
  // One ListChanges call; false when it failed (or the follower stops).
  bool Poll(const FollowedFeed& feed, const std::string& cursor, int wait_seconds,
            std::string* next_cursor, std::vector<std::string>* municipalities);

  const std::vector<FollowedFeed> feeds_;
  const std::function<Metadata()> metadata_;
  ResponseCache* const cache_;
  const std::chrono::milliseconds retry_;
  std::mutex mu_;
  std::condition_variable stopped_cv_;
  bool stop_ = false;
  std::vector<bool> up_;
  std::vector<bool> warned_;  // a failure of the feed was logged since it last answered
  std::vector<std::shared_ptr<grpc::ClientContext>> calls_;  // in flight, cancelled on stop
  std::vector<std::thread> threads_;
};

}  // namespace sokei::gateway
