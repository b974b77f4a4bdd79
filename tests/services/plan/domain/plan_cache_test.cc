// The plan tree through the Redis cache, on a real database (SOKEI_TEST_BACKEND) and a real
// redis-server: a read after a write has returned never sees the old tree, including when a
// reader's fill races the write (the deterministic stale-set race of docs/reliability.md).
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include "services/plan/domain/plan_domain.h"
#include "services/plan/storage/sql_plan_repository.h"
#include "tests/support/plan_fixtures.h"
#include "tests/support/redis_server.h"
#include "tests/support/test_databases.h"

namespace sokei::plan {
namespace {

constexpr char kM[] = "municipalities/142140";
constexpr char kPlan[] = "municipalities/142140/plans/6th";

class PlanCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = sokei::testing::TestDatabase::Make(sokei::testing::BackendFromEnv());
    if (!database_) GTEST_SKIP() << "no PostgreSQL test cluster (scripts/test.sh starts one)";
    repo_ = std::make_unique<SqlPlanRepository>(database_->db());
    ASSERT_TRUE(repo_->Migrate().ok());
    cache_ = std::make_unique<cache::Cache>(cache::CacheOptions{redis_.addr()});
    domain_ = std::make_unique<PlanDomain>(repo_.get(), &absl::Now, cache_.get());
    admin_.subject = "admin";
    admin_.roles = {auth::Role::kAdmin};
    admin_.municipality = "*";
    pb::CreateMunicipalityRequest m;
    m.set_municipality_id("142140");
    m.mutable_municipality()->set_display_name("伊勢原市");
    ASSERT_TRUE(domain_->CreateMunicipality(admin_, m).ok());
    ASSERT_TRUE(domain_->CreatePlan(admin_, sokei::testing::PlanRequest(kM, "6th")).ok());
    pb::CreateNodeRequest n;
    n.set_parent(kPlan);
    n.set_node_id("p1");
    n.mutable_node()->set_level(1);
    n.mutable_node()->set_display_name("旧名称");
    ASSERT_TRUE(domain_->CreateNode(admin_, n).ok());
  }

  std::string FirstNodeTitle() {
    pb::GetPlanTreeRequest r;
    r.set_name(kPlan);
    auto bytes = domain_->GetPlanTreeBytes(admin_, r);
    EXPECT_TRUE(bytes.ok()) << bytes.status();
    pb::PlanTree tree;
    EXPECT_TRUE(tree.ParseFromString(*bytes));
    return tree.nodes_size() > 0 ? tree.nodes(0).node().display_name() : "";
  }

  absl::Status Rename(const std::string& title) {
    pb::UpdateNodeRequest u;
    u.mutable_node()->set_name(std::string(kPlan) + "/nodes/p1");
    u.mutable_node()->set_display_name(title);
    u.mutable_update_mask()->add_paths("display_name");
    return domain_->UpdateNode(admin_, u).status();
  }

  sokei::testing::RedisServer redis_;
  std::unique_ptr<sokei::testing::TestDatabase> database_;
  std::unique_ptr<SqlPlanRepository> repo_;
  std::unique_ptr<cache::Cache> cache_;
  std::unique_ptr<PlanDomain> domain_;
  auth::Principal admin_;
};

TEST_F(PlanCacheTest, SecondReadIsAHitAndAWriteMovesToANewKey) {
  EXPECT_EQ(FirstNodeTitle(), "旧名称");
  EXPECT_EQ(FirstNodeTitle(), "旧名称");
  EXPECT_EQ(cache_->stats().hits, 1);
  ASSERT_TRUE(Rename("新名称").ok());
  EXPECT_EQ(FirstNodeTitle(), "新名称");
  EXPECT_EQ(cache_->stats().misses, 2);
}

TEST_F(PlanCacheTest, AFillThatRacesAWriteIsNeverServedAfterTheWrite) {
  std::mutex mu;
  std::condition_variable cv;
  bool reader_paused = false, writer_done = false;
  cache_->before_fill_for_test = [&](const std::string&) {
    std::unique_lock<std::mutex> lock(mu);
    if (writer_done) return;  // only the first fill is held back
    reader_paused = true;
    cv.notify_all();
    cv.wait(lock, [&] { return writer_done; });
  };
  std::string stale;
  std::thread reader([&] { stale = FirstNodeTitle(); });  // reads the tree, then pauses
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return reader_paused; });
  }
  ASSERT_TRUE(Rename("新名称").ok());  // commits while the reader holds the old tree
  {
    std::lock_guard<std::mutex> lock(mu);
    writer_done = true;
  }
  cv.notify_all();
  reader.join();  // the old tree is now stored in Redis, under the old generation
  EXPECT_EQ(stale, "旧名称");
  EXPECT_EQ(cache_->stats().fills, 1);
  EXPECT_EQ(FirstNodeTitle(), "新名称");
  EXPECT_EQ(FirstNodeTitle(), "新名称");
}

TEST_F(PlanCacheTest, VisibilityIsCheckedBeforeTheCache) {
  EXPECT_EQ(FirstNodeTitle(), "旧名称");  // now cached
  auth::Principal pub;
  pub.subject = "citizen";
  pub.roles = {auth::Role::kPublic};
  pub.municipality = "142140";
  pb::GetPlanTreeRequest r;
  r.set_name(kPlan);
  EXPECT_EQ(domain_->GetPlanTreeBytes(pub, r).status().code(), absl::StatusCode::kNotFound);
  auth::Principal stranger = pub;
  stranger.roles = {auth::Role::kViewer};
  stranger.municipality = "142034";
  EXPECT_EQ(domain_->GetPlanTreeBytes(stranger, r).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(PlanCacheTest, ReadsKeepWorkingWhenRedisDies) {
  EXPECT_EQ(FirstNodeTitle(), "旧名称");
  redis_.Kill();
  ASSERT_TRUE(Rename("新名称").ok());
  EXPECT_EQ(FirstNodeTitle(), "新名称");
  EXPECT_GE(cache_->stats().fail_open, 1);
}

TEST_F(PlanCacheTest, RandomWritersAndReadersConvergeToTheDatabase) {
  std::atomic<bool> stop{false};
  std::atomic<int> writes{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      std::mt19937 rng(w);
      for (int i = 0; i < 25; ++i) {
        EXPECT_TRUE(Rename("名称" + std::to_string(w) + "-" + std::to_string(rng() % 1000)).ok());
        ++writes;
      }
    });
  }
  for (int r = 0; r < 3; ++r) {
    threads.emplace_back([&] {
      while (!stop) EXPECT_FALSE(FirstNodeTitle().empty());
    });
  }
  for (int w = 0; w < 2; ++w) threads[w].join();
  stop = true;
  for (size_t i = 2; i < threads.size(); ++i) threads[i].join();
  EXPECT_EQ(writes.load(), 50);
  // After the last write returned, the cached tree is exactly the database's.
  pb::GetPlanTreeRequest r;
  r.set_name(kPlan);
  pb::PlanTree from_db;
  ASSERT_TRUE(domain_->GetPlanTree(admin_, r, &from_db).ok());
  for (int i = 0; i < 2; ++i) {
    auto cached = domain_->GetPlanTreeBytes(admin_, r);
    ASSERT_TRUE(cached.ok());
    EXPECT_EQ(*cached, from_db.SerializeAsString());
  }
  EXPECT_GT(cache_->stats().hits, 0);
}

}  // namespace
}  // namespace sokei::plan
