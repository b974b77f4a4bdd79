// One INSERT statement for many rows: the bookkeeping rows a write transaction appends (audit
// events, the change outbox) are written together instead of one statement each — an import of
// 10,000 indicators appended 40,000 of them one by one. Chunks of 64, 32 … 1 rows (the largest
// that fits what is left), so a connection prepares at most seven statements per table and no
// statement binds more than 64 × columns parameters (under SQLite's and PostgreSQL's limits).
#pragma once

#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/storage/driver.h"

namespace sokei::storage {

class MultiRowInsert {
 public:
  static constexpr size_t kMaxRows = 64;

  // `head`: "INSERT INTO t (a, b, …)", naming `columns` columns.
  MultiRowInsert(absl::string_view head, int columns);

  // Inserts `count` rows; `row(i, out)` appends the `columns` values of row i to `out` (another
  // number of values is INTERNAL, and that statement is not run).
  absl::Status Run(Connection& c, size_t count,
                   absl::FunctionRef<void(size_t, std::vector<Value>*)> row) const;

 private:
  size_t columns_;
  std::vector<std::string> sql_;  // [k] inserts 2^k rows
};

}  // namespace sokei::storage
