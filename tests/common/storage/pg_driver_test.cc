// The PostgreSQL driver against the real throwaway cluster of scripts/test.sh: value types,
// error mapping, serialization-conflict retries, and reconnection after the server restarts.
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "common/deadline/deadline.h"
#include "common/status/status.h"
#include "tests/support/test_databases.h"

namespace sokei::storage {
namespace {

using sokei::testing::TestDatabase;

class PgDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    t_ = TestDatabase::Make("postgres", 3);
    if (!t_) GTEST_SKIP() << "no PostgreSQL test cluster (scripts/test.sh starts one)";
    auto c = t_->db()->Acquire();
    ASSERT_TRUE(
        c->ExecScript("CREATE TABLE t (k TEXT PRIMARY KEY, i BIGINT, d DOUBLE PRECISION, b BYTEA)")
            .ok());
  }
  Database& db() { return *t_->db(); }
  std::unique_ptr<TestDatabase> t_;
};

TEST_F(PgDriverTest, RoundTripsEveryValueType) {
  auto c = db().Acquire();
  ASSERT_TRUE(
      c->Exec("INSERT INTO t VALUES ($1, $2, $3, $4)",
              {std::string("伊勢原"), -(int64_t{1} << 40), 2.5, Blob{std::string("\0\1\xff", 3)}})
          .ok());
  ASSERT_TRUE(
      c->Exec("INSERT INTO t VALUES ($1, $2, $3, $4)", {std::string("null"), {}, {}, {}}).ok());
  auto rows = c->Query("SELECT k, i, d, b, 1, true FROM t WHERE k = $1", {std::string("伊勢原")});
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 1u);
  const Row& r = (*rows)[0];
  EXPECT_EQ(AsText(r[0]), "伊勢原");
  EXPECT_EQ(AsInt(r[1]), -(int64_t{1} << 40));
  EXPECT_DOUBLE_EQ(std::get<double>(r[2]), 2.5);
  EXPECT_EQ(AsText(r[3]), std::string("\0\1\xff", 3));
  EXPECT_EQ(AsInt(r[4]), 1);
  EXPECT_EQ(AsInt(r[5]), 1);
  auto nulls = c->Query("SELECT i, b FROM t WHERE k = $1", {std::string("null")});
  EXPECT_TRUE(std::holds_alternative<std::monostate>((*nulls)[0][0]));
  EXPECT_TRUE(std::holds_alternative<std::monostate>((*nulls)[0][1]));
}

TEST_F(PgDriverTest, ErrorsAreMappedWithoutSql) {
  auto c = db().Acquire();
  ASSERT_TRUE(c->Exec("INSERT INTO t (k) VALUES ($1)", {std::string("a")}).ok());
  absl::Status dup = c->Exec("INSERT INTO t (k) VALUES ($1)", {std::string("a")});
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  absl::Status bad = c->Exec("SELEKT nonsense FROM t", {});
  EXPECT_EQ(bad.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(bad.message().find("SELEKT"), absl::string_view::npos);
}

TEST_F(PgDriverTest, ConcurrentWritersLoseNoUpdate) {
  {
    auto c = db().Acquire();
    ASSERT_TRUE(c->Exec("INSERT INTO t (k, i) VALUES ('counter', 0)", {}).ok());
  }
  constexpr int kThreads = 3, kIncrements = 20;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        absl::Status s = InTransaction(db(), TxMode::kWrite, [](Connection& c) -> absl::Status {
          SOKEI_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT i FROM t WHERE k = 'counter'", {}));
          return c.Exec("UPDATE t SET i = $1 WHERE k = 'counter'", {AsInt(rows[0][0]) + 1});
        });
        if (!s.ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  auto c = db().Acquire();
  const int64_t total = AsInt((*c->Query("SELECT i FROM t WHERE k = 'counter'", {}))[0][0]);
  // Every acknowledged increment is there exactly once; a refused one (busy) is not.
  EXPECT_EQ(total + failures.load(), kThreads * kIncrements);
  EXPECT_LT(failures.load(), kThreads * kIncrements / 2);
}

TEST_F(PgDriverTest, ReconnectsAfterTheServerRestarts) {
  const char* script = std::getenv("SOKEI_TEST_PG_SCRIPT");
  const char* cluster = std::getenv("SOKEI_TEST_PG_CLUSTER");
  if (script == nullptr || cluster == nullptr) GTEST_SKIP() << "cluster control not available";
  {
    auto c = db().Acquire();
    ASSERT_TRUE(c->Exec("INSERT INTO t (k) VALUES ('before')", {}).ok());
  }
  ASSERT_EQ(std::system(absl::StrCat("bash ", script, " stop ", cluster, " immediate").c_str()), 0);
  {
    auto c = db().Acquire();
    absl::Status down = c->Exec("SELECT 1", {});
    EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable) << down;
  }
  ASSERT_EQ(std::system(absl::StrCat("bash ", script, " start ", cluster, " >/dev/null").c_str()),
            0);
  for (int i = 0; i < 3; ++i) {  // every pooled connection recovers on its next use
    auto c = db().Acquire();
    auto rows = c->Query("SELECT k FROM t WHERE k = 'before'", {});
    ASSERT_TRUE(rows.ok()) << rows.status();
    EXPECT_EQ(rows->size(), 1u);
  }
}

TEST_F(PgDriverTest, TheRequestDeadlineCancelsTheStatementOnTheServer) {
  const auto t0 = std::chrono::steady_clock::now();
  absl::Status s;
  {
    deadline::Scope scope(deadline::Clock::now() + std::chrono::milliseconds(300));
    s = InTransaction(db(), TxMode::kRead,
                      [](Connection& c) { return c.Exec("SELECT pg_sleep(5)", {}); });
  }
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  EXPECT_GT(ms, 250);
  EXPECT_LT(ms, 2000);
  // The server is no longer running it.
  auto c = db().Acquire();
  auto rows = c->Query(
      "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = 'SELECT "
      "pg_sleep(5)'",
      {});
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(AsInt((*rows)[0][0]), 0);
  // A deadline already past fails before any statement runs.
  deadline::Scope past(deadline::Clock::now() - std::chrono::milliseconds(1));
  EXPECT_EQ(InTransaction(db(), TxMode::kRead, [](Connection& c) { return c.Exec("SELECT 1", {}); })
                .code(),
            absl::StatusCode::kDeadlineExceeded);
}

TEST(PgDriverConfig, RejectsBadSchemaAndUnreachableServer) {
  auto bad_schema = OpenPostgres({"host=127.0.0.1 port=1", "Bad-Schema", 1, 1000});
  EXPECT_EQ(bad_schema.status().code(), absl::StatusCode::kInvalidArgument);
  auto down = OpenPostgres({"host=127.0.0.1 port=1 connect_timeout=2", "plan", 1, 1000});
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace sokei::storage
