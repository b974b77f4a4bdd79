// The change feed followed by a consumer, as an integrating system would: the real plan service
// binary, on SQLite and on PostgreSQL, written to continuously while a consumer watches
// (WatchChanges). The consumer drops its stream now and then and resumes from its last cursor, and
// the service is killed with SIGKILL mid-stream and started again. Afterwards:
//  - the consumer saw every change exactly once, in commit order (the same sequence as the whole
//    outbox read afresh);
//  - the nodes created in the feed are exactly the nodes stored (nothing that committed is
//    missing, nothing that did not commit is there), and every acknowledged write is among them.
// Also: the retention window (a pruned cursor is OUT_OF_RANGE, CHANGE_CURSOR_EXPIRED), what a
// public caller sees, and the long-poll page waiting for the first change.
// usage: change_feed_test (SOKEI_PLAN_BINARY names the server)
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/grpcx/server.h"
#include "common/status/grpc_status.h"
#include "sokei/plan/v1/plan_service.grpc.pb.h"
#include "tests/e2e/durability/server_process.h"
#include "tests/support/plan_fixtures.h"
#include "tests/support/redis_server.h"
#include "tests/support/status_details.h"

namespace sokei {
namespace {

namespace pb = ::sokei::plan::v1;
namespace tpb = ::sokei::type::v1;
using sokei::testing::ServerProcess;
constexpr char kCity[] = "municipalities/142140";
constexpr char kPlan[] = "municipalities/142140/plans/p";

struct Seen {
  int64_t seq;
  std::string resource;
  tpb::ChangeType type;
};

// Follows the feed from `cursor` until `stop`: reconnects after every end of stream (a fresh
// channel each time, so a restarted server is reached at once) and drops its own stream after
// every `drop_every` events.
class Consumer {
 public:
  Consumer(const ServerProcess* server, int drop_every)
      : server_(server), drop_every_(drop_every) {}

  void Run(std::string cursor, const std::atomic<bool>& stop) {
    while (!stop) {
      auto stub = pb::PlanService::NewStub(server_->channel());
      grpc::ClientContext ctx;
      tpb::WatchChangesRequest req;
      req.set_parent(kCity);
      req.set_cursor(cursor);
      auto reader = stub->WatchChanges(&ctx, req);
      std::atomic<bool> done{false};
      // The watcher cancels its stream when asked to stop (a stream has no natural end).
      std::thread stopper([&] {
        while (!done && !stop) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        ctx.TryCancel();
      });
      tpb::ChangeEvent e;
      int in_this_stream = 0;
      while (reader->Read(&e)) {
        {
          std::lock_guard<std::mutex> lock(mu_);
          seen_.push_back({std::stoll(e.cursor()), e.resource(), e.change_type()});
        }
        cursor = e.cursor();
        if (++in_this_stream == drop_every_) {
          ++drops_;
          ctx.TryCancel();
        }
      }
      done = true;
      stopper.join();
      const grpc::Status s = reader->Finish();
      if (!s.ok() && s.error_code() != grpc::StatusCode::CANCELLED &&
          s.error_code() != grpc::StatusCode::UNAVAILABLE) {
        ADD_FAILURE() << "stream ended with " << s.error_code() << ": " << s.error_message();
      }
      ++streams_;
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
  }

  std::vector<Seen> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  int64_t last() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_.empty() ? 0 : seen_.back().seq;
  }
  int streams() const { return streams_; }
  int drops() const { return drops_; }

