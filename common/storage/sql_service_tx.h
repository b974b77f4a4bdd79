// The SQL side of service_tx.h: a pair of mixins a service's transaction class derives from, so
// each service writes only what is its own (plan's resource table, KPI's plan membership, survey's
// respondents), and the transaction runner its repository's Read, Write and Rehearse call.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status/status.h"
#include "common/storage/audit_log.h"
#include "common/storage/change_log.h"
#include "common/storage/driver.h"
#include "common/storage/record_tables.h"
#include "common/storage/service_tx.h"

namespace sokei::storage {

// A service's tables, their SQL prepared once per table prefix ("plan", "kpi", "survey").
struct ServiceTables {
  explicit ServiceTables(const std::string& prefix)
      : audit(prefix), changes(prefix), generations(prefix), records(prefix) {}
  AuditTables audit;
  ChangeTables changes;
  GenerationTable generations;
  RecordTables records;  // unused by the plan service, whose resource table is its own
};

// BookkeepingTx on SQL, for `Tx` (a service's interface, derived from BookkeepingTx). Audit and
// change rows are numbered when appended and written a batch at a time (MultiRowInsert): when a
// batch is full, before this transaction reads those tables, and by RunInTransaction before it
// commits — so the transaction sees its own rows and commits all of them.
template <typename Tx>
class SqlBookkeeping : public Tx {
 public:
  SqlBookkeeping(Connection& c, const ServiceTables& tables) : c_(c), tables_(tables) {}

  absl::StatusOr<int64_t> AppendAudit(const AuditRow& row) final {
    SOKEI_ASSIGN_OR_RETURN(const int64_t seq,
                           tables_.audit.NextSeq(c_, row.municipality, &next_seq_));
    pending_audit_.push_back(row);
    pending_audit_.back().seq = seq;
    if (pending_audit_.size() >= MultiRowInsert::kMaxRows) SOKEI_RETURN_IF_ERROR(FlushAudit());
    return seq;
  }
  absl::StatusOr<std::vector<AuditRow>> ListAudit(const std::string& m, const std::string& prefix,
                                                  const std::string& actor, int64_t offset,
                                                  int64_t limit) final {
    SOKEI_RETURN_IF_ERROR(FlushAudit());
    return tables_.audit.List(c_, m, prefix, actor, offset, limit);
  }
  absl::StatusOr<int64_t> Generation(const std::string& m) final {
    return tables_.generations.Get(c_, m);
  }
  absl::Status BumpGeneration(const std::string& m) final {
    return tables_.generations.Bump(c_, m);
  }
  absl::StatusOr<std::optional<IdempotencyRow>> GetIdempotency(const std::string& m,
                                                               const std::string& id) final {
    return tables_.audit.GetIdempotency(c_, m, id);
  }
  absl::Status PutIdempotency(const IdempotencyRow& row) final {
    return tables_.audit.PutIdempotency(c_, row);
  }
  absl::StatusOr<int64_t> AppendChange(const ChangeRow& row) final {
    SOKEI_ASSIGN_OR_RETURN(const int64_t seq, tables_.changes.NextSeq(c_, &next_change_seq_));
    pending_changes_.push_back(row);
    pending_changes_.back().seq = seq;
    if (pending_changes_.size() >= MultiRowInsert::kMaxRows) {
      SOKEI_RETURN_IF_ERROR(FlushChanges());
    }
    return seq;
  }
  absl::StatusOr<std::vector<ChangeRow>> ChangesAfter(const std::string& m, int64_t after_seq,
                                                      int64_t limit) final {
    SOKEI_RETURN_IF_ERROR(FlushChanges());
    return tables_.changes.After(c_, m, after_seq, limit);
  }
  absl::StatusOr<ChangeBounds> ChangeLogBounds() final {
    SOKEI_RETURN_IF_ERROR(FlushChanges());
    return tables_.changes.Bounds(c_);
  }
  absl::Status PruneChanges(int64_t before_micros) final {
    SOKEI_RETURN_IF_ERROR(FlushChanges());
    return tables_.changes.Prune(c_, before_micros);
  }

  // Writes the rows appended and not yet written; RunInTransaction calls it before committing.
  absl::Status Flush() {
    SOKEI_RETURN_IF_ERROR(FlushAudit());
    return FlushChanges();
  }

 protected:
  Connection& c_;
  const ServiceTables& tables_;

 private:
  absl::Status FlushAudit() {
    if (pending_audit_.empty()) return absl::OkStatus();
    SOKEI_RETURN_IF_ERROR(tables_.audit.Insert(c_, pending_audit_));
    pending_audit_.clear();
    return absl::OkStatus();
  }
  absl::Status FlushChanges() {
    if (pending_changes_.empty()) return absl::OkStatus();
    SOKEI_RETURN_IF_ERROR(tables_.changes.Insert(c_, pending_changes_));
    pending_changes_.clear();
    return absl::OkStatus();
  }

  std::map<std::string, int64_t> next_seq_;  // audit sequence numbers of this transaction
  int64_t next_change_seq_ = 0;              // the outbox's, 0 before the first append
  std::vector<AuditRow> pending_audit_;      // numbered, not yet written
  std::vector<ChangeRow> pending_changes_;
};

// RecordStoreTx on SQL: `Tx` derives from RecordStoreTx<KindT>, `kind_name` names a kind in the
// table.
template <typename Tx, typename KindT, const char* (*kind_name)(KindT)>
class SqlRecordStore : public SqlBookkeeping<Tx> {
 public:
  using SqlBookkeeping<Tx>::SqlBookkeeping;

  absl::StatusOr<std::optional<ResourceRecord>> Get(KindT kind, const std::string& name) final {
    return this->tables_.records.Get(this->c_, kind_name(kind), name);
  }
  absl::StatusOr<std::vector<ResourceRecord>> ListParent(KindT kind,
                                                         const std::string& parent) final {
    return this->tables_.records.ListParent(this->c_, kind_name(kind), parent);
  }
  absl::Status Insert(KindT kind, const ResourceRecord& r) final {
    return this->tables_.records.Insert(this->c_, kind_name(kind), r);
  }
  absl::Status InsertMany(KindT kind, const std::vector<ResourceRecord>& records) final {
    return this->tables_.records.InsertMany(this->c_, kind_name(kind), records);
  }
  absl::Status Update(KindT kind, const ResourceRecord& r) final {
    return this->tables_.records.Update(this->c_, kind_name(kind), r);
  }
  absl::Status Delete(KindT kind, const std::string& name) final {
    return this->tables_.records.Delete(this->c_, kind_name(kind), name);
  }
};

// Runs `fn` on a `SqlTx` (constructed from the connection) in a transaction of `mode`.
template <typename SqlTx, typename Tx>
absl::Status RunInTransaction(Database& db, TxMode mode,
                              const std::function<absl::Status(Tx&)>& fn) {
  return InTransaction(db, mode, [&](Connection& c) -> absl::Status {
    SqlTx tx(c);
    SOKEI_RETURN_IF_ERROR(fn(tx));
    return tx.Flush();
  });
}

}  // namespace sokei::storage
