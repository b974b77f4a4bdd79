#include "common/storage/multi_row_insert.h"

#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace sokei::storage {

MultiRowInsert::MultiRowInsert(absl::string_view head, int columns)
    : columns_(static_cast<size_t>(columns)) {
  for (size_t rows = 1; rows <= kMaxRows; rows *= 2) {
    std::string sql = absl::StrCat(head, " VALUES ");
    int param = 0;
    for (size_t r = 0; r < rows; ++r) {
      absl::StrAppend(&sql, r == 0 ? "(" : ", (");
      for (int c = 0; c < columns; ++c) absl::StrAppend(&sql, c == 0 ? "$" : ", $", ++param);
      sql += ')';
    }
    sql_.push_back(std::move(sql));
  }
}

absl::Status MultiRowInsert::Run(Connection& c, size_t count,
                                 absl::FunctionRef<void(size_t, std::vector<Value>*)> row) const {
  std::vector<Value> params;
  size_t done = 0;
  while (done < count) {
    size_t k = sql_.size() - 1;
    while ((size_t{1} << k) > count - done) --k;
    const size_t rows = size_t{1} << k;
    params.clear();
    params.reserve(rows * columns_);
    for (size_t i = done; i < done + rows; ++i) {
      row(i, &params);
      if (params.size() != (i - done + 1) * columns_) return status::Internal("STORAGE_ERROR");
    }
    SOKEI_RETURN_IF_ERROR(c.Exec(sql_[k], params));
    done += rows;
  }
  return absl::OkStatus();
}

}  // namespace sokei::storage
