#include "common/storage/driver.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "common/metrics/registry.h"
#include "common/status/status.h"
#include "common/storage/commit_signal.h"

namespace sokei::storage {

int64_t AsInt(const Value& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return *i;
  if (const auto* d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
  if (const auto* s = std::get_if<std::string>(&v)) return std::strtoll(s->c_str(), nullptr, 10);
  return 0;
}

const std::string& AsText(const Value& v) {
  static const std::string kEmpty;
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* b = std::get_if<Blob>(&v)) return b->bytes;
  return kEmpty;
}

std::string Take(Value& v) {
  if (auto* s = std::get_if<std::string>(&v)) return std::move(*s);
  if (auto* b = std::get_if<Blob>(&v)) return std::move(b->bytes);
  return std::string();
}

PooledDatabase::PooledDatabase(Dialect dialect, std::vector<std::unique_ptr<Connection>> conns)
    : dialect_(dialect), free_(std::move(conns)) {}

Database::Lease PooledDatabase::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  available_.wait(lock, [this] { return !free_.empty(); });
  auto conn = std::move(free_.back());
  free_.pop_back();
  return Lease(this, std::move(conn));
}

void PooledDatabase::Release(std::unique_ptr<Connection> conn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(std::move(conn));
  }
  available_.notify_one();
}

bool Ping(Database& db) {
  auto conn = db.Acquire();
  return conn->Query("SELECT 1", {}).ok();
}

CommitSignal& CommitSignal::Global() {
  static CommitSignal* signal = new CommitSignal();
  return *signal;
}

namespace {

absl::Status RunOnce(Database& db, TxMode mode,
                     const std::function<absl::Status(Connection&)>& fn) {
  auto conn = db.Acquire();
  absl::Status s = conn->Begin(mode == TxMode::kRehearsal ? TxMode::kWrite : mode);
  if (!s.ok()) {
    conn->Rollback();
    return s;
  }
  s = fn(*conn);
  if (!s.ok() || mode == TxMode::kRehearsal) {
    conn->Rollback();
    return s;
  }
  s = conn->Commit();
  if (!s.ok()) {
    conn->Rollback();
  } else if (mode == TxMode::kWrite) {
    CommitSignal::Global().Notify();
  }
  return s;
}

bool IsConflict(const absl::Status& s) {
  if (s.code() != absl::StatusCode::kAborted) return false;
  auto info = status::GetErrorInfo(s);
  return info && info->reason == "STORAGE_CONFLICT";
}

}  // namespace

absl::Status InTransaction(Database& db, TxMode mode,
                           const std::function<absl::Status(Connection&)>& fn) {
  // A serialization conflict (PostgreSQL SERIALIZABLE) is retried: `fn` must be re-runnable.
  absl::Status s;
  // Writers of one municipality conflict on its audit sequence; on a loaded 2-core machine eight
  // quick attempts were seen to run out (one CreateNode of 60 concurrent ones), so: up to 20
  // attempts, jittered 1–4 ms doubling to at most 128 ms (about 2 s in all, under the deadline).
  const auto start = std::chrono::steady_clock::now();
  auto record = [&](const absl::Status& result) {
    metrics::Registry::Global().Observe(
        "sokei_storage_transaction_seconds",
        "Storage transactions, by mode and outcome (retries of a conflict included).",
        {{"mode", mode == TxMode::kRead    ? "read"
                  : mode == TxMode::kWrite ? "write"
                                           : "rehearsal"},
         {"outcome", result.ok() ? "ok" : "error"}},
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return result;
  };
  for (int attempt = 0; attempt < 20; ++attempt) {
    s = RunOnce(db, mode, fn);
    if (!IsConflict(s)) return record(s);
    metrics::Registry::Global().Add("sokei_storage_conflicts_total",
                                    "Serialization conflicts retried.", {});
    std::this_thread::sleep_for(
        std::chrono::microseconds((1000 + std::rand() % 3000) << std::min(attempt, 5)));
  }
  return record(status::Unavailable("STORAGE_BUSY", "the database is busy; retry"));
}

}  // namespace sokei::storage
