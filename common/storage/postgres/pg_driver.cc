#include "common/storage/postgres/pg_driver.h"

#include <endian.h>
#include <libpq-fe.h>

#include <cstring>
#include <unordered_map>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/deadline/deadline.h"
#include "common/log/log.h"
#include "common/status/status.h"

namespace sokei::storage {
namespace {

// Type OIDs (pg_type.h is not in libpq-dev).
constexpr Oid kBoolOid = 16, kByteaOid = 17, kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23,
              kTextOid = 25, kFloat8Oid = 701;

struct ResultCloser {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultCloser>;

bool IsValidSchema(const std::string& s) {
  if (s.empty() || s.size() > 63 || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_')) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

Oid TypeOf(const Value& v) {
  if (std::holds_alternative<int64_t>(v)) return kInt8Oid;
  if (std::holds_alternative<double>(v)) return kFloat8Oid;
  if (std::holds_alternative<std::string>(v)) return kTextOid;
  if (std::holds_alternative<Blob>(v)) return kByteaOid;
  return 0;  // NULL: let the server infer
}

class PgConnection final : public Connection {
 public:
  PgConnection(const PostgresOptions& o) : options_(o) {}
  ~PgConnection() override {
    if (conn_ != nullptr) PQfinish(conn_);
  }

  absl::Status Connect() {
    if (conn_ != nullptr) PQfinish(conn_);
    statements_.clear();
    // A bounded connect (a later connect_timeout in the DSN wins); URIs are taken as they are.
    const bool uri = options_.dsn.rfind("postgres", 0) == 0;
    conn_ = PQconnectdb((uri ? options_.dsn : "connect_timeout=5 " + options_.dsn).c_str());
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);  // NOTICEs are not errors
    if (PQstatus(conn_) != CONNECTION_OK) {
      log::Warn("postgres connect failed", {{"detail", PQerrorMessage(conn_)}});
      return status::Unavailable("STORAGE_UNAVAILABLE", "the database is unavailable");
    }
    return ExecScript(absl::StrCat("CREATE SCHEMA IF NOT EXISTS ", options_.schema,
                                   "; SET search_path TO ", options_.schema,
                                   "; SET statement_timeout = ", options_.statement_timeout_ms));
  }

  absl::StatusOr<std::vector<Row>> Query(absl::string_view sql,
                                         const std::vector<Value>& params) override {
    SOKEI_RETURN_IF_ERROR(EnsureConnected());
    std::vector<Oid> types;
    std::string key(sql);
    for (const Value& v : params) {
      types.push_back(TypeOf(v));
      absl::StrAppend(&key, "|", types.back());
    }
    auto it = statements_.find(key);
    if (it == statements_.end()) {
      const std::string name = absl::StrCat("s", statements_.size());
      Result r(PQprepare(conn_, name.c_str(), std::string(sql).c_str(),
                         static_cast<int>(params.size()), types.data()));
      SOKEI_RETURN_IF_ERROR(Check(r.get(), "prepare"));
      it = statements_.emplace(key, name).first;
    }
    std::vector<std::string> text(params.size());
    std::vector<const char*> values(params.size());
    std::vector<int> lengths(params.size()), formats(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      const Value& v = params[i];
      if (std::holds_alternative<std::monostate>(v)) {
        values[i] = nullptr;
        continue;
      }
      if (const auto* b = std::get_if<Blob>(&v)) {
        values[i] = b->bytes.data();
        lengths[i] = static_cast<int>(b->bytes.size());
        formats[i] = 1;  // binary
        continue;
      }
      if (const auto* n = std::get_if<int64_t>(&v)) text[i] = absl::StrCat(*n);
      if (const auto* d = std::get_if<double>(&v)) text[i] = absl::StrCat(*d);
      if (const auto* s = std::get_if<std::string>(&v)) text[i] = *s;
      values[i] = text[i].c_str();
      lengths[i] = static_cast<int>(text[i].size());
    }
    Result r(PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(params.size()),
                            values.data(), lengths.data(), formats.data(), /*resultFormat=*/1));
    SOKEI_RETURN_IF_ERROR(Check(r.get(), "execute"));
    std::vector<Row> rows;
    const int n = PQntuples(r.get()), cols = PQnfields(r.get());
    rows.reserve(n);
    for (int t = 0; t < n; ++t) {
      Row row(cols);
      for (int c = 0; c < cols; ++c) row[c] = Column(r.get(), t, c);
      rows.push_back(std::move(row));
    }
    return rows;
  }

  absl::Status ExecScript(absl::string_view sql) override {
    if (conn_ == nullptr) return status::Unavailable("STORAGE_UNAVAILABLE", "not connected");
    Result r(PQexec(conn_, std::string(sql).c_str()));
    return Check(r.get(), "script");
  }

  // Writers of one service take the schema's transaction-scoped advisory lock, so they run one
  // at a time as on SQLite (BEGIN IMMEDIATE): the read-validate-write of a use case cannot
  // interleave with another. Readers take a snapshot and never wait.
  // The statements of a transaction get the request's remaining time (never more than the
  // configured statement timeout): the server cancels them when the caller has given up.
  absl::Status Begin(TxMode mode) override {
    SOKEI_RETURN_IF_ERROR(EnsureConnected());
    int64_t timeout_ms = options_.statement_timeout_ms;
    if (auto d = deadline::Current()) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(*d - deadline::Clock::now());
      if (left.count() <= 0) {
        return status::WithReason(absl::StatusCode::kDeadlineExceeded, "the deadline has passed",
                                  "STORAGE_TIMEOUT");
      }
      timeout_ms = std::min<int64_t>(timeout_ms, left.count());
    }
    const std::string set_timeout = absl::StrCat("; SET LOCAL statement_timeout = ", timeout_ms);
    if (mode == TxMode::kRead) {
      return ExecScript(
          absl::StrCat("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", set_timeout));
    }
    return ExecScript(absl::StrCat("BEGIN ISOLATION LEVEL SERIALIZABLE", set_timeout,
                                   "; SELECT pg_advisory_xact_lock(hashtext('sokei.",
                                   options_.schema, "'))"));
  }
  absl::Status Commit() override { return ExecScript("COMMIT"); }
  void Rollback() override {
    if (conn_ != nullptr && PQtransactionStatus(conn_) != PQTRANS_IDLE) {
      Result r(PQexec(conn_, "ROLLBACK"));
    }
  }

