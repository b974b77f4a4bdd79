#include "gateway/server/change_follower.h"

#include <chrono>

#include "absl/strings/match.h"
#include "common/log/log.h"
#include "sokei/type/v1/changes.pb.h"

namespace sokei::gateway {
namespace {

constexpr int kWaitSeconds = 20;  // each long-poll; the call's deadline is a few seconds more
constexpr int kPageSize = 1000;

// The municipality a resource is named under: municipalities/142140/plans/p → 142140 ("" when it
// is named under none).
std::string MunicipalityOfResource(const std::string& name) {
  constexpr absl::string_view kPrefix = "municipalities/";
  if (!absl::StartsWith(name, kPrefix)) return "";
  const size_t end = name.find('/', kPrefix.size());
  return name.substr(kPrefix.size(), end == std::string::npos ? end : end - kPrefix.size());
}

}  // namespace

ChangeFollower::ChangeFollower(std::vector<FollowedFeed> feeds, std::function<Metadata()> metadata,
                               ResponseCache* cache, std::chrono::milliseconds retry)
    : feeds_(std::move(feeds)),
      metadata_(std::move(metadata)),
      cache_(cache),
      retry_(retry),
      up_(feeds_.size(), false),
      warned_(feeds_.size(), false),
      calls_(feeds_.size()) {
  for (size_t i = 0; i < feeds_.size(); ++i) threads_.emplace_back([this, i] { Follow(i); });
}

ChangeFollower::~ChangeFollower() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    for (auto& call : calls_) {
      if (call) call->TryCancel();
    }
  }
  stopped_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void ChangeFollower::Report(size_t index, bool ok) {
  std::lock_guard<std::mutex> lock(mu_);
  up_[index] = ok;
  bool all = true;
  for (bool u : up_) all = all && u;
  cache_->SetFollowing(all && !stop_);
}

void ChangeFollower::Follow(size_t index) {
  const FollowedFeed& feed = feeds_[index];
  std::string cursor;  // "" = from now on: the first answer comes at once with now's cursor
  while (true) {
    std::string next;
    std::vector<std::string> changed;
    const bool ok = Poll(feed, cursor, cursor.empty() ? 0 : kWaitSeconds, &next, &changed);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) return;
    }
    if (!ok) {
      // Whatever happened meanwhile is unknown: nothing is served until the feed is back.
      Report(index, false);
      cursor.clear();
      std::unique_lock<std::mutex> lock(mu_);
      stopped_cv_.wait_for(lock, retry_, [this] { return stop_; });
      if (stop_) return;
      continue;
    }
    for (const std::string& m : changed) {
      if (m.empty()) {
        cache_->InvalidateAll();
      } else {
        cache_->Invalidate(m);
      }
    }
    if (cursor.empty()) Report(index, true);
    cursor = next;
  }
}

bool ChangeFollower::Poll(const FollowedFeed& feed, const std::string& cursor, int wait_seconds,
                          std::string* next_cursor, std::vector<std::string>* municipalities) {
  type::v1::ListChangesRequest req;
  req.set_parent("municipalities/-");
  req.set_cursor(cursor);
  req.set_page_size(kPageSize);
  req.set_wait_seconds(wait_seconds);
  auto ctx = std::make_shared<grpc::ClientContext>();
  for (const auto& [k, v] : metadata_()) ctx->AddMetadata(k, v);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(wait_seconds + 5));
  const size_t index = static_cast<size_t>(&feed - feeds_.data());
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return false;
    calls_[index] = ctx;
  }
  const std::string bytes = req.SerializeAsString();
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1), response;
  std::mutex done_mu;
  std::condition_variable done_cv;
  bool done = false;
  grpc::Status status;
  feed.stub->UnaryCall(ctx.get(), feed.method_path, grpc::StubOptions(), &request, &response,
                       [&](grpc::Status s) {
                         std::lock_guard<std::mutex> lock(done_mu);
                         status = std::move(s);
                         done = true;
                         done_cv.notify_one();
                       });
  {
    std::unique_lock<std::mutex> lock(done_mu);
    done_cv.wait(lock, [&] { return done; });
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    calls_[index].reset();
  }
  if (!status.ok()) {
    // Said once per outage (the feed is tried again every retry_), not once a second.
    bool was_up;
    {
      std::lock_guard<std::mutex> lock(mu_);
      was_up = up_[index] || !warned_[index];
      warned_[index] = true;
    }
    if (was_up && status.error_code() != grpc::StatusCode::CANCELLED) {
      log::Warn("response cache: a change feed failed; the cache is off until it is back",
                {{"service", feed.package}, {"code", std::to_string(status.error_code())}});
    }
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    warned_[index] = false;
  }
  std::vector<grpc::Slice> slices;
  std::string reply;
  if (response.Dump(&slices).ok()) {
    for (const auto& sl : slices)
      reply.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
  }
  type::v1::ListChangesResponse resp;
  if (!resp.ParseFromString(reply)) return false;
  for (const auto& e : resp.changes()) {
    // A change named under no municipality moves every municipality on ("").
    municipalities->push_back(MunicipalityOfResource(e.resource()));
  }
  *next_cursor = resp.next_cursor();
  return true;
}

}  // namespace sokei::gateway
