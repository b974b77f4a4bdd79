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
#include "common/storage/service_tx.h"

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

// Operations inside one transaction: the plan service's own resource table, and the generation,
// audit trail and request ids every service keeps (service_tx.h).
class PlanTx : public storage::BookkeepingTx {
 public:
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
};

class PlanRepository {
 public:
  virtual ~PlanRepository() = default;
  virtual absl::Status Read(const std::function<absl::Status(PlanTx&)>& fn) = 0;
  // All or nothing: the changes made by `fn` are committed only when it returns OK.
  virtual absl::Status Write(const std::function<absl::Status(PlanTx&)>& fn) = 0;
};

}  // namespace sokei::plan
