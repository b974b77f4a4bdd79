// A resource as the KPI and survey repositories store it: protobuf bytes plus the columns it is
// looked up by, in a table with the columns
//   kind, name, municipality, parent, code, sort_key, revision, data
// (see each service's first migration).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/storage/driver.h"

namespace sokei::storage {

struct ResourceRecord {
  std::string name;
  std::string municipality;
  std::string parent;  // where it is listed (the municipality, a plan, an indicator, a survey)
  std::string code;    // unique per (kind, parent) when non-empty
  int64_t sort_key = 0;
  int64_t revision = 0;
  std::string data;  // serialized proto
};

// From a row selected as: name, municipality, parent, code, sort_key, revision, data.
ResourceRecord RecordFromRow(Row&& row);

// The parameters $1…$8 of an insert or update: kind, name, municipality, parent, code, sort_key,
// revision, data.
std::vector<Value> RecordParams(const std::string& kind, const ResourceRecord& r);

}  // namespace sokei::storage
