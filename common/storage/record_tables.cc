#include "common/storage/record_tables.h"

#include <iterator>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace sokei::storage {
namespace {

constexpr char kColumns[] = "name, municipality, parent, code, sort_key, revision, data";

}  // namespace

RecordTables::RecordTables(const std::string& prefix)
    : insert_many_(absl::StrCat("INSERT INTO ", prefix, "_resources (kind, ", kColumns, ")"), 8) {
  const std::string t = prefix + "_resources";
  get_ = absl::StrCat("SELECT ", kColumns, " FROM ", t, " WHERE kind = $1 AND name = $2");
  list_parent_ = absl::StrCat("SELECT ", kColumns, " FROM ", t,
                              " WHERE kind = $1 AND parent = $2 ORDER BY sort_key, name");
  insert_ = absl::StrCat("INSERT INTO ", t,
                         " (kind, name, municipality, parent, code, sort_key, revision, data) "
                         "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
  update_ = absl::StrCat("UPDATE ", t,
                         " SET municipality = $3, parent = $4, code = $5, sort_key = $6, "
                         "revision = $7, data = $8 WHERE kind = $1 AND name = $2");
  delete_ = absl::StrCat("DELETE FROM ", t, " WHERE kind = $1 AND name = $2");
}

absl::StatusOr<std::optional<ResourceRecord>> RecordTables::Get(Connection& c,
                                                                const std::string& kind,
                                                                const std::string& name) const {
  SOKEI_ASSIGN_OR_RETURN(auto rows, c.Query(get_, {kind, name}));
  if (rows.empty()) return std::nullopt;
  return RecordFromRow(std::move(rows.front()));
}

absl::StatusOr<std::vector<ResourceRecord>> RecordTables::ListParent(
    Connection& c, const std::string& kind, const std::string& parent) const {
  return Query(c, list_parent_, {kind, parent});
}

absl::Status RecordTables::Insert(Connection& c, const std::string& kind,
                                  const ResourceRecord& r) const {
  return c.Exec(insert_, RecordParams(kind, r));
}

absl::Status RecordTables::InsertMany(Connection& c, const std::string& kind,
                                      const std::vector<ResourceRecord>& records) const {
  return insert_many_.Run(c, records.size(), [&](size_t i, std::vector<Value>* out) {
    std::vector<Value> row = RecordParams(kind, records[i]);
    std::move(row.begin(), row.end(), std::back_inserter(*out));
  });
}

absl::Status RecordTables::Update(Connection& c, const std::string& kind,
                                  const ResourceRecord& r) const {
  return c.Exec(update_, RecordParams(kind, r));
}

absl::Status RecordTables::Delete(Connection& c, const std::string& kind,
                                  const std::string& name) const {
  return c.Exec(delete_, {kind, name});
}

absl::StatusOr<std::vector<ResourceRecord>> RecordTables::Query(Connection& c,
                                                                const std::string& sql,
                                                                std::vector<Value> params) {
  SOKEI_ASSIGN_OR_RETURN(auto rows, c.Query(sql, std::move(params)));
  std::vector<ResourceRecord> out;
  out.reserve(rows.size());
  for (Row& r : rows) out.push_back(RecordFromRow(std::move(r)));
  return out;
}

GenerationTable::GenerationTable(const std::string& prefix) {
  const std::string t = prefix + "_generations";
  get_ = absl::StrCat("SELECT generation FROM ", t, " WHERE municipality = $1");
  bump_ = absl::StrCat("INSERT INTO ", t, " (municipality, generation) VALUES ($1, 1) ",
                       "ON CONFLICT (municipality) DO UPDATE SET generation = ", t,
                       ".generation + 1");
}

absl::StatusOr<int64_t> GenerationTable::Get(Connection& c, const std::string& m) const {
  SOKEI_ASSIGN_OR_RETURN(auto rows, c.Query(get_, {m}));
  return rows.empty() ? 0 : AsInt(rows.front()[0]);
}

absl::Status GenerationTable::Bump(Connection& c, const std::string& m) const {
  return c.Exec(bump_, {m});
}

}  // namespace sokei::storage
