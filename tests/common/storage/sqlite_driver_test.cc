// The SQLite driver against real files: types, constraint mapping, transactions, pragmas.
#include "common/storage/sqlite/sqlite_driver.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "common/status/status.h"
#include "common/storage/migrations.h"

namespace sokei::storage {
namespace {

class SqliteDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sokei-sqlite-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto db = OpenSqlite({dir_ + "/t.db", 3, 200});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    auto c = db_->Acquire();
    ASSERT_TRUE(
        c->ExecScript("CREATE TABLE t (k TEXT PRIMARY KEY, i BIGINT, d DOUBLE PRECISION, b BYTEA)")
            .ok());
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(SqliteDriverTest, RoundTripsEveryValueType) {
  auto c = db_->Acquire();
  ASSERT_TRUE(c->Exec("INSERT INTO t VALUES ($1, $2, $3, $4)",
                      {std::string("伊勢原"), int64_t{1} << 40, 2.5, Blob{std::string("\0\1", 2)}})
                  .ok());
  ASSERT_TRUE(
      c->Exec("INSERT INTO t VALUES ($1, $2, $3, $4)", {std::string("null"), {}, {}, {}}).ok());
  auto rows = c->Query("SELECT k, i, d, b FROM t WHERE k = $1", {std::string("伊勢原")});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(AsText((*rows)[0][0]), "伊勢原");
  EXPECT_EQ(AsInt((*rows)[0][1]), int64_t{1} << 40);
  EXPECT_DOUBLE_EQ(std::get<double>((*rows)[0][2]), 2.5);
  EXPECT_EQ(AsText((*rows)[0][3]), std::string("\0\1", 2));
  auto nulls = c->Query("SELECT i FROM t WHERE k = $1", {std::string("null")});
  EXPECT_TRUE(std::holds_alternative<std::monostate>((*nulls)[0][0]));
}

TEST_F(SqliteDriverTest, UniqueViolationIsAlreadyExistsWithoutSql) {
  auto c = db_->Acquire();
  ASSERT_TRUE(c->Exec("INSERT INTO t (k) VALUES ($1)", {std::string("a")}).ok());
  absl::Status s = c->Exec("INSERT INTO t (k) VALUES ($1)", {std::string("a")});
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(s.message().find("INSERT"), absl::string_view::npos);
  EXPECT_EQ(s.message().find("t.k"), absl::string_view::npos);
}

TEST_F(SqliteDriverTest, SyntaxErrorIsInternalWithoutSql) {
  auto c = db_->Acquire();
  absl::Status s = c->Exec("SELEKT nonsense FROM t", {});
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(s.message().find("SELEKT"), absl::string_view::npos);
}

TEST_F(SqliteDriverTest, TransactionRollsBackOnError) {
  absl::Status s = InTransaction(*db_, TxMode::kWrite, [](Connection& c) -> absl::Status {
    SOKEI_RETURN_IF_ERROR(c.Exec("INSERT INTO t (k) VALUES ('x')", {}));
    return absl::InternalError("boom");
  });
  EXPECT_FALSE(s.ok());
  auto c = db_->Acquire();
  EXPECT_TRUE(c->Query("SELECT k FROM t", {})->empty());
}

TEST_F(SqliteDriverTest, SerializationConflictIsRetriedFromTheStart) {
  int calls = 0;
  absl::Status s = InTransaction(*db_, TxMode::kWrite, [&](Connection& c) -> absl::Status {
    SOKEI_RETURN_IF_ERROR(
        c.Exec("INSERT INTO t (k) VALUES ($1)", {std::string("try") + std::to_string(calls)}));
    if (++calls < 3) {
      return status::WithReason(absl::StatusCode::kAborted, "conflict", "STORAGE_CONFLICT");
    }
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(calls, 3);
  auto c = db_->Acquire();
  // Only the last attempt's write is committed.
  auto rows = c->Query("SELECT k FROM t", {});
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(AsText((*rows)[0][0]), "try2");
  // Any other ABORTED is the caller's and is not retried.
  calls = 0;
  s = InTransaction(*db_, TxMode::kWrite, [&](Connection&) {
    ++calls;
    return absl::AbortedError("etag mismatch");
  });
  EXPECT_EQ(calls, 1);
}

TEST_F(SqliteDriverTest, WalAndFullSyncAreOn) {
  auto c = db_->Acquire();
  EXPECT_EQ(AsText((*c->Query("PRAGMA journal_mode", {}))[0][0]), "wal");
  EXPECT_EQ(AsInt((*c->Query("PRAGMA synchronous", {}))[0][0]), 2);  // FULL
}

TEST_F(SqliteDriverTest, ContendedWriterGetsUnavailableNotInternal) {
  // One connection holds the write lock past the other's busy timeout (200 ms).
  auto holder = db_->Acquire();
  ASSERT_TRUE(holder->Begin(TxMode::kWrite).ok());
  ASSERT_TRUE(holder->Exec("INSERT INTO t (k) VALUES ('held')", {}).ok());
  absl::Status s = InTransaction(*db_, TxMode::kWrite, [](Connection& c) {
    return c.Exec("INSERT INTO t (k) VALUES ('second')", {});
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  holder->Rollback();
}

TEST_F(SqliteDriverTest, MigrationsApplyOnceInOrder) {
  std::vector<Migration> m = {{2, "0002_b", "ALTER TABLE m ADD COLUMN b TEXT"},
                              {1, "0001_a", "CREATE TABLE m (a TEXT)"}};
  ASSERT_TRUE(ApplyMigrations(*db_, "svc", m).ok());
  ASSERT_TRUE(ApplyMigrations(*db_, "svc", m).ok());  // a second start changes nothing
  auto c = db_->Acquire();
  EXPECT_EQ(c->Query("SELECT version FROM schema_migrations WHERE service = 'svc'", {})->size(),
            2u);
  EXPECT_TRUE(c->Exec("INSERT INTO m (a, b) VALUES ('1', '2')", {}).ok());
}

TEST_F(SqliteDriverTest, FailedMigrationIsNotRecorded) {
  std::vector<Migration> m = {
      {1, "0001_bad", "CREATE TABLE ok1 (a TEXT); CREATE TABLLE broken (a)"}};
  EXPECT_FALSE(ApplyMigrations(*db_, "svc2", m).ok());
  auto c = db_->Acquire();
  EXPECT_TRUE(
      c->Query("SELECT version FROM schema_migrations WHERE service = 'svc2'", {})->empty());
  EXPECT_TRUE(c->Query("SELECT name FROM sqlite_master WHERE name = 'ok1'", {})->empty());
}

}  // namespace
}  // namespace sokei::storage