 private:
  // After the server restarted, the next use reconnects (no service restart needed).
  absl::Status EnsureConnected() {
    if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK) return absl::OkStatus();
    return Connect();
  }

  absl::Status Check(PGresult* r, absl::string_view op) {
    const ExecStatusType st = r == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return absl::OkStatus();
    const char* state = r == nullptr ? nullptr : PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const std::string sqlstate = state == nullptr ? "" : state;
    if (sqlstate == "23505") {  // unique_violation: expected, mapped by the caller
      return status::WithReason(absl::StatusCode::kAlreadyExists, "unique constraint violated",
                                "STORAGE_UNIQUE_VIOLATION");
    }
    if (sqlstate == "40001" || sqlstate == "40P01") {  // expected under SERIALIZABLE: retried
      return status::WithReason(absl::StatusCode::kAborted, "concurrent update; retry",
                                "STORAGE_CONFLICT");
    }
    log::Warn("postgres error",
              {{"op", op}, {"sqlstate", sqlstate}, {"detail", PQerrorMessage(conn_)}});
    if (sqlstate == "57014") {
      return status::WithReason(absl::StatusCode::kDeadlineExceeded, "the query took too long",
                                "STORAGE_TIMEOUT");
    }
    if (PQstatus(conn_) != CONNECTION_OK || sqlstate.rfind("08", 0) == 0 ||
        sqlstate.rfind("53", 0) == 0 || sqlstate.rfind("57P", 0) == 0) {
      return status::Unavailable("STORAGE_UNAVAILABLE", "the database is unavailable");
    }
    return status::Internal("STORAGE_ERROR");
  }

  static Value Column(PGresult* r, int t, int c) {
    if (PQgetisnull(r, t, c)) return std::monostate{};
    const char* p = PQgetvalue(r, t, c);
    const int len = PQgetlength(r, t, c);
    switch (PQftype(r, c)) {
      case kInt8Oid: {
        uint64_t v;
        std::memcpy(&v, p, 8);
        return static_cast<int64_t>(be64toh(v));
      }
      case kInt4Oid: {
        uint32_t v;
        std::memcpy(&v, p, 4);
        return static_cast<int64_t>(static_cast<int32_t>(be32toh(v)));
      }
      case kInt2Oid: {
        uint16_t v;
        std::memcpy(&v, p, 2);
        return static_cast<int64_t>(static_cast<int16_t>(be16toh(v)));
      }
      case kBoolOid:
        return static_cast<int64_t>(*p != 0);
      case kFloat8Oid: {
        uint64_t v;
        std::memcpy(&v, p, 8);
        v = be64toh(v);
        double d;
        std::memcpy(&d, &v, 8);
        return d;
      }
      case kByteaOid:
        return Blob{std::string(p, len)};
      default:  // text, varchar, name …: binary format is the bytes
        return std::string(p, len);
    }
  }

  PostgresOptions options_;
  PGconn* conn_ = nullptr;
  std::unordered_map<std::string, std::string> statements_;  // SQL|types → prepared name
};

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> OpenPostgres(const PostgresOptions& options) {
  if (!IsValidSchema(options.schema)) {
    return status::WithReason(absl::StatusCode::kInvalidArgument, "invalid schema name",
                              "CONFIG_INVALID");
  }
  std::vector<std::unique_ptr<Connection>> conns;
  for (int i = 0; i < std::max(1, options.pool_size); ++i) {
    auto c = std::make_unique<PgConnection>(options);
    // The first connection must work (a bad DSN stops start-up); later ones reconnect lazily.
    absl::Status s = c->Connect();
    if (!s.ok() && i == 0) return s;
    conns.push_back(std::move(c));
  }
  return std::unique_ptr<Database>(new PooledDatabase(Dialect::kPostgres, std::move(conns)));
}

}  // namespace sokei::storage
