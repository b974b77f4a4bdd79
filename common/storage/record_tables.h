// The record store the KPI and survey services share: resources as protobuf bytes with their
// lookup columns in <prefix>_resources, and the per-municipality generation in
// <prefix>_generations (the plan service keeps its own resource table, shaped by plans and
// collections, and shares the generations, the audit trail and the request ids). Used inside the
// service's own transaction. The tables come from the base schema (base_schema.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/storage/driver.h"
#include "common/storage/multi_row_insert.h"
#include "common/storage/resource_record.h"

namespace sokei::storage {

class RecordTables {
 public:
  explicit RecordTables(const std::string& prefix);

  absl::StatusOr<std::optional<ResourceRecord>> Get(Connection& c, const std::string& kind,
                                                    const std::string& name) const;
  // Ordered by sort_key, then name.
  absl::StatusOr<std::vector<ResourceRecord>> ListParent(Connection& c, const std::string& kind,
                                                         const std::string& parent) const;
  // ALREADY_EXISTS when the name, or the code within (kind, parent), is taken.
  absl::Status Insert(Connection& c, const std::string& kind, const ResourceRecord& r) const;
  absl::Status InsertMany(Connection& c, const std::string& kind,
                          const std::vector<ResourceRecord>& records) const;
  absl::Status Update(Connection& c, const std::string& kind, const ResourceRecord& r) const;
  absl::Status Delete(Connection& c, const std::string& kind, const std::string& name) const;

  // A service's own query whose columns are name, municipality, parent, code, sort_key,
  // revision, data.
  static absl::StatusOr<std::vector<ResourceRecord>> Query(Connection& c, const std::string& sql,
                                                           std::vector<Value> params);

 private:
  std::string get_, list_parent_, insert_, update_, delete_;
  MultiRowInsert insert_many_;
};

// The per-municipality generation, bumped in every write transaction (cache keys carry it).
class GenerationTable {
 public:
  explicit GenerationTable(const std::string& prefix);
  absl::StatusOr<int64_t> Get(Connection& c, const std::string& municipality) const;
  absl::Status Bump(Connection& c, const std::string& municipality) const;

 private:
  std::string get_, bump_;
};

}  // namespace sokei::storage
