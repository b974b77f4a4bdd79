// The SQLite driver against real files: types, constraint mapping, transactions, pragmas.
#include "common/storage/sqlite/sqlite_driver.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "common/storage/migrations.h"
#include "common/storage/multi_row_insert.h"

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

// MultiRowInsert: any number of rows, in statements of 64, 32 … 1, every value where it belongs;
// a row with the wrong number of values is refused before its statement runs.
TEST_F(SqliteDriverTest, MultiRowInsertWritesEveryRowInChunks) {
  auto c = db_->Acquire();
  const MultiRowInsert insert("INSERT INTO t (k, i, b)", 3);
  int written = 0;
  for (size_t n : {size_t{0}, size_t{1}, size_t{63}, size_t{64}, size_t{65}, size_t{130}}) {
    ASSERT_TRUE(insert
                    .Run(*c, n,
                         [&](size_t i, std::vector<Value>* out) {
                           const int k = written + static_cast<int>(i);
                           out->push_back(absl::StrCat("行", k));
                           out->push_back(int64_t{k});
                           out->push_back(Blob{std::string("\0", 1) + std::to_string(k)});
                         })
                    .ok())
        << n;
    written += static_cast<int>(n);
  }
  auto rows = c->Query("SELECT k, i, b FROM t ORDER BY i", {});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), static_cast<size_t>(written));
  for (int k = 0; k < written; ++k) {
    EXPECT_EQ(AsText((*rows)[k][0]), absl::StrCat("行", k));
    EXPECT_EQ(AsInt((*rows)[k][1]), k);
    EXPECT_EQ(AsText((*rows)[k][2]), std::string("\0", 1) + std::to_string(k));
  }
  auto short_row = insert.Run(*c, 2, [&](size_t i, std::vector<Value>* out) {
    out->push_back(absl::StrCat("short", i));
    if (i == 0) out->push_back(int64_t{0});
    out->push_back(int64_t{1});
  });
  EXPECT_EQ(short_row.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(c->Query("SELECT k FROM t WHERE k LIKE 'short%'", {})->size(), 0u);
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
