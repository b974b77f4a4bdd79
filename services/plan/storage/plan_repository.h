// The plan service's storage interface. Resources are kept as records (protobuf bytes plus the
// columns they are looked up by); the domain works inside one Read or Write transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/storage/audit_log.h"

namespace sokei::plan {

enum class Kind { kMunicipality, kDepartment, kPlan, kNode, kPackage, kLink };

const char* KindName(Kind kind);

struct Record {
  std::string name;
  std::string municipality;
  std::string plan;        // the plan a resource belongs to ("" for municipality-level ones)
  std::string collection;  // the parent in the resource name (plan for nodes, package for links)
  std::string code;        // unique per (kind, collection) when non-empty
  int64_t sort_key = 0;
  int64_t revision = 0;
  std::string data;  // serialized proto
};

using AuditRow = storage::AuditRow;
using IdempotencyRow = storage::IdempotencyRow;

// Operations inside one transaction.
class PlanTx {
 public:
  virtual ~PlanTx() = default;
  virtual absl::StatusOr<std::optional<Record>> Get(Kind kind, const std::string& name) = 0;
  // Ordered by sort_key, then name.
  virtual absl::StatusOr<std::vector<Record>> ListCollection(Kind kind,
                                                             const std::string& collection) = 0;
  virtual absl::StatusOr<std::vector<Record>> ListPlan(Kind kind, const std::string& plan) = 0;
  // Only the serialized protos of ListPlan, same order: the hot tree read needs nothing else.
  virtual absl::StatusOr<std::vector<std::string>> ListPlanData(Kind kind,
                                                                const std::string& plan) = 0;
  virtual absl::StatusOr<std::vector<Record>> ListMunicipality(Kind kind,
                                                               const std::string& municipality) = 0;
  // ALREADY_EXISTS (reason STORAGE_UNIQUE_VIOLATION) when the name or the code is taken.
  virtual absl::Status Insert(Kind kind, const Record& record) = 0;
  virtual absl::Status Update(Kind kind, const Record& record) = 0;
  virtual absl::Status Delete(Kind kind, const std::string& name) = 0;
  // Assigns the next seq of the municipality.
  virtual absl::StatusOr<int64_t> AppendAudit(const AuditRow& row) = 0;
  // Newest first. Empty filters match everything; resource_prefix matches names starting with it.
  virtual absl::StatusOr<std::vector<AuditRow>> ListAudit(const std::string& municipality,
                                                          const std::string& resource_prefix,
                                                          const std::string& actor, int64_t offset,
                                                          int64_t limit) = 0;
  // The municipality's generation (0 before its first write) and its increment.
  virtual absl::StatusOr<int64_t> Generation(const std::string& municipality) = 0;
  virtual absl::Status BumpGeneration(const std::string& municipality) = 0;
  virtual absl::StatusOr<std::optional<IdempotencyRow>> GetIdempotency(
      const std::string& municipality, const std::string& request_id) = 0;
  virtual absl::Status PutIdempotency(const IdempotencyRow& row) = 0;
};

class PlanRepository {
 public:
  virtual ~PlanRepository() = default;
  virtual absl::Status Read(const std::function<absl::Status(PlanTx&)>& fn) = 0;
  // All or nothing: the changes made by `fn` are committed only when it returns OK.
  virtual absl::Status Write(const std::function<absl::Status(PlanTx&)>& fn) = 0;
};

}  // namespace sokei::plan
