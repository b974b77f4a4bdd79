#include "common/storage/sqlite/sqlite_driver.h"

#include <sqlite3.h>

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/status/status.h"

namespace sokei::storage {
namespace {

absl::Status MapError(sqlite3* db, int rc, absl::string_view what) {
  const int primary = rc & 0xff;
  if (primary == SQLITE_CONSTRAINT &&
      (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)) {
    // Expected: the caller maps it to ALREADY_EXISTS or a duplicate-code error.
    return status::WithReason(absl::StatusCode::kAlreadyExists, "unique constraint violated",
                              "STORAGE_UNIQUE_VIOLATION");
  }
  log::Warn("sqlite error", {{"op", what}, {"detail", sqlite3_errmsg(db)}});
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return status::Unavailable("STORAGE_BUSY", "the database is busy; retry");
  }
  if (primary == SQLITE_FULL || primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN) {
    return status::Unavailable("STORAGE_UNAVAILABLE", "the database is unavailable");
  }
  return status::Internal("STORAGE_ERROR");
}

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override {
    for (auto& [sql, prepared] : cache_) sqlite3_finalize(prepared.stmt);
    sqlite3_close_v2(db_);
  }

  absl::StatusOr<std::vector<Row>> Query(absl::string_view sql,
                                         const std::vector<Value>& params) override {
    SOKEI_ASSIGN_OR_RETURN(const Prepared* prepared, Prepare(sql));
    sqlite3_stmt* stmt = prepared->stmt;
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    for (size_t i = 0; i < params.size() && i < prepared->index_of.size(); ++i) {
      const int index = prepared->index_of[i];
      if (index == 0) continue;  // parameter not used by this statement
      int rc = Bind(stmt, index, params[i]);
      if (rc != SQLITE_OK) return MapError(db_, rc, "bind");
    }
    std::vector<Row> rows;
    while (true) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        absl::Status s = MapError(db_, sqlite3_extended_errcode(db_), "step");
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
        return s;
      }
      const int n = sqlite3_column_count(stmt);
      Row row(n);
      for (int c = 0; c < n; ++c) row[c] = Column(stmt, c);
      rows.push_back(std::move(row));
    }
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);  // the values were bound without a copy: none may outlive params
    return rows;
  }

  absl::Status ExecScript(absl::string_view sql) override {
    std::string s(sql);
    int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return MapError(db_, sqlite3_extended_errcode(db_), "script");
    return absl::OkStatus();
  }

  // Through the prepared-statement cache: parsing BEGIN on every request showed in profiles.
  absl::Status Begin(TxMode mode) override {
    return Query(mode == TxMode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED", {}).status();
  }
  absl::Status Commit() override { return Query("COMMIT", {}).status(); }
  void Rollback() override {
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

 private:
  // A cached statement and, for $1…$n, the index SQLite gave each (0: not used by it).
  struct Prepared {
    sqlite3_stmt* stmt = nullptr;
    std::vector<int> index_of;
  };

  absl::StatusOr<const Prepared*> Prepare(absl::string_view sql) {
    auto it = cache_.find(sql);  // no copy of the text to look it up
    if (it != cache_.end()) return &it->second;
    Prepared p;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &p.stmt, nullptr);
    if (rc != SQLITE_OK) return MapError(db_, rc, "prepare");
    const int count = sqlite3_bind_parameter_count(p.stmt);
    for (int i = 1; i <= count; ++i) {
      p.index_of.push_back(sqlite3_bind_parameter_index(p.stmt, absl::StrCat("$", i).c_str()));
    }
    return &cache_.emplace(std::string(sql), p).first->second;
  }

  static int Bind(sqlite3_stmt* stmt, int index, const Value& v) {
    if (std::holds_alternative<std::monostate>(v)) return sqlite3_bind_null(stmt, index);
    if (const auto* i = std::get_if<int64_t>(&v)) return sqlite3_bind_int64(stmt, index, *i);
    if (const auto* d = std::get_if<double>(&v)) return sqlite3_bind_double(stmt, index, *d);
    if (const auto* s = std::get_if<std::string>(&v)) {
      return sqlite3_bind_text64(stmt, index, s->data(), s->size(), SQLITE_STATIC, SQLITE_UTF8);
    }
    const auto& b = std::get<Blob>(v);
    return sqlite3_bind_blob64(stmt, index, b.bytes.data(), b.bytes.size(), SQLITE_STATIC);
  }

  static Value Column(sqlite3_stmt* stmt, int c) {
    switch (sqlite3_column_type(stmt, c)) {
      case SQLITE_INTEGER:
        return int64_t{sqlite3_column_int64(stmt, c)};
      case SQLITE_FLOAT:
        return sqlite3_column_double(stmt, c);
      case SQLITE_TEXT:
        return std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, c)),
                           sqlite3_column_bytes(stmt, c));
      case SQLITE_BLOB: {
        const void* p = sqlite3_column_blob(stmt, c);
        return Blob{std::string(static_cast<const char*>(p), sqlite3_column_bytes(stmt, c))};
      }
      default:
        return std::monostate{};
    }
  }

  sqlite3* db_;
  absl::flat_hash_map<std::string, Prepared> cache_;
};

absl::StatusOr<std::unique_ptr<Connection>> OpenOne(const SqliteOptions& options) {
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(options.path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    if (db != nullptr) sqlite3_close_v2(db);
    log::Error("cannot open sqlite database", {{"path", options.path}});
    return status::Unavailable("STORAGE_UNAVAILABLE", "the database cannot be opened");
  }
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  sqlite3_extended_result_codes(db, 1);
  auto conn = std::make_unique<SqliteConnection>(db);
  // Reads through a shared memory map instead of a pread per page (the dashboard read of 2,000
  // indicators spent a third of its time in pread), and a larger page cache per connection.
  SOKEI_RETURN_IF_ERROR(
      conn->ExecScript("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
                       "PRAGMA mmap_size=268435456; PRAGMA cache_size=-8192;"));
  return conn;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> OpenSqlite(const SqliteOptions& options) {
  std::vector<std::unique_ptr<Connection>> conns;
  for (int i = 0; i < std::max(1, options.pool_size); ++i) {
    SOKEI_ASSIGN_OR_RETURN(auto c, OpenOne(options));
    conns.push_back(std::move(c));
  }
  return std::unique_ptr<Database>(new PooledDatabase(Dialect::kSqlite, std::move(conns)));
}

}  // namespace sokei::storage
