// Databases for tests: a SQLite file in a fresh temporary directory, or a fresh schema on the
// throwaway PostgreSQL cluster that scripts/test.sh starts (SOKEI_TEST_PG_DSN). Each is removed
// when the object goes away.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/storage/postgres/pg_driver.h"
#include "common/storage/sqlite/sqlite_driver.h"

namespace sokei::testing {

inline std::string PgDsn() {
  const char* dsn = std::getenv("SOKEI_TEST_PG_DSN");
  return dsn == nullptr ? "" : dsn;
}

// "sqlite" or "postgres", from SOKEI_TEST_BACKEND (default sqlite).
inline std::string BackendFromEnv() {
  const char* b = std::getenv("SOKEI_TEST_BACKEND");
  return b == nullptr ? "sqlite" : b;
}

class TestDatabase {
 public:
  // Returns nullptr for postgres when no test cluster is configured.
  static std::unique_ptr<TestDatabase> Make(const std::string& backend, int pool_size = 4) {
    auto t = std::unique_ptr<TestDatabase>(new TestDatabase());
    if (backend == "postgres") {
      if (PgDsn().empty()) return nullptr;
      static std::atomic<int> counter{0};
      t->schema_ = absl::StrCat("t", getpid(), "_", counter++);
      auto db = storage::OpenPostgres({PgDsn(), t->schema_, pool_size, 30000});
      if (!db.ok()) {  // configured but unreachable: a failure, not a skip
        ADD_FAILURE() << "the PostgreSQL test cluster is unreachable: " << db.status();
        t->schema_.clear();
        return nullptr;
      }
      t->db_ = std::move(*db);
    } else {
      char tmpl[] = "/tmp/sokei-test-XXXXXX";
      t->dir_ = mkdtemp(tmpl);
      auto db = storage::OpenSqlite({t->dir_ + "/test.db", pool_size, 5000});
      if (!db.ok()) {
        ADD_FAILURE() << "cannot open SQLite: " << db.status();
        return nullptr;
      }
      t->db_ = std::move(*db);
    }
    return t;
  }

  ~TestDatabase() {
    db_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
    if (!schema_.empty()) {
      PGconn* c = PQconnectdb(PgDsn().c_str());
      PQclear(PQexec(c, absl::StrCat("DROP SCHEMA IF EXISTS ", schema_, " CASCADE").c_str()));
      PQfinish(c);
    }
  }

  storage::Database* db() { return db_.get(); }
  // The SQLite file (empty for PostgreSQL).
  std::string sqlite_file() const { return dir_.empty() ? "" : dir_ + "/test.db"; }

 private:
  TestDatabase() = default;
  std::unique_ptr<storage::Database> db_;
  std::string dir_, schema_;
};

}  // namespace sokei::testing