 private:
  const ServerProcess* server_;
  const int drop_every_;
  std::mutex mu_;
  std::vector<Seen> seen_;
  std::atomic<int> streams_{0}, drops_{0};
};

// Every change of the municipality from the start, in pages.
std::vector<Seen> WholeOutbox(const ServerProcess& server) {
  auto stub = pb::PlanService::NewStub(server.channel());
  std::vector<Seen> out;
  std::string cursor = "0";
  while (true) {
    grpc::ClientContext ctx;
    grpcx::SetTimeout(&ctx, 10000);
    tpb::ListChangesRequest req;
    req.set_parent(kCity);
    req.set_cursor(cursor);
    req.set_page_size(1000);
    tpb::ListChangesResponse resp;
    const grpc::Status s = stub->ListChanges(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (!s.ok() || resp.changes().empty()) return out;
    for (const auto& e : resp.changes()) {
      out.push_back({std::stoll(e.cursor()), e.resource(), e.change_type()});
    }
    cursor = resp.next_cursor();
  }
}

std::set<std::string> StoredNodes(const ServerProcess& server) {
  auto stub = pb::PlanService::NewStub(server.channel());
  std::set<std::string> names;
  pb::ListNodesRequest req;
  req.set_parent(kPlan);
  req.set_page_size(500);
  do {
    grpc::ClientContext ctx;
    grpcx::SetTimeout(&ctx, 10000);
    pb::ListNodesResponse resp;
    const grpc::Status s = stub->ListNodes(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (!s.ok()) break;
    for (const auto& n : resp.nodes()) names.insert(n.name());
    req.set_page_token(resp.next_page_token());
  } while (!req.page_token().empty());
  return names;
}

class ChangeFeedTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (std::getenv("SOKEI_PLAN_BINARY") == nullptr) GTEST_SKIP() << "SOKEI_PLAN_BINARY not set";
    char tmpl[] = "/tmp/sokei-feed-XXXXXX";
    dir_ = mkdtemp(tmpl);
    env_ = {{"SOKEI_DATA_DIR", dir_},
            {"SOKEI_AUTH_MODE", "dev"},
            {"SOKEI_PLAN_ADDR", "127.0.0.1:" + std::to_string(sokei::testing::FreePort())}};
    if (GetParam() == "postgres") {
      const char* dsn = std::getenv("SOKEI_TEST_PG_DSN");
      if (dsn == nullptr) GTEST_SKIP() << "no PostgreSQL test cluster";
      static int databases = 0;  // one database per test
      db_ = "feed_" + std::to_string(getpid()) + "_" + std::to_string(++databases);
      dsn_ = dsn;
      ASSERT_EQ(std::system(
                    ("psql \"" + dsn_ + "\" -qc 'CREATE DATABASE " + db_ + "' >/dev/null").c_str()),
                0);
      env_["SOKEI_PG_DSN"] = dsn_ + " dbname=" + db_;
    }
  }
  void TearDown() override {
    server_.reset();
    if (!db_.empty()) {
      std::system(
          ("psql \"" + dsn_ + "\" -qc 'DROP DATABASE " + db_ + "' >/dev/null 2>&1").c_str());
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  void Start(const std::map<std::string, std::string>& extra = {}) {
    auto env = env_;
    env.insert(extra.begin(), extra.end());
    server_ =
        std::make_unique<ServerProcess>(std::getenv("SOKEI_PLAN_BINARY"), "SOKEI_PLAN_ADDR", env);
    server_->Start();
  }
  void Fixture() {
    auto stub = pb::PlanService::NewStub(server_->channel());
    grpc::ClientContext c1, c2;
    pb::CreateMunicipalityRequest m;
    m.set_municipality_id("142140");
    m.mutable_municipality()->set_display_name("伊勢原市");
    pb::Municipality mo;
    ASSERT_TRUE(stub->CreateMunicipality(&c1, m, &mo).ok());
    pb::Plan po;
    ASSERT_TRUE(stub->CreatePlan(&c2, sokei::testing::PlanRequest(kCity, "p"), &po).ok());
  }
  // Creates node `id`; true when the service acknowledged it.
  bool CreateNode(const std::string& id) {
    auto stub = pb::PlanService::NewStub(server_->channel());
    grpc::ClientContext ctx;
    grpcx::SetTimeout(&ctx, 2000);
    pb::CreateNodeRequest r;
    r.set_parent(kPlan);
    r.set_node_id(id);
    r.set_request_id("create-" + id);
    r.mutable_node()->set_level(1);
    r.mutable_node()->set_display_name("施策 " + id);
    pb::Node out;
    return stub->CreateNode(&ctx, r, &out).ok();
  }

  std::string dir_, db_, dsn_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_P(ChangeFeedTest, ConsumerSeesEveryChangeOnceInOrderThroughDropsAndKillNine) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(Fixture());
  std::atomic<bool> stop_consumer{false}, stop_writers{false};
  Consumer consumer(server_.get(), /*drop_every=*/37);
  std::thread follow([&] { consumer.Run("0", stop_consumer); });

  std::mutex mu;
  std::set<std::string> acked;
  std::atomic<int> next{0};
  std::atomic<int64_t> seen_at_kill{-1};
  auto writer = [&] {
    while (!stop_writers) {
      const std::string id = "n" + std::to_string(next++);
      if (CreateNode(id)) {
        std::lock_guard<std::mutex> lock(mu);
        acked.insert(std::string(kPlan) + "/nodes/" + id);
      }
    }
  };
  std::thread w1(writer), w2(writer);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  seen_at_kill = consumer.last();
  server_->Signal(SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  server_->Start();  // the same database: the consumer resumes from its cursor
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  stop_writers = true;
  w1.join();
  w2.join();

  // The consumer catches up with the outbox, then stops.
  const std::vector<Seen> whole = WholeOutbox(*server_);
  for (int i = 0; i < 400 && !whole.empty() && consumer.last() < whole.back().seq; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  stop_consumer = true;
  follow.join();
  ASSERT_FALSE(whole.empty());

  const std::vector<Seen> seen = consumer.seen();
  EXPECT_GT(seen_at_kill.load(), 0) << "the kill came before the consumer saw anything";
  EXPECT_GT(seen.back().seq, seen_at_kill.load()) << "nothing was seen after the restart";
  EXPECT_GE(consumer.drops(), 3) << "the consumer should have dropped and resumed several times";
  // Exactly once, in commit order: the same sequence as the outbox read afresh.
  ASSERT_EQ(seen.size(), whole.size());
  for (size_t i = 0; i < seen.size(); ++i) {
    ASSERT_EQ(seen[i].seq, whole[i].seq) << "at " << i;
    ASSERT_EQ(seen[i].resource, whole[i].resource) << "at " << i;
    if (i > 0) {
      ASSERT_EQ(seen[i].seq, seen[i - 1].seq + 1) << "a gap or a repeat at " << i;
    }
  }
  // What the feed says was created is what is stored; every acknowledged write is there.
  std::set<std::string> created;
  for (const Seen& s : seen) {
    if (s.type == tpb::CHANGE_TYPE_CREATED && s.resource.find("/nodes/") != std::string::npos) {
      EXPECT_TRUE(created.insert(s.resource).second) << s.resource << " created twice";
    }
  }
  const std::set<std::string> stored = StoredNodes(*server_);
  EXPECT_EQ(created, stored);
  for (const std::string& a : acked) {
    EXPECT_TRUE(created.count(a)) << a << " acknowledged, not fed";
  }
  std::printf(
      "[feed %s] %zu changes, %zu acknowledged nodes, %d streams, %d drops, kill after "
      "cursor %lld\n",
      GetParam().c_str(), seen.size(), acked.size(), consumer.streams(), consumer.drops(),
      static_cast<long long>(seen_at_kill.load()));
}

TEST_P(ChangeFeedTest, ACursorOlderThanTheRetentionWindowIsRefused) {
  ASSERT_NO_FATAL_FAILURE(Start({{"SOKEI_CHANGE_RETENTION", "1s"}}));
  ASSERT_NO_FATAL_FAILURE(Fixture());
  ASSERT_TRUE(CreateNode("a1"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  ASSERT_TRUE(CreateNode("a2"));  // prunes what is older than a second
  auto stub = pb::PlanService::NewStub(server_->channel());
  tpb::ListChangesRequest req;
  req.set_parent(kCity);
  req.set_cursor("0");
  tpb::ListChangesResponse resp;
  grpc::ClientContext c1;
  const grpc::Status expired = stub->ListChanges(&c1, req, &resp);
  EXPECT_EQ(expired.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(sokei::testing::Reason(status::FromGrpc(expired)), "CHANGE_CURSOR_EXPIRED");
  // From now on works, and so does the stream from the newest change kept.
  req.set_cursor("");
  grpc::ClientContext c2;
  ASSERT_TRUE(stub->ListChanges(&c2, req, &resp).ok());
  EXPECT_TRUE(resp.changes().empty());
  const int64_t head = std::stoll(resp.next_cursor());
  req.set_cursor(std::to_string(head - 1));
  grpc::ClientContext c3;
  ASSERT_TRUE(stub->ListChanges(&c3, req, &resp).ok());
  ASSERT_EQ(resp.changes_size(), 1);
  EXPECT_EQ(resp.changes(0).resource(), std::string(kPlan) + "/nodes/a2");
  // A cursor ahead of the feed (another service's, a restored database) is refused too.
  req.set_cursor(std::to_string(head + 5));
  grpc::ClientContext c4;
  EXPECT_EQ(stub->ListChanges(&c4, req, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_P(ChangeFeedTest, PublicCallersSeeOnlyPublishedPlansWithoutTheResource) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(Fixture());
  ASSERT_TRUE(CreateNode("b1"));
  auto stub = pb::PlanService::NewStub(server_->channel());
  pb::UpdatePlanRequest adopt;
  adopt.mutable_plan()->set_name(kPlan);
  adopt.mutable_plan()->set_status(pb::PLAN_STATUS_ADOPTED);
  adopt.mutable_update_mask()->add_paths("status");
  pb::Plan plan;
  grpc::ClientContext c1;
  ASSERT_TRUE(stub->UpdatePlan(&c1, adopt, &plan).ok());
  ASSERT_TRUE(CreateNode("b2"));

  tpb::ListChangesRequest req;
  req.set_parent(kCity);
  req.set_cursor("0");
  tpb::ListChangesResponse resp;
  grpc::ClientContext c2;
  c2.AddMetadata("x-sokei-subject", "citizen");
  c2.AddMetadata("x-sokei-roles", "public");
  c2.AddMetadata("x-sokei-municipality", "142140");
  ASSERT_TRUE(stub->ListChanges(&c2, req, &resp).ok());
  ASSERT_EQ(resp.changes_size(), 1);
  EXPECT_EQ(resp.changes(0).resource(), kPlan);
  EXPECT_EQ(resp.changes(0).change_type(), tpb::CHANGE_TYPE_UPDATED);
  EXPECT_FALSE(resp.changes(0).has_value());
  EXPECT_TRUE(resp.changes(0).request_id().empty());
  // Staff see all of it, with the resources; another municipality's staff nothing.
  grpc::ClientContext c3;
  c3.AddMetadata("x-sokei-subject", "viewer");
  c3.AddMetadata("x-sokei-roles", "viewer");
  c3.AddMetadata("x-sokei-municipality", "142140");
  ASSERT_TRUE(stub->ListChanges(&c3, req, &resp).ok());
  EXPECT_EQ(resp.changes_size(), 5);  // municipality, plan, b1, adoption, b2
  EXPECT_TRUE(resp.changes(2).has_value());
  grpc::ClientContext c4;
  c4.AddMetadata("x-sokei-subject", "other");
  c4.AddMetadata("x-sokei-roles", "viewer");
  c4.AddMetadata("x-sokei-municipality", "131016");
  EXPECT_EQ(stub->ListChanges(&c4, req, &resp).error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_P(ChangeFeedTest, ALongPollPageWaitsForTheFirstChange) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(Fixture());
  auto stub = pb::PlanService::NewStub(server_->channel());
  tpb::ListChangesRequest req;
  req.set_parent(kCity);
  req.set_cursor("");
  req.set_wait_seconds(20);
  tpb::ListChangesResponse resp;
  grpc::Status s;
  std::thread poll([&] {
    grpc::ClientContext ctx;
    grpcx::SetTimeout(&ctx, 30000);
    s = stub->ListChanges(&ctx, req, &resp);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  // Writes are served while the page waits (it holds none of the threads they need).
  EXPECT_TRUE(CreateNode("c1"));
  poll.join();
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(resp.changes_size(), 1);
  EXPECT_EQ(resp.changes(0).resource(), std::string(kPlan) + "/nodes/c1");
  EXPECT_EQ(resp.next_cursor(), resp.changes(0).cursor());
}

INSTANTIATE_TEST_SUITE_P(Backends, ChangeFeedTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sokei
