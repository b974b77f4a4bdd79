// A small SQL driver interface (prepare/bind/step hidden behind Query), one implementation per
// database (sqlite/, postgres/). SQL uses $1, $2 … placeholders and the subset of SQL both
// SQLite 3.40 and PostgreSQL 15 accept (ON CONFLICT, RETURNING, BIGINT, BYTEA via Blob).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sokei::storage {

struct Blob {
  std::string bytes;
};

using Value = std::variant<std::monostate, int64_t, double, std::string, Blob>;
using Row = std::vector<Value>;

// Typed accessors; a NULL reads as 0 / "".
int64_t AsInt(const Value& v);
const std::string& AsText(const Value& v);  // text or blob bytes
// Moves text or blob bytes out of a row (records can be large: a plan tree read moves ~1 MB).
std::string Take(Value& v);

enum class Dialect { kSqlite, kPostgres };

// kRehearsal: a write transaction that is always rolled back (a dry run that sees its own writes).
enum class TxMode { kRead, kWrite, kRehearsal };

// One connection. Not thread-safe; leased from a Database.
class Connection {
 public:
  virtual ~Connection() = default;
  // Runs one statement with bound parameters and returns every row.
  // Errors: ALREADY_EXISTS for a unique-constraint violation, UNAVAILABLE for busy/locked or a lost
  // connection, INTERNAL otherwise. Messages never carry SQL or values (they are logged instead).
  virtual absl::StatusOr<std::vector<Row>> Query(absl::string_view sql,
                                                 const std::vector<Value>& params) = 0;
  absl::Status Exec(absl::string_view sql, const std::vector<Value>& params) {
    return Query(sql, params).status();
  }
  // Runs several statements without parameters (migrations).
  virtual absl::Status ExecScript(absl::string_view sql) = 0;
  virtual absl::Status Begin(TxMode mode) = 0;
  virtual absl::Status Commit() = 0;
  virtual void Rollback() = 0;
};

// A pool of connections to one database.
class Database {
 public:
  class Lease {
   public:
    Lease(Database* db, std::unique_ptr<Connection> c) : db_(db), conn_(std::move(c)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = default;
    ~Lease() {
      if (conn_) db_->Release(std::move(conn_));
    }
    Connection& operator*() { return *conn_; }
    Connection* operator->() { return conn_.get(); }

   private:
    Database* db_;
    std::unique_ptr<Connection> conn_;
  };

  virtual ~Database() = default;
  virtual Dialect dialect() const = 0;
  // Blocks until a connection is free.
  virtual Lease Acquire() = 0;

 protected:
  virtual void Release(std::unique_ptr<Connection> conn) = 0;
};

// A Database over a fixed set of connections, shared by the drivers.
class PooledDatabase final : public Database {
 public:
  PooledDatabase(Dialect dialect, std::vector<std::unique_ptr<Connection>> conns);
  Dialect dialect() const override { return dialect_; }
  Lease Acquire() override;

 protected:
  void Release(std::unique_ptr<Connection> conn) override;

 private:
  const Dialect dialect_;
  // std::mutex rather than absl::Mutex: Debian's Abseil runs deadlock detection on every
  // absl::Mutex operation, which showed in the GetNode profile.
  std::mutex mu_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> free_ ABSL_GUARDED_BY(mu_);
};

// True when the database answers a trivial query (readiness).
bool Ping(Database& db);

// Runs `fn` in one transaction: commits when it returns OK, rolls back otherwise. A
// serialization conflict (reason STORAGE_CONFLICT) is retried a few times, so `fn` must be safe to
// run again from the start.
absl::Status InTransaction(Database& db, TxMode mode,
                           const std::function<absl::Status(Connection&)>& fn);

}  // namespace sokei::storage
